"""The writer's turn on a DuckLake warehouse: one writing process at a time, on any host.

DuckLake commits snapshots optimistically and aborts one of two that delete from the same table
(every load here replaces a day's rows, every ledger update is a delete and an insert). So writers
take turns, as they do on a DuckDB file, but across hosts: a PostgreSQL advisory lock in the
catalog's own database, held by a session of its own for as long as a writing connection is open.
Within one process the turn is shared (its connections are cursors of one database, which DuckDB
keeps consistent itself); readers never take it.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, ClassVar, Final

# One lock per catalog database: its key is fixed, the database is part of PostgreSQL's lock tag.
LOCK_KEY: Final = 7_305_118_242  # "jobbatch writer"
# A writer waits this long for another host's run to finish writing, then says so: long enough for
# a night's slowest write (a 50,000-answer harvest), short enough that a stuck writer is noticed.
WAIT_SECONDS: Final = 600
CATALOG_PREFIX: Final = "postgres:"


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened; the message says what is missing and what to do."""


class LakeWriterLock:
    """The writer's turn of one catalog, reentrant within the process (see the module doc)."""

    _locks: ClassVar[dict[str, LakeWriterLock]] = {}
    _registry: ClassVar = threading.Lock()

    def __init__(self, catalog: str) -> None:
        self.catalog = catalog
        self._holders = 0
        self._session: Any = None
        self._mutex = threading.Lock()

    @classmethod
    def for_catalog(cls, catalog: str) -> LakeWriterLock:
        with cls._registry:
            return cls._locks.setdefault(catalog, cls(catalog))

    def __enter__(self) -> LakeWriterLock:
        with self._mutex:
            if self._holders == 0:
                self._session = _take_turn(self.catalog)
            self._holders += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._mutex:
            self._holders -= 1
            if self._holders == 0:
                self._session.close()  # ending the session releases the lock
                self._session = None


def _take_turn(catalog: str) -> Any:
    """A PostgreSQL session holding the writer lock of the catalog's database."""
    try:
        import psycopg2
        import psycopg2.errors
    except ImportError as exc:
        raise WarehouseError(
            "the DuckLake warehouse needs psycopg2 for its writer lock: run `make install` "
            "(the cluster extra) or `pip install psycopg2-binary`"
        ) from exc
    dsn = catalog.removeprefix(CATALOG_PREFIX)
    shown = " ".join(part for part in dsn.split() if not part.startswith("password="))
    try:
        session = psycopg2.connect(dsn, application_name="jobbatch warehouse writer")
    except psycopg2.OperationalError as exc:
        raise WarehouseError(
            f"cannot reach the DuckLake catalog ({shown}) for the writer lock: {exc}. Check "
            "[warehouse] catalog in jobbatch.toml, that the server is up, and PGPASSWORD"
        ) from exc
    session.autocommit = True
    try:
        with session.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{WAIT_SECONDS}s'")
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    except psycopg2.errors.LockNotAvailable as exc:
        session.close()
        raise WarehouseError(
            f"another process has been writing the DuckLake warehouse for {WAIT_SECONDS} s "
            f"(catalog {shown}): wait for its run to end, or end it"
        ) from exc
    except BaseException:
        session.close()
        raise
    return session
