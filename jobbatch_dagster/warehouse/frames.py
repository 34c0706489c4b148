"""Bulk inserts through a pandas frame: one SQL statement per load, not one per row.

Values travel as data in a registered frame, never as SQL text; only our own table and column
names are spliced into the statement. Each column is cast to the table's type in the SELECT, so
upsert expressions compare like with like (a date is a DATE, not the string it arrived as).

An upsert (:class:`Upsert`) is a ``MERGE`` on the table's key, the incoming row named ``excluded``
as in an ``ON CONFLICT`` clause: the same statement on a DuckDB file and on a DuckLake, which has
no keys for ``ON CONFLICT`` to find.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import operator
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import duckdb
import orjson
import pandas as pd

_FRAME = "_jobbatch_frame"


@dataclass(frozen=True)
class Upsert:
    """What happens to an incoming row whose key is already stored: ``update`` (a SET list over
    the table and ``excluded``, the incoming row) where ``when`` also holds; without ``update`` the
    stored row stays as it is. Rows with a new key are inserted."""

    keys: tuple[str, ...]
    update: str | None = None
    when: str | None = None

    def statement(self, table: str, columns: Sequence[str], source: str) -> str:
        """``MERGE INTO table`` from ``source`` (a SELECT giving ``columns``)."""
        on = " AND ".join(f'{table}."{k}" = excluded."{k}"' for k in self.keys)
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(f'excluded."{c}"' for c in columns)
        matched = ""
        if self.update:
            condition = f" AND {self.when}" if self.when else ""
            matched = f"WHEN MATCHED{condition} THEN UPDATE SET {self.update} "
        return (
            f"MERGE INTO {table} USING ({source}) AS excluded ON {on} {matched}"
            f"WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({values})"
        )


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of one table, in table order, found as a statement finds it
    (a temporary table first, then the default catalog)."""
    rows = con.execute(f"DESCRIBE {table}").fetchall()
    return {row[0]: row[1] for row in rows}


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    upsert: Upsert | None = None,
) -> int:
    """Insert rows (dicts keyed by column) into ``table``, or upsert them on its key."""
    if not rows:
        return 0
    columns = list(rows[0])
    frame = pd.DataFrame.from_records([{c: row.get(c) for c in columns} for row in rows])
    _insert_frame(con, table, frame.astype(object).where(frame.notna(), None), upsert)
    return len(rows)


def _write(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    source: str,
    upsert: Upsert | None,
    params: Sequence[Any] = (),
) -> None:
    """Insert (or upsert) the rows ``source`` selects into ``table``'s ``columns``."""
    if upsert is not None:
        con.execute(upsert.statement(table, columns, source), list(params))
        return
    names = ", ".join(f'"{c}"' for c in columns)
    con.execute(f"INSERT INTO {table} ({names}) {source}", list(params))


def _insert_frame(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, upsert: Upsert | None
) -> int:
    types = column_types(con, table)
    columns = [name for name in frame.columns if name in types]
    select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in columns)
    con.register(_FRAME, frame)
    try:
        _write(con, table, columns, f"SELECT {select} FROM {_FRAME}", upsert)
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
    upsert: Upsert | None = None,
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
    return _insert_frame(con, table, frame, upsert)


_STAGING_BUFFER_BYTES = 1 << 20


@dataclass(frozen=True)
class KeepOne:
    """Which of several incoming rows with the same ``keys`` a load keeps: the first in
    ``order``, an ORDER BY over the row's columns and ``_arrival`` (its place in the input)."""

    keys: tuple[str, ...]
    order: str


def insert_json_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    records: Iterable[Any],
    *,
    upsert: Upsert | None = None,
    keep_one: KeepOne | None = None,
) -> int:
    """Insert (or upsert) dataclass rows by writing them as JSON lines that DuckDB reads itself,
    in one statement however many rows come. Returns the rows read.

    For rows of long text (a downloaded answer and its line), this is several times faster than a
    pandas frame of Python objects, which DuckDB scans value by value: orjson encodes each row in
    C and ``read_json`` parses the file with the table's own column types. The rows stream to the
    file, so an iterator of 50,000 rows is never held whole. With ``keep_one``, rows repeating a
    key are narrowed to one before the write (a MERGE must not see a key twice).
    """
    types = column_types(con, table)
    # A 1 MB buffer: rows of a few KB each through the default 8 KB one cost a write call every
    # two or three rows, a tenth of a 50,000-line load.
    with tempfile.NamedTemporaryFile(suffix=".jsonl", buffering=_STAGING_BUFFER_BYTES) as staged:
        names, repeated, count = _stage_records(staged.file, records, keep_one)
        if not count:
            return 0
        names = [name for name in names if name in types]
        # JSON columns arrive as the text of the JSON (a string in the file), cast on the way in.
        read_types = {name: "VARCHAR" if types[name] == "JSON" else types[name] for name in names}
        read_types["_arrival"] = "BIGINT"
        spec = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in read_types.items()) + "}"
        select = ", ".join(f'CAST("{c}" AS {types[c]}) AS "{c}"' for c in names)
        source = (
            f"SELECT {select} FROM read_json(?, format = 'newline_delimited', columns = {spec})"
        )
        # The window costs a sort of every row, so it runs only when a key did repeat.
        if repeated and keep_one is not None:
            partition = ", ".join(f'"{k}"' for k in keep_one.keys)
            order = keep_one.order
            source += f" QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {order}) = 1"
        _write(con, table, names, source, upsert, [staged.name])
    return count


def _stage_records(
    staged: IO[bytes], records: Iterable[Any], keep_one: KeepOne | None
) -> tuple[list[str], bool, int]:
    """Write each dataclass row as one JSON line, numbered in ``_arrival``; returns the field
    names, whether a ``keep_one`` key repeated, and how many rows were written."""
    rows = iter(records)
    first = next(rows, None)
    if first is None:
        return [], False, 0
    names = [f.name for f in dataclasses.fields(first)]
    key_of = operator.attrgetter(*keep_one.keys) if keep_one is not None else None
    seen: set[Any] = set()
    repeated = False
    write = staged.write
    dumps = orjson.dumps
    count = 0
    for count, record in enumerate(itertools.chain([first], rows), start=1):
        # orjson encodes the dataclass itself, fields in order (no dict built per row); the
        # arrival number goes in before the closing brace
        write(b'%s,"_arrival":%d}\n' % (dumps(record)[:-1], count))
        if key_of is not None and not repeated:
            key = key_of(record)
            repeated = key in seen
            seen.add(key)
    staged.flush()
    return names, repeated, count


@contextlib.contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Run the block under DuckDB's ``memory_limit`` = ``limit``, then restore the one before."""
    (previous,) = con.execute("SELECT current_setting('memory_limit')").fetchone()  # type: ignore[misc]
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{previous}'")


def update_set(columns: Sequence[str]) -> str:
    """An :class:`Upsert` SET list taking each column from the incoming row."""
    return ", ".join(f'"{c}" = excluded."{c}"' for c in columns)
