"""The warehouse as a DuckLake on a real PostgreSQL: offline extensions, the same night as the DuckDB
file, concurrent writers, data on S3 (moto), and the move of a file warehouse into a lake."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.cli import main
from jobbatch_dagster.cluster.services import LocalPostgres, LocalS3
from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG
from jobbatch_dagster.defs.stages.keys import SCRAPED_JOBS_KEY
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.harvest import harvest_stage
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.pipeline.inputs import build_stage_input
from jobbatch_dagster.pipeline.results import load_results
from jobbatch_dagster.pipeline.submit import submit_stage
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import (
    LAKE_EXTENSIONS,
    OFFLINE_CONFIG,
    Lake,
    Warehouse,
    WarehouseError,
    extension_file,
    load_lake_extensions,
    open_warehouse,
)
from jobbatch_dagster.warehouse.move import MOVED_TABLES
from tests.cluster.conftest import new_database
from tests.pipeline.nights import (
    DAY1,
    DAY2,
    FIRST_DAY,
    REPO,
    SAMPLE,
    SUBSET,
    night_without_dagster,
)

pytestmark = pytest.mark.integration

# What a user compares between two warehouses of the same night: ids the provider made differ.
LEADS = "SELECT * EXCLUDE (updated_at) FROM qualified_leads ORDER BY job_id"
FUNNEL = "SELECT * FROM daily_funnel ORDER BY scrape_date"
LEDGER = """
    SELECT stage, model, backend, count(*) AS batches, sum(requests), sum(input_tokens),
           sum(cached_input_tokens), sum(output_tokens), round(sum(batch_usd), 9),
           round(sum(saving_usd), 9)
    FROM costs GROUP BY ALL ORDER BY stage
