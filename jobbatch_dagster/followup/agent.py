"""The guide's ``ConversationalLeadAgent``: live, multi-turn follow-up on a lead, kept in DuckDB.

One conversation per lead. Its first turn is the lead's file (posting, qualification, analysis, pain
points, outreach) as the model reads it; every question and answer after it is a turn too, with
the answer's model, backend, tokens and live cost. Everything the model sees is therefore in
``lead_conversations``, so ``resume_conversation(lead_id)`` in another process, on another day,
continues exactly where it stopped. Each call is checked against the live budget first
(``[budget] max_usd_live_per_day``), and the warehouse is opened only around reads and writes, never
while the model is answering.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import duckdb
import openai

from jobbatch_dagster.batch.cost import check_live_budget
from jobbatch_dagster.batch.live import (
    ChatMessage,
    LiveAnswer,
    LiveClient,
    LiveRequest,
)
from jobbatch_dagster.followup.leads import (
    UnknownLeadError,
    lead_file,
    lead_from_mapping,
    lead_id_of,
)
from jobbatch_dagster.settings import DEFAULT_MODEL, ConfigError, Settings, load_settings
from jobbatch_dagster.tasks.base import Task
from jobbatch_dagster.tasks.followup import (
    ANALYZE_QUESTION,
    EMAIL_QUESTION,
    FOLLOWUP_EMAIL,
    FOLLOWUP_ROI,
    INSTRUCTIONS,
    MAX_ANSWER_TOKENS,
    ROI_QUESTION,
)
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import Warehouse, open_warehouse
from jobbatch_dagster.warehouse.conversations import (
    CONTEXT_ROLE,
    ConversationTurn,
    append_turns,
    conversation_turns,
    live_spend_on,
)
from jobbatch_dagster.warehouse.leads import LeadRecord, lead_record


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Conversation:
    """One lead's conversation: ``ask`` sends a question with every earlier turn and keeps both."""

    def __init__(
        self,
        agent: ConversationalLeadAgent,
        lead_id: str,
        turns: list[ConversationTurn],
        stored: int,
    ) -> None:
        self.agent = agent
        self.lead_id = lead_id
        self.turns = turns
        self._stored = stored  # how many of ``turns`` are in the warehouse already
        self.last_answer: LiveAnswer | None = None

    @property
    def exchanges(self) -> list[ConversationTurn]:
        """The questions and answers so far, without the lead's file."""
        return [t for t in self.turns if t.role != CONTEXT_ROLE]

    def ask(self, question: str) -> str:
        """Ask a question about the lead; the answer's text (its cost is in ``last_answer``)."""
        return self._exchange(question, None, MAX_ANSWER_TOKENS).content

    def ask_shaped(self, question: str, shape: Task) -> dict[str, Any]:
        """Ask for an answer of a strict shape (ROI estimate, email draft); the parsed answer."""
        answer = self._exchange(question, shape, shape.max_output_tokens)
        return cast(dict[str, Any], answer.parsed)  # LiveClient parses a shaped answer or raises

    def _messages(self, question: str) -> tuple[ChatMessage, ...]:
        system = ChatMessage("system", self.agent.system_prompt)
        history = [
            ChatMessage("user" if t.role == CONTEXT_ROLE else t.role, t.content) for t in self.turns
        ]
        return (system, *history, ChatMessage("user", question))

    def _exchange(self, question: str, shape: Task | None, ceiling: int) -> LiveAnswer:
        if not question.strip():
            raise ValueError("the question is empty: say what you want to know about the lead")
        request = LiveRequest(self._messages(question), self.agent.model, ceiling, shape)
        spent = self.agent.live_spent_today()
        check_live_budget(request.estimate(), spent, self.agent.settings.max_usd_live_per_day)
        answer = self.agent.client.complete(request)
        turn = len(self.turns)
        asked = ConversationTurn(self.lead_id, turn + 1, "user", question, _now())
        answered = ConversationTurn(
            self.lead_id,
            turn + 2,
            "assistant",
            answer.content,
            _now(),
            model=answer.model,
            backend=answer.backend,
            prompt_tokens=answer.usage.prompt_tokens,
            cached_tokens=answer.usage.cached_tokens,
            completion_tokens=answer.usage.completion_tokens,
            live_usd=answer.cost.live_usd,
        )
        self.turns.extend([asked, answered])
        with self.agent.warehouse() as con:
            append_turns(con, self.turns[self._stored :])
        self._stored = len(self.turns)
        self.last_answer = answer
        return answer


