"""Local stand-ins for a cluster's shared services: a real PostgreSQL server and an S3 endpoint.

``make cluster-demo`` and the cluster tests run the same pipeline a deployment runs, against the
same kinds of servers, all on loopback:

- :class:`LocalPostgres` runs Debian's PostgreSQL (``initdb`` + ``postgres``) in a folder of its own,
  listening on a free loopback port. PostgreSQL refuses to run as root; when this process is root,
  the server runs as the ``postgres`` system user (``runuser``) in a folder that user owns.
- :class:`LocalS3` runs ``moto_server`` (the ``moto[server]`` package), an S3-compatible endpoint.
  moto keeps its objects in memory only; with ``keep_in`` they are written to a folder before the
  server stops and put back when it starts, so a second ``make cluster-demo`` finds the first
  one's files.

Both are context managers and stop every process they started.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from jobbatch_dagster.emulator.process import free_port

POSTGRES_SYSTEM_USER = "postgres"
# Where a root-run server keeps its data when the postgres user cannot reach the folder asked
# for: kept across reboots, unlike /tmp.
SERVER_USER_ROOT = "/var/tmp"
STARTUP_TIMEOUT_SECONDS = 30.0


class ServiceError(RuntimeError):
    """A local service could not be started; the message says what is missing and what to do."""


def postgres_bindir() -> Path:
    """The folder with ``initdb`` and ``postgres``: ``$JOBBATCH_PG_BINDIR``, else Debian's newest."""
    configured = os.environ.get("JOBBATCH_PG_BINDIR")
    candidates = [configured] if configured else sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    for candidate in reversed(candidates):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise ServiceError(
        "PostgreSQL server binaries not found (looked for initdb in "
        f"{configured or '/usr/lib/postgresql/*/bin'}): install Debian's package "
        "(`apt-get install postgresql`) or set JOBBATCH_PG_BINDIR to the folder holding initdb"
    )


