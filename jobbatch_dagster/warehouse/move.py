"""Moving a single-machine warehouse into DuckLake: every table of the DuckDB file, copied as is.

The file is first brought up to this version's schema (so its columns match the lake's), then
attached read-only beside the lake and each table copied by column name in one transaction: the
lake holds the whole warehouse or, when anything fails, nothing of it. A lake that already holds
rows is refused, so the move never mixes two histories or copies a night twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from jobbatch_dagster.warehouse.connect import Lake, Warehouse, open_warehouse, sql_literal
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES
from jobbatch_dagster.warehouse.schema import TABLE_DDL, ensure_schema
from jobbatch_dagster.warehouse.transaction import transaction

SOURCE_ALIAS: Final = "single_machine"
# Every table the pipeline owns (the schema's own bookkeeping is written by the lake's schema).
MOVED_TABLES: Final = (*TABLE_DDL, *RESULT_TABLES.values())


class LakeNotEmptyError(RuntimeError):
    """The lake already holds rows; the move would mix two warehouses."""


@dataclass(frozen=True)
class MovedTable:
    table: str
    rows: int


def move_to_lake(source: Path, lake: Lake) -> list[MovedTable]:
    """Copy every table of the DuckDB file ``source`` into ``lake``; the rows of each, in order."""
    if not source.is_file():
        raise FileNotFoundError(
            f"no DuckDB warehouse at {source}: point --from (or [paths] warehouse) at the file"
        )
    with open_warehouse(Warehouse(source)) as con:
        ensure_schema(con)  # an older file gets the columns the lake's tables have
    with open_warehouse(Warehouse(source, lake)) as con:
        ensure_schema(con)
        filled = [t for t in MOVED_TABLES if _rows(con, t) > 0]
        if filled:
            raise LakeNotEmptyError(
                f"the lake already holds rows in {', '.join(filled)}: the move copies a warehouse "
                "into an empty lake only. Point [warehouse] catalog at a new database, or keep "
                "the lake as it is"
            )
        con.execute(f"ATTACH {sql_literal(str(source))} AS {SOURCE_ALIAS} (READ_ONLY)")
        try:
            with transaction(con):
                for table in MOVED_TABLES:
                    con.execute(
                        f"INSERT INTO {table} BY NAME SELECT * FROM {SOURCE_ALIAS}.main.{table}"
                    )
            return [MovedTable(t, _rows(con, t)) for t in MOVED_TABLES]
        finally:
            con.execute(f"DETACH {SOURCE_ALIAS}")


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
