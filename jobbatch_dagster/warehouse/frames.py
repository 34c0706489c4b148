"""Bulk inserts through a pandas frame: one SQL statement per load, not one per row.

Values travel as data in a registered frame, never as SQL text; only our own table and column
names are spliced into the statement. Each column is cast to the table's type in the SELECT, so
upsert expressions compare like with like (a date is a DATE, not the string it arrived as).
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

_FRAME = "_jobbatch_frame"


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of one table, in table order."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return dict(rows)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict: str = "",
) -> int:
    """Insert rows (dicts keyed by column) into ``table``; ``on_conflict`` is our own SQL clause."""
    if not rows:
        return 0
    columns = list(rows[0])
    frame = pd.DataFrame.from_records([{c: row.get(c) for c in columns} for row in rows])
    _insert_frame(con, table, frame.astype(object).where(frame.notna(), None), on_conflict)
    return len(rows)


def _insert_frame(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, on_conflict: str
) -> int:
    types = column_types(con, table)
    columns = [name for name in frame.columns if name in types]
    select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    con.register(_FRAME, frame)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {_FRAME} {on_conflict}")
    finally:
        # In an aborted transaction unregistering fails too; the insert's own error must surface.
        with contextlib.suppress(duckdb.TransactionException):
            con.unregister(_FRAME)
    return len(frame)


def insert_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    records: Sequence[Any],
    *,
    on_conflict: str = "",
    constants: Mapping[str, Any] | None = None,
) -> int:
    """Insert dataclass rows (their fields named like ``table``'s columns), built column by column;
    ``constants`` fills more columns with one value for every row."""
    if not records:
        return 0
    names = [f.name for f in dataclasses.fields(records[0])]
    getter = operator.attrgetter(*names)  # one C call per record instead of one per field
    rows = map(getter, records) if len(names) > 1 else ((getter(r),) for r in records)
    columns = dict(zip(names, zip(*rows, strict=True), strict=True))
    frame = pd.DataFrame(columns, dtype=object)
    for name, value in (constants or {}).items():
        frame[name] = value
    return _insert_frame(con, table, frame, on_conflict)


def update_set(columns: Sequence[str]) -> str:
    """``ON CONFLICT ... DO UPDATE SET`` list taking each column from the incoming row."""
    return ", ".join(f'"{c}" = excluded."{c}"' for c in columns)
