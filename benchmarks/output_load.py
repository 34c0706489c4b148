"""Loading one full batch output into DuckDB: the pipeline's path against a naive load and a byte copy.

The output file is the emulator's answers to engine-built shards (see answers.py), so lines have the
real shape and size. warehouse: what ``<stage>_raw_output`` does — stream and validate every line with the
engine's ResultFile and upsert them into ``raw_outputs`` 5,000 at a time. naive: ``json.loads`` per line and
``executemany`` of one INSERT per row, in one transaction. byte copy: copying the output file, the floor.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from benchmarks import answers, shard_build
from jobbatch_dagster.batch.results import ResultFile
from jobbatch_dagster.pipeline.harvest import load_raw_outputs
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.connect import Warehouse, open_warehouse
from jobbatch_dagster.warehouse.schema import ensure_schema

DAY = date(2026, 11, 20)
OUTPUT = answers.OUTPUT


def prepare(count: int, work: Path) -> None:
    """Build the engine's shards and answer them (untimed)."""
    shard_build.prepare(count, work)
    answers.write_output(work, count)


@contextmanager
def _fresh_db(work: Path, name: str) -> Iterator[duckdb.DuckDBPyConnection]:
    path = work / name
    path.unlink(missing_ok=True)
    with open_warehouse(Warehouse(path)) as con:
        ensure_schema(con)
        yield con


def warehouse_load(count: int, work: Path) -> int:
    task = get_task("qualify")
    with _fresh_db(work, "warehouse.duckdb") as con:
        load_raw_outputs(con, ResultFile(work / OUTPUT, task), "batch_bench", task.name, DAY)
    return (work / OUTPUT).stat().st_size


def naive_load(count: int, work: Path) -> int:
    rows = []
    with (work / OUTPUT).open(encoding="utf-8") as fh:
        for raw in fh:
            line = json.loads(raw)
            body = line["response"]["body"]
            rows.append(
                (
                    "batch_bench",
                    line["custom_id"],
                    "qualify",
                    DAY,
                    "answered",
                    line["response"]["status_code"],
                    body["choices"][0]["message"]["content"],
                    body["usage"]["prompt_tokens"],
                    body["usage"]["completion_tokens"],
                    raw,
                )
            )
    with _fresh_db(work, "naive.duckdb") as con:
        con.execute("BEGIN")  # one commit, not one per row: without it each row waits for the disk
        con.executemany(
            "INSERT INTO raw_outputs (batch_id, custom_id, stage, scrape_date, kind, status_code, "
            "content, input_tokens, output_tokens, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute("COMMIT")
    return (work / OUTPUT).stat().st_size


def byte_copy(count: int, work: Path) -> int:
    shutil.copyfile(work / OUTPUT, work / "copy-output.jsonl")
    return (work / OUTPUT).stat().st_size
