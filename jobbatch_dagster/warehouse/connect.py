"""Opening the warehouse: a DuckDB file (one machine) or DuckLake (several hosts), by configuration.

Every connection to the warehouse comes from here, so the two modes differ in this file only:

- **file**: ``[paths] warehouse``, a DuckDB file. One process may write it at a time (DuckDB's rule).
- **DuckLake**: ``[warehouse] catalog = "postgres:..."`` — the catalog in a PostgreSQL database, the
  data as Parquet files under ``[warehouse] data_path`` (a folder or ``s3://bucket/prefix/``).
  The catalog is attached as ``lake`` and made the default, so every statement reads the same.

DuckLake's extensions (ducklake, postgres, httpfs) are loaded from the PyPI wheels the ``cluster``
extra installs, never downloaded: automatic install and load of extensions are switched off, and a
missing wheel is an error naming the package. Credentials come only from the environment:
``PGPASSWORD`` (read by libpq itself) for the catalog, ``AWS_*`` for an ``s3://`` data path (a
temporary DuckDB secret made at connect time, never stored).

A process opens one DuckDB database per lake and hands out a cursor of it per connection: loading
the extensions checks their signatures, a second or more, which a pipeline step must not pay each
time. Writers of one lake take turns across processes and hosts (a PostgreSQL advisory lock held
while a writing connection is open, see :mod:`jobbatch_dagster.warehouse.lake_lock`): DuckLake aborts
two snapshots that delete from the same table, and every load here replaces rows. Readers never
wait: they read the last committed snapshot.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import duckdb

from jobbatch_dagster.warehouse.lake_lock import LakeWriterLock, WarehouseError

LAKE_ALIAS: Final = "lake"
# (extension name DuckDB loads it under, the wheel's package, the file name inside the wheel)
LAKE_EXTENSIONS: Final = (
    ("postgres_scanner", "duckdb_extension_postgres", "postgres"),
    ("ducklake", "duckdb_extension_ducklake", "ducklake"),
    ("httpfs", "duckdb_extension_httpfs", "httpfs"),
)
# Nothing is fetched at run time: extensions come from the wheels, or the connection fails.
OFFLINE_CONFIG: Final = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


@dataclass(frozen=True)
class Lake:
    """``[warehouse]``: a DuckLake catalog (libpq ``key=value`` string after ``postgres:``) and
    where its data files go (a folder, relative to the working directory, or ``s3://...``)."""

    catalog: str
    data_path: str = "data/lake/"

    @property
    def on_s3(self) -> bool:
        return self.data_path.startswith("s3://")


@dataclass(frozen=True)
class Warehouse:
    """Where the warehouse is: the DuckDB file, or a lake when ``lake`` is set."""

    path: Path
    lake: Lake | None = None

    def __str__(self) -> str:
        if self.lake is None:
            return str(self.path)
        return f"DuckLake {_without_secrets(self.lake.catalog)} (data {self.lake.data_path})"

    def exists(self) -> bool:
        """Whether there is anything to read yet: the file exists, or a lake is configured (its
        catalog server is the judge, at connect time)."""
        return self.lake is not None or self.path.is_file()


def _without_secrets(catalog: str) -> str:
    return " ".join(part for part in catalog.split() if not part.startswith("password="))


@contextlib.contextmanager
def open_warehouse(
    warehouse: Warehouse, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse, closed when the block ends (also when it raises).

    File mode: ``duckdb.connect`` on the file (its folder created for a writer). Lake mode: a
    cursor of this process's database for the lake, its default catalog the lake, holding the
    lake's writer turn while open unless ``read_only``.
    """
    if warehouse.lake is None:
        if not read_only:
            warehouse.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(warehouse.path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
        return
    lake = warehouse.lake
    with contextlib.ExitStack() as stack:
        if not read_only:
            stack.enter_context(LakeWriterLock.for_catalog(lake.catalog))
        cursor = _lake_cursor(lake, read_only)
        stack.callback(cursor.close)
        cursor.execute(f"USE {LAKE_ALIAS}")
        yield cursor


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog is a DuckLake (which has no keys or indexes)."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


_databases: dict[tuple[Lake, bool], duckdb.DuckDBPyConnection] = {}
_databases_lock = threading.Lock()


def _lake_cursor(lake: Lake, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A new connection to this process's DuckDB database with the lake attached (the database
    made on first use; one thread at a time touches it)."""
    with _databases_lock:
        if (lake, read_only) not in _databases:
            _databases[(lake, read_only)] = _attach(lake, read_only)
        return _databases[(lake, read_only)].cursor()


def close_lakes() -> None:
    """Close every lake database this process opened (their PostgreSQL sessions end)."""
    with _databases_lock:
        for con in _databases.values():
            con.close()
        _databases.clear()


atexit.register(close_lakes)


def _attach(lake: Lake, read_only: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config=dict(OFFLINE_CONFIG))
    try:
        load_lake_extensions(con)
        if lake.on_s3:
            con.execute(s3_secret_sql(os.environ))
        else:
            Path(lake.data_path).mkdir(parents=True, exist_ok=True)
        options = [f"DATA_PATH {sql_literal(lake.data_path)}"]
        if read_only:
            options.append("READ_ONLY")
        con.execute(
            f"ATTACH {sql_literal('ducklake:' + lake.catalog)} AS {LAKE_ALIAS} ({', '.join(options)})"
        )
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(
            f"cannot open the DuckLake warehouse {_without_secrets(lake.catalog)} with data at "
            f"{lake.data_path}: {exc}. Check [warehouse] catalog in jobbatch.toml, that the "
            "PostgreSQL server is up and the database exists, and PGPASSWORD (and AWS_* for "
            "s3://) in the environment."
        ) from exc
    return con


def load_lake_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD ducklake, postgres and httpfs from the installed wheels; never from the network."""
    folder = _extension_links()
    for name, _, _ in LAKE_EXTENSIONS:
        con.execute(f"LOAD {sql_literal(str(folder / f'{name}.duckdb_extension'))}")


@functools.cache
def _extension_links() -> Path:
    """A private folder linking each wheel's extension file under the name DuckDB loads it by
    (the postgres wheel ships ``postgres.duckdb_extension``, whose entry point is named
    ``postgres_scanner``): the files are loaded where the wheels installed them."""
    folder = Path(tempfile.mkdtemp(prefix="jobbatch-duckdb-extensions-"))
    atexit.register(_remove_links, folder)
    for name, package, file in LAKE_EXTENSIONS:
        (folder / f"{name}.duckdb_extension").symlink_to(extension_file(package, file))
    return folder


def _remove_links(folder: Path) -> None:
    for link in folder.iterdir():
        link.unlink()
    folder.rmdir()


def extension_file(package: str, file: str) -> Path:
    """The extension a wheel ships for this DuckDB version, or a WarehouseError saying which
    package to install."""
    spec = importlib.util.find_spec(package)
    wheel = package.replace("_", "-")
    if spec is None or spec.origin is None:
        raise WarehouseError(
            f"the DuckLake warehouse needs the {wheel} package (DuckDB's {file} extension), "
            "which is not installed: run `make install` (the cluster extra) or "
            f"`pip install {wheel}=={duckdb.__version__}`"
        )
    path = (
        Path(spec.origin).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{file}.duckdb_extension"
    )
    if not path.is_file():
        raise WarehouseError(
            f"{wheel} has no extension for DuckDB {duckdb.__version__} ({path} is missing): "
            f"install the matching release, `pip install {wheel}=={duckdb.__version__}`"
        )
    return path


def s3_secret_sql(env: os._Environ[str] | dict[str, str]) -> str:
    """A temporary S3 secret from ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_REGION``
    (or ``AWS_DEFAULT_REGION``)/``AWS_ENDPOINT_URL``; without keys, DuckDB's credential chain."""
    key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    options = ["TYPE s3"]
    if key and secret:
        options += [f"KEY_ID {sql_literal(key)}", f"SECRET {sql_literal(secret)}"]
    else:
        options += ["PROVIDER credential_chain"]
    if region:
        options.append(f"REGION {sql_literal(region)}")
    endpoint = env.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        # a custom endpoint (MinIO, moto, a gateway) is addressed by path, not by bucket host name
        options += [
            f"ENDPOINT {sql_literal(parts.netloc or parts.path)}",
            "URL_STYLE 'path'",
            f"USE_SSL {'false' if parts.scheme == 'http' else 'true'}",
        ]
    return f"CREATE OR REPLACE TEMPORARY SECRET jobbatch_s3 ({', '.join(options)})"


def sql_literal(text: str) -> str:
    """A SQL string literal (DDL such as ATTACH and CREATE SECRET takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"
