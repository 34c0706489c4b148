"""The UTF-8 check every file passes before any of its rows is read."""

from __future__ import annotations

import codecs
from pathlib import Path

_CHUNK_BYTES = 1 << 20


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
