"""Stable ids follow a posting across days; fingerprints follow its content across ids."""

from __future__ import annotations

from typing import Any

import pytest

from jobbatch_dagster.sources import Posting, content_fingerprint, normalize_posting, stable_job_id

BASE: dict[str, Any] = {
    "id": "7801",
    "title": "Data Entry Clerk - ASAP",
    "company": "Golden Crust Bakery",
    "location": "Oakland, CA",
    "compensation": "$18-22/hr",
    "description": "We re-type 200 orders a day into QuickBooks.\n\nStart immediately.",
    "url": "https://sfbay.craigslist.org/eby/ofc/d/data-entry/7801.html",
    "posted_date": "2026-11-18",
}


def posting(**changes: Any) -> Posting:
    return normalize_posting({**BASE, **changes}, source_file="f.jsonl", line=1, source="f")


def test_repost_with_same_id_has_same_id_and_fingerprint() -> None:
    repost = posting(url=BASE["url"] + "?utm_source=rss", posted_date="2026-11-20")
    assert (repost.job_id, repost.content_fingerprint) == (
        posting().job_id,
        posting().content_fingerprint,
    )


def test_repost_with_new_id_keeps_the_fingerprint() -> None:
    renewed = posting(id="9902", url=BASE["url"].replace("7801", "9902"))
    assert renewed.job_id != posting().job_id
    assert renewed.content_fingerprint == posting().content_fingerprint


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "  data entry CLERK -   asap "},
        {
            "description": "We re-type 200 orders  a day into QuickBooks.\n \n\n\nStart immediately.  "
        },
        {
            "description": "<p>We re-type 200 orders a day into QuickBooks.</p><p>Start immediately.</p>"
        },
        {"company": "GOLDEN CRUST BAKERY"},
        {"compensation": "$18-22/HR"},
    ],
)
def test_whitespace_case_and_markup_do_not_change_the_fingerprint(changes: dict[str, Any]) -> None:
    assert posting(**changes).content_fingerprint == posting().content_fingerprint


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Order Entry Clerk - ASAP"},
        {"description": "We re-type 300 orders a day into QuickBooks."},
        {"company": "Blue Ridge Coffee"},
        {"company": None},
        {"location": "Denver, CO"},
        {"compensation": "$25/hr"},
    ],
)
def test_content_a_model_reads_changes_the_fingerprint(changes: dict[str, Any]) -> None:
    assert posting(**changes).content_fingerprint != posting().content_fingerprint


def test_fingerprint_fields_do_not_run_together() -> None:
    one = content_fingerprint(
        title="ab", company="c", location=None, compensation=None, description="d"
    )
    two = content_fingerprint(
        title="a", company="bc", location=None, compensation=None, description="d"
    )
    assert one != two


def test_id_is_source_and_source_id_when_the_row_has_an_id() -> None:
    assert posting().job_id == "craigslist:7801"
    assert posting(id=7801).job_id == "craigslist:7801"  # numbers are ids too


def test_without_an_id_the_canonical_url_names_the_posting() -> None:
    plain = posting(id=None)
    tracked = posting(id=None, url="HTTPS://SFBAY.craigslist.org/eby/ofc/d/data-entry/7801.html/#x")
    assert plain.job_id.startswith("craigslist:url-")
    assert tracked.job_id == plain.job_id
    assert posting(id=None, url=BASE["url"].replace("7801", "7802")).job_id != plain.job_id


def test_without_id_or_url_the_content_names_the_posting() -> None:
    bare = posting(id=None, url=None)
    assert bare.job_id.startswith("f:content-") and bare.source == "f"
    assert (
        posting(
            id=None,
            url=None,
            description=" We re-type 200 orders a day into QUICKBOOKS. Start immediately.",
        ).job_id
        == bare.job_id
    )
    assert posting(id=None, url=None, title="Other").job_id != bare.job_id


def test_ids_from_different_sites_do_not_collide() -> None:
    board = posting(url="https://www.localjobsnetwork.com/job/7801")
    assert board.job_id == "localjobsnetwork:7801" != posting().job_id


def test_stable_job_id_slugs_the_source() -> None:
    kwargs: dict[str, Any] = {"url": None, "title": "t", "company": None, "description": "d"}
    assert stable_job_id(source="Job Board Export", source_id="1", **kwargs) == "job-board-export:1"
