"""The live follow-up's ledger: every turn of every lead's conversation, and the live spend.

``lead_conversations`` keeps one row per message (a question and its answer are two turns), so a
conversation is resumed by reading its turns back, in any process, on any day. The answer turns
carry the call's model, backend, tokens and live cost; that cost is the one record of live spend,
which the ``live_costs`` and ``spend`` views add up beside the batch ledger (``costs``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

import duckdb

from jobbatch_dagster.warehouse.frames import insert_rows
from jobbatch_dagster.warehouse.transaction import transaction

CONVERSATIONS_TABLE = "lead_conversations"
# The role of a conversation's first turn: the lead's file, sent as a user message but no question.
CONTEXT_ROLE = "context"
CONVERSATIONS_DDL = """
    CREATE TABLE IF NOT EXISTS lead_conversations (
        job_id VARCHAR NOT NULL,
        turn INTEGER NOT NULL,  -- 1, 2, ... in the order the messages were exchanged
        role VARCHAR NOT NULL,  -- context (the lead's file, turn 1) | user | assistant
        content VARCHAR NOT NULL,
        model VARCHAR,  -- the answering model (assistant turns)
        backend VARCHAR,  -- openai | emulator (assistant turns)
        prompt_tokens BIGINT,
        cached_tokens BIGINT,
        completion_tokens BIGINT,
        live_usd DOUBLE,  -- the call's cost at live prices; NULL when the model's price is unknown
        created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (job_id, turn)
    )"""


@dataclass(frozen=True)
class ConversationTurn:
    """One message of a lead's conversation; the call's figures are set on assistant turns only."""

    job_id: str
    turn: int
    role: str
    content: str
    created_at: datetime
    model: str | None = None
    backend: str | None = None
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    completion_tokens: int | None = None
    live_usd: float | None = None


def conversation_turns(con: duckdb.DuckDBPyConnection, job_id: str) -> list[ConversationTurn]:
    """The lead's turns in order (empty when it has no conversation yet)."""
    cursor = con.execute(
        "SELECT job_id, turn, role, content, created_at, model, backend, prompt_tokens, "
        "cached_tokens, completion_tokens, live_usd FROM lead_conversations "
        "WHERE job_id = ? ORDER BY turn",
        [job_id],
    )
    return [ConversationTurn(*row) for row in cursor.fetchall()]


class TurnTakenError(RuntimeError):
    """Another writer stored a turn of this conversation first (two follow-ups on one lead raced)."""


def append_turns(con: duckdb.DuckDBPyConnection, turns: Sequence[ConversationTurn]) -> None:
    """Add a question and its answer; a turn number already taken fails (two writers raced), on
    a DuckLake too, which has no key to refuse it."""
    if not turns:
        return
    with transaction(con):
        taken = con.execute(
            "SELECT turn FROM lead_conversations WHERE job_id = ? "
            "AND turn IN (SELECT unnest(?::INTEGER[])) ORDER BY turn",
            [turns[0].job_id, [turn.turn for turn in turns]],
        ).fetchall()
        if taken:
            raise TurnTakenError(
                f"turn {taken[0][0]} of lead {turns[0].job_id!r} was stored by another writer "
                "meanwhile: resume the conversation and ask again"
            )
        insert_rows(con, CONVERSATIONS_TABLE, [asdict(turn) for turn in turns])


def live_spend_on(con: duckdb.DuckDBPyConnection, day: date) -> float:
    """USD of live calls made on ``day`` (UTC), for the live budget guard."""
    row = con.execute(
        "SELECT coalesce(sum(live_usd), 0) FROM lead_conversations "
        "WHERE role = 'assistant' AND CAST(created_at AS DATE) = ?",
        [day],
    ).fetchone()
    return float(row[0])
