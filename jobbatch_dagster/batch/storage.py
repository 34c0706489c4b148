"""Where the batch files live: a local folder, or an S3 bucket any host can read.

``[paths] batches`` is a folder (today's behaviour: files stay on this machine) or an
``s3://bucket/prefix`` URI. With a URI, the code still reads and writes ordinary files, in a
staging folder of this process (removed when it exits), and the store moves them to and from the
bucket where another host needs them: :meth:`BatchStore.publish` uploads a finished file (boto3's
managed transfer: multipart and streamed, never read into memory), :meth:`BatchStore.fetch`
brings a folder's objects down before the code lists or reads it, and :meth:`BatchStore.remove`
deletes a file in both places. A local store does nothing in any of them.

Credentials and the endpoint come only from the environment, read by boto3 itself
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``/``AWS_DEFAULT_REGION``,
``AWS_ENDPOINT_URL``); nothing here stores, logs or reports them.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

S3_SCHEME = "s3://"
SETTING = "[paths] batches"
# S3's bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, starting and ending
# with a letter or digit.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class BatchStoreError(RuntimeError):
    """The configured bucket cannot be used; the message names the setting and what to do."""


def is_s3_uri(value: str) -> bool:
    return value.startswith(S3_SCHEME)


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, prefix without slashes at either end) of ``s3://bucket[/prefix]``, or ValueError
    saying what is wrong with it."""
    bucket, _, prefix = uri.removeprefix(S3_SCHEME).partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise ValueError(
            f"{uri!r} has no valid bucket name ({bucket!r}): write s3://<bucket>/<prefix>, the "
            "bucket 3-63 lowercase letters, digits, dots or hyphens"
        )
    prefix = prefix.strip("/")
    if "//" in prefix:
        raise ValueError(f"{uri!r} has an empty folder name in its prefix (//): remove it")
    return bucket, prefix


_staging_lock = threading.Lock()
_staging: list[Path] = []


def staging_dir(uri: str) -> Path:
    """This process's local copy of the bucket's files for ``uri``: one temporary folder per
    process, removed at exit, so a file another host changed is never read from a stale copy."""
    bucket, prefix = split_s3_uri(uri)
    with _staging_lock:
        if not _staging:
            root = Path(tempfile.mkdtemp(prefix=f"jobbatch-batches-{os.getpid()}-"))
            atexit.register(shutil.rmtree, root, True)
            _staging.append(root)
    return _staging[0] / bucket / prefix


@dataclass
class BatchStore:
    """The local store: the files are where the code writes them; nothing to move."""

    root: Path

    def uri(self, path: Path) -> str:
        """Where a user finds the file (shown in asset metadata)."""
        return str(path)

    def publish(self, *paths: Path) -> None:
        """Make finished files readable by other hosts."""

    def fetch(self, directory: Path) -> None:
        """Bring a folder's files here before the code lists or reads it."""

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def subfolders(self, directory: Path) -> list[str]:
        """The names of the folders directly under ``directory``."""
        return (
            sorted(p.name for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
        )


@dataclass
class S3Store(BatchStore):
    """Files under ``s3://bucket/prefix``, staged in ``root`` (see the module docstring)."""

    bucket: str = ""
    prefix: str = ""
    _client: Any = field(default=None, repr=False)

    @property
    def client(self) -> Any:
        """boto3's S3 client, created on first use; the bucket is checked once, then."""
        if self._client is None:
            self._client = _s3_client(self.bucket, self.prefix)
        return self._client

    def key(self, path: Path) -> str:
        relative = Path(path).relative_to(self.root).as_posix()
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def uri(self, path: Path) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.key(path)}"

    def publish(self, *paths: Path) -> None:
        for path in paths:
            self.client.upload_file(str(path), self.bucket, self.key(path))

    def fetch(self, directory: Path) -> None:
        """Download the folder's objects (recursively) that are missing here or differ in size
        (a shard is named by the hash of its bytes, an output file by its provider id: a file
        of the same name and size is the same file), and drop local files the bucket no longer
        has (another host removed them)."""
        remote = {}
        for item in self._objects(self.key(directory) + "/"):
            local = self.root / item["Key"].removeprefix(f"{self.prefix}/" if self.prefix else "")
            remote[local] = item["Size"]
            if not local.is_file() or local.stat().st_size != item["Size"]:
                local.parent.mkdir(parents=True, exist_ok=True)
                self.client.download_file(self.bucket, item["Key"], str(local))
        if directory.is_dir():
            for local in directory.rglob("*"):
                if local.is_file() and local not in remote:
                    local.unlink()

    def remove(self, path: Path) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(path))
        path.unlink(missing_ok=True)

    def subfolders(self, directory: Path) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.key(directory) + "/", Delimiter="/"
        )
        return sorted(
            Path(common["Prefix"]).name
            for page in pages
            for common in page.get("CommonPrefixes", [])
        )

    def _objects(self, prefix: str) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return [item for page in pages for item in page.get("Contents", [])]


def _s3_client(bucket: str, prefix: str) -> Any:
    where = f"{SETTING} = {S3_SCHEME}{bucket}/{prefix}"
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError as exc:
        raise BatchStoreError(
            f"{where} needs boto3, which is not installed: install the cluster extra "
            "(`pip install -e '.[cluster]'`) or set a local folder"
        ) from exc
    client = boto3.client("s3")
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        endpoint = client.meta.endpoint_url
        if code in ("404", "NoSuchBucket"):
            raise BatchStoreError(
                f"{where}: bucket {bucket!r} does not exist at {endpoint}: create it, or correct "
                "the bucket name (or AWS_ENDPOINT_URL)"
            ) from exc
        raise BatchStoreError(
            f"{where}: bucket {bucket!r} at {endpoint} refused access ({code}): check "
            "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's policy"
        ) from exc
    except BotoCoreError as exc:
        raise BatchStoreError(
            f"{where}: cannot reach S3 ({exc}): check AWS_ENDPOINT_URL and AWS_REGION"
        ) from exc
    return client


_stores: dict[tuple[str, Path], BatchStore] = {}


def open_store(url: str | None, root: Path) -> BatchStore:
    """The store for ``[paths] batches``: local for a folder (``url`` None), S3 for a URI; one per
    (url, folder) in a process, so its client and bucket check are made once."""
    if url is None:
        return BatchStore(root)
    store = _stores.get((url, root))
    if store is None:
        bucket, prefix = split_s3_uri(url)
        store = _stores.setdefault((url, root), S3Store(root, bucket, prefix))
    return store
