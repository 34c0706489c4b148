"""The accounting identity holds on a clean night and each of its links breaks when the record
behind it is damaged on purpose: a lost ledger row, a corrupt manifest, a batch made behind the
pipeline's back, a dropped typed row, a lost send, a line nobody sent.

One clean night (pipeline/ alone, a private emulator over HTTP, a real DuckDB file) serves the
module; each test damages its own copy of the warehouse and shard folder.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.submit import batch_metadata
from jobbatch_dagster.cli import main
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline import audit as links
from jobbatch_dagster.pipeline.audit import StageAudit, audit
from jobbatch_dagster.pipeline.day import Patience, run_day
from jobbatch_dagster.settings import Settings, load_settings
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import DAY1, REPO, ingest, night_without_dagster

pytestmark = pytest.mark.integration

DAY = date.fromisoformat(DAY1)


@dataclasses.dataclass
class Night:
    settings: Settings
    emulator: EmulatorProcess
    clean_audit: list[StageAudit]
    cli_exit: int
    cli_output: str

    @property
    def client(self) -> BatchClient:
        return BatchClient(api_key=self.emulator.api_key, base_url=self.emulator.base_url)


def _cli(settings: Settings, emulator: EmulatorProcess, *args: str) -> tuple[int, str]:
    """`jobbatch audit` on these settings' folders, as a user runs it."""
    config = settings.warehouse_path.with_suffix(".toml")
    config.write_text(
        (REPO / "jobbatch.toml")
        .read_text(encoding="utf-8")
        .replace('"data/batches"', f'"{settings.batches_dir}"'),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["audit", "--db", str(settings.warehouse_path), *args],
        env={
            "OPENAI_BASE_URL": emulator.base_url,
            "OPENAI_API_KEY": emulator.api_key,
            "JOBBATCH_CONFIG": str(config),
        },
    )
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    root = tmp_path_factory.mktemp("audited")
    settings = dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"),
        incoming_dir=root / "incoming",
        batches_dir=root / "batches",
        warehouse_path=root / "warehouse.duckdb",
    )
    with EmulatorProcess(data_dir=root / "emulator", latency=0.0) as emulator:
        client = BatchClient(api_key=emulator.api_key, base_url=emulator.base_url)
        with duckdb.connect(str(settings.warehouse_path)) as con:
            ensure_schema(con)
            ingest(con, settings)
            run_day(con, client, settings, DAY, Patience(poll_seconds=0.05, timeout_seconds=60))
            clean = audit(con, client, settings)
        code, output = _cli(settings, emulator)
        yield Night(settings, emulator, clean, code, output)


@pytest.fixture
def damaged(night: Night, tmp_path: Path) -> Settings:
    """A copy of the night's warehouse and shard folder to damage."""
    shutil.copy(night.settings.warehouse_path, tmp_path / "warehouse.duckdb")
    shutil.copytree(night.settings.batches_dir, tmp_path / "batches")
    return dataclasses.replace(
        night.settings,
        batches_dir=tmp_path / "batches",
        warehouse_path=tmp_path / "warehouse.duckdb",
    )


def write(settings: Settings, sql: str, params: list | None = None) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(sql, params or [])


def first_row(settings: Settings, sql: str) -> tuple:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchone()


