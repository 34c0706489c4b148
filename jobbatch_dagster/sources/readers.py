"""Streaming readers for the three scraper file formats: JSON arrays, JSON Lines and CSV.

Each yields, in file order, a :class:`Posting` or a :class:`SourceRejection` per row, so one bad row
never costs the rest of the file. A file that cannot be read at all (unknown type, not UTF-8, broken
JSON array) yields one rejection with ``line`` None and no postings: half a file would look complete.
JSONL and CSV are read line by line; a JSON array has to be parsed whole, which is why JSONL is the
format to prefer for big days.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jobbatch_dagster.sources.csv_files import read_csv
from jobbatch_dagster.sources.encoding import encoding_problem
from jobbatch_dagster.sources.json_files import read_json_array, read_json_lines
from jobbatch_dagster.sources.rows import Row, file_rejection

JSON_ARRAY_SUFFIXES = frozenset({".json"})
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv"})
SUPPORTED_SUFFIXES = JSON_ARRAY_SUFFIXES | JSON_LINES_SUFFIXES | CSV_SUFFIXES
ENCODING = "utf-8-sig"  # UTF-8, tolerating the byte-order mark spreadsheet exports add


def read_file(path: Path, *, name: str | None = None) -> Iterator[Row]:
    """Postings and rejections of one scraper file, in file order, streamed.

    ``name`` is how the file is named in postings and rejections (default: the file name); rows
    without a URL take the file's stem as their source.
    """
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield file_rejection(
            name,
            f"unsupported file type {suffix or '(no extension)'!r}: save scraper output as .json "
            "(an array of objects), .jsonl (one object per line) or .csv (with a header row)",
        )
        return
    try:
        problem = encoding_problem(path)
    except OSError as exc:
        yield file_rejection(
            name,
            f"cannot be read ({exc.strerror or exc}): check that the file exists, is readable "
            "and that the scraper has finished writing it",
        )
        return
    if problem:
        yield file_rejection(name, f"{problem}; re-save the file as UTF-8 and run the day again")
        return
    source = path.stem
    with path.open(encoding=ENCODING, newline="" if suffix in CSV_SUFFIXES else None) as handle:
        if suffix in JSON_ARRAY_SUFFIXES:
            yield from read_json_array(handle, name=name, source=source)
        elif suffix in JSON_LINES_SUFFIXES:
            yield from read_json_lines(handle, name=name, source=source)
        else:
            yield from read_csv(handle, name=name, source=source)
