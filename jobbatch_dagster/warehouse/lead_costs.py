"""The morning's cost report read back as rows: what a night cost per stage, posting and lead.

``lead_costs`` (views.py) does the arithmetic; this module only reads it, and the two lead sets a
cost comparison needs (the leads a night found, and the postings ``analyze`` alone judged fit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb


@dataclass(frozen=True)
class StageCost:
    """One ``lead_costs`` row of the all-nights total: a stage, or ``all stages``."""

    stage: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    postings: int
    leads: int
    batch_usd: float | None
    usd_per_1000_postings: float | None
    usd_per_lead: float | None

    @property
    def cached_share(self) -> float:
        return self.cached_input_tokens / self.input_tokens if self.input_tokens else 0.0


ALL_STAGES = "all stages"


def total_costs(con: duckdb.DuckDBPyConnection, day: date | None = None) -> dict[str, StageCost]:
    """One night (``day``) or every night together (None), per stage and for ``all stages``
    (empty when nothing was costed)."""
    rows = con.execute(
        """
        SELECT stage, requests, input_tokens, cached_input_tokens, output_tokens, postings, leads,
               batch_usd, usd_per_1000_postings, usd_per_lead
        FROM lead_costs WHERE scrape_date IS NOT DISTINCT FROM ?
        """,
        [day],
    ).fetchall()
    return {row[0]: StageCost(*row) for row in rows}


def estimated_and_actual_usd(con: duckdb.DuckDBPyConnection) -> tuple[float, float]:
    """What the submissions were estimated to cost and what they cost, every batch with a cost."""
    estimated, actual = con.execute(
        "SELECT coalesce(sum(estimated_usd), 0), coalesce(sum(batch_usd), 0) FROM costs"
    ).fetchone()
    return float(estimated), float(actual)


def lead_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The postings in ``qualified_leads``, every day."""
    return {row[0] for row in con.execute("SELECT DISTINCT job_id FROM qualified_leads").fetchall()}


def fit_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The postings ``analyze`` judged a strong or moderate fit: the leads of a night that sends
    every posting to ``analyze`` without a filter."""
    rows = con.execute(
        "SELECT DISTINCT job_id FROM analyses "
        "WHERE json_extract_string(answer, '$.fit') IN ('strong', 'moderate')"
    ).fetchall()
    return {row[0] for row in rows}


def output_tokens_per_posting(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], float]:
    """The mean answer size per posting each stage's model has given here, per (stage, model):
    what the ledger says, the estimate's best guess for the next night. A posting is a line of
    ``raw_outputs``: one per request, or one per posting of a line that judged several."""
    rows = con.execute(
        """
        SELECT c.stage, c.model, sum(c.output_tokens) / sum(o.postings)
        FROM costs AS c
        JOIN (SELECT batch_id, count(*) AS postings FROM raw_outputs GROUP BY batch_id) AS o
          USING (batch_id)
        GROUP BY c.stage, c.model
        """
    ).fetchall()
    return {(stage, model): float(mean) for stage, model, mean in rows}


def share_at_or_above(con: duckdb.DuckDBPyConnection, threshold: int) -> float | None:
    """The share of qualified postings scoring at least ``threshold``; None before any."""
    total, above = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE score >= ?) FROM qualifications", [threshold]
    ).fetchone()
    return above / total if total else None