def broken_links(night: Night, settings: Settings, stage: str = "qualify", day: date = DAY):
    """{link name: problems} of the broken links of one (stage, day)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (found,) = audit(con, night.client, settings, day=day, stage=stage)
    return {link.name: link.problems for link in found.links if not link.passed}


def test_a_clean_night_keeps_every_link(night: Night) -> None:
    assert {a.stage for a in night.clean_audit} == {s.task for s in night.settings.stages}
    for found in night.clean_audit:
        assert found.day == DAY and found.passed, found
        assert {link.name for link in found.links} == {
            links.MANIFESTS_LINK,
            links.TOTALS_LINK,
            links.LINES_LINK,
            links.PROVIDER_LINK,
            links.ANSWERS_LINK,
        }
        assert all(link.checked > 0 for link in found.links), found
    assert night.cli_exit == 0, night.cli_output
    audited = len(night.settings.stages)
    assert f"{audited} stage-days audited, 0 with a broken link" in night.cli_output


def test_a_lost_ledger_row_breaks_the_manifest_link(night: Night, damaged: Settings) -> None:
    (custom_id,) = first_row(
        damaged, "SELECT min(custom_id) FROM batch_requests WHERE stage = 'qualify'"
    )
    write(
        damaged,
        "DELETE FROM batch_requests WHERE stage = 'qualify' AND custom_id = ?",
        [custom_id],
    )
    broken = broken_links(night, damaged)
    # its typed row now holds an answer the ledger does not know either
    assert set(broken) == {links.MANIFESTS_LINK, links.ANSWERS_LINK}
    (problem,) = broken[links.MANIFESTS_LINK]
    assert custom_id in problem and ".manifest.jsonl:" in problem and "restore" in problem


def test_a_corrupt_manifest_is_named_by_file_and_line(night: Night, damaged: Settings) -> None:
    (manifest,) = (damaged.batches_dir / "qualify" / DAY1 / "input").glob("*.manifest.jsonl")
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:25]  # a write cut short
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = broken_links(night, damaged)
    assert list(broken) == [links.MANIFESTS_LINK]
    problems = broken[links.MANIFESTS_LINK]
    assert any(f"{manifest}:3: not a manifest entry" in p for p in problems), problems
    # the request that line listed is now in the ledger only
    assert any("no manifest in" in p for p in problems), problems


def test_a_provider_batch_made_behind_the_pipelines_back_is_reported(night: Night) -> None:
    # Another day, so the shared night's own day stays clean for the other tests.
    other_day = DAY + timedelta(days=5)
    shard = next((night.settings.batches_dir / "qualify" / DAY1 / "input").glob("*[0-9a-f].jsonl"))
    sdk = night.emulator.client()
    uploaded = sdk.files.create(file=shard.open("rb"), purpose="batch")
    rogue = sdk.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata=batch_metadata(
            input_fingerprint="f" * 64,
            task="qualify",
            model="gpt-4o-mini",
            shard_index=0,
            request_count=1,
            partition=other_day.isoformat(),
        ),
    )
    broken = broken_links(night, night.settings, day=other_day)
    assert list(broken) == [links.PROVIDER_LINK]
    (problem,) = broken[links.PROVIDER_LINK]
    assert rogue.id in problem and "not in `batches`" in problem
    code, output = _cli(night.settings, night.emulator, "--day", other_day.isoformat())
    assert code == 1 and rogue.id in output and "BROKEN provider_batches_on_ledger" in output


def test_a_dropped_typed_row_breaks_the_answers_link(night: Night, damaged: Settings) -> None:
    (job_id,) = first_row(damaged, "SELECT min(job_id) FROM qualifications")
    write(damaged, "DELETE FROM qualifications WHERE job_id = ?", [job_id])
    broken = broken_links(night, damaged)
    assert list(broken) == [links.ANSWERS_LINK]
    assert any(job_id in p or "no `qualifications` row" in p for p in broken[links.ANSWERS_LINK])


def test_a_lost_send_breaks_the_provider_total_and_its_lines(
    night: Night, damaged: Settings
) -> None:
    # analyze sends one posting per line, so one lost send is one line fewer than the provider's
    batch_id, custom_id = first_row(
        damaged,
        "SELECT batch_id, min(custom_id) FROM request_events "
        "WHERE stage = 'analyze' AND event = 'sent' GROUP BY batch_id",
    )
    write(
        damaged,
        "DELETE FROM request_events WHERE stage = 'analyze' AND custom_id = ? AND event = 'sent'",
        [custom_id],
    )
    broken = broken_links(night, damaged, "analyze")
    assert set(broken) == {links.TOTALS_LINK, links.LINES_LINK}
    (total,) = broken[links.TOTALS_LINK]
    assert batch_id in total and "recorded" in total
    (line,) = broken[links.LINES_LINK]
    assert custom_id in line and batch_id in line


def test_an_output_line_nobody_sent_breaks_the_lines_link(night: Night, damaged: Settings) -> None:
    write(
        damaged,
        "INSERT INTO raw_outputs SELECT batch_id, 'job-from-nowhere', stage, scrape_date, kind, "
        "status_code, content, error_code, error_message, input_tokens, output_tokens, line "
        "FROM raw_outputs WHERE stage = 'qualify' LIMIT 1",
    )
    broken = broken_links(night, damaged)
    assert list(broken) == [links.LINES_LINK]
    assert "job-from-nowhere" in broken[links.LINES_LINK][0]


def test_an_expired_batch_and_its_follow_up_keep_every_link_and_count_once(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    ingest(con, settings)
    # the first batch, qualify, expires after its first line (that many postings answered)
    fresh_emulator.inject(expire_after_requests=1)
    answered = settings.stage("qualify").postings_per_request
    # the day's run resends what the expired batch left as attempt 2, as the sensor would
    night_without_dagster(con, settings, fresh_emulator)
    client = BatchClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url)
    assert all(found.passed for found in audit(con, client, settings, day=DAY))
    sent = dict(
        con.execute(
            "SELECT attempt, count(*) FROM request_events WHERE stage = 'qualify' "
            "AND event = 'sent' GROUP BY ALL"
        ).fetchall()
    )
    (unrun,) = con.execute(
        "SELECT count(*) FROM request_events WHERE stage = 'qualify' AND event = 'unrun'"
    ).fetchone()
    assert sorted(sent) == [1, 2] and unrun == sent[2] == sent[1] - answered > 0
    funnel = con.execute(
        "SELECT qualify_sent, requests = answered, pending FROM daily_funnel"
    ).fetchall()
    assert funnel == [(sent[1], True, 0)]  # a follow-up is the same request, not a new one
