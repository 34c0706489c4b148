"""Posted dates in the spellings scrapers use, read as ISO days; unreadable ones are None."""

from __future__ import annotations

import pytest

from jobbatch_dagster.sources import parse_posted_date


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-18",
        "2026-11-18T09:30:00-08:00",
        "2026-11-18 23:59",
        "2026/11/18",
        "11/18/2026",
        "11/18/26",
        "Nov 18, 2026",
        "November 18, 2026",
        "Nov 18 2026 9:30am",
        "18 Nov 2026",
        "Wed, 18 Nov 2026 09:30:00 GMT",
        "  Nov  18,   2026 ",
    ],
)
def test_spellings_of_one_day(text: str) -> None:
    assert parse_posted_date(text) == "2026-11-18"


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-02-30", "13/45/2026", "Nov 18", "20261118x"]
)
def test_unreadable_dates_are_none(text: str) -> None:
    assert parse_posted_date(text) is None
