"""Streaming readers for scraper files: JSON in any of its shapes (``.json``, ``.jsonl``,
``.ndjson``) and CSV.

Each yields, in file order, a :class:`Posting` or a :class:`SourceRejection` per row or corrupt
region, so one bad row never costs the rest of the file. A file that cannot be read at all (unknown
type, not a regular file, empty, undecodable) yields one rejection with ``line`` None. Nothing a file
holds raises out of here: an unexpected error ends that file with a rejection saying where.
"""

from __future__ import annotations

import io
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from jobbatch_dagster.sources.csv_files import read_csv
from jobbatch_dagster.sources.encoding import (
    SPREADSHEET_ENCODING,
    decodes_as,
    encoding_problem,
    sniff_bom,
)
from jobbatch_dagster.sources.fields import DEFAULT_FIELDS, FieldMap
from jobbatch_dagster.sources.json_files import read_json
from jobbatch_dagster.sources.rows import FileContext, Row

JSON_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})
SUPPORTED_SUFFIXES = JSON_SUFFIXES | CSV_SUFFIXES


def read_file(
    path: Path,
    *,
    name: str | None = None,
    fields: FieldMap = DEFAULT_FIELDS,
    warnings: list[str] | None = None,
) -> Iterator[Row]:
    """Postings and rejections of one scraper file, in file order, streamed.

    ``name`` is how the file is named in postings and rejections (default: the file name); rows
    without a URL take the file's stem as their source. Warnings a person should see (a guessed
    encoding, replaced characters) are appended to ``warnings``.
    """
    ctx = FileContext(name or path.name, path.stem, fields, warnings=[])
    try:
        yield from _read(path, ctx)
    finally:
        if warnings is not None:
            warnings.extend(ctx.warnings)


def _read(path: Path, ctx: FileContext) -> Iterator[Row]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield ctx.rejection(
            None,
            "unsupported_file",
            f"unsupported file type {suffix or '(no extension)'!r}: save scraper output as .json, "
            ".jsonl (one object per line) or .csv (with a header row)",
        )
        return
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            yield ctx.rejection(
                None,
                "not_a_file",
                "not a regular file (a device, pipe or socket): only files are read; remove it",
            )
            return
        if info.st_size == 0:
            yield ctx.rejection(
                None,
                "empty_file",
                "empty file (0 bytes): did the scraper crash before writing? Re-run it or remove it",
            )
            return
        handle = path.open("rb")
    except OSError as exc:
        yield ctx.rejection(
            None,
            "unreadable",
            f"cannot be read ({exc.strerror or exc}): check that the file exists, is readable "
            "and that the scraper has finished writing it",
        )
        return
    with handle:
        try:
            if suffix in CSV_SUFFIXES:
                yield from _read_csv(handle, ctx)
            else:
                yield from _read_json(handle, ctx)
        except UnicodeDecodeError as exc:
            yield ctx.rejection(
                None,
                "encoding",
                f"not valid {ctx.encoding} ({exc.reason}); the rows before it were read: "
                "re-save the file as UTF-8 and run the day again",
            )
        except Exception as exc:  # a file's content must never stop the day
            yield ctx.rejection(
                None,
                "read_error",
                f"reading stopped ({type(exc).__name__}: {exc}); the rows before it were read: "
                "report this with the file attached",
            )


def _read_json(handle: BinaryIO, ctx: FileContext) -> Iterator[Row]:
    ctx.encoding, bom = sniff_bom(handle.read(4))
    handle.seek(bom)
    # Bytes that are not UTF-8 become lone surrogates (surrogateescape), so the one row holding
    # them is rejected, not the file; the UTF-16/32 codecs have no such handler.
    errors = "surrogateescape" if ctx.encoding == "utf-8" else "strict"
    text = io.TextIOWrapper(handle, encoding=ctx.encoding, errors=errors)
    codec = ctx.encoding
    yield from read_json(text, ctx, lambda part: len(part.encode(codec, errors)), bom)


def _read_csv(handle: BinaryIO, ctx: FileContext) -> Iterator[Row]:
    ctx.encoding, bom = sniff_bom(handle.read(4))
    handle.seek(bom)
    if not bom and (problem := encoding_problem(handle)):
        if not decodes_as(handle, SPREADSHEET_ENCODING):
            yield ctx.rejection(
                None,
                "encoding",
                f"{problem}, nor Windows-1252: re-save the file as UTF-8 and run the day again",
            )
            return
        ctx.encoding = SPREADSHEET_ENCODING
        ctx.warn(
            f"{ctx.name}: {problem}; read as Windows-1252 (what Excel writes). If letters look "
            "wrong in the postings, re-save the file as UTF-8"
        )
    yield from read_csv(io.TextIOWrapper(handle, encoding=ctx.encoding, newline=""), ctx, bom)
