"""Reading pay as scrapers write it."""

from __future__ import annotations

import pytest

from jobbatch_dagster.emulator.rules.pay import Pay, find_pay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$18-22/hr", Pay(18.0, 22.0, "USD", "hour")),
        ("$18\u201322 per hour", Pay(18.0, 22.0, "USD", "hour")),
        ("$55,000 - $65,000 a year", Pay(55000.0, 65000.0, "USD", "year")),
        ("$60-70k", Pay(60000.0, 70000.0, "USD", "year")),
        ("$19.50/hr DOE", Pay(19.5, 19.5, "USD", "hour")),
        ("$1,500/month", Pay(1500.0, 1500.0, "USD", "month")),
        ("18 to 22 per hour", Pay(18.0, 22.0, None, "hour")),
        ("£30,000", Pay(30000.0, 30000.0, "GBP", "year")),
        ("€1.500 al mes", Pay(1500.0, 1500.0, "EUR", None)),
        ("Pay: $25", Pay(25.0, 25.0, "USD", "hour")),
    ],
)
def test_pay_is_read(text: str, expected: Pay) -> None:
    assert find_pay(text) == expected


@pytest.mark.parametrize("text", ["DOE", "call 555-123-4567", "401k match, 24/7 support", "$0"])
def test_no_pay_is_invented(text: str) -> None:
    assert find_pay(text) is None


def test_a_year_of_pay() -> None:
    assert Pay(18.0, 22.0, "USD", "hour").periods_per_year(2080) == 2080
    assert Pay(1500.0, 1500.0, "USD", "month").periods_per_year(2080) == 12
    assert Pay(500.0, 500.0, "USD", "project").periods_per_year(2080) is None
