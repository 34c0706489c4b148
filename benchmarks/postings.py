"""Synthetic postings for benchmarks: realistic sizes, deterministic, no I/O."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

_SENTENCES = (
    "We are a family-owned distributor looking for a reliable person to join our back office.",
    "Every morning you will re-type customer orders from Excel spreadsheets into QuickBooks.",
    "The role involves copying data between our CRM and the shipping portal by hand.",
    "Must be detail oriented, punctual and comfortable with repetitive tasks.",
    "We need someone ASAP because our current assistant is leaving at the end of the month.",
    "Experience with invoices, purchase orders and weekly reporting is a plus.",
    "Our warehouse ships 300 orders a day and the paperwork keeps piling up.",
    "Competitive pay, flexible hours, and a friendly team in a small office.",
)


def synthetic_jobs(
    count: int, seed: int = 7, description_chars: int = 1200
) -> Iterator[dict[str, Any]]:
    """``count`` scrape_results-shaped jobs with ~``description_chars`` character descriptions."""
    rng = random.Random(seed)
    for i in range(count):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < description_chars:
            words.append(rng.choice(_SENTENCES))
        yield {
            "id": f"bench-{i}",
            "title": f"Data entry clerk #{i} - {rng.choice(['ASAP', 'part time', 'remote', 'urgent'])}",
            "company": f"Company {i % 997}",
            "location": rng.choice(["Austin, TX", "Denver, CO", "Chicago, IL", "Remote"]),
            "compensation": f"${rng.randint(15, 25)}-{rng.randint(26, 35)}/hr",
            "posted_date": "2026-11-20",
            "url": f"https://example.org/jobs/{i}",
            "description": " ".join(words),
        }
