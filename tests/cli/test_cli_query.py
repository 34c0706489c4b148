"""`jobbatch query` as a user runs it: a real subprocess over a real DuckDB file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


def run_query(*args: str, env_db: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    if env_db is not None:
        env["JOBBATCH_WAREHOUSE"] = str(env_db)
    return subprocess.run(
        [sys.executable, "-m", "jobbatch_dagster.cli", "query", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE leads (job_id VARCHAR, score INTEGER)")
        con.executemany("INSERT INTO leads VALUES (?, ?)", [("a", 91), ("b", 40), ("c", 77)])
    return path


def test_prints_a_table_with_row_count(warehouse: Path) -> None:
    result = run_query(
        "SELECT job_id, score FROM leads ORDER BY score DESC", "--db", str(warehouse)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["job_id", "score"]
    assert lines[1].split() == ["a", "91"]
    assert lines[-1] == "(3 rows)"


def test_json_and_csv_formats(warehouse: Path) -> None:
    as_json = run_query(
        "SELECT * FROM leads WHERE score > 50 ORDER BY job_id",
        "--db",
        str(warehouse),
        "--format",
        "json",
    )
    assert json.loads(as_json.stdout) == [
        {"job_id": "a", "score": 91},
        {"job_id": "c", "score": 77},
    ]
    as_csv = run_query("SELECT count(*) AS n FROM leads", "--format", "csv", env_db=warehouse)
    assert as_csv.stdout.splitlines() == ["n", "3"]


def test_warehouse_is_opened_read_only(warehouse: Path) -> None:
    result = run_query("DELETE FROM leads", "--db", str(warehouse))
    assert result.returncode != 0
    assert "read-only" in result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM leads").fetchone() == (3,)


@pytest.mark.parametrize(
    ("sql", "db_name", "message"),
    [
        ("SELECT 1", "missing.duckdb", "no warehouse at"),
        ("SELEC 1", None, "query failed: Parser Error"),
    ],
)
def test_errors_say_what_to_do(
    warehouse: Path, sql: str, db_name: str | None, message: str
) -> None:
    db = warehouse.parent / db_name if db_name else warehouse
    result = run_query(sql, "--db", str(db))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_every_kind_of_null_prints_as_null_in_a_table(warehouse: Path) -> None:
    result = run_query(
        "SELECT 1 AS n, NULL::INTEGER AS i, NULL::DOUBLE AS d, NULL::TIMESTAMP AS t, "
        "NULL::VARCHAR AS s UNION ALL SELECT 2, 3, 1.5, TIMESTAMP '2026-11-18 02:00', 'x' ORDER BY n",
        "--db",
        str(warehouse),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["1", "NULL", "NULL", "NULL", "NULL"]
    assert lines[2].split() == ["2", "3", "1.5", "2026-11-18", "02:00:00", "x"]
