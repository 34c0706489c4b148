"""CSV with a header row, read record by record with the raw text and first line of each record."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TextIO

from jobbatch_dagster.sources.posting import FIELD_ALIASES, REQUIRED_FIELDS, SourceRejection
from jobbatch_dagster.sources.rows import Row, clip, file_rejection, to_row

_TOO_LONG_HINT = "; values this long are safer in a .jsonl file (csv refuses fields over 128 KiB)"


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


def column_key(heading: str) -> str:
    """Spreadsheet headings as row keys: ``Posted Date`` -> ``posted_date``."""
    return "_".join(heading.strip().lower().split())


def _missing_columns(header: list[str]) -> list[str]:
    return [f for f in REQUIRED_FIELDS if not any(k in header for k in FIELD_ALIASES[f])]


def read_csv(handle: TextIO, *, name: str, source: str) -> Iterator[Row]:
    """One row per CSV record; without a title or description column, one rejection for the file."""
    recorder = _LineRecorder(handle)
    reader = csv.DictReader(recorder)
    if not reader.fieldnames:
        return  # an empty file: no rows, nothing wrong
    header = [column_key(field) for field in reader.fieldnames]
    missing = _missing_columns(header)
    if missing:
        found = ", ".join(reader.fieldnames)
        yield file_rejection(
            name,
            f"CSV header has no {' or '.join(missing)} column (first line: {found}): "
            "the first line must name the columns",
            "".join(recorder.lines),
        )
        return
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
                reason=f"invalid CSV: {exc}"
                + (_TOO_LONG_HINT if "field limit" in str(exc) else ""),
                raw=clip("".join(recorder.lines)),
            )
            continue
        while recorder.lines and not recorder.lines[0].strip():
            recorder.lines.pop(0)  # csv skips blank lines silently; they are not this row's
            start += 1
        raw = "".join(recorder.lines).rstrip("\r\n")
        extra = record.pop(None, None)  # DictReader files surplus values under the key None
        if extra is not None:
            reason = f"row has {len(extra)} more field(s) than the header ({len(header)}): quote values that contain commas"
            yield SourceRejection(file=name, line=start, reason=reason, raw=clip(raw))
        elif not any((value or "").strip() for value in record.values()):
            yield SourceRejection(
                file=name, line=start, reason="empty row (every field blank)", raw=clip(raw)
            )
        else:
            yield to_row(record, name=name, line=start, raw=raw, source=source)
