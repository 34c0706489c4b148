"""`jobbatch leads`: list and show read the warehouse; ask, email and roi are live turns that print
their cost. Through the real CLI entry point, the SDK over HTTP and a real DuckDB file."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner, Result

from jobbatch_dagster.cli import main
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings

pytestmark = pytest.mark.integration
COST_LINE = re.compile(
    r"\[live call: gpt-4o-mini\S* on emulator, \d+ in / \d+ out tokens, \$[\d.]+; "
    r"live spend today \$[\d.]+ of \$1\.00\]"
)


def leads(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(main, ["leads", *args, "--db", str(settings.warehouse_path)])


def test_list_and_show_read_the_leads_and_their_outreach(
    settings: Settings, best_lead: str
) -> None:
    listed = leads(settings, "list")
    assert listed.exit_code == 0, listed.output
    first = listed.output.splitlines()[1]
    assert first.startswith(best_lead) and " yes " in first
    shown = leads(settings, "show", best_lead)
    assert shown.exit_code == 0, shown.output
    assert "outreach (overnight):" in shown.output and "Subject: " in shown.output
    assert "Call opener: " in shown.output


def test_ask_continues_the_leads_conversation_and_prints_each_calls_cost(
    openai_env: EmulatorProcess, settings: Settings, best_lead: str
) -> None:
    first = leads(settings, "ask", best_lead, "Is this worth a call today?")
    assert first.exit_code == 0, first.output
    assert "no model was called" in first.output and COST_LINE.search(first.output)
    second = leads(settings, "ask", best_lead, "And what do I open with?")
    assert "and 1 earlier answer(s)" in second.output  # the first exchange was sent again
    email = leads(settings, "email", best_lead)
    assert email.output.startswith("Subject: ") and COST_LINE.search(email.output)
    roi = leads(settings, "roi", best_lead)
    assert '"payback_months"' in roi.output and COST_LINE.search(roi.output)
    shown = leads(settings, "show", best_lead)
    assert "conversation (8 turns):" in shown.output


def test_errors_say_what_to_do(openai_env: EmulatorProcess, settings: Settings) -> None:
    unknown = leads(settings, "ask", "no-such-lead", "hello?")
    assert unknown.exit_code == 1
    assert "`jobbatch leads list` shows the leads" in unknown.output
    missing = CliRunner().invoke(main, ["leads", "list", "--db", "/nonexistent/w.duckdb"])
    assert missing.exit_code == 1 and "run `make demo`" in missing.output
