"""Durable state under ``--data-dir``: SQLite (WAL) for metadata, plain files for bodies.

Why this shape: SQLite in WAL mode survives ``kill -9`` with every committed transaction intact and
lets a user inspect the state with the ``sqlite3`` shell; bodies stay out of the database so uploads
and downloads stream from disk with bounded memory. One connection serialised by a lock is enough:
the server is one process, and every statement is short.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jobbatch_dagster.emulator.clock import Clock
from jobbatch_dagster.emulator.records import BatchRecord, FileRecord

_JSON_COLUMNS = frozenset({"metadata", "faults", "errors"})


def _columns(record_type: type) -> list[str]:
    return [f.name for f in dataclasses.fields(record_type)]


def _table_sql(table: str, record_type: type) -> str:
    # Every column is nullable and typeless enough for SQLite; `seq` gives a stable creation order.
    cols = ", ".join(
        f"{name} {'TEXT' if name in _JSON_COLUMNS else ''}" for name in _columns(record_type)
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {table} "
        f"(seq INTEGER PRIMARY KEY AUTOINCREMENT, {cols}, UNIQUE(id))"
    )


def _encode(column: str, value: Any) -> Any:
    return json.dumps(value) if column in _JSON_COLUMNS and value is not None else value


def _to_row(record: Any) -> dict[str, Any]:
    return {name: _encode(name, value) for name, value in dataclasses.asdict(record).items()}


def _from_row(record_type: type, row: sqlite3.Row) -> Any:
    values = {name: row[name] for name in _columns(record_type)}
    for name in _JSON_COLUMNS & values.keys():
        if values[name] is not None:
            values[name] = json.loads(values[name])
    return record_type(**values)


class Store:
    """Files and batches on disk. Thread-safe; the HTTP layer and the worker share one instance."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.bodies_dir = data_dir / "files"
        self.bodies_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            data_dir / "emulator.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        # WAL + synchronous=NORMAL: durable against a killed process (not against power loss,
        # which an emulator need not survive), and readers never block the worker's commits.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_table_sql("files", FileRecord))
        self._db.execute(_table_sql("batches", BatchRecord))
        self._db.execute("CREATE INDEX IF NOT EXISTS batches_by_status ON batches (status)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "scale REAL, anchor_real REAL, anchor_emulated REAL)"
        )

    def resume_clock(self, scale: float) -> Clock:
        """The emulator clock, carried on from the last run and anchored anew (see clock.py)."""
        with self._transaction() as db:
            row = db.execute("SELECT scale, anchor_real, anchor_emulated FROM clock").fetchone()
            clock = Clock.resume(scale, None if row is None else Clock(*row))
            db.execute(
                "INSERT OR REPLACE INTO clock VALUES (1, ?, ?, ?)",
                (clock.scale, clock.anchor_real, clock.anchor_emulated),
            )
        return clock

    def body_path(self, file_id: str) -> Path:
        return self.bodies_dir / file_id

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _insert(self, db: sqlite3.Connection, table: str, record: Any) -> None:
        row = _to_row(record)
        names = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", row)

    def _select(
        self, table: str, record_type: type, where: str, params: tuple[Any, ...]
    ) -> list[Any]:
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM {table} {where}", params).fetchall()
        return [_from_row(record_type, row) for row in rows]

    def seq_of(self, table: str, record_id: str) -> int | None:
        with self._lock:
            row = self._db.execute(f"SELECT seq FROM {table} WHERE id = ?", (record_id,)).fetchone()
        return None if row is None else int(row[0])

    # Files

    def insert_file(self, record: FileRecord) -> None:
        with self._transaction() as db:
            self._insert(db, "files", record)

    def get_file(self, file_id: str) -> FileRecord | None:
        found = self._select("files", FileRecord, "WHERE id = ?", (file_id,))
        return found[0] if found else None

    def list_files(
        self, purpose: str | None, descending: bool, after_seq: int | None, limit: int, now: int
    ) -> list[FileRecord]:
        clauses: list[str] = ["(expires_at IS NULL OR expires_at > ?)"]
        params: list[Any] = [now]
        if purpose is not None:
            clauses.append("purpose = ?")
            params.append(purpose)
        if after_seq is not None:
            clauses.append("seq < ?" if descending else "seq > ?")
            params.append(after_seq)
        where = "WHERE " + " AND ".join(clauses)  # never empty: the expiry clause is always there
        order = "DESC" if descending else "ASC"
        return self._select(
            "files", FileRecord, f"{where} ORDER BY seq {order} LIMIT ?", (*params, limit)
        )

    def delete_file(self, file_id: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount > 0

    # Batches

    def insert_batch(self, record: BatchRecord) -> None:
        with self._transaction() as db:
            self._insert(db, "batches", record)

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        found = self._select("batches", BatchRecord, "WHERE id = ?", (batch_id,))
        return found[0] if found else None

    def list_batches(self, after_seq: int | None, limit: int) -> list[BatchRecord]:
        where, params = ("WHERE seq < ?", (after_seq,)) if after_seq is not None else ("", ())
        return self._select(
            "batches", BatchRecord, f"{where} ORDER BY seq DESC LIMIT ?", (*params, limit)
        )

    def batches_created_since(self, since: int) -> tuple[int, int | None]:
        """How many batches were created at or after ``since``, and the oldest such time."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*), MIN(created_at) FROM batches WHERE created_at >= ?", (since,)
            ).fetchone()
        return int(row[0]), None if row[1] is None else int(row[1])

    def batches_with_status(self, statuses: tuple[str, ...]) -> list[BatchRecord]:
        marks = ", ".join("?" for _ in statuses)
        return self._select(
            "batches", BatchRecord, f"WHERE status IN ({marks}) ORDER BY seq", statuses
        )

    def update_batch(
        self,
        batch_id: str,
        changes: dict[str, Any],
        *,
        only_if_status: tuple[str, ...] | None = None,
        new_files: tuple[FileRecord, ...] = (),
    ) -> bool:
        """Apply ``changes`` (and insert ``new_files``) in one transaction.

        With ``only_if_status`` the change happens only while the batch is in one of those states,
        so a cancel from the API and a step of the worker can never overwrite each other.
        """
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        params = {name: _encode(name, value) for name, value in changes.items()} | {"_id": batch_id}
        sql = f"UPDATE batches SET {assignments} WHERE id = :_id"
        if only_if_status is not None:
            sql += (
                " AND status IN (" + ", ".join(f":_s{i}" for i in range(len(only_if_status))) + ")"
            )
            params |= {f"_s{i}": status for i, status in enumerate(only_if_status)}
        with self._transaction() as db:
            if db.execute(sql, params).rowcount == 0:
                return False
            for record in new_files:
                self._insert(db, "files", record)
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()
