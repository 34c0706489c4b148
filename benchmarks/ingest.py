"""Ingesting one scrape day: the pipeline's streaming path against a naive load and a byte copy.

The day is one JSON array (the shape that must be parsed as a whole by a naive reader) of synthetic
postings about 700 bytes each, so 300,000 rows make about 200 MB. pipeline: what ``scraped_jobs``
does — ``ingest_day`` reads, validates, normalises and fingerprints every row, stages them in the
warehouse 5,000 at a time and merges the day into ``jobs``, ``job_sightings`` and ``rejected_jobs``. naive: ``json.load``
of the whole file and a pandas DataFrame of it (no validation, no warehouse). warehouse floor:
DuckDB alone reads the file (``read_json``, its columns declared) and writes its rows into ``jobs``
and ``job_sightings`` in one transaction, no validation, no normalisation, the fingerprint hashed in
SQL: what storing the day costs before any of the pipeline's own work. byte copy: the floor.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.postings import synthetic_jobs
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.connect import open_warehouse
from jobbatch_dagster.warehouse.schema import ensure_schema

DAY = date(2026, 11, 20)
DESCRIPTION_CHARS = 520  # with the other fields, about 700 bytes a row


def _day_file(work: Path) -> Path:
    return work / "incoming" / DAY.isoformat() / "day.json"


def prepare(count: int, work: Path) -> None:
    """Write the day's file (untimed), one element a line as scrapers write arrays."""
    path = _day_file(work)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for i, job in enumerate(synthetic_jobs(count, description_chars=DESCRIPTION_CHARS)):
            out.write(("," if i else "") + json.dumps(job) + "\n")
        out.write("]\n")


@contextmanager
def _new_warehouse(work: Path, name: str) -> Iterator[tuple[Settings, duckdb.DuckDBPyConnection]]:
    """A new, empty warehouse file in ``work``, its schema in place, under the day's settings."""
    database = work / name
    database.unlink(missing_ok=True)
    settings = Settings(incoming_dir=work / "incoming", warehouse_path=database)
    with open_warehouse(settings.warehouse) as con:
        ensure_schema(con)
        yield settings, con


def pipeline_ingest(count: int, work: Path) -> int:
    with _new_warehouse(work, "warehouse.duckdb") as (settings, con):
        result = ingest_day(settings, con, DAY)
    assert result.load.postings == count, result.load
    return _day_file(work).stat().st_size


def naive_load(count: int, work: Path) -> int:
    with _day_file(work).open(encoding="utf-8") as fh:
        frame = pd.DataFrame(json.load(fh))
    assert len(frame) == count
    return _day_file(work).stat().st_size


_FLOOR_COLUMNS = dict.fromkeys(
    ("id", "title", "company", "location", "compensation", "posted_date", "url", "description"),
    "VARCHAR",
)
_FLOOR_JOBS = """
INSERT INTO jobs
SELECT 'bench:' || id, 'bench', id, url, title, company, location, compensation, description,
       try_cast(posted_date AS DATE),
       sha256(concat_ws(chr(31), lower(title), lower(company), lower(location),
                        lower(compensation), lower(description), '')),
       'day.json', NULL, $day, $day,
       json_object('id', 'bench:' || id, 'title', title, 'description', description, 'url', url,
                   'company', company, 'location', location, 'compensation', compensation,
                   'posted_date', posted_date)
FROM read_json($path, format = 'array', columns = $columns)
"""


def warehouse_floor(count: int, work: Path) -> int:
    with _new_warehouse(work, "floor.duckdb") as (_, con):
        con.execute("BEGIN")
        con.execute(
            _FLOOR_JOBS,
            {"day": DAY, "path": str(_day_file(work)), "columns": _FLOOR_COLUMNS},
        )
        con.execute(
            "INSERT INTO job_sightings SELECT $day, job_id, content_fingerprint FROM jobs",
            {"day": DAY},
        )
        con.execute("COMMIT")
        (rows,) = con.execute("SELECT count(*) FROM job_sightings").fetchone()  # type: ignore[misc]
    assert rows == count, rows
    return _day_file(work).stat().st_size


def byte_copy(count: int, work: Path) -> int:
    shutil.copyfile(_day_file(work), work / "copy-day.json")
    return _day_file(work).stat().st_size
