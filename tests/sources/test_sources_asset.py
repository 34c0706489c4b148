"""Every input shape and fault through the ``scraped_jobs`` asset and its rejection-rate check, on a
real Dagster instance and a real DuckDB file: what was kept, what was rejected, and why."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from jobbatch_dagster.defs.ingest.assets import build_scraped_jobs
from jobbatch_dagster.defs.partitions import scrape_date_partitions
from jobbatch_dagster.settings import Settings

DAY = "2026-11-18"
COOK = {"title": "Line Cook", "description": "Busy kitchen", "url": "https://x.org/jobs/1"}
BAKER = {"title": "Baker", "description": "Bread at dawn", "url": "https://x.org/jobs/2"}
C, B = json.dumps(COOK), json.dumps(BAKER)
# The check is partitioned by scrape day like its asset; Dagster calls that a preview.
pytestmark = pytest.mark.filterwarnings("ignore:Specifying a partitions_def on an AssetCheckSpec")


class Day:
    """A tmp incoming folder, warehouse and Dagster instance; ``run`` materializes one day."""

    def __init__(self, root: Path, instance: dg.DagsterInstance) -> None:
        self.settings = Settings(
            incoming_dir=root / "incoming",
            warehouse_path=root / "warehouse.duckdb",
            source_fields=(("title", ("Headline",)),),
        )
        self.folder = self.settings.incoming_dir / DAY
        self.folder.mkdir(parents=True)
        partitions = scrape_date_partitions(self.settings)
        self.defs = dg.Definitions(
            assets=[build_scraped_jobs(self.settings, partitions)],
            resources={"duckdb": DuckDBResource(database=str(self.settings.warehouse_path))},
        )
        self.instance = instance

    def write(self, name: str, data: str | bytes) -> None:
        path = self.folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    def run(self) -> tuple[dict, dict]:
        """The asset's metadata and the check's metadata (with ``passed``)."""
        result = self.defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=self.instance, partition_key=DAY
        )
        [materialization] = result.asset_materializations_for_node("scraped_jobs")
        [check] = result.get_asset_check_evaluations()
        meta = {k: v.value for k, v in materialization.metadata.items()}
        return meta, {"passed": check.passed, **{k: v.value for k, v in check.metadata.items()}}

    def kept(self) -> list[tuple]:
        return self.sql(
            "SELECT title, source_file, source_line FROM jobs ORDER BY source_file, source_line"
        )

    def rejected(self) -> list[tuple]:
        return self.sql(
            "SELECT file, line, reason_code FROM rejected_jobs ORDER BY file, line NULLS FIRST"
        )

    def sql(self, query: str) -> list[tuple]:
        return self.sql_with(query)

    def sql_with(self, query: str, *params: object) -> list[tuple]:
        with duckdb.connect(str(self.settings.warehouse_path), read_only=True) as con:
            return con.execute(query, list(params)).fetchall()


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.local_temp(str(tmp_path_factory.mktemp("dagster_home"))) as inst:
        yield inst


@pytest.fixture
def day(tmp_path: Path, instance: dg.DagsterInstance) -> Day:
    return Day(tmp_path, instance)


Shape = tuple[str | bytes, list[tuple[str, int]], list[tuple[int | None, str]]]


def shapes() -> dict[str, Shape]:
    """File name -> (content, postings kept as (title, line), rejections as (line, reason_code)).

    Each file's postings have URLs of their own, so all files can share one day without merging.
    """
    return {name: shape(name) for name in SHAPE_NAMES}


def shape(name: str) -> Shape:
    c = json.dumps({**COOK, "url": f"https://x.org/{name}/1"})
    b = json.dumps({**BAKER, "url": f"https://x.org/{name}/2"})
    return _shapes(c, b)[name]


def _shapes(C: str, B: str) -> dict[str, Shape]:  # the names read like the constants above
    return {
        "array.json": (f"[\n{C},\n{B}\n]", [("Line Cook", 2), ("Baker", 3)], []),
        "wrapper-jobs.json": (f'{{"jobs": [{C}, {B}]}}', [("Line Cook", 1), ("Baker", 1)], []),
        "wrapper-results.json": (f'{{"total": 2, "results": [{C}]}}', [("Line Cook", 1)], []),
        "wrapper-data.json": (f'{{"data": [{C}], "page": 2}}', [("Line Cook", 1)], []),
        "wrapper-items.json": (f'{{"items": [\n{C}\n]}}', [("Line Cook", 2)], []),
        "appended-arrays.json": (f"[{C}]\n[{B}][{C}]", [("Line Cook", 2), ("Baker", 2)], []),
        "objects-back-to-back.json": (f"{C}{B}\n{C}", [("Line Cook", 2), ("Baker", 1)], []),
        "killed-mid-write.json": (f"{C}[\n{B},", [("Line Cook", 1), ("Baker", 2)], []),
        "stray-brackets.jsonl": (f"[\n{C},\n{B},\n]\n", [("Line Cook", 2), ("Baker", 3)], []),
        "cut-row.json": (
            f'[\n{C},\n{{"title": "Barista", "desc\n{B}\n]',
            [("Line Cook", 2), ("Baker", 4)],
            [(3, "invalid_json")],
        ),
        "garbage-between.jsonl": (
            f"{C}\nscraper: 429, retrying\n{B}\n",
            [("Line Cook", 1), ("Baker", 3)],
            [(2, "invalid_json")],
        ),
        "deep.jsonl": (
            f"{C}\n{'[' * 10_000}{']' * 10_000}\n{B}\n",
            [("Line Cook", 1), ("Baker", 3)],
            [(2, "too_deep")],
        ),
        "huge-int.jsonl": (
            f'{{"title": "Cook", "description": "x", "id": {"9" * 5000}}}\n',
            [("Cook", 1)],
            [],
        ),
        "lone-surrogate.jsonl": (
            '{"title": "Cook \\ud83d", "description": "x"}\n',
            [("Cook \ufffd", 1)],
            [],
        ),
        "keys.jsonl": (
            '{"Job Title": "Cook", "BODY": "x", "Address": "Denver", "remote": true}\n'
            '{"Headline": "Baker", "job-description": "y"}\n',
            [("Cook", 1), ("Baker", 2)],
            [],
        ),
        "bad-rows.jsonl": (
            f'null\n{{"title": 3, "description": "x"}}\n{{"description": "x"}}\n{C}\n',
            [("Line Cook", 4)],
            [(1, "not_an_object"), (2, "wrong_type"), (3, "missing_title")],
        ),
        "semicolons.csv": ("title;description\nCook;Kitchen, weekends\n", [("Cook", 2)], []),
        "tabs.csv": ("title\tdescription\nCook\tKitchen\n", [("Cook", 2)], []),
        "runaway-quote.csv": (
            'title,description\nCook,"never closed\nBaker,Bread\nChef,Food\n',
            [("Baker", 3), ("Chef", 4)],
            [(2, "csv_unterminated_quote")],
        ),
        "excel.csv": (
            "title,description\nCaf\xe9 cook,Kitchen\n".encode("cp1252"),
            [("Café cook", 2)],
            [],
        ),
        "utf16.jsonl": (b"\xff\xfe" + (C + "\n").encode("utf-16-le"), [("Line Cook", 1)], []),
        "utf32.json": (b"\xff\xfe\x00\x00" + f"[{C}]".encode("utf-32-le"), [("Line Cook", 1)], []),
        "utf8-bom.csv": ("\ufefftitle,description\nCook,Kitchen\n", [("Cook", 2)], []),
        "bad-byte.jsonl": (
            C.encode() + b'\n{"title": "Caf\xe9", "description": "x"}\n' + B.encode(),
            [("Line Cook", 1), ("Baker", 3)],
            [(2, "encoding")],
        ),
        "empty.jsonl": ("", [], [(None, "empty_file")]),
        "notes.txt": ("hello", [], [(None, "unsupported_file")]),
    }


SHAPE_NAMES = sorted(_shapes(C, B))


@pytest.fixture(scope="module")
def all_shapes(tmp_path_factory: pytest.TempPathFactory, instance: dg.DagsterInstance) -> tuple:
    """Every shape and fault as files of one day, materialized once."""
    day = Day(tmp_path_factory.mktemp("shapes"), instance)
    for name, (data, _, _) in shapes().items():
        day.write(name, data)
    meta, check = day.run()
    return day, meta, check


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_each_shape_and_fault_keeps_and_rejects_what_it_should(
    all_shapes: tuple, name: str
) -> None:
    day, _, _ = all_shapes
    _, kept, rejected = shape(name)
    file = f"{DAY}/{name}"
    assert sorted(
        day.sql_with("SELECT title, source_line FROM jobs WHERE source_file = ?", file)
    ) == sorted(kept)
    assert sorted(
        day.sql_with("SELECT line, reason_code FROM rejected_jobs WHERE file = ?", file),
        key=lambda r: (r[0] or 0, r[1]),
    ) == sorted(rejected, key=lambda r: (r[0] or 0, r[1]))


def test_all_shapes_in_one_day_report_one_rejection_rate(all_shapes: tuple) -> None:
    _, meta, check = all_shapes
    everything = shapes().values()
    refused = sum(len(rejected) for _, _, rejected in everything)
    postings = sum(len(kept) for _, kept, _ in everything)
    assert (meta["rejected"], meta["postings"]) == (refused, postings)
    assert meta["rejection_rate"] == check["rejection_rate"]  # one definition, one number
    assert meta["rejection_rate"] == round(refused / (refused + postings), 4)


def test_unknown_keys_are_kept_in_the_job_json(day: Day) -> None:
    day.write(
        "keys.jsonl", '{"Title": "Cook", "Description": "x", "remote": true, "Address": "Denver"}\n'
    )
    day.run()
    [(job_json, location)] = day.sql("SELECT job_json, location FROM jobs")
    assert json.loads(job_json)["extra"] == {"remote": True} and location == "Denver"


def test_zero_width_joiner_inside_an_emoji_is_kept(day: Day) -> None:
    technologist = "\U0001f9d1\u200d\U0001f4bb"
    day.write(
        "e.jsonl", json.dumps({"title": f"Dev {technologist}", "description": "a\u200db"}) + "\n"
    )
    day.run()
    assert day.sql("SELECT title, description FROM jobs") == [(f"Dev {technologist}", "ab")]


def test_long_titles_are_capped_with_a_marker_and_raw_text_is_capped(day: Day) -> None:
    day.write(
        "t.jsonl",
        json.dumps({"title": "T" * 5000, "description": "x"}) + "\n" + "x" * 50_000 + "\n",
    )
    day.run()
    [(title,)] = day.sql("SELECT title FROM jobs")
    assert title.startswith("T" * 300 + "… [truncated by jobbatch: 300 of 5000")
    [(raw,)] = day.sql("SELECT raw FROM rejected_jobs")
    assert len(raw) < 2_100


def test_entries_that_leave_incoming_are_never_read(day: Day, tmp_path: Path) -> None:
    secret = tmp_path / "secret.jsonl"
    secret.write_text(C + "\n")
    os.symlink(secret, day.folder / "outside.jsonl")
    os.symlink(tmp_path / "missing.jsonl", day.folder / "dangling.jsonl")
    os.mkfifo(day.folder / "pipe.jsonl")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(day.folder / "sock.jsonl"))
        day.write("good.jsonl", B + "\n")
        (day.folder / "inside.jsonl").symlink_to(day.folder / "good.jsonl")
        meta, _ = day.run()
    assert day.rejected() == [
        (f"{DAY}/dangling.jsonl", None, "broken_symlink"),
        (f"{DAY}/outside.jsonl", None, "symlink_outside"),
        (f"{DAY}/pipe.jsonl", None, "not_a_file"),
        (f"{DAY}/sock.jsonl", None, "not_a_file"),
    ]
    assert day.sql("SELECT count(*) FROM rejected_jobs WHERE raw LIKE '%Line Cook%'") == [(0,)]
    assert [t for t, _, _ in day.kept()] == ["Baker"]
    assert meta["rejected_files"] == 4


def test_a_day_whose_only_file_is_unreadable_fails_its_check(day: Day) -> None:
    day.write("notes.txt", "not data")
    meta, check = day.run()
    assert (meta["rejection_rate"], check["rejection_rate"], check["passed"]) == (1.0, 1.0, False)


def test_metadata_and_check_report_one_rate_with_duplicates_and_a_refused_file(day: Day) -> None:
    day.write("a.jsonl", f"{C}\n{C}\n{C}\n{B}\nnull\n")  # 3 copies of one posting, merged
    day.write("b.txt", "x")
    meta, check = day.run()
    assert (meta["postings"], meta["duplicates_merged"], meta["rejected"]) == (2, 2, 2)
    assert meta["rejection_rate"] == check["rejection_rate"] == 0.5  # 2 refused of 2 + 2


def test_windows_1252_is_a_warning_in_the_metadata(day: Day) -> None:
    day.write("excel.csv", "title,description\nCaf\xe9,x\n".encode("cp1252"))
    meta, _ = day.run()
    assert meta["warnings_total"] == 1 and "Windows-1252" in meta["warnings"][0]
