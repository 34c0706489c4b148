"""Reading one file: each format, and every way a row or a file can be refused (file, line, reason)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobbatch_dagster.sources import Posting, SourceRejection, read_file

GOOD = {
    "title": "Line Cook",
    "description": "Busy kitchen, weekends.",
    "url": "https://denver.craigslist.org/den/fbh/d/cook/1.html",
}


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def split(path: Path) -> tuple[list[Posting], list[SourceRejection]]:
    rows = list(read_file(path))
    return [r for r in rows if isinstance(r, Posting)], [
        r for r in rows if isinstance(r, SourceRejection)
    ]


def test_json_lines(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD), "", json.dumps({**GOOD, "title": "Prep Cook", "url": None, "id": 2})]
    postings, rejections = split(write(tmp_path, "east.jsonl", "\n".join(lines) + "\n"))
    assert rejections == []
    assert [(p.title, p.source_line, p.source_file) for p in postings] == [
        ("Line Cook", 1, "east.jsonl"),
        ("Prep Cook", 3, "east.jsonl"),  # the blank line is not a row but still counts as a line
    ]
    assert postings[1].job_id == "east:2"  # no URL: the file's stem is the source


def test_json_array_rows_carry_their_line(tmp_path: Path) -> None:
    text = "[\n  " + json.dumps(GOOD) + ",\n\n  " + json.dumps({**GOOD, "id": 7}) + "\n]\n"
    postings, rejections = split(write(tmp_path, "west.json", text))
    assert rejections == []
    assert [p.source_line for p in postings] == [2, 4]


def test_csv_with_bom_multiline_fields_and_padded_header(tmp_path: Path) -> None:
    text = (
        "\ufeffid, title ,description,compensation,posted_date\r\n"
        '1,Barista,"Morning shift\r\nlatte art",$17/hr,11/18/2026\r\n'
        "\r\n"
        "2,Server,Evenings,DOE,not a date\r\n"
    )
    postings, rejections = split(write(tmp_path, "board.csv", text))
    assert rejections == []
    assert [(p.source_id, p.source_line, p.description, p.posted_date) for p in postings] == [
        ("1", 2, "Morning shift\nlatte art", "2026-11-18"),
        ("2", 5, "Evenings", None),  # a date we cannot read is dropped, not the posting
    ]


def test_aliases_and_numbers_are_accepted(tmp_path: Path) -> None:
    row = {
        "post_id": 9,
        "title": "Driver",
        "body": "Routes",
        "salary": 52000,
        "date_posted": "Nov 18, 2026",
    }
    [posting], _ = split(write(tmp_path, "a.jsonl", json.dumps(row)))
    assert (posting.source_id, posting.description, posting.compensation, posting.posted_date) == (
        "9",
        "Routes",
        "52000",
        "2026-11-18",
    )


JSONL_REJECTIONS = [
    (
        '{"title": "Cook", "description": "x"',
        "invalid JSON: Expecting ',' delimiter at line 2 column 37",
    ),
    ('{"title": "Cook", "desc', "invalid JSON: Invalid control character at line 2 column 24"),
    ("[1, 2]", "row is not an object (got array)"),
    ('"just text"', "row is not an object (got string)"),
    ("42", "row is not an object (got int)"),
    ("null", "row is not an object (got null)"),
    ("{}", "empty row (no fields)"),
    ('{"description": "x"}', "missing title"),
    ('{"title": "  ", "description": "x"}', "missing title"),
    ('{"title": "Cook"}', "missing description"),
    ('{"title": "Cook", "description": null}', "missing description"),
    ('{"title": "Cook", "description": "<br><br>&nbsp;"}', "missing description"),
    ('{"title": 5, "description": "x"}', "title is not a string (got int)"),
    ('{"title": "Cook", "description": ["a", "b"]}', "description is not a string (got array)"),
    (
        '{"title": "Cook", "description": "x", "company": {"n": 1}}',
        "company is not a string (got object)",
    ),
    (
        '{"title": "Cook", "description": "x", "location": true}',
        "location is not a string (got boolean)",
    ),
    ('{"title": "Cook", "description": "x", "id": [1]}', "id is not a string (got array)"),
    (
        '{"title": "Cook", "description": "x", "salary": NaN}',
        "salary is not a number we can use (got nan)",
    ),
    (
        '{"title": "Cook", "description": "x", "url": "javascript:void(0)"}',
        "url 'javascript:void(0)' is not a web address",
    ),
]


@pytest.mark.parametrize(("line", "reason"), JSONL_REJECTIONS)
def test_each_bad_jsonl_row_is_rejected_with_file_line_reason_and_raw(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = write(
        tmp_path, "east.jsonl", json.dumps(GOOD) + "\n" + line + "\n" + json.dumps(GOOD) + "\n"
    )
    postings, rejections = split(path)
    assert [p.source_line for p in postings] == [1, 3]  # the rest of the file is still read
    [rejection] = rejections
    assert (rejection.file, rejection.line, rejection.raw) == ("east.jsonl", 2, line)
    assert rejection.reason.startswith(reason)


def test_bad_json_array_element_names_its_line_not_its_index(tmp_path: Path) -> None:
    text = "[\n" + json.dumps(GOOD) + ",\n" + json.dumps({"title": "x"}) + ",\n3\n]"
    postings, rejections = split(write(tmp_path, "west.json", text))
    assert len(postings) == 1
    assert [(r.line, r.code, r.reason, r.raw) for r in rejections] == [
        (3, "missing_description", "missing description", '{"title": "x"}'),
        (4, "not_an_object", "row is not an object (got int)", "3"),
    ]


@pytest.mark.parametrize("name", ["empty.json", "empty.jsonl", "empty.csv"])
def test_empty_file_has_no_rows_and_is_not_an_error(tmp_path: Path, name: str) -> None:
    assert list(read_file(write(tmp_path, name, "\n  \n"))) == []


def test_csv_headings_are_matched_like_a_person_would(tmp_path: Path) -> None:
    text = "ID, Title ,Description,Posted Date,SALARY\n1,Cook,Kitchen,11/18/2026,$20/hr\n"
    [posting], _ = split(write(tmp_path, "board.csv", text))
    assert (posting.source_id, posting.posted_date, posting.compensation) == (
        "1",
        "2026-11-18",
        "$20/hr",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "heading,body\nCook,Kitchen\n",
            "CSV header has no title column (first line: heading, body)",
        ),
        ("Cook,Kitchen\nBaker,Bread\n", "CSV header has no title or description column"),
    ],
)
def test_csv_without_the_required_columns_is_rejected_whole(
    tmp_path: Path, text: str, reason: str
) -> None:
    [rejection] = read_file(write(tmp_path, "board.csv", text))
    assert isinstance(rejection, SourceRejection) and rejection.line is None
    assert rejection.reason.startswith(reason)


def test_bad_csv_rows(tmp_path: Path) -> None:
    text = (
        "id,title,description\n1,Cook,Kitchen\n,,\n2,Cook,Kitchen, weekends\n3,,Kitchen\n4,Cook\n"
    )
    postings, rejections = split(write(tmp_path, "board.csv", text))
    assert [p.source_id for p in postings] == ["1"]
    assert [(r.line, r.reason, r.raw) for r in rejections] == [
        (3, "empty row (every field blank)", ",,"),
        (
            4,
            "row has 1 more field(s) than the header (3): quote values that contain commas",
            "2,Cook,Kitchen, weekends",
        ),
        (5, "missing title", "3,,Kitchen"),
        (6, "missing description", "4,Cook"),
    ]


def test_csv_field_over_the_csv_limit_costs_only_its_row(tmp_path: Path) -> None:
    text = f'title,description\nCook,"{"x" * 140_000}"\nBaker,Bread\n'
    postings, [rejection] = split(write(tmp_path, "board.csv", text))
    assert [(p.title, p.source_line) for p in postings] == [("Baker", 3)]
    assert rejection.line == 2
    assert rejection.reason.startswith("invalid CSV: field larger than field limit")
    assert ".jsonl" in rejection.reason


def test_canonical_key_wins_over_an_alias(tmp_path: Path) -> None:
    row = {**GOOD, "compensation": "$20/hr", "salary": "$99/hr", "body": "ignored"}
    [posting], _ = split(write(tmp_path, "a.jsonl", json.dumps(row)))
    assert (posting.compensation, posting.description) == ("$20/hr", GOOD["description"])


def test_job_dict_has_every_key_the_engine_reads(tmp_path: Path) -> None:
    [posting], _ = split(
        write(tmp_path, "a.jsonl", json.dumps({"title": "Cook", "description": "Grill"}))
    )
    assert posting.to_job_dict() == {
        "id": posting.job_id,
        "title": "Cook",
        "description": "Grill",
        "url": None,
        "company": None,
        "location": None,
        "compensation": None,
        "posted_date": None,
    }


def test_windows_1252_csv_is_read_with_a_warning(tmp_path: Path) -> None:
    text = "id,title,description\n1,Cook,Kitchen\n2,Barista,Caf\xe9 au lait\n".encode("cp1252")
    warnings: list[str] = []
    rows = list(read_file(write(tmp_path, "legacy.csv", text), warnings=warnings))
    assert [r.description for r in rows if isinstance(r, Posting)] == ["Kitchen", "Café au lait"]
    [warning] = warnings
    assert "not valid UTF-8 at line 3 column 14 (byte 0xe9)" in warning
    assert "read as Windows-1252" in warning


def test_bad_byte_after_the_first_chunk_costs_only_its_row(tmp_path: Path) -> None:
    good = (json.dumps({"title": "Cook", "description": "x" * 1000}) + "\n").encode()
    lines = 1200  # about 1.2 MB: the bad byte is past the first read
    path = write(tmp_path, "a.jsonl", good * lines + b'{"title": "Caf\xe9"}\n' + good)
    postings, [rejection] = split(path)
    assert len(postings) == lines + 1
    assert (rejection.line, rejection.code) == (lines + 1, "encoding")
    assert rejection.offset == len(good) * lines
    assert rejection.reason.startswith("not valid UTF-8 (byte 0xe9) in this row")


def test_file_ending_inside_a_character_costs_its_last_row(tmp_path: Path) -> None:
    cut_short = b'\n{"title": "Caf' + "é".encode()[:1]
    postings, [rejection] = split(write(tmp_path, "a.jsonl", json.dumps(GOOD).encode() + cut_short))
    assert len(postings) == 1 and (rejection.line, rejection.code) == (2, "invalid_json")


def test_utf8_split_across_read_chunks_is_fine(tmp_path: Path) -> None:
    description = "é" * (
        1 << 20
    )  # 2 MiB of two-byte characters: one straddles the 1 MiB chunk edge
    path = write(
        tmp_path,
        "big.jsonl",
        json.dumps({"title": "Café", "description": description}, ensure_ascii=False),
    )
    [posting] = read_file(path)
    assert isinstance(posting, Posting) and len(posting.description) == len(description)


@pytest.mark.parametrize("name", ["notes.txt", "export.xlsx", "README"])
def test_unknown_file_type_is_rejected_with_what_to_do(tmp_path: Path, name: str) -> None:
    [rejection] = read_file(write(tmp_path, name, "whatever"))
    assert isinstance(rejection, SourceRejection) and rejection.line is None
    assert rejection.reason.startswith("unsupported file type") and ".jsonl" in rejection.reason


def test_file_that_cannot_be_opened_is_rejected(tmp_path: Path) -> None:
    [rejection] = read_file(tmp_path / "gone.jsonl")
    assert isinstance(rejection, SourceRejection) and rejection.line is None
    assert rejection.reason.startswith("cannot be read (No such file or directory)")


def test_long_raw_text_is_clipped(tmp_path: Path) -> None:
    [rejection] = read_file(
        write(tmp_path, "a.jsonl", json.dumps({"title": 1, "description": "x" * 10_000}))
    )
    assert isinstance(rejection, SourceRejection)
    assert len(rejection.raw) < 2_100 and rejection.raw.endswith("[truncated]")


def test_csv_rejections_carry_their_byte_offset(tmp_path: Path) -> None:
    text = '\ufefftitle;description\nCafé;Kitchen\nCook;"never closed\nBaker;Bread\n'
    postings, [rejection] = split(write(tmp_path, "board.csv", text))
    assert [p.title for p in postings] == ["Café", "Baker"]
    head = "\ufefftitle;description\nCafé;Kitchen\n".encode()
    assert (rejection.line, rejection.code, rejection.offset) == (
        3,
        "csv_unterminated_quote",
        len(head),
    )


def test_rows_a_fast_parser_would_read_differently_keep_their_exact_values(tmp_path: Path) -> None:
    # One flat object a line is the common shape, read by a faster parser; these values are read
    # differently by it (a float for a long integer, refusals), so they must come out as json has them.
    lines = [
        '{"title": "A", "description": "d", "id": 123456789012345678901234567890}',
        '{"title": "B", "description": "d", "id": -9223372036854775809, "pay": 18.5}',
        '{"title": "C", "description": "d", "id": 3, "bonus": NaN, "tags": ["x", 1e400]}',
        '{"title": "D \\ud83d", "description": "d", "id": 4},',
        '{"title": "E", "description": "d", "id": 18446744073709551615, "remote": true}',
    ]
    postings, rejections = split(write(tmp_path, "mixed.jsonl", "\n".join(lines) + "\n"))
    assert rejections == []
    assert [(p.job_id, p.title, p.compensation, dict(p.extra)) for p in postings] == [
        ("mixed:123456789012345678901234567890", "A", None, {}),
        ("mixed:-9223372036854775809", "B", "18.5", {}),
        ("mixed:3", "C", None, {"bonus": None, "tags": ["x", None]}),
        ("mixed:4", "D \ufffd", None, {}),
        ("mixed:18446744073709551615", "E", None, {"remote": True}),
    ]
    assert [p.source_line for p in postings] == [1, 2, 3, 4, 5]
