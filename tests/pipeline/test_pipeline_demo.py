"""`make demo` on one sample day, from an empty folder: offline even when a key is set."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster import demo
from jobbatch_dagster.settings import Settings
from tests.pipeline.nights import DAY1, REPO, SAMPLE, SUBSET

pytestmark = pytest.mark.integration


def test_demo_with_a_key_spends_nothing_and_twice_submits_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data" / "sample" / DAY1).mkdir(parents=True)
    for name in SUBSET:
        shutil.copy(SAMPLE / DAY1 / name, tmp_path / "data" / "sample" / DAY1 / name)
    shutil.copy(REPO / "jobbatch.toml", tmp_path / "jobbatch.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOBBATCH_WAREHOUSE", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster_home"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there

    assert demo.main(["--latency", "0"]) == 0
    first = capsys.readouterr().out
    assert "spends no money without --use-openai" in first
    assert "sk-a-real" not in first
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert str(warehouse) in first
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT backend FROM batches").fetchall() == [("emulator",)]
        assert con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0] > 0

    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    assert demo.main(["--latency", "0"]) == 0
    second = capsys.readouterr().out
    assert "New batches this run: 0" in second
    assert f"{DAY1}: inputs unchanged since its last settled night; not run again" in second
    assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").is_file()


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
    assert (
        demo.day_inputs_fingerprint(
            Settings(incoming_dir=tmp_path / "incoming", max_description_chars=10), DAY1
        )
        != added
    )