class ConversationalLeadAgent:
    """Live follow-up on leads: the guide's names and arguments over Chat Completions.

    ``client`` defaults to the ``openai`` SDK configured from the environment (``OPENAI_API_KEY``,
    ``OPENAI_BASE_URL``); ``warehouse`` to ``[paths] warehouse``; ``model`` to the outreach stage's.
    """

    def __init__(
        self,
        client: LiveClient | openai.OpenAI | None = None,
        *,
        settings: Settings | None = None,
        warehouse: Warehouse | str | os.PathLike[str] | None = None,
        model: str | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        if isinstance(warehouse, Warehouse):
            self.warehouse_location = warehouse
        elif warehouse:  # a DuckDB file given by path
            self.warehouse_location = Warehouse(Path(warehouse))
        else:
            self.warehouse_location = self.settings.warehouse
        self._client = client if isinstance(client, LiveClient | None) else LiveClient(client)
        self.model = model or _outreach_model(self.settings)
        self.system_prompt = INSTRUCTIONS.replace(
            "{profile}", self.settings.lead_profile.as_prompt_section()
        )
        self.last_answer: LiveAnswer | None = None

    @property
    def client(self) -> LiveClient:
        """Created on first use, so reading conversations needs no key or network."""
        if self._client is None:
            self._client = LiveClient()
        return self._client

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_warehouse(self.warehouse_location) as con:
            ensure_schema(con)
            yield con

    def live_spent_today(self) -> float:
        """USD of live calls made today (UTC), against ``[budget] max_usd_live_per_day``."""
        with self.warehouse() as con:
            return live_spend_on(con, _now().date())

    def start_conversation(self, prospect: str | LeadRecord | Mapping[str, Any]) -> Conversation:
        """The lead's conversation: the one already kept, else a new one opened with its file.

        ``prospect`` is a lead id, a :class:`LeadRecord`, or a guide result / job dict.
        """
        lead_id = prospect if isinstance(prospect, str) else _lead_id(prospect)
        with self.warehouse() as con:
            turns = conversation_turns(con, lead_id)
            if turns:
                return Conversation(self, lead_id, turns, stored=len(turns))
            lead = lead_record(con, lead_id) if isinstance(prospect, str) else None
        if isinstance(prospect, str) and lead is None:
            raise UnknownLeadError(
                f"no lead {lead_id!r} in qualified_leads of {self.warehouse_location}: "
                "`jobbatch leads list` shows the leads and their ids"
            )
        if lead is None:
            lead = prospect if isinstance(prospect, LeadRecord) else lead_from_mapping(prospect)
        context = ConversationTurn(lead_id, 1, CONTEXT_ROLE, lead_file(lead), _now())
        return Conversation(self, lead_id, [context], stored=0)

    def resume_conversation(self, lead_id: str) -> Conversation:
        """The conversation kept for this lead, in any process; UnknownLeadError if it has none."""
        with self.warehouse() as con:
            turns = conversation_turns(con, lead_id)
        if not turns:
            raise UnknownLeadError(
                f"lead {lead_id!r} has no conversation in {self.warehouse_location}: start one with "
                f'start_conversation({lead_id!r}) or `jobbatch leads ask {lead_id} "..."`'
            )
        return Conversation(self, lead_id, turns, stored=len(turns))

    def analyze_lead_conversationally(self, lead: str | LeadRecord | Mapping[str, Any]) -> str:
        """A short spoken-style read of the lead, as a turn of its conversation."""
        return self._remember(self.start_conversation(lead), lambda c: c.ask(ANALYZE_QUESTION))

    def get_roi_estimate(self, lead: str | LeadRecord | Mapping[str, Any]) -> dict[str, Any]:
        """Deal value, annual saving, payback months and reasoning (the outreach task's shape)."""
        return self._remember(
            self.start_conversation(lead), lambda c: c.ask_shaped(ROI_QUESTION, FOLLOWUP_ROI)
        )

    def generate_email_draft(self, lead: str | LeadRecord | Mapping[str, Any]) -> dict[str, Any]:
        """A first email: ``subject`` and ``body``."""
        return self._remember(
            self.start_conversation(lead), lambda c: c.ask_shaped(EMAIL_QUESTION, FOLLOWUP_EMAIL)
        )

    def _remember(self, conversation: Conversation, call: Any) -> Any:
        result = call(conversation)
        self.last_answer = conversation.last_answer
        return result


def _lead_id(prospect: LeadRecord | Mapping[str, Any]) -> str:
    return prospect.job_id if isinstance(prospect, LeadRecord) else lead_id_of(prospect)


def _outreach_model(settings: Settings) -> str:
    try:
        return settings.stage("outreach").model
    except ConfigError:
        return DEFAULT_MODEL
