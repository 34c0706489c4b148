"""The accounting identity, as links between independent records that can each break.

Counting one table against itself proves nothing; each link here compares the ledger with a
record it does not write: the shard manifests on disk, the provider's own counts and list of
batches, the downloaded lines, the typed result tables. A broken link names the file and line,
custom id or batch, and says what to do. ``defs/checks.py`` turns the links into asset checks;
``jobbatch audit`` prints them for any days and stages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import openai

from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.batch.shards import MANIFEST_SUFFIX, ManifestEntry
from jobbatch_dagster.batch.submit import PARTITION_KEY, SOURCE, SOURCE_KEY, TASK_KEY
from jobbatch_dagster.pipeline.inputs import stage_dir
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.audit import (
    answers_and_rows,
    ledger_batches,
    ledger_entries,
    ledger_stage_days,
    output_lines,
    recorded_batches,
    unsent_output_lines,
)
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES

# The asset checks of each stage, one per link (their Dagster names).
MANIFESTS_LINK = "requests_accounted_for"
TOTALS_LINK = "provider_totals_match_ledger"
LINES_LINK = "output_lines_match_requests"
PROVIDER_LINK = "provider_batches_on_ledger"
ANSWERS_LINK = "answers_loaded"
SHOWN_PROBLEMS = 20  # per link in a report; the count says how many more there are


@dataclass(frozen=True)
class Link:
    """One comparison of two records for a (stage, day): what was compared and what broke."""

    name: str
    checked: int  # manifest entries, batches, lines or rows compared
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class StageAudit:
    stage: str
    day: date
    links: list[Link]

    @property
    def passed(self) -> bool:
        return all(link.passed for link in self.links)


def ours(status: BatchStatus, stage: str | None = None, day: date | None = None) -> bool:
    """Whether a provider batch carries the pipeline's metadata (for this stage and day)."""
    meta = status.metadata
    return (
        meta.get(SOURCE_KEY) == SOURCE
        and PARTITION_KEY in meta
        and (stage is None or meta.get(TASK_KEY) == stage)
        and (day is None or meta.get(PARTITION_KEY) == day.isoformat())
    )


def _manifest_entries(directory: Path, problems: list[str]) -> dict[str, tuple[str, int, str]]:
    """custom_id -> (manifest file, line, fingerprint) over every manifest in ``directory``."""
    entries: dict[str, tuple[str, int, str]] = {}
    paths = sorted(directory.glob(f"*{MANIFEST_SUFFIX}")) if directory.is_dir() else []
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, raw in enumerate(lines, 1):
                if not raw.strip():
                    continue
                try:
                    entry = ManifestEntry(**json.loads(raw))
                except (ValueError, TypeError) as exc:
                    problems.append(
                        f"{path}:{number}: not a manifest entry ({exc}); the manifest ties each "
                        "line of its shard to a posting: restore it from a backup of the folder"
                    )
                    continue
                seen = entries.get(entry.custom_id)
                if seen is not None and seen[2] != entry.fingerprint:
                    problems.append(
                        f"{path}:{number}: custom_id {entry.custom_id} has fingerprint "
                        f"{entry.fingerprint[:16]}, but {seen[0]}:{seen[1]} has "
                        f"{seen[2][:16]}: one of the two manifests was changed; restore it"
                    )
                entries.setdefault(entry.custom_id, (str(path), number, entry.fingerprint))
    return entries


