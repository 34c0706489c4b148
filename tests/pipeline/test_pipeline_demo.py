"""`make demo` on one sample day, from an empty folder: offline even when a key is set."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster import demo
from jobbatch_dagster.chaos import FaultsFileError, load_faults
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import InstanceSettings, PostgresTarget, Settings
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import Lake, open_warehouse
from tests.pipeline.nights import DAY1, DAY2, REPO, SAMPLE, SUBSET

pytestmark = pytest.mark.integration


@pytest.fixture
def demo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh clone's data folder with one sample day, as the working directory."""
    (tmp_path / "data" / "sample" / DAY1).mkdir(parents=True)
    for name in SUBSET:
        shutil.copy(SAMPLE / DAY1 / name, tmp_path / "data" / "sample" / DAY1 / name)
    shutil.copy(REPO / "jobbatch.toml", tmp_path / "jobbatch.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOBBATCH_WAREHOUSE", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster_home"))
    return tmp_path


def test_demo_with_a_key_spends_nothing_and_twice_submits_nothing(
    demo_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there

    assert demo.main(["--latency", "0"]) == 0
    first = capsys.readouterr().out
    assert "spends no money without --use-openai" in first
    assert "sk-a-real" not in first
    warehouse = demo_folder / "data" / "warehouse.duckdb"
    assert str(warehouse) in first
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT backend FROM batches").fetchall() == [("emulator",)]
        assert con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0] > 0
        spend = dict(con.execute("SELECT kind, sum(usd) FROM spend GROUP BY kind").fetchall())
        funnel = con.execute("SELECT * FROM daily_funnel").fetchall()
    assert funnel[0][4] > 0  # qualify_sent
    # the morning's cost report: every stage of the default night, and their total
    costs = first.split("(lead_costs)", 1)[1].split("== Top leads", 1)[0]
    assert all(stage in costs for stage in ("qualify", "analyze", "parse", "all stages"))
    # after the top leads: the outreach of the first two, then one live question on the best
    after_leads = first.split("== Top leads", 1)[1]
    assert "== Outreach for the first 2 top leads" in after_leads
    assert after_leads.count("Call opener: ") == 2 and after_leads.count("Subject: ") == 2
    assert "== Live follow-up: jobbatch leads ask" in after_leads
    assert "no model was called" in after_leads and "[live call: gpt-4o-mini" in after_leads
    assert "== Spend, batch and live (spend)" in after_leads
    assert spend["batch"] > 0 and spend["live"] > 0

    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    assert demo.main(["--latency", "0"]) == 0
    second = capsys.readouterr().out
    assert "New batches this run: 0" in second
    assert f"{DAY1}: inputs unchanged since its last settled night; not run again" in second
    assert "asked in an earlier run" in second  # the live question is not paid for twice
    with duckdb.connect(str(warehouse), read_only=True) as con:
        again = dict(con.execute("SELECT kind, sum(usd) FROM spend GROUP BY kind").fetchall())
        assert con.execute("SELECT * FROM daily_funnel").fetchall() == funnel  # history kept
    assert again == spend
    assert (demo_folder / "data" / "dagster_home" / "dagster.yaml").is_file()


def test_demo_plays_a_faults_file_and_reports_what_it_played_and_healed(
    demo_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    faults = demo_folder / "rehearsal.toml"
    faults.write_text(
        'about = "one night rate limited while it submits"\n'
        '[[nights]]\nnote = "429 storm"\nwhen = "submit"\n'
        "[nights.faults.http_errors]\nstatus = 429\ncount = 4\nretry_after_ms = 10\n"
    )
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    assert demo.main(["--latency", "0", "--backoff", "0.05", "--faults", str(faults)]) == 0

    out = capsys.readouterr().out
    assert f'{DAY1}: faults played: {{"http_errors": {{"count": 4' in out
    assert "Faults played: 1" in out
    assert f"night 1 ({DAY1})" in out and "(429 storm)" in out
    with duckdb.connect(str(demo_folder / "data" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0] > 0


def test_the_shipped_storm_is_valid_and_a_bad_faults_file_names_file_and_night(
    tmp_path: Path,
) -> None:
    storm = load_faults(REPO / "data" / "faults" / "storm.json")
    assert [n.number for n in storm] == [1, 2, 3, 4, 5]
    assert {n.when for n in storm} == {"submit", "harvest"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"nights": [{"faults": {}}, {"faults": {"expire_after": 3}}]}')
    with pytest.raises(FaultsFileError, match="night 2: not a fault the emulator knows") as info:
        load_faults(bad)
    assert str(bad) in str(info.value) and "expire_after" in str(info.value)


def test_a_days_inputs_fingerprint_changes_with_its_files_and_only_then(tmp_path: Path) -> None:
    settings = Settings(incoming_dir=tmp_path / "incoming")
    folder = tmp_path / "incoming" / DAY1
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text('{"title": "Clerk"}\n', encoding="utf-8")
    first = demo.day_inputs_fingerprint(settings, DAY1)
    assert demo.day_inputs_fingerprint(settings, DAY1) == first
    (folder / "a.jsonl").write_text('{"title": "Clerk!"}\n', encoding="utf-8")
    edited = demo.day_inputs_fingerprint(settings, DAY1)
    (folder / "b.csv").write_text("title\nClerk\n", encoding="utf-8")
    added = demo.day_inputs_fingerprint(settings, DAY1)
    assert len({first, edited, added}) == 3
    other = Settings(incoming_dir=tmp_path / "incoming", max_description_chars=10)
    assert demo.day_inputs_fingerprint(other, DAY1) != added


def test_a_cluster_night_is_unchanged_when_only_its_services_ports_changed(tmp_path: Path) -> None:
    """`make cluster-demo` starts PostgreSQL on a new port each time: a second run must still
    recognise its settled nights, and still run one whose database or data folder changed."""
    folder = tmp_path / "incoming" / DAY1
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text('{"title": "Clerk"}\n', encoding="utf-8")

    def cluster(port: int, dbname: str = "jobbatch_lake", data: str = "lake/") -> Settings:
        where = f"host=127.0.0.1 port={port} user=postgres"
        return Settings(
            incoming_dir=tmp_path / "incoming",
            lake=Lake(f"{where} dbname={dbname}", data),
            instance=InstanceSettings(postgres=PostgresTarget("127.0.0.1", port, "postgres", "d")),
        )

    first = demo.day_inputs_fingerprint(cluster(40001), DAY1)
    assert demo.day_inputs_fingerprint(cluster(40002), DAY1) == first
    assert demo.day_inputs_fingerprint(cluster(40002, dbname="other_lake"), DAY1) != first
    assert demo.day_inputs_fingerprint(cluster(40002, data="elsewhere/"), DAY1) != first


def test_settled_nights_skip_unchanged_days_until_one_must_run(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    for day in (DAY1, DAY2):
        (incoming / day).mkdir(parents=True)
        (incoming / day / "a.jsonl").write_text(
            json.dumps({"title": f"Clerk {day}", "description": "Re-type orders."}) + "\n",
            encoding="utf-8",
        )
    settings = Settings(incoming_dir=incoming, warehouse_path=tmp_path / "warehouse.duckdb")
    home = tmp_path / "home"
    home.mkdir()

    first = demo.SettledNights(home, settings)
    assert not first.skip(DAY1) and not first.skip(DAY2)  # nothing settled yet
    with open_warehouse(settings.warehouse) as con:  # the nights load their days
        ensure_schema(con)
        for day in (DAY1, DAY2):
            ingest_day(settings, con, date.fromisoformat(day))
    first.settled(DAY1)
    first.settled(DAY2)
    again = demo.SettledNights(home, settings)
    assert again.skip(DAY1) and again.skip(DAY2)
    (incoming / DAY1 / "b.csv").write_text("title\nClerk\n", encoding="utf-8")
    edited = demo.SettledNights(home, settings)
    # the edited day runs, and so does every later one: its results may depend on the earlier
    assert not edited.skip(DAY1) and not edited.skip(DAY2)
    assert not demo.SettledNights(home, settings, enabled=False).skip(DAY1)
    (incoming / DAY1 / "b.csv").unlink()
    assert demo.SettledNights(home, settings).skip(DAY1)


def test_a_warehouse_made_anew_runs_the_nights_the_record_remembers(tmp_path: Path) -> None:
    """The record outlives its warehouse when the file is deleted, or when a lake's catalog
    database is lost (the cluster demo's PostgreSQL folder under /var/tmp): a new, empty
    warehouse must not be taken for one that holds those nights."""
    incoming = tmp_path / "incoming"
    (incoming / DAY1).mkdir(parents=True)
    (incoming / DAY1 / "a.jsonl").write_text(
        json.dumps({"title": "Clerk", "description": "Re-type orders."}) + "\n", encoding="utf-8"
    )
    settings = Settings(incoming_dir=incoming, warehouse_path=tmp_path / "warehouse.duckdb")
    home = tmp_path / "home"
    home.mkdir()
    nights = demo.SettledNights(home, settings)
    assert not nights.skip(DAY1)
    with open_warehouse(settings.warehouse) as con:
        ensure_schema(con)
        ingest_day(settings, con, date.fromisoformat(DAY1))
    nights.settled(DAY1)
    assert demo.SettledNights(home, settings).skip(DAY1)

    settings.warehouse_path.unlink()
    with open_warehouse(settings.warehouse) as con:  # every table, no rows
        ensure_schema(con)
    assert not demo.SettledNights(home, settings).skip(DAY1)
    settings.warehouse_path.unlink()
    duckdb.connect(str(settings.warehouse_path)).close()  # not even the tables
    assert not demo.SettledNights(home, settings).skip(DAY1)
