"""Which text encoding a scraper file is in: a byte-order mark says so, else UTF-8 is checked.

UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read as they are. A CSV without a BOM that
is not UTF-8 is what Excel and older export tools write: Windows-1252. It is decoded as that, and
the reader warns, because a wrong guess shows as odd letters, not as a refused file.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO, Final

_CHUNK_BYTES = 1 << 20
# The UTF-32 LE mark starts with the UTF-16 LE one, so it is tried first.
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SPREADSHEET_ENCODING: Final = "cp1252"


def sniff_bom(head: bytes) -> tuple[str, int]:
    """(codec, length of its byte-order mark) from a file's first bytes; UTF-8 without a mark."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    return "utf-8", 0


def decodes_as(handle: BinaryIO, codec: str) -> bool:
    """True when the rest of ``handle`` decodes in ``codec``; the position is restored."""
    start = handle.tell()
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        while chunk := handle.read(_CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        handle.seek(start)
    return True


def encoding_problem(handle: BinaryIO) -> str | None:
    """Why the rest of ``handle`` is not UTF-8 (line, column, the offending byte), or None when it is.

    Read in a streaming pass; the position is restored.
    """
    start = handle.tell()
    try:
        return _utf8_problem(handle)
    finally:
        handle.seek(start)


def _utf8_problem(handle: BinaryIO) -> str | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # file offset of the current chunk
    newlines = 0  # newlines before the current chunk
    line_start = 0  # file offset where the current line starts
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