def manifests_match_ledger(
    con: duckdb.DuckDBPyConnection, settings: Settings, stage: str, day: date
) -> Link:
    """Every custom_id in every shard manifest on disk has exactly one request record with its
    fingerprint, and every request record is in a manifest."""
    problems: list[str] = []
    directory = stage_dir(settings, stage, day) / "input"
    settings.batch_store.fetch(directory)
    manifests = _manifest_entries(directory, problems)
    ledger = ledger_entries(con, stage, day)
    for custom_id, (path, number, fingerprint) in manifests.items():
        record = ledger.get(custom_id)
        if record is None:
            problems.append(
                f"{path}:{number}: custom_id {custom_id} has no record in batch_requests "
                f"({stage}, {day}): the ledger lost it, so nothing tracks its answer and a "
                "rebuild would pay for it again; restore the warehouse from a backup"
            )
        elif record.records != 1:
            problems.append(
                f"{path}:{number}: custom_id {custom_id} has {record.records} records in "
                f"batch_requests ({stage}, {day}); keep the one its batch carries"
            )
        elif record.request_fingerprint != fingerprint:
            problems.append(
                f"{path}:{number}: custom_id {custom_id} has fingerprint {fingerprint[:16]} in "
                f"the manifest but {record.request_fingerprint[:16]} in batch_requests: the "
                "manifest or the ledger was changed; restore the one that was"
            )
    for custom_id in sorted(ledger.keys() - manifests.keys()):
        problems.append(
            f"batch_requests ({stage}, {day}) has custom_id {custom_id}, but no manifest in "
            f"{directory} lists it: its shard file is gone, so it can never be sent again; "
            "restore the folder from a backup"
        )
    return Link(MANIFESTS_LINK, len(manifests), problems)


def _provider_status(
    client: BatchClient, batch_id: str, listed: dict[str, BatchStatus]
) -> BatchStatus | None:
    if batch_id in listed:
        return listed[batch_id]
    try:
        return client.status(batch_id)
    except openai.NotFoundError:
        return None


def _never_counted(status: BatchStatus) -> bool:
    """A batch counts its requests once validated: while validating, failed in validation or
    cancelled before that, its counts are all 0 and it ran nothing."""
    return status.total == status.completed == status.failed == 0


def provider_totals_match_ledger(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    stage: str,
    day: date,
    listed: dict[str, BatchStatus],
) -> Link:
    """Each batch's request total at the provider equals the requests recorded as sent in it."""
    problems: list[str] = []
    batches = ledger_batches(con, stage, day)
    for batch in batches:
        status = _provider_status(client, batch.batch_id, listed)
        if status is None:
            problems.append(
                f"batch {batch.batch_id} ({stage}, {day}) is not at the provider: is "
                "OPENAI_BASE_URL / OPENAI_API_KEY the account that ran this warehouse?"
            )
        elif status.total != batch.sent and not _never_counted(status):
            problems.append(
                f"batch {batch.batch_id} ({stage}, {day}, {status.status}): the provider counts "
                f"{status.total} requests, the ledger recorded {batch.sent} sent in it; compare "
                f"its input file (`jobbatch batch status {batch.batch_id}`) with the day's "
                "manifests before paying for the difference again"
            )
    return Link(TOTALS_LINK, len(batches), problems)


