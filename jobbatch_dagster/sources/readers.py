"""Streaming readers for the three scraper file formats: JSON arrays, JSON Lines and CSV.

Each yields, in file order, a :class:`Posting` or a :class:`SourceRejection` per row, so one bad row
never costs the rest of the file. A file that cannot be read at all (unknown type, not UTF-8, broken
JSON array) yields one rejection with ``line`` None and no postings: half a file would look complete.
JSONL and CSV are read line by line; a JSON array has to be parsed whole, which is why JSONL is the
format to prefer for big days.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from jobbatch_dagster.sources.posting import (
    InvalidPosting,
    Posting,
    SourceRejection,
    normalize_posting,
)

JSON_ARRAY_SUFFIXES = frozenset({".json"})
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})
SUPPORTED_SUFFIXES = JSON_ARRAY_SUFFIXES | JSON_LINES_SUFFIXES | CSV_SUFFIXES
ENCODING = "utf-8-sig"  # UTF-8, tolerating the byte-order mark spreadsheet exports add
_CHUNK_BYTES = 1 << 20
_RAW_MAX_CHARS = 2_000  # raw text kept per rejection: enough to find and fix the row

Row = Posting | SourceRejection


def _clip(raw: str) -> str:
    return raw if len(raw) <= _RAW_MAX_CHARS else raw[:_RAW_MAX_CHARS] + "…[truncated]"


def _type_name(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def encoding_problem(path: Path) -> str | None:
    """Why ``path`` is not UTF-8 (line, column and the offending byte), or None when it is.

    Checked in a first streaming pass so a file is read either whole or not at all.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # file offset of the current chunk
    newlines = 0  # newlines before the current chunk
    line_start = 0  # file offset where the current line starts
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the bytes held back from the last chunk (a split character) + chunk.
                bad = offset - len(decoder.getstate()[0]) + exc.start
                upto = max(0, bad - offset)
                line = newlines + chunk.count(b"\n", 0, upto) + 1
                last_newline = chunk.rfind(b"\n", 0, upto)
                if last_newline >= 0:
                    line_start = offset + last_newline + 1
                return (
                    f"not valid UTF-8 at line {line} column {bad - line_start + 1} "
                    f"(byte 0x{exc.object[exc.start]:02x}): {exc.reason}"
                )
            newlines += chunk.count(b"\n")
            if (last_newline := chunk.rfind(b"\n")) >= 0:
                line_start = offset + last_newline + 1
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return f"not valid UTF-8: the file ends inside a character ({exc.reason})"
    return None


def _row(value: Any, *, name: str, line: int, raw: str, source: str, where: str = "") -> Row:
    """A posting from one decoded row, or the rejection saying what is wrong with it."""
    if not isinstance(value, Mapping):
        reason = f"row is not an object (got {_type_name(value)})"
    else:
        try:
            return normalize_posting(value, source_file=name, line=line, source=source)
        except InvalidPosting as exc:
            reason = str(exc)
    return SourceRejection(file=name, line=line, reason=where + reason, raw=_clip(raw))


def _json_error(exc: json.JSONDecodeError, *, line: bool) -> str:
    """``Expecting ',' delimiter at column 17`` (json's own messages, some of which end in "at")."""
    where = f"line {exc.lineno} column {exc.colno}" if line else f"column {exc.colno}"
    return f"{exc.msg} {where}" if exc.msg.endswith(" at") else f"{exc.msg} at {where}"


def _json_lines(handle: TextIO, *, name: str, source: str) -> Iterator[Row]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue  # blank lines are layout, not rows
        text = text.rstrip("\r\n")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = f"invalid JSON: {_json_error(exc, line=False)}"
            yield SourceRejection(
                file=name, line=number, reason=reason, raw=_clip(text.rstrip("\n"))
            )
            continue
        yield _row(value, name=name, line=number, raw=text, source=source)


