"""Pay as scrapers write it ("$18-22/hr", "$55,000 - $65,000 a year", "$60k") read into numbers.

Used by the ``parse`` rules (salary fields) and the ``analyze`` rules (what automating the job saves).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _amount(n: int) -> str:
    return rf"(?P<whole{n}>\d{{1,3}}(?:[,.]\d{{3}})+(?!\d)|\d+)(?:\.(?P<cents{n}>\d{{1,2}}))?\s*(?P<k{n}>[kK])?"


_PERIOD_WORDS = {
    "hour": "hour", "hr": "hour", "hourly": "hour",
    "day": "day", "daily": "day",
    "week": "week", "wk": "week", "weekly": "week",
    "month": "month", "mo": "month", "monthly": "month",
    "year": "year", "yr": "year", "annum": "year", "annually": "year", "yearly": "year", "annual": "year",
    "project": "project",
}  # fmt: skip
_PAY = re.compile(
    rf"(?P<symbol>[$€£])?\s?{_amount(1)}"
    rf"(?:\s*(?:-|\u2013|\u2014|to)\s*[$€£]?\s?{_amount(2)})?"
    r"(?:\s*(?:/|per\s+|an?\s+|each\s+)\s*(?P<period>"
    + "|".join(sorted(_PERIOD_WORDS, key=len, reverse=True))
    + r")\b)?",
    re.I,
)
_CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP"}
HOURS_PER_YEAR = {"full_time": 2080, "part_time": 1040}
_PERIODS_PER_YEAR = {"day": 260, "week": 52, "month": 12, "year": 1}


@dataclass(frozen=True)
class Pay:
    """A pay figure or range; ``period`` None when the posting does not say and the size cannot tell."""

    minimum: float
    maximum: float
    currency: str | None
    period: str | None

    @property
    def midpoint(self) -> float:
        return (self.minimum + self.maximum) / 2

    def periods_per_year(self, hours_per_year: int) -> int | None:
        """How many of ``period`` make a year of work; None when the period is unknown or a project."""
        if self.period == "hour":
            return hours_per_year
        return _PERIODS_PER_YEAR.get(self.period or "")


def _number(match: re.Match[str], n: int, thousands: bool) -> float | None:
    whole, cents = match.group(f"whole{n}"), match.group(f"cents{n}")
    if whole is None:
        return None
    value = float(whole.replace(",", "").replace(".", "") + ("." + cents if cents else ""))
    return value * 1000 if thousands else value


def _guess_period(amount: float) -> str | None:
    """Unlabelled pay: under $300 is an hourly rate, $10,000 or more a yearly salary, else unknown."""
    if amount < 300:
        return "hour"
    return "year" if amount >= 10_000 else None


def find_pay(text: str) -> Pay | None:
    """The first pay figure in ``text`` that has a currency symbol or a period ("22/hr")."""
    for match in _PAY.finditer(text):
        symbol, period_word = match.group("symbol"), match.group("period")
        if not symbol and not period_word:
            continue
        # "$60-70k": a k on either bound applies to both.
        thousands = bool(match.group("k1") or match.group("k2"))
        low = _number(match, 1, thousands)
        high = _number(match, 2, thousands)
        if not low:
            continue
        high = low if high is None or high < low else high
        period = _PERIOD_WORDS[period_word.lower()] if period_word else _guess_period(low)
        return Pay(low, high, _CURRENCIES.get(symbol) if symbol else None, period)
    return None