def output_lines_match_requests(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> Link:
    """Every downloaded output and error line answers a request sent in that batch."""
    problems = [
        f"batch {batch_id}: the {kind} line for custom_id {custom_id} ({stage}, {day}) matches "
        "no request recorded as sent in that batch: the provider ran something the ledger "
        "did not send, or the ledger lost the send; check the batch's input file"
        for batch_id, custom_id, kind in unsent_output_lines(con, stage, day)
    ]
    return Link(LINES_LINK, output_lines(con, stage, day), problems)


def provider_batches_on_ledger(
    con: duckdb.DuckDBPyConnection, provider: Iterable[BatchStatus], stage: str, day: date
) -> Link:
    """Every provider batch carrying the pipeline's metadata for the (stage, day) is in
    ``batches``, and in ``costs`` once it is finished."""
    mine = [status for status in provider if ours(status, stage, day)]
    in_batches, in_costs = recorded_batches(con, (s.id for s in mine))
    problems: list[str] = []
    for status in mine:
        if status.id not in in_batches:
            problems.append(
                f"batch {status.id} ({status.status}, {status.total} requests) carries the "
                f"pipeline's metadata for {stage} {day} but is not in `batches`: spend this "
                f"warehouse does not see. If it is this warehouse's, materialize {stage}_batch "
                "for the day again to adopt it; if not, cancel it "
                f"(`jobbatch batch cancel {status.id}`) or audit the warehouse that made it"
            )
        elif status.is_terminal and status.id not in in_costs:
            problems.append(
                f"batch {status.id} ({stage}, {day}) is {status.status} but not in `costs`: "
                f"materialize {stage}_raw_output for the day to harvest it"
            )
    return Link(PROVIDER_LINK, len(mine), problems)


def answers_loaded(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> Link:
    """Answered requests of the (stage, day) and the typed table's rows match both ways."""
    table = RESULT_TABLES[stage]
    found = answers_and_rows(con, table, stage, day)
    fix = f"materialize {table} for {day} again"
    problems = [
        f"custom_id {custom_id} (batch {batch_id}) was answered but no `{table}` row holds its "
        f"answer: {fix}; if it stays, its fingerprint was answered twice (paid twice)"
        for batch_id, custom_id in found.unloaded_answers
    ]
    problems += [
        f"posting {job_id} ({stage}, {day}) has an answered request (fingerprint "
        f"{fingerprint[:16]}) but no `{table}` row: {fix}"
        for job_id, fingerprint in found.postings_without_row
    ]
    problems += [
        f"`{table}` row of posting {job_id} ({day}) holds custom_id {custom_id}, which is no "
        f"answered request: {fix}"
        for job_id, custom_id in found.rows_without_answer
    ]
    return Link(ANSWERS_LINK, found.rows, problems)


def audit_stage_day(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: str,
    day: date,
    provider: list[BatchStatus],
) -> StageAudit:
    """Every link of one (stage, day); ``provider`` is one reading of the provider's batches.

    For a task this project does not know (a provider batch's metadata names it) only the
    provider link can be checked, and it breaks.
    """
    if stage not in RESULT_TABLES:
        return StageAudit(stage, day, [provider_batches_on_ledger(con, provider, stage, day)])
    listed = {status.id: status for status in provider}
    return StageAudit(
        stage,
        day,
        [
            manifests_match_ledger(con, settings, stage, day),
            provider_totals_match_ledger(con, client, stage, day, listed),
            output_lines_match_requests(con, stage, day),
            provider_batches_on_ledger(con, provider, stage, day),
            answers_loaded(con, stage, day),
        ],
    )


def stage_days(
    con: duckdb.DuckDBPyConnection, settings: Settings, provider: Iterable[BatchStatus]
) -> set[tuple[str, date]]:
    """Every (stage, day) with requests or batches in the warehouse, shard folders on disk, or
    batches at the provider."""
    found = ledger_stage_days(con)
    for stage in settings.stages:
        for name in settings.batch_store.subfolders(settings.batches_dir / stage.task):
            try:
                found.add((stage.task, date.fromisoformat(name)))
            except ValueError:
                continue
    for status in provider:
        if ours(status):
            try:
                day = date.fromisoformat(status.metadata[PARTITION_KEY])
            except ValueError:
                continue
            found.add((status.metadata.get(TASK_KEY, "?"), day))
    return found


def audit(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    *,
    day: date | None = None,
    stage: str | None = None,
) -> list[StageAudit]:
    """Audit every (stage, day) there is, or those of one day and/or stage, oldest day first."""
    provider = list(client.recent_batches())
    pairs = {
        (s, d)
        for s, d in stage_days(con, settings, provider)
        if (day is None or d == day) and (stage is None or s == stage)
    }
    if day is not None and stage is not None:
        pairs.add((stage, day))
    order = {s.task: n for n, s in enumerate(settings.stages)}
    return [
        audit_stage_day(con, client, settings, s, d, provider)
        for s, d in sorted(pairs, key=lambda p: (p[1], order.get(p[0], len(order)), p[0]))
    ]