def _as_server_user() -> list[str]:
    """The command prefix that runs PostgreSQL's programs as a user it accepts."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError as exc:
        raise ServiceError(
            "running as root, and PostgreSQL refuses root: create the 'postgres' system user "
            "(Debian's postgresql package does) or run as an ordinary user"
        ) from exc
    return ["runuser", "-u", POSTGRES_SYSTEM_USER, "--"]


def _reachable_by_server_user(data_dir: Path) -> Path:
    """Where the server's files go when it runs as the ``postgres`` user: ``data_dir`` if that
    user can reach it; else (a clone in root's private home, a 0700 temporary folder) a folder of
    the same name under /var/tmp that it can, with ``data_dir`` a symbolic link to it."""
    parent = data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    reachable = subprocess.run(
        [*_as_server_user(), "test", "-x", str(parent), "-a", "-r", str(parent)], check=False
    )
    if reachable.returncode == 0:
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    outside = Path(SERVER_USER_ROOT) / f"jobbatch-pg-{data_dir.name}-{digest}"
    outside.mkdir(mode=0o700, exist_ok=True)
    if not data_dir.is_symlink():
        if data_dir.exists():
            raise ServiceError(
                f"the {POSTGRES_SYSTEM_USER} user cannot reach {data_dir} (a folder above it is "
                f"private to root): move it to {outside} and leave a symbolic link, or run as an "
                "ordinary user"
            )
        data_dir.symlink_to(outside, target_is_directory=True)
    return outside


class LocalPostgres:
    """A PostgreSQL server of its own: ``initdb`` once into ``data_dir``, then ``postgres`` on a port.

    ``data_dir`` defaults to a new temporary folder (removed by :meth:`stop` with ``remove=True``).
    The superuser is ``postgres`` with trust authentication on loopback only: a local rehearsal
    server, never exposed. :meth:`url` gives SQLAlchemy/libpq URLs for a database.
    """

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        self._owns_dir = data_dir is None
        # Absolute: the server runs in its data folder and puts its socket there (-k).
        self.data_dir = (
            Path(data_dir).resolve() if data_dir else Path(tempfile.mkdtemp(prefix="jobbatch-pg-"))
        )
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.user = "postgres"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def url(self, database: str = "postgres", scheme: str = "postgresql") -> str:
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{database}"

    def libpq(self, database: str = "postgres") -> str:
        """The key=value connection string DuckDB's postgres and DuckLake extensions take."""
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    def start(self) -> LocalPostgres:
        if self._process is not None and self._process.poll() is None:
            return self
        bindir = postgres_bindir()
        prefix = _as_server_user()
        if prefix and not self._owns_dir:
            self.data_dir = _reachable_by_server_user(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if prefix:
            shutil.chown(self.data_dir, user=POSTGRES_SYSTEM_USER, group=POSTGRES_SYSTEM_USER)
        self.data_dir.chmod(0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            made = subprocess.run(
                [*prefix, str(bindir / "initdb"), "-D", str(self.data_dir), "-U", self.user,
                 "--auth=trust", "--encoding=UTF8", "--no-instructions"],
                check=False, capture_output=True, text=True,
            )  # fmt: skip
            if made.returncode != 0:
                raise ServiceError(
                    f"initdb could not make a PostgreSQL data folder in {self.data_dir}: "
                    f"{made.stderr.strip() or made.stdout.strip()}"
                )
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [*prefix, str(bindir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
             "-h", self.host, "-k", str(self.data_dir), "-c", "max_connections=200",
             "-c", "fsync=off"],
            stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_until_ready(bindir)
        return self

    def _wait_until_ready(self, bindir: Path) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ServiceError(f"PostgreSQL exited at startup; its log is {self.log_path}")
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-h", self.host, "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise ServiceError(
            f"PostgreSQL not ready after {STARTUP_TIMEOUT_SECONDS:.0f} s: {self.log_path}"
        )

    def create_database(self, name: str) -> str:
        """Create ``name`` unless it exists; return its SQLAlchemy URL."""
        psql = [str(postgres_bindir() / "psql"), "-h", self.host, "-p", str(self.port),
                "-U", self.user, "-d", "postgres", "-tAc"]  # fmt: skip
        exists = subprocess.run(
            [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if not exists:
            subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
        return self.url(name)

    def stop(self, remove: bool | None = None) -> None:
        """Stop the server (fast shutdown); remove its folder if this object created it."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # SIGTERM: PostgreSQL's "smart" shutdown
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if remove if remove is not None else self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                self.log_path.unlink()

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LocalS3:
    """``moto_server`` on a free loopback port: an S3 endpoint for rehearsals and tests.

    Credentials are moto's placeholders; :meth:`env` gives the variables boto3, DuckDB's httpfs
    and our object store read.
    """

    def __init__(
        self, log_path: Path | None = None, port: int | None = None, keep_in: Path | None = None
    ) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.keep_in = keep_in  # <keep_in>/<bucket>/<key>: the objects between two runs
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }

    def start(self) -> LocalS3:
        if self._process is not None and self._process.poll() is None:
            return self
        server = Path(sys.executable).with_name("moto_server")
        if not server.exists():
            raise ServiceError(
                f"moto_server not found beside {sys.executable}: install the project's cluster "
                "extra (`pip install -e '.[cluster]'`)"
            )
        self._log = self.log_path.open("ab") if self.log_path else None
        self._process = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServiceError(f"moto_server exited at startup (log: {self.log_path})")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.endpoint_url, timeout=1)
                self._restore()
                return self
            time.sleep(0.1)
        raise ServiceError(f"moto_server not answering after {STARTUP_TIMEOUT_SECONDS:.0f} s")

    def client(self) -> Any:
        """A boto3 S3 client of this endpoint."""
        import boto3

        env = self.env()
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )

    def create_bucket(self, bucket: str) -> None:
        """Make ``bucket`` (nothing if it is there)."""
        client = self.client()
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=bucket)

    def _restore(self) -> None:
        """Put the objects kept in ``keep_in`` back into the new server."""
        if self.keep_in is None or not self.keep_in.is_dir():
            return
        client = self.client()
        for folder in sorted(p for p in self.keep_in.iterdir() if p.is_dir()):
            self.create_bucket(folder.name)
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                client.upload_file(str(path), folder.name, path.relative_to(folder).as_posix())

    def _keep(self) -> None:
        """Write every object to ``keep_in`` (replacing what was there) before the server stops."""
        if self.keep_in is None:
            return
        client = self.client()
        kept = self.keep_in.with_name(self.keep_in.name + ".new")
        shutil.rmtree(kept, ignore_errors=True)
        for bucket in client.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            (kept / name).mkdir(parents=True)  # an empty bucket is kept too
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for item in page.get("Contents", []):
                    target = kept / name / item["Key"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    client.download_file(name, item["Key"], str(target))
        kept.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.keep_in, ignore_errors=True)
        kept.rename(self.keep_in)  # the old copy goes only once the new one is complete

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._keep()
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalS3:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
