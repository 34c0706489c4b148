"""CSV with a header row, read record by record with the raw text and first line of each record.

The delimiter is sniffed from the header (``,``, ``;`` as European Excel writes, or tab). Quotes are
read strictly, so a quote that is opened and never closed cannot silently swallow the rows after it
into one value: the line that opened it is rejected, and the lines it would have swallowed are read
again as rows of their own.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from typing import Final, TextIO

from jobbatch_dagster.sources.fields import REQUIRED_FIELDS, fold_key
from jobbatch_dagster.sources.rows import FileContext, Row, to_row

DELIMITERS: Final = (",", ";", "\t")
_QUOTED = re.compile(r'"[^"]*"')
_TOO_LONG_HINT = "; values this long are safer in a .jsonl file (csv refuses fields over 128 KiB)"
# csv's messages when a quote runs on: to the end of the file, or into a later quote.
_RUNAWAY_QUOTE = ("unexpected end of data", "expected after '\"'")


class _Lines:
    """Feeds csv one physical line at a time, with its number and byte offset; remembers the lines
    of the current record (its raw text) and can take lines back to be read again."""

    def __init__(self, handle: TextIO, encoding: str, first_byte: int) -> None:
        self._handle = iter(handle)
        self._encoding = encoding
        self._next = (1, first_byte)  # number and byte offset of the next line from the file
        self.again: deque[tuple[int, int, str]] = deque()
        self.held: list[tuple[int, int, str]] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.again:
            line = self.again.popleft()
        else:
            text = next(self._handle)
            number, offset = self._next
            size = len(text) if text.isascii() else len(text.encode(self._encoding))
            self._next = (number + 1, offset + size)
            line = (number, offset, text)
        self.held.append(line)
        return line[2]


def sniff_delimiter(first_line: str) -> str:
    """The delimiter the header row uses most, outside quotes; ``,`` when none appears."""
    bare = _QUOTED.sub("", first_line)
    return max(DELIMITERS, key=lambda d: (bare.count(d), d == ","))


def read_csv(handle: TextIO, ctx: FileContext, first_byte: int = 0) -> Iterator[Row]:
    """One row per CSV record; without a title or description column, one rejection for the file.

    ``first_byte`` is where the text starts in the file (after a byte-order mark)."""
    lines = _Lines(handle, ctx.encoding, first_byte)
    first = next(lines, "")
    lines.again.extend(lines.held)  # sniffed, now read again by csv
    delimiter = sniff_delimiter(first)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if header is None:
        return  # only blank lines: no rows, nothing wrong
    mapped = {ctx.fields.by_key.get(fold_key(cell), ("", 0))[0] for cell in header}
    missing = [f for f in REQUIRED_FIELDS if f not in mapped]
    if missing:
        yield ctx.rejection(
            None,
            "csv_header",
            f"CSV header has no {' or '.join(missing)} column (first line: "
            f"{', '.join(header)}): the first line must name the columns",
            first,
        )
        return
    while True:
        lines.held.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield from _bad_record(lines, ctx, str(exc))
            continue
        held = lines.held
        while held and not held[0][2].strip():
            held.pop(0)  # csv skips blank lines silently; they are not this row's
        if not cells or not held:
            continue
        start, offset = held[0][:2]
        raw = "".join(text for _, _, text in held).rstrip("\r\n")
        if len(cells) > len(header):
            reason = (
                f"row has {len(cells) - len(header)} more field(s) than the header "
                f"({len(header)}): quote values that contain {_name(delimiter)}"
            )
            yield ctx.rejection(start, "csv_field_count", reason, raw, offset)
        elif not any(cell.strip() for cell in cells):
            yield ctx.rejection(start, "empty_row", "empty row (every field blank)", raw, offset)
        else:
            record = dict(zip(header, cells, strict=False))
            yield to_row(record, ctx, line=start, raw=raw, offset=offset)


def _bad_record(lines: _Lines, ctx: FileContext, problem: str) -> Iterator[Row]:
    held = [line for line in lines.held if line[2].strip()] or lines.held
    if not held:
        return
    start, offset, text = held[0]
    if problem.endswith(_RUNAWAY_QUOTE) and len(held) > 1:
        yield ctx.rejection(
            start,
            "csv_unterminated_quote",
            f"a quote opened on this line is never closed and would swallow the {len(held) - 1} "
            'line(s) after it: close the quote, or double a quote inside a value ("")',
            text,
            offset,
        )
        lines.again.extendleft(reversed(held[1:]))  # read them again as rows of their own
        return
    hint = _TOO_LONG_HINT if "field limit" in problem else ""
    raw = "".join(t for _, _, t in held)
    yield ctx.rejection(start, "invalid_csv", f"invalid CSV: {problem}{hint}", raw, offset)


def _name(delimiter: str) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter]
