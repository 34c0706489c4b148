"""What ``batch_status_sensor`` remembers between ticks, kept in its cursor (never in DuckDB).

A submission is one materialization of ``<stage>_batch`` for a day: its storage id, which is
unique, and the batch ids from its metadata (a scheduled night's materialization that also sent
earlier days' cancelled requests is one submission per day, told apart by day). It stays open
until all of its batches are terminal; a newer submission for the same (stage, day) replaces an
older one still open, because the newer one lists every batch of that day.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from jobbatch_dagster.batch.client import BatchStatus


@dataclass(frozen=True)
class WatchedSubmission:
    stage: str
    day: str
    storage_id: int
    batch_ids: tuple[str, ...]
    night: str | None = None  # when the scheduled night it was submitted in began, if any

    @property
    def run_key(self) -> str:
        """Unique forever: a storage id is never reused by the instance."""
        return f"{self.stage}:{self.day}:{self.storage_id}"


@dataclass
class SensorCursor:
    after: dict[str, int] = field(default_factory=dict)  # stage -> last storage id read
    open: list[WatchedSubmission] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> SensorCursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            after={k: int(v) for k, v in data.get("after", {}).items()},
            open=[
                WatchedSubmission(
                    s["stage"],
                    s["day"],
                    int(s["storage_id"]),
                    tuple(s["batch_ids"]),
                    s.get("night"),
                )
                for s in data.get("open", [])
            ],
        )

    def dump(self) -> str:
        return json.dumps(
            {"after": self.after, "open": [asdict(s) for s in self.open]}, sort_keys=True
        )

    def track(self, submission: WatchedSubmission) -> None:
        """Watch a submission, replacing an older open one of the same (stage, day)."""
        self.open = [s for s in self.open if (s.stage, s.day) != (submission.stage, submission.day)]
        self.open.append(submission)
        self.after[submission.stage] = max(
            self.after.get(submission.stage, 0), submission.storage_id
        )

    def close(self, submission: WatchedSubmission) -> None:
        self.open = [s for s in self.open if s.run_key != submission.run_key]

    def batch_ids(self) -> set[str]:
        return {b for s in self.open for b in s.batch_ids}


def progress(statuses: Sequence[BatchStatus]) -> dict[str, Any]:
    """Numeric progress of one submission, for an observation a user can plot."""
    total = sum(s.total for s in statuses)
    done = sum(s.completed + s.failed for s in statuses)
    by_status: dict[str, int] = {}
    for s in statuses:
        by_status[s.status] = by_status.get(s.status, 0) + 1
    return {
        "batches": len(statuses),
        "batches_terminal": sum(s.is_terminal for s in statuses),
        "batches_completed": by_status.get("completed", 0),
        "batches_failed": by_status.get("failed", 0),
        "batches_expired": by_status.get("expired", 0),
        "batches_cancelled": by_status.get("cancelled", 0),
        "requests_total": total,
        "requests_completed": sum(s.completed for s in statuses),
        "requests_failed": sum(s.failed for s in statuses),
        "progress_pct": round(100.0 * done / total, 2) if total else 100.0,
    }


def statuses_for(
    wanted: set[str],
    listed: Iterable[BatchStatus],
    limit: int,
    deadline: float = math.inf,
) -> dict[str, BatchStatus]:
    """Pick the wanted batches out of the provider's list (newest first): stop once all are found,
    ``limit`` batches are read, or ``time.monotonic()`` passes ``deadline``."""
    found: dict[str, BatchStatus] = {}
    for n, status in enumerate(listed):
        if status.id in wanted:
            found[status.id] = status
        if len(found) == len(wanted) or n + 1 >= limit or time.monotonic() > deadline:
            break
    return found


def all_known(submission: WatchedSubmission, statuses: Mapping[str, BatchStatus]) -> bool:
    return all(b in statuses for b in submission.batch_ids)
