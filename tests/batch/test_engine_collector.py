"""Reading a whole output holds off only the collector's full passes, never its young ones.

An output whose every answer is refused (a model that stopped following the schema) leaves a
reference cycle per line in the exceptions that explain it; the read must free them as it goes,
not hold them all until it ends.
"""

from __future__ import annotations

import gc
import json
import threading
import tracemalloc
from datetime import date
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster.batch.harvest import DownloadedResults
from jobbatch_dagster.batch.results import ResultFile, full_collections_held
from jobbatch_dagster.batch.verb_shapes import result_dicts
from jobbatch_dagster.pipeline.harvest import load_raw_outputs
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse import ensure_schema
from tests.batch.test_engine_result_shapes import common_line

LINES = 5_000


def _refused_output(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(LINES):
            line = common_line()
            line["custom_id"] = f"job-{n}"
            line["response"]["body"]["choices"][0]["message"]["content"] = json.dumps(
                {"qualified": True, "score": "high", "confidence": "high", "reasons": []}
            )
            out.write(json.dumps(line) + "\n")
    return path


def test_an_output_of_refused_answers_is_read_without_holding_their_garbage(
    tmp_path: Path,
) -> None:
    output = _refused_output(tmp_path / "output.jsonl")
    gc.collect()
    tracemalloc.start()
    try:
        rows = result_dicts(DownloadedResults.beside(output), get_task("qualify"), tmp_path)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == LINES
    assert {r["error"]["code"] for r in rows} == {"schema_mismatch"}
    # What the read holds at its peak beyond the rows it returns: the line in hand and the
    # young generation's few hundred objects, not one exception chain per refused line (~5 KB).
    assert peak - kept < 4 * 1024 * 1024, f"{(peak - kept) / 2**20:.1f} MB held beyond the rows"


def test_the_hold_keeps_young_passes_and_the_last_reader_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    inside: list[tuple[bool, tuple[int, int, int]]] = []
    entered, release = threading.Event(), threading.Event()

    def other_reader() -> None:
        with full_collections_held():
            entered.set()
            release.wait(timeout=10)

    thread = threading.Thread(target=other_reader)
    with full_collections_held():
        inside.append((gc.isenabled(), gc.get_threshold()))
        thread.start()
        assert entered.wait(timeout=10)
    # this reader is out, the other still reads: its hold stands
    inside.append((gc.isenabled(), gc.get_threshold()))
    release.set()
    thread.join(timeout=10)

    for enabled, (young, middle, old) in inside:
        assert enabled and (young, middle) == before[:2] and old > before[2]
    assert gc.get_threshold() == before


def test_a_read_that_fails_gives_the_full_passes_back(tmp_path: Path) -> None:
    """A harvest whose output file is not a file (a folder left where it was expected) fails
    with the OS's error, and the collector's thresholds are what they were before it, for the
    verb and for the warehouse load alike."""
    before = gc.get_threshold()
    folder = tmp_path / "output.jsonl"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=str(folder)):
        result_dicts(DownloadedResults.beside(folder), get_task("qualify"), tmp_path)
    assert gc.get_threshold() == before
    missing = tmp_path / "typo.jsonl"  # a path mistyped is an error naming it, not zero results
    with pytest.raises(FileNotFoundError, match=str(missing)):
        result_dicts(DownloadedResults.beside(missing), get_task("qualify"), tmp_path)
    assert gc.get_threshold() == before

    task = get_task("qualify")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        ensure_schema(con)
        with pytest.raises(IsADirectoryError, match=str(folder)):
            load_raw_outputs(con, ResultFile(folder, task), "batch_x", task.name, date(2026, 12, 8))
        assert con.execute("SELECT count(*) FROM raw_outputs").fetchone() == (0,)
    assert gc.get_threshold() == before
