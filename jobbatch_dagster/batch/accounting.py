"""Every request of a shard in exactly one state: answered, failed (dead letter) or pending.

``requests = answered + failed + pending`` holds by construction: the manifest lists the requests,
and each is classified once. Pending means "send again": the request is in neither file (a batch
still running, cancelled or expired before it ran, or failed for a retryable reason) or it failed
for a reason that is not its own (``batch_expired``, rate limits, server errors). Failed means
retrying the same request would fail the same way (a 400 line, or a batch that failed in
validation); the provider's error is kept for the dead-letter record. ``failures.py`` decides which
is which.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from jobbatch_dagster.batch.failures import BatchFailure, is_retryable
from jobbatch_dagster.batch.results import RequestResult

RequestState = Literal["answered", "failed", "pending"]


class ListedRequest(Protocol):
    """A request a shard is known to carry: a manifest entry, or the ledger's record of one."""

    @property
    def custom_id(self) -> str: ...


@dataclass(frozen=True)
class RequestOutcome:
    entry: ListedRequest
    state: RequestState
    result: RequestResult | None  # None when the request is in neither file


@dataclass
class ShardAccounting:
    outcomes: list[RequestOutcome] = field(default_factory=list)
    unexpected: list[RequestResult] = field(default_factory=list)  # custom ids not in the manifest

    @property
    def counts(self) -> dict[RequestState, int]:
        counted = Counter(outcome.state for outcome in self.outcomes)
        return {
            "answered": counted["answered"],
            "failed": counted["failed"],
            "pending": counted["pending"],
        }

    def by_state(self, state: RequestState) -> list[RequestOutcome]:
        return [outcome for outcome in self.outcomes if outcome.state == state]


def _preferred(old: RequestResult | None, new: RequestResult) -> RequestResult:
    """A custom id reported twice keeps its success (an answer is never thrown away)."""
    return new if old is None or (new.success and not old.success) else old


def classify_requests(
    manifest: Iterable[ListedRequest],
    results: Iterable[RequestResult],
    failure: BatchFailure | None = None,
) -> ShardAccounting:
    """Join a shard's manifest with its results (from output and error files, any order).

    ``failure`` is the batch's own (``batch_failure``): when it is permanent, the requests it never
    ran are failed (dead letters with its reason), not pending, so they are not resent unchanged.
    """
    unrun: RequestState = "failed" if failure is not None and not failure.retryable else "pending"
    by_id: dict[str, RequestResult] = {}
    for result in results:
        by_id[result.custom_id] = _preferred(by_id.get(result.custom_id), result)
    accounting = ShardAccounting()
    for entry in manifest:
        result = by_id.pop(entry.custom_id, None)
        state: RequestState
        if result is None:
            state = unrun
        elif not result.success and is_retryable(
            result.error.code if result.error else None, result.status_code
        ):
            state = "pending"
        else:
            state = "answered" if result.success else "failed"
        accounting.outcomes.append(RequestOutcome(entry, state, result))
    accounting.unexpected.extend(by_id.values())
    return accounting
