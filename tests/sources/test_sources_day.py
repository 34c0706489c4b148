"""Reading a whole scrape day: every file, merged by job id, with the counts behind the merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobbatch_dagster.sources import read_day

DAY = "2026-11-18"


@pytest.fixture
def incoming(tmp_path: Path) -> Path:
    (tmp_path / DAY).mkdir()
    return tmp_path


def jsonl(*rows: object) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def cook(id_: int, description: str = "Busy kitchen") -> dict[str, object]:
    return {
        "id": id_,
        "title": "Line Cook",
        "description": description,
        "url": f"https://x.craigslist.org/{id_}.html",
    }


def test_missing_day_folder_is_an_empty_day(tmp_path: Path) -> None:
    read = read_day(tmp_path, DAY)
    assert (read.postings, read.rejections, read.files, read.rows_read, read.duplicates_merged) == (
        [],
        [],
        [],
        0,
        0,
    )


@pytest.mark.parametrize("day", ["yesterday", "20261118", "2026-11-18/..", "2026-02-30"])
def test_day_must_be_an_iso_date(tmp_path: Path, day: str) -> None:
    with pytest.raises(ValueError):
        read_day(tmp_path, day)


def test_duplicates_merge_keeping_the_last_occurrence(incoming: Path) -> None:
    folder = incoming / DAY
    (folder / "a.jsonl").write_text(jsonl(cook(1, "first"), cook(2), cook(1, "second")))
    (folder / "b.json").write_text(json.dumps([cook(1, "third"), cook(3)]))
    read = read_day(incoming, DAY)
    assert read.rows_read == 5 and read.duplicates_merged == 2
    by_id = {p.job_id: p for p in read.postings}
    assert sorted(by_id) == ["craigslist:1", "craigslist:2", "craigslist:3"]
    assert (by_id["craigslist:1"].description, by_id["craigslist:1"].source_file) == (
        "third",
        f"{DAY}/b.json",
    )


def test_same_content_under_two_ids_is_two_postings_with_one_fingerprint(incoming: Path) -> None:
    (incoming / DAY / "a.jsonl").write_text(jsonl(cook(1), cook(2)))
    first, second = read_day(incoming, DAY).postings
    assert first.job_id != second.job_id
    assert first.content_fingerprint == second.content_fingerprint


def test_files_read_in_name_order_hidden_files_skipped_bad_files_reported(incoming: Path) -> None:
    folder = incoming / DAY
    (folder / "b.csv").write_text("title,description\nCook,Kitchen\n,\n")
    (folder / "a.jsonl").write_text(jsonl(cook(1)))
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "notes.txt").write_text("hello")
    (folder / "sub").mkdir()
    read = read_day(incoming, DAY)
    assert read.files == [f"{DAY}/a.jsonl", f"{DAY}/b.csv", f"{DAY}/notes.txt", f"{DAY}/sub"]
    assert [(r.file, r.line, r.code) for r in read.rejections] == [
        (f"{DAY}/b.csv", 3, "empty_row"),
        (f"{DAY}/notes.txt", None, "unsupported_file"),
        (f"{DAY}/sub", None, "unsupported_file"),
    ]
    assert (read.rows_read, read.rejected_rows, read.rejected_files) == (3, 1, 2)
    assert [p.source_file for p in read.postings] == [f"{DAY}/a.jsonl", f"{DAY}/b.csv"]
