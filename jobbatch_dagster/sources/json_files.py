"""JSON Lines (read line by line) and JSON arrays (parsed whole, rows located by line).

A broken line in JSONL costs that line; a syntax error in a JSON array leaves no reliable way to find
where the next element starts, so the whole file is refused, and the reason says to prefer JSONL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TextIO

from jobbatch_dagster.sources.posting import SourceRejection
from jobbatch_dagster.sources.rows import Row, clip, file_rejection, to_row

_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def _json_error(exc: json.JSONDecodeError, *, line: bool) -> str:
    """``Expecting ',' delimiter at column 17`` (json's own messages, some of which end in "at")."""
    where = f"line {exc.lineno} column {exc.colno}" if line else f"column {exc.colno}"
    return f"{exc.msg} {where}" if exc.msg.endswith(" at") else f"{exc.msg} at {where}"


def read_json_lines(handle: TextIO, *, name: str, source: str) -> Iterator[Row]:
    """One row per non-blank line; a line that is not JSON is rejected and the next one read."""
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue  # blank lines are layout, not rows
        text = text.rstrip("\r\n")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            reason = f"invalid JSON: {_json_error(exc, line=False)}"
            yield SourceRejection(file=name, line=number, reason=reason, raw=clip(text))
            continue
        yield to_row(value, name=name, line=number, raw=text, source=source)


def read_json_array(handle: TextIO, *, name: str, source: str) -> Iterator[Row]:
    """Elements of a top-level array, each with the line it starts on and its index in the reason."""
    text = handle.read()
    decoder = json.JSONDecoder()
    elements: list[tuple[int, int, Any, str]] = []  # (index, line, value, raw)
    try:
        pos = _skip_space(text, 0)
        if pos == len(text):
            return  # an empty file: no rows, nothing wrong
        if not text.startswith("[", pos):
            found = "an object" if text.startswith("{", pos) else "not an array"
            yield file_rejection(
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
        yield file_rejection(
            name,
            f"invalid JSON: {_json_error(exc, line=True)}; no rows were read "
            "from this file: fix it, or write JSONL so one bad row cannot block the others",
            text,
        )
        return
    for index, line, value, raw in elements:
        yield to_row(
            value, name=name, line=line, raw=raw, source=source, where=f"array element {index}: "
        )


def _skip_space(text: str, pos: int) -> int:
    """The position of the next non-whitespace character (JSON's own four whitespace characters)."""
    match = _JSON_SPACE.match(text, pos)
    return match.end() if match else pos
