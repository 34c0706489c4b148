"""The day's leads: the postings sighted that day that ``qualify`` scored at the threshold or above.

A posting sighted on several days is one lead, listed under its latest sighting (``qualified_leads``
is keyed by job): so ``qualified_sightings`` (this build: the day's sightings that qualify) can be
larger than the ``leads`` that ``daily_funnel`` shows for an earlier day once a later day re-lists
the same posting. The two names say which is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.queries import Table, leads_preview, leads_with_analysis
from jobbatch_dagster.warehouse.results import load_qualified_leads


@dataclass(frozen=True)
class LeadsBuilt:
    qualified_sightings: int  # postings sighted on the day at or above the threshold
    with_analysis: int
    threshold: int
    preview: Table


def build_leads(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> LeadsBuilt:
    """Rebuild the day's ``qualified_leads`` rows from the results loaded so far."""
    sightings = load_qualified_leads(con, day, settings.qualify_threshold)
    return LeadsBuilt(
        qualified_sightings=sightings,
        with_analysis=leads_with_analysis(con, day),
        threshold=settings.qualify_threshold,
        preview=leads_preview(con, day),
    )
