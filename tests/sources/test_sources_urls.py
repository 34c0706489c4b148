"""URL canonicalisation: every spelling of one posting's address maps to one string."""

from __future__ import annotations

import pytest

from jobbatch_dagster.sources import canonical_url, site_of

CANONICAL = "https://sfbay.craigslist.org/sfc/ofc/d/data-entry/7801.html"


@pytest.mark.parametrize(
    "spelling",
    [
        CANONICAL,
        "HTTPS://SFBay.Craigslist.ORG/sfc/ofc/d/data-entry/7801.html",
        CANONICAL + "/",
        CANONICAL + "#map",
        CANONICAL + "?utm_source=rss&utm_medium=feed&utm_campaign=x",
        CANONICAL + "?fbclid=abc&gclid=def&ref=homepage",
        "https://sfbay.craigslist.org:443/sfc/ofc/d/data-entry/7801.html",
        "  " + CANONICAL + "\n",
        "sfbay.craigslist.org/sfc/ofc/d/data-entry/7801.html",
        "//sfbay.craigslist.org/sfc/ofc/d/data-entry/7801.html",
        "https://user:secret@sfbay.craigslist.org/sfc/ofc/d/data-entry/7801.html",
        "https://sfbay.craigslist.org./sfc/ofc/d/data-entry/7801.html",
    ],
)
def test_spellings_of_one_url_are_one_canonical_url(spelling: str) -> None:
    assert canonical_url(spelling) == CANONICAL


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.com/job?b=2&a=1", "https://x.com/job?a=1&b=2"),  # sorted
        ("https://x.com/job?id=7&utm_term=x&UTM_Source=y", "https://x.com/job?id=7"),
        ("https://x.com/job?q=&id=1", "https://x.com/job?id=1&q="),  # blank values kept
        ("http://x.com:80/", "http://x.com"),  # http stays http; default port dropped
        ("http://x.com:8080/a/", "http://x.com:8080/a"),  # other ports kept
        ("https://x.com/Jobs/ABC", "https://x.com/Jobs/ABC"),  # path case is meaningful
        ("https://[2001:db8::1]/job", "https://[2001:db8::1]/job"),
        ("https://x.com/?", "https://x.com"),
    ],
)
def test_canonical_url_edge_cases(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:void(0)",
        "mailto:jobs@example.com",
        "ftp://x.com/a",
        "https://",
        "not a url",
        "http://x.com:99999/",
    ],
)
def test_non_web_addresses_raise_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="url"):
        canonical_url(url)


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://sfbay.craigslist.org/sfc/1.html", "craigslist"),
        ("https://www.localjobsnetwork.com/job/1", "localjobsnetwork"),
        ("https://jobs.example.co.uk/1", "example"),
        ("http://localhost:8000/1", "localhost"),
        ("http://127.0.0.1/1", "127.0.0.1"),
    ],
)
def test_site_is_the_registered_name_of_the_host(url: str, site: str) -> None:
    assert site_of(canonical_url(url)) == site
