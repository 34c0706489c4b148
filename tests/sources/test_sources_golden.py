"""Reading the sample data gives, byte for byte, the postings and rejections recorded in
``golden_sample.json``: the ids, fingerprints and normalised text of every posting, and where and
why every row was refused. Speed work on the readers must not change what they read.

After a deliberate change to what is read, rewrite the record and review its diff::

    python tests/sources/test_sources_golden.py
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from jobbatch_dagster.sources import read_day

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
GOLDEN = Path(__file__).with_name("golden_sample.json")
DAYS = sorted(p.name for p in SAMPLE.iterdir() if p.is_dir())


def _digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def snapshot(day: str) -> dict[str, Any]:
    """What reading one sample day gives: per posting its id, fingerprint and a digest of every
    field as stored (normalised text included); per rejection its place, code and a digest."""
    read = read_day(SAMPLE, day)
    return {
        "postings": [
            [p.source_file, p.source_line, p.job_id, p.content_fingerprint, _digest(asdict(p))]
            for p in read.postings
        ],
        "rejections": [
            [r.file, r.line, r.code, r.offset, _digest([r.reason, r.raw])] for r in read.rejections
        ],
        "warnings": read.warnings,
    }


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("day", DAYS)
def test_every_sample_posting_and_rejection_is_read_as_recorded(
    golden: dict[str, Any], day: str
) -> None:
    got, want = snapshot(day), golden[day]
    assert len(got["postings"]) == len(want["postings"])
    for posting, recorded in zip(got["postings"], want["postings"], strict=True):
        assert posting == recorded, f"{posting[0]}:{posting[1]} is read differently"
    assert got["rejections"] == want["rejections"]
    assert got["warnings"] == want["warnings"]


if __name__ == "__main__":
    GOLDEN.write_text(
        json.dumps({day: snapshot(day) for day in DAYS}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
