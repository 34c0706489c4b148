"""JSON in every shape scrapers write, read with one tolerant, streaming scanner.

Accepted, in ``.json``, ``.jsonl`` and ``.ndjson`` alike: one array of rows; an object wrapping the
list (``{"jobs": [...]}``, ``results``, ``data``, ``items``); several top-level values one after
another (``[...][...]``, ``{...}{...}``, one object per line); stray ``[``, ``]`` and trailing commas
between rows. A corrupt region (a row cut mid-write, garbage, nesting too deep to read) costs only
itself: it becomes one rejection with its line, byte offset and a capped snippet, and reading
resumes where the next row plausibly starts (a line beginning with ``{``, ``[`` or ``]``, or a ``{``
right after ``,``, ``}``, ``]`` or ``[``).

The file is read in chunks, so memory stays bounded by the largest row, not the file.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, Final, TextIO

import orjson

from jobbatch_dagster.sources.posting import SourceRejection
from jobbatch_dagster.sources.rows import RAW_MAX_CHARS, FileContext, Row, to_row

CHUNK_CHARS: Final = 1 << 22  # 4 Mi characters read at a time
_LOW_WATER: Final = 1 << 16  # refill when less than this is left unread in the buffer
MAX_ROW_CHARS: Final = 1 << 24  # a row longer than 16 Mi characters is a broken file, not a posting
WRAPPER_KEYS: Final = ("jobs", "results", "data", "items")
_MAX_INT_DIGITS: Final = 4_000  # Python refuses to convert longer integers; keep them as text

_NOISE = re.compile(r"[\s,]*")  # whitespace and stray commas between rows
_LIST_START = re.compile(r"\[\s*(?=[{\]]|$)")
_SCALAR = r'(?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false|null)'
_WRAPPER = re.compile(
    rf'\{{\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*{_SCALAR}\s*,\s*)*"(?:{"|".join(WRAPPER_KEYS)})"\s*:\s*\[',
    re.IGNORECASE,
)
_RESYNC = re.compile(r"\n[ \t\r]*(?=[\[\]{])|(?<=[,\[\]}])[ \t]*(?=\{)")
_FLAT_TYPES: Final = frozenset({str, int, bool, type(None)})
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, kept by surrogateescape


def _int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits


_DECODER: Final = json.JSONDecoder(parse_int=_int)


class _Buffer:
    """A window on the decoded file: ``text[pos:]`` is unread; line and byte of ``text[0]`` known.

    Lines are counted for every row, bytes only when a rejection asks where it is: each has a
    cursor (position in ``text``, its line or byte offset) that moves forward as rows are read.
    """

    def __init__(self, handle: TextIO, byte_len: Callable[[str], int], first_byte: int) -> None:
        self._handle = handle
        self._byte_len = byte_len
        self.text = ""
        self.pos = 0
        self.eof = False
        self.bad_bytes = False  # some byte was not valid in the file's encoding
        self._line = 1  # line number of text[0]
        self._byte = first_byte  # byte offset of text[0]
        self._lines = (0, 1)
        self._bytes = (0, first_byte)

    def fill(self) -> None:
        """Drop what was read, append the next chunk."""
        done = self.text[: self.pos]
        self._line += done.count("\n")
        self._byte += self._byte_len(done)
        chunk = self._handle.read(CHUNK_CHARS)
        if not chunk:
            self.eof = True
        elif not self.bad_bytes and not chunk.isascii() and _ESCAPED_BYTE.search(chunk):
            self.bad_bytes = True
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        self._lines, self._bytes = (0, self._line), (0, self._byte)

    def line_of(self, pos: int) -> int:
        """Line number of ``text[pos]``."""
        at, line = self._lines if pos >= self._lines[0] else (0, self._line)
        self._lines = (pos, line + self.text.count("\n", at, pos))
        return self._lines[1]

    def byte_of(self, pos: int) -> int:
        """Byte offset of ``text[pos]`` in the file."""
        at, byte = self._bytes if pos >= self._bytes[0] else (0, self._byte)
        self._bytes = (pos, byte + self._byte_len(self.text[at:pos]))
        return self._bytes[1]


def read_json(
    handle: TextIO, ctx: FileContext, byte_len: Callable[[str], int], first_byte: int
) -> Iterator[Row]:
    """Every row of a JSON or JSON Lines file, in file order; see the module docstring."""
    buf = _Buffer(handle, byte_len, first_byte)
    in_list = False
    wrapped = False
    while True:
        if not buf.eof and len(buf.text) - buf.pos < _LOW_WATER:
            buf.fill()
        buf.pos = _NOISE.match(buf.text, buf.pos).end()  # type: ignore[union-attr]
        if buf.pos >= len(buf.text):
            if buf.eof:
                return
            buf.fill()
            continue
        char = buf.text[buf.pos]
        if char == "]":
            buf.pos += 1
            if wrapped:
                _skip_wrapper_tail(buf)
            in_list = wrapped = False
        elif char == "}":
            buf.pos += 1  # the end of a wrapper, or a stray brace
        elif not in_list and char == "[" and (match := _LIST_START.match(buf.text, buf.pos)):
            buf.pos, in_list = match.end(), True
        elif not in_list and char == "{" and (match := _WRAPPER.match(buf.text, buf.pos)):
            buf.pos, in_list, wrapped = match.end(), True, True
        else:
            yield from _value(buf, ctx, top_level=not in_list)


def _skip_wrapper_tail(buf: _Buffer) -> None:
    """After a wrapper's list, skip the wrapper's other keys (``], "page": 2}``)."""
    pos = _NOISE.match(buf.text, buf.pos).end()  # type: ignore[union-attr]
    if buf.text[buf.pos : pos].count(",") != 1:
        return
    try:
        _, end = _DECODER.raw_decode("{" + buf.text[pos : pos + MAX_ROW_CHARS])
    except (ValueError, RecursionError):
        return  # not the rest of an object: let the scanner read it as what it is
    buf.pos = pos + end - 1


def _flat_line_row(buf: _Buffer, start: int) -> tuple[dict[str, Any], int] | None:
    """The row starting at ``start`` and its end, when it is one flat object alone on its line
    (with at most a trailing comma): the common case, parsed by orjson, several times faster than
    json. None for anything else, which the tolerant path reads.

    Only rows whose values are text, 64-bit integers, booleans or null qualify: there orjson and
    json read the same values (orjson turns longer integers into floats, refuses NaN and lone
    surrogates), so the fast path can only be faster, never read differently.
    """
    newline = buf.text.find("\n", start)
    if newline < 0 or buf.bad_bytes:
        return None
    line = buf.text[start:newline].rstrip(" \t\r,")
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict or not all(map(_FLAT_TYPES.__contains__, map(type, value.values()))):
        return None
    return value, start + len(line)


def _value(buf: _Buffer, ctx: FileContext, *, top_level: bool) -> Iterator[Row]:
    start = buf.pos
    if buf.text.startswith("{", start) and (flat := _flat_line_row(buf, start)):
        value, buf.pos = flat  # flat: holds no list, so it is no wrapper to unwrap
        yield _row(buf, ctx, value, start, buf.text[start : buf.pos])
        return
    while True:
        try:
            value, end = _DECODER.raw_decode(buf.text, start)
            break
        except json.JSONDecodeError as exc:
            cut = exc.pos >= len(buf.text) - 1 or exc.msg.startswith("Unterminated string")
            if cut and not buf.eof and len(buf.text) - start < MAX_ROW_CHARS:
                buf.fill()  # the row runs past the window: read on, then decode again
                start = buf.pos
                continue
            yield _corrupt_region(buf, ctx, start, "invalid_json", exc.msg, exc.pos)
            return
        except RecursionError:
            reason = "nested too deeply to read (a posting needs no nesting)"
            yield _corrupt_region(buf, ctx, start, "too_deep", reason)
            return
        except ValueError as exc:
            yield _corrupt_region(buf, ctx, start, "invalid_json", str(exc))
            return
    raw = buf.text[start:end]
    line = buf.line_of(start)
    buf.pos = end
    if buf.bad_bytes and (bad := _ESCAPED_BYTE.search(raw)):
        yield ctx.rejection(
            line,
            "encoding",
            f"not valid UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02x}) in this row: re-save the "
            "file as UTF-8 and run the day again",
            raw,
            buf.byte_of(start),
        )
        return
    rows = _unwrapped(value) if top_level else None
    if rows is None:
        rows = [value]
    for item in rows:
        text = raw if len(rows) == 1 else json.dumps(item, ensure_ascii=False, default=str)
        yield _row(buf, ctx, item, start, text, line)


def _row(
    buf: _Buffer, ctx: FileContext, value: Any, start: int, raw: str, line: int | None = None
) -> Row:
    row = to_row(value, ctx, line=buf.line_of(start) if line is None else line, raw=raw)
    if isinstance(row, SourceRejection):
        row = dataclasses.replace(row, offset=buf.byte_of(start))
    return row


def _unwrapped(value: Any) -> list[Any] | None:
    """The rows of a wrapper object with keys before its list (``{"count": 3, "jobs": [...]}``)."""
    if not isinstance(value, dict):
        return None
    for key, item in value.items():
        if isinstance(key, str) and key.lower() in WRAPPER_KEYS and isinstance(item, list):
            return item
    return None


def _corrupt_region(
    buf: _Buffer, ctx: FileContext, start: int, code: str, problem: str, at: int | None = None
) -> Row:
    """One rejection for everything from ``start`` to where the next row plausibly begins."""
    line, byte = buf.line_of(start), buf.byte_of(start)
    snippet = buf.text[start : start + RAW_MAX_CHARS + 1]
    refilled = False
    while True:
        match = _RESYNC.search(buf.text, max(start, buf.pos) + 1)
        if match or buf.eof:
            break
        buf.pos = len(buf.text) - 1  # keep one character for the look-behind
        buf.fill()
        refilled = True
    buf.pos = match.end() if match else len(buf.text)
    if not refilled:
        region = buf.text[start : buf.pos].rstrip()
        snippet = region[: RAW_MAX_CHARS + 1]
        if at is not None:  # json notices some problems only at the next row: point inside this one
            at = min(at, start + len(region))
            problem += " at" if not problem.endswith(" at") else ""
            problem += f" line {line + buf.text.count(chr(10), start, at)} column {at - buf.text.rfind(chr(10), 0, at)}"
    end_line = buf.line_of(buf.pos) - (1 if match and match.group().startswith("\n") else 0)
    span = f"line {line}" if end_line <= line else f"lines {line}-{end_line}"
    reason = (
        f"invalid JSON: {problem}; {span} skipped, the rows around it were read: "
        "fix or drop this row and run the day again"
    )
    return ctx.rejection(line, code, reason, snippet, byte)
