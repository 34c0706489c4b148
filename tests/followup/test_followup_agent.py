"""ConversationalLeadAgent over the real SDK and HTTP to the emulator, every turn in a real DuckDB
file: context, multi-turn memory across processes, shaped answers, live cost and the budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster import ConversationalLeadAgent
from jobbatch_dagster.batch.cost import BudgetExceededError
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.followup import UnknownLeadError
from jobbatch_dagster.settings import Settings

pytestmark = pytest.mark.integration


def rows(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


RESUME_AND_ASK = textwrap.dedent(
    """
    import json, sys
    from jobbatch_dagster import ConversationalLeadAgent

    agent = ConversationalLeadAgent(warehouse=sys.argv[1])
    conversation = agent.resume_conversation(sys.argv[2])
    before = len(conversation.exchanges)
    answer = conversation.ask("Which of their tools should we integrate with first?")
    print(json.dumps({"before": before, "answer": answer}))
    """
)


def test_a_three_turn_conversation_resumes_from_duckdb_in_a_new_process(
    openai_env: EmulatorProcess, settings: Settings, best_lead: str, tmp_path: Path
) -> None:
    agent = ConversationalLeadAgent(settings=settings)
    conversation = agent.start_conversation(best_lead)
    first = conversation.ask("Is this lead worth a call today?")
    second = conversation.ask("What would you say in the first minute?")
    # the lead's file is the conversation's context: the emulator names the posting it carries
    title = rows(settings, "SELECT title FROM qualified_leads WHERE job_id = ?", [best_lead])[0][0]
    assert f"the conversation is about {title}" in first
    assert "and 0 earlier answer(s)" in first
    assert "and 1 earlier answer(s)" in second

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", RESUME_AND_ASK, str(settings.warehouse_path), best_lead],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # no jobbatch.toml here: the warehouse comes from the argument alone
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    third = json.loads(result.stdout)
    assert third["before"] == 4  # two questions, two answers, read back from DuckDB
    assert "and 2 earlier answer(s)" in third["answer"]  # the new process sent the whole history

    resumed = agent.resume_conversation(best_lead)
    assert [(t.turn, t.role) for t in resumed.turns] == [
        (1, "context"),
        (2, "user"),
        (3, "assistant"),
        (4, "user"),
        (5, "assistant"),
        (6, "user"),
        (7, "assistant"),
    ]
    assert resumed.turns[-1].content == third["answer"]
    assert "Which of their tools" in resumed.turns[-2].content


def test_every_answer_turn_records_model_backend_tokens_and_live_cost(
    openai_env: EmulatorProcess, settings: Settings, best_lead: str
) -> None:
    agent = ConversationalLeadAgent(settings=settings)
    conversation = agent.start_conversation(best_lead)
    conversation.ask("Summarise the lead in one line.")
    answer = conversation.last_answer
    assert answer is not None and answer.backend == "emulator"
    assert answer.cost.live_usd is not None and answer.cost.live_usd > 0
    (row,) = rows(
        settings,
        "SELECT model, backend, prompt_tokens, completion_tokens, live_usd "
        "FROM lead_conversations WHERE role = 'assistant'",
    )
    assert row == (
        answer.model,
        "emulator",
        answer.usage.prompt_tokens,
        answer.usage.completion_tokens,
        pytest.approx(answer.cost.live_usd),
    )
    # the ledger keeps batch and live spend apart
    spend = dict(rows(settings, "SELECT kind, sum(usd) FROM spend GROUP BY kind"))
    assert spend["live"] == pytest.approx(answer.cost.live_usd)
    assert spend["batch"] == pytest.approx(rows(settings, "SELECT sum(batch_usd) FROM costs")[0][0])
    assert rows(settings, "SELECT job_id, calls FROM live_costs") == [(best_lead, 1)]


def test_roi_and_email_have_the_outreach_shape_and_join_the_conversation(
    openai_env: EmulatorProcess, settings: Settings, best_lead: str
) -> None:
    agent = ConversationalLeadAgent(settings=settings)
    roi = agent.get_roi_estimate(best_lead)
    assert set(roi) == {"deal_value_usd", "annual_savings_usd", "payback_months", "reasoning"}
    analysis = rows(
        settings,
        "SELECT CAST(json_extract(analysis, '$.estimated_deal_value_usd') AS BIGINT) "
        "FROM qualified_leads WHERE job_id = ?",
        [best_lead],
    )[0][0]
    assert roi["deal_value_usd"] == analysis
    assert roi["reasoning"].startswith("emulator rule")
    email = agent.generate_email_draft(best_lead)
    assert email["subject"] and "emulator rule" in email["body"]
    assert agent.last_answer is not None and agent.last_answer.cost.live_usd
    exchanges = agent.resume_conversation(best_lead).exchanges
    assert [t.role for t in exchanges] == ["user", "assistant"] * 2
    assert json.loads(exchanges[1].content) == roi


def test_the_live_budget_refuses_a_call_before_it_is_made(
    openai_env: EmulatorProcess, settings: Settings, best_lead: str
) -> None:
    import dataclasses

    tight = dataclasses.replace(settings, max_usd_live_per_day=0.000001)
    agent = ConversationalLeadAgent(settings=tight)
    with pytest.raises(BudgetExceededError, match=r"max_usd_live_per_day"):
        agent.start_conversation(best_lead).ask("Is this worth a call?")
    assert rows(settings, "SELECT count(*) FROM lead_conversations") == [(0,)]


def test_unknown_leads_say_where_to_look(openai_env: EmulatorProcess, settings: Settings) -> None:
    agent = ConversationalLeadAgent(settings=settings)
    with pytest.raises(UnknownLeadError, match="jobbatch leads list"):
        agent.start_conversation("no-such-lead")
    with pytest.raises(UnknownLeadError, match="has no conversation"):
        agent.resume_conversation("no-such-lead")
