"""`jobbatch leads`: the morning's leads, and live follow-up on one of them.

`list` and `show` only read the warehouse. `ask`, `email` and `roi` are live calls through
:class:`~jobbatch_dagster.followup.ConversationalLeadAgent`: each is a turn of the lead's kept
conversation (so `ask` continues yesterday's), is checked against the live daily budget first,
and prints what it cost.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click
import openai

from jobbatch_dagster.batch.cost import BudgetExceededError, format_usd
from jobbatch_dagster.batch.live import LiveAnswer, LiveAnswerError
from jobbatch_dagster.cli.display import NULL_TEXT
from jobbatch_dagster.cli.query import chosen_warehouse, db_option
from jobbatch_dagster.followup import ConversationalLeadAgent, UnknownLeadError
from jobbatch_dagster.settings import load_settings
from jobbatch_dagster.warehouse.conversations import CONTEXT_ROLE, conversation_turns
from jobbatch_dagster.warehouse.leads import LeadRecord, lead_record, lead_summaries

_WIDTH = 100


def _agent(db_path: Path | None) -> ConversationalLeadAgent:
    settings = load_settings()
    return ConversationalLeadAgent(settings=settings, warehouse=chosen_warehouse(db_path, settings))


def _wrap(text: str, indent: str = "  ") -> str:
    return "\n".join(
        textwrap.fill(line, _WIDTH, initial_indent=indent, subsequent_indent=indent) or indent
        for line in text.splitlines()
    )


def _cost_line(agent: ConversationalLeadAgent, answer: LiveAnswer | None) -> str:
    if answer is None:
        return ""
    spent = agent.live_spent_today()
    limit = agent.settings.max_usd_live_per_day
    return (
        f"[live call: {answer.model} on {answer.backend}, {answer.usage.prompt_tokens} in / "
        f"{answer.usage.completion_tokens} out tokens, {format_usd(answer.cost.live_usd)}; "
        f"live spend today {format_usd(spent)}"
        + (f" of {format_usd(limit)}]" if limit else ", no daily limit]")
    )


def _live(agent: ConversationalLeadAgent, call: Any) -> Any:
    """Run a live call, turning what a user can meet into a one-line error saying what to do."""
    try:
        return call()
    except (UnknownLeadError, BudgetExceededError, LiveAnswerError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    except openai.APIError as exc:
        raise click.ClickException(
            f"the live call to {agent.model} failed: {str(exc).rstrip('.')}; check OPENAI_API_KEY "
            "and OPENAI_BASE_URL (point it at a running `jobbatch emulator serve` to work offline)."
        ) from exc


@click.group()
def leads() -> None:
    """The leads in the warehouse, and live follow-up on one of them."""


@leads.command("list")
@db_option
@click.option("--limit", type=int, default=20, show_default=True)
def list_leads(db_path: Path | None, limit: int) -> None:
    """The best leads first (as the top_leads view orders them)."""
    agent = _agent(db_path)
    with agent.warehouse() as con:
        rows = lead_summaries(con, limit)
    if not rows:
        click.echo("No leads yet: the pipeline has not qualified any posting.")
        return
    click.echo(f"{'lead':<28} {'day':<10} {'score':>5} {'deal $':>7} out turns  title / company")
    for r in rows:
        deal = f"{r.deal_value_usd:,}" if r.deal_value_usd is not None else NULL_TEXT
        company = f" / {r.company}" if r.company else ""
        click.echo(
            f"{r.job_id:<28} {r.scrape_date!s:<10} {r.score:>5} {deal:>7} "
            f"{'yes' if r.has_outreach else 'no':<3} {r.turns:>5}  {r.title}{company}"
        )


def _show_lead(lead: LeadRecord) -> None:
    click.echo(f"{lead.title} at {lead.company or 'an unnamed business'}  [{lead.job_id}]")
    click.echo(f"scraped {lead.scrape_date}, score {lead.score} ({lead.confidence} confidence)")
    for reason in lead.reasons:
        click.echo(_wrap(f"- {reason}"))
    if lead.analysis:
        click.echo("analysis:")
        click.echo(_wrap(str(lead.analysis.get("summary", ""))))
        click.echo(_wrap(f"ROI: {lead.analysis.get('roi_reasoning', '')}"))
    if lead.outreach:
        email = lead.outreach.get("email") or {}
        click.echo("outreach (overnight):")
        click.echo(_wrap(f"Subject: {email.get('subject', '')}"))
        click.echo(_wrap(str(email.get("body", ""))))
        click.echo(_wrap(f"Call opener: {lead.outreach.get('call_opener', '')}"))
        for question in lead.outreach.get("questions") or []:
            click.echo(_wrap(f"? {question}"))
    else:
        click.echo("outreach: none yet (only the day's top leads get it overnight)")


@leads.command()
@db_option
@click.argument("lead_id")
def show(db_path: Path | None, lead_id: str) -> None:
    """One lead: why it qualified, its analysis, its outreach and its conversation so far."""
    agent = _agent(db_path)
    with agent.warehouse() as con:
        lead = lead_record(con, lead_id)
        turns = conversation_turns(con, lead_id)
    if lead is None:
        raise click.ClickException(
            f"no lead {lead_id!r} in qualified_leads: `jobbatch leads list` shows the lead ids"
        )
    _show_lead(lead)
    exchanges = [t for t in turns if t.role != CONTEXT_ROLE]
    if exchanges:
        click.echo(f"conversation ({len(exchanges)} turns):")
        for turn in exchanges:
            cost = f"  ({format_usd(turn.live_usd)})" if turn.role == "assistant" else ""
            click.echo(f"  {turn.role}{cost}:")
            click.echo(_wrap(turn.content, "    "))


@leads.command()
@db_option
@click.argument("lead_id")
@click.argument("question")
def ask(db_path: Path | None, lead_id: str, question: str) -> None:
    """Ask about a lead, live; continues the lead's kept conversation."""
    agent = _agent(db_path)
    conversation = _live(agent, lambda: agent.start_conversation(lead_id))
    answer = _live(agent, lambda: conversation.ask(question))
    click.echo(answer)
    click.echo(_cost_line(agent, conversation.last_answer))


@leads.command()
@db_option
@click.argument("lead_id")
def email(db_path: Path | None, lead_id: str) -> None:
    """Draft a first email to the lead, live."""
    agent = _agent(db_path)
    draft = _live(agent, lambda: agent.generate_email_draft(lead_id))
    click.echo(f"Subject: {draft['subject']}\n\n{draft['body']}")
    click.echo(_cost_line(agent, agent.last_answer))


@leads.command()
@db_option
@click.argument("lead_id")
def roi(db_path: Path | None, lead_id: str) -> None:
    """Estimate the lead's ROI (deal value, annual saving, payback), live."""
    agent = _agent(db_path)
    estimate = _live(agent, lambda: agent.get_roi_estimate(lead_id))
    click.echo(json.dumps(estimate, indent=2))
    click.echo(_cost_line(agent, agent.last_answer))