def _json_array(handle: TextIO, *, name: str, source: str) -> Iterator[Row]:
    """Elements of a top-level array, each with the line it starts on and its index in the reason."""
    text = handle.read()
    decoder = json.JSONDecoder()
    elements: list[tuple[int, int, Any, str]] = []  # (index, line, value, raw)
    try:
        pos = _skip_space(text, 0)
        if not text.startswith("[", pos):
            found = "an object" if text.startswith("{", pos) else "no array"
            yield _file_rejection(
                name,
                f"top level is {found}, expected a JSON array of postings: wrap the rows in [ ] "
                "or, for one object per line, name the file .jsonl",
                text,
            )
            return
        line, counted = 1, 0
        pos = _skip_space(text, pos + 1)
        while not text.startswith("]", pos):
            value, end = decoder.raw_decode(text, pos)
            line += text.count("\n", counted, pos)
            counted = pos
            elements.append((len(elements), line, value, text[pos:end]))
            pos = _skip_space(text, end)
            if text.startswith(",", pos):
                pos = _skip_space(text, pos + 1)
            elif not text.startswith("]", pos):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        if _skip_space(text, pos + 1) != len(text):
            raise json.JSONDecodeError("Extra data", text, _skip_space(text, pos + 1))
    except json.JSONDecodeError as exc:
        yield _file_rejection(
            name,
            f"invalid JSON: {_json_error(exc, line=True)}; no rows were read "
            "from this file: fix it, or write JSONL so one bad row cannot block the others",
            text,
        )
        return
    for index, line, value, raw in elements:
        yield _row(
            value, name=name, line=line, raw=raw, source=source, where=f"array element {index}: "
        )


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _LineRecorder:
    """Feeds a file to csv line by line and remembers the lines of the current record (its raw text)."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self.lines: list[str] = []
        self.next_line = 1  # the number of the next physical line to be read

    def __iter__(self) -> Iterator[str]:
        for text in self._handle:
            self.lines.append(text)
            self.next_line += 1
            yield text


def _csv(handle: TextIO, *, name: str, source: str) -> Iterator[Row]:
    recorder = _LineRecorder(handle)
    reader = csv.DictReader(recorder)
    if not reader.fieldnames:
        return
    header = [field.strip() for field in reader.fieldnames]
    reader.fieldnames = header
    while True:
        recorder.lines.clear()
        start = recorder.next_line
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield SourceRejection(
                file=name,
                line=start,
                reason=f"invalid CSV: {exc}",
                raw=_clip("".join(recorder.lines)),
            )
            continue
        while recorder.lines and not recorder.lines[0].strip():
            recorder.lines.pop(0)  # csv skips blank lines silently; they are not this row's
            start += 1
        raw = "".join(recorder.lines).rstrip("\r\n")
        extra = record.pop(None, None)  # DictReader files surplus values under the key None
        if extra is not None:
            reason = f"row has {len(extra)} more field(s) than the header ({len(header)}): quote values that contain commas"
            yield SourceRejection(file=name, line=start, reason=reason, raw=_clip(raw))
        elif not any((value or "").strip() for value in record.values()):
            yield SourceRejection(
                file=name, line=start, reason="empty row (every field blank)", raw=_clip(raw)
            )
        else:
            yield _row(record, name=name, line=start, raw=raw, source=source)


def _file_rejection(name: str, reason: str, raw: str = "") -> SourceRejection:
    return SourceRejection(file=name, line=None, reason=reason, raw=_clip(raw))


def read_file(path: Path, *, name: str | None = None) -> Iterator[Row]:
    """Postings and rejections of one scraper file, in file order, streamed.

    ``name`` is how the file is named in postings and rejections (default: the file name); rows
    without a URL take the file's stem as their source.
    """
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield _file_rejection(
            name,
            f"unsupported file type {suffix or '(no extension)'!r}: save scraper output as .json "
            "(an array of objects), .jsonl (one object per line) or .csv (with a header row)",
        )
        return
    problem = encoding_problem(path)
    if problem:
        yield _file_rejection(name, f"{problem}; re-save the file as UTF-8 and run the day again")
        return
    source = path.stem
    with path.open(encoding=ENCODING, newline="" if suffix in CSV_SUFFIXES else None) as handle:
        if suffix in JSON_ARRAY_SUFFIXES:
            yield from _json_array(handle, name=name, source=source)
        elif suffix in JSON_LINES_SUFFIXES:
            yield from _json_lines(handle, name=name, source=source)
        else:
            yield from _csv(handle, name=name, source=source)