"""
REQUESTS = "SELECT stage, state, count(*) FROM batch_requests GROUP BY ALL ORDER BY ALL"
COMPARED = (LEADS, FUNNEL, LEDGER, REQUESTS)


def in_lake(settings: Settings, lake: Lake) -> Settings:
    return dataclasses.replace(settings, lake=lake)


def read(warehouse: Warehouse, sql: str) -> list[tuple]:
    with open_warehouse(warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def drop_day(settings: Settings, day: str) -> None:
    target = settings.incoming_dir / day
    target.mkdir(parents=True, exist_ok=True)
    for name in SUBSET:
        (target / name).write_bytes((SAMPLE / day / name).read_bytes())


def test_extensions_load_from_the_wheels_without_any_download(
    postgres: LocalPostgres, tmp_path: Path
) -> None:
    # an empty extension folder and an unreachable repository: an install or a
    # download would fail here, or leave a file behind
    nowhere = tmp_path / "extensions"
    nowhere.mkdir(mode=0o500)
    con = duckdb.connect(
        config={
            **OFFLINE_CONFIG,
            "extension_directory": str(nowhere),
            "custom_extension_repository": "http://127.0.0.1:9/none",
        }
    )
    load_lake_extensions(con)
    loaded = dict(
        con.execute(
            "SELECT extension_name, installed FROM duckdb_extensions() WHERE loaded"
        ).fetchall()
    )
    assert {name for name, _, _ in LAKE_EXTENSIONS} <= set(loaded)
    assert not any(loaded[name] for name, _, _ in LAKE_EXTENSIONS)  # loaded, never installed
    catalog = new_database(postgres)
    con.execute(f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{tmp_path / 'data'}/')")
    con.execute("CREATE TABLE lake.t AS SELECT 42 AS answer")
    assert con.execute("SELECT answer FROM lake.t").fetchall() == [(42,)]
    con.close()
    assert list(nowhere.iterdir()) == []


def test_a_missing_extension_wheel_names_the_package_to_install() -> None:
    with pytest.raises(WarehouseError, match="duckdb-extension-nowhere"):
        extension_file("duckdb_extension_nowhere", "nowhere")


def test_a_night_in_ducklake_gives_the_same_leads_funnel_and_ledger_as_the_file(
    settings: Settings, lake: Lake, tmp_path: Path, fresh_emulator: EmulatorProcess
) -> None:
    lake_settings = dataclasses.replace(
        in_lake(settings, lake),
        incoming_dir=tmp_path / "lake-incoming",
        batches_dir=tmp_path / "lake-batches",
        warehouse_path=tmp_path / "never-written.duckdb",
    )
    found = {}
    with EmulatorProcess(data_dir=tmp_path / "emulator-lake", latency=0.0) as other:
        for name, chosen, emulator in (
            ("file", settings, fresh_emulator),
            ("lake", lake_settings, other),
        ):
            drop_day(chosen, DAY1)
            with open_warehouse(chosen.warehouse) as con:
                ensure_schema(con)
                ingest_day(chosen, con, FIRST_DAY)
                night_without_dagster(con, chosen, emulator)
            found[name] = {sql: read(chosen.warehouse, sql) for sql in COMPARED}
    assert found["lake"] == found["file"]
    assert len(found["lake"][LEADS]) > 5
    assert found["lake"][FUNNEL][0][1] > 40  # postings of the day
    assert [row[0] for row in found["lake"][LEDGER]] == ["analyze", "outreach", "parse", "qualify"]
    # the lake's data are Parquet files in its data path; no DuckDB file was made
    assert list(Path(lake.data_path).rglob("*.parquet"))
    assert not lake_settings.warehouse_path.exists()


def test_the_dagster_duckdb_resource_writes_the_lake_it_is_configured_with(
    settings: Settings, lake: Lake
) -> None:
    lake_settings = in_lake(settings, lake)
    drop_day(lake_settings, DAY1)
    defs = build_defs(lake_settings)
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance,
            partition_key=DAY1,
            asset_selection=[SCRAPED_JOBS_KEY],
            run_config=QUIET_RUN_CONFIG,
        )
    assert result.success
    postings = read(lake_settings.warehouse, "SELECT count(*) FROM job_sightings")[0][0]
    assert postings > 40
    assert not settings.warehouse_path.exists()


WRITER = textwrap.dedent(
    """
    import dataclasses, sys
    from datetime import date
    from pathlib import Path
    from jobbatch_dagster.pipeline.ingest import ingest_day
    from jobbatch_dagster.settings import Settings
    from jobbatch_dagster.warehouse import ensure_schema
    from jobbatch_dagster.warehouse.connect import Lake, open_warehouse

    catalog, data_path, incoming, day = sys.argv[1:]
    settings = Settings(incoming_dir=Path(incoming), lake=Lake(catalog, data_path))
    for _ in range(2):  # a re-run of the same day replaces its rows
        with open_warehouse(settings.warehouse) as con:
            ensure_schema(con)
            ingest_day(settings, con, date.fromisoformat(day))
    """
)


def test_two_processes_writing_one_lake_at_once_give_exact_counts(
    settings: Settings, lake: Lake
) -> None:
    for day in (DAY1, DAY2):
        drop_day(settings, day)
    expected = {}
    with open_warehouse(settings.warehouse) as con:  # the same days into the DuckDB file
        ensure_schema(con)
        for day in (DAY1, DAY2):
            ingest_day(settings, con, date.fromisoformat(day))
        for table in ("jobs", "job_sightings", "rejected_jobs"):
            expected[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        expected["days"] = con.execute(
            "SELECT scrape_date, count(*) FROM job_sightings GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    arguments = [lake.catalog, lake.data_path, str(settings.incoming_dir)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, *arguments, day],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in (DAY1, DAY2)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    warehouse = in_lake(settings, lake).warehouse
    for table in ("jobs", "job_sightings", "rejected_jobs"):
        assert read(warehouse, f"SELECT count(*) FROM {table}") == [(expected[table],)], table
    days = "SELECT scrape_date, count(*) FROM job_sightings GROUP BY ALL ORDER BY ALL"
    assert read(warehouse, days) == expected["days"]
    assert expected["jobs"] > 40


HARVESTER = textwrap.dedent(
    """
    import dataclasses, sys
    from datetime import date
    from pathlib import Path
    from jobbatch_dagster.batch.client import BatchClient
    from jobbatch_dagster.pipeline.harvest import harvest_stage
    from jobbatch_dagster.pipeline.results import load_results
    from jobbatch_dagster.warehouse.connect import Lake, open_warehouse
    from tests.pipeline.nights import shipped_settings

    folder, catalog, data_path, api_key, base_url, day = sys.argv[1:]
    settings = dataclasses.replace(shipped_settings(Path(folder)), lake=Lake(catalog, data_path))
    client = BatchClient(api_key=api_key, base_url=base_url)
    for _ in range(2):  # the sensor may ask for the same harvest again
        with open_warehouse(settings.warehouse) as con:
            harvest_stage(con, client, settings, settings.stage("qualify"), date.fromisoformat(day))
            load_results(con, "qualify", date.fromisoformat(day))
    """
)
# What each harvested request leaves behind, per day: one row each, however many harvests ran.
HARVESTED = {
    "answered": "SELECT scrape_date, count(*) FROM batch_requests WHERE state = 'answered' "
    "GROUP BY ALL ORDER BY ALL",
    "raw_outputs": "SELECT scrape_date, count(*), count(DISTINCT custom_id) FROM raw_outputs "
    "GROUP BY ALL ORDER BY ALL",
    "qualifications": "SELECT scrape_date, count(*), count(DISTINCT job_id) FROM qualifications "
    "GROUP BY ALL ORDER BY ALL",
    "costs": "SELECT scrape_date, count(*), sum(requests) FROM costs GROUP BY ALL ORDER BY ALL",
    "spend_events": "SELECT scrape_date, count(*), sum(requests) FROM spend_events "
    "GROUP BY ALL ORDER BY ALL",
    "request_events": "SELECT scrape_date, event, count(*) FROM request_events "
    "GROUP BY ALL ORDER BY ALL",
}


def test_harvests_writing_one_lake_from_several_processes_load_each_answer_once(
    settings: Settings, lake: Lake, tmp_path: Path, fresh_emulator: EmulatorProcess
) -> None:
    lake_settings = in_lake(settings, lake)
    client = BatchClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url)
    qualify = lake_settings.stage("qualify")
    sent: dict[str, int] = {}  # postings sent, each its own request record
    lines: dict[str, int] = {}  # request lines at the provider (several postings each)
    with open_warehouse(lake_settings.warehouse) as con:
        ensure_schema(con)
        for day in (DAY1, DAY2):
            drop_day(lake_settings, day)
            ingest_day(lake_settings, con, date.fromisoformat(day))
            build_stage_input(con, lake_settings, qualify, date.fromisoformat(day))
            submitted = submit_stage(con, client, lake_settings, qualify, date.fromisoformat(day))
            lines[day] = sum(batch.request_total or 0 for batch in submitted.batches)
            sent[day] = con.execute(
                "SELECT count(*) FROM batch_requests WHERE stage = 'qualify' AND scrape_date = ?",
                [day],
            ).fetchone()[0]
            for batch in submitted.batches:
                client.wait(batch.batch_id, interval=0.05, timeout=60)
    # every day's harvest at once, and the first day's twice (two hosts took the same request)
    arguments = [
        str(tmp_path),
        lake.catalog,
        lake.data_path,
        fresh_emulator.api_key,
        fresh_emulator.base_url,
    ]
    harvesters = [
        subprocess.Popen(
            [sys.executable, "-c", HARVESTER, *arguments, day],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in (DAY1, DAY2, DAY1)
    ]
    for harvester in harvesters:
        _, err = harvester.communicate(timeout=180)
        assert harvester.returncode == 0, err
    found = {name: read(lake_settings.warehouse, sql) for name, sql in HARVESTED.items()}
    days = [date.fromisoformat(day) for day in (DAY1, DAY2)]
    expected = [(d, sent[d.isoformat()]) for d in days]
    assert found["answered"] == expected
    assert found["raw_outputs"] == [(d, n, n) for d, n in expected]
    assert [(d, n, n) for d, n, _ in found["qualifications"]] == found["qualifications"]
    assert all(n >= sent[d.isoformat()] for d, n, _ in found["qualifications"])  # and reposts
    assert found["costs"] == [(d, 1, lines[d.isoformat()]) for d in days]
    assert found["spend_events"] == [(d, 1, lines[d.isoformat()]) for d in days]
    assert found["request_events"] == [
        (d, event, n) for d, n in expected for event in ("answered", "sent")
    ]
    assert all(n > 20 for _, n in expected)
    with open_warehouse(lake_settings.warehouse) as con:  # and once more: nothing changes
        for day in days:
            harvest_stage(con, client, lake_settings, qualify, day)
            load_results(con, "qualify", day)
    assert {name: read(lake_settings.warehouse, sql) for name, sql in HARVESTED.items()} == found


def test_a_lake_with_its_data_on_s3_loads_and_reads_back(
    postgres: LocalPostgres, settings: Settings, s3: LocalS3
) -> None:
    bucket = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name="us-east-1")
    bucket.create_bucket(Bucket="jobbatch")
    lake = Lake(new_database(postgres), "s3://jobbatch/lake/")
    drop_day(settings, DAY1)
    warehouse = in_lake(settings, lake).warehouse
    with open_warehouse(warehouse) as con:
        ensure_schema(con)
        loaded = ingest_day(settings, con, date.fromisoformat(DAY1)).load
    assert loaded.postings > 40
    assert read(warehouse, "SELECT count(*) FROM job_sightings") == [(loaded.postings,)]
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket="jobbatch")["Contents"]]
    assert any(key.startswith("lake/") and key.endswith(".parquet") for key in keys), keys
    assert not settings.warehouse_path.exists()


def config_file(tmp_path: Path, settings: Settings, lake: Lake) -> Path:
    path = tmp_path / "jobbatch.toml"
    path.write_text(
        f'[paths]\nwarehouse = "{settings.warehouse_path}"\n\n'
        f'[warehouse]\ncatalog = "{lake.catalog}"\ndata_path = "{lake.data_path}"\n',
        encoding="utf-8",
    )
    return path


def test_to_lake_moves_every_table_of_a_file_warehouse_and_refuses_a_filled_lake(
    settings: Settings,
    lake: Lake,
    tmp_path: Path,
    emulator: EmulatorProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drop_day(settings, DAY1)
    with open_warehouse(settings.warehouse) as con:
        ensure_schema(con)
        ingest_day(settings, con, date.fromisoformat(DAY1))
        night_without_dagster(con, settings, emulator)
    monkeypatch.setenv("JOBBATCH_CONFIG", str(config_file(tmp_path, settings, lake)))

    moved = CliRunner().invoke(main, ["warehouse", "to-lake"])
    assert moved.exit_code == 0, moved.output
    assert f"moved {settings.warehouse_path} into DuckLake" in moved.output
    lake_warehouse = in_lake(settings, lake).warehouse
    for table in MOVED_TABLES:
        everything = f"SELECT * FROM {table} ORDER BY ALL"
        assert read(lake_warehouse, everything) == read(settings.warehouse, everything), table
    assert len(read(lake_warehouse, LEADS)) > 5
    # the configured warehouse is now the lake: the query command reads it
    queried = CliRunner().invoke(main, ["query", "SELECT count(*) AS n FROM qualified_leads"])
    assert queried.exit_code == 0, queried.output
    assert str(len(read(lake_warehouse, LEADS))) in queried.output

    again = CliRunner().invoke(main, ["warehouse", "to-lake"])
    assert again.exit_code == 1
    assert "the lake already holds rows in jobs" in again.output
    assert read(lake_warehouse, "SELECT count(*) FROM jobs") == read(
        settings.warehouse, "SELECT count(*) FROM jobs"
    )
