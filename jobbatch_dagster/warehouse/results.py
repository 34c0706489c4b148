"""Typed results and leads, built in SQL from the ledgers so a 50,000-answer day loads in one statement.

A stage's results for a day are the answers to the fingerprints of the postings it covered that day
(``stage_postings``), whichever batch and day answered them: a repost with identical content
reuses the answer it already has. Loads replace the day's rows; a (job, fingerprint) already loaded
on an earlier day keeps its first row. A posting of another day that was waiting on a request in
flight gets its row (under its own day) as soon as any load finds that request answered.
"""

from __future__ import annotations

from datetime import date

import duckdb

from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.frames import Upsert, update_set
from jobbatch_dagster.warehouse.results_schema import (
    COMMON_COLUMNS,
    RESULT_TABLES,
    answer_columns,
)


def _extract(name: str, kind: str) -> str:
    """SQL reading one answer field out of the JSON answer, as the column's type (named so)."""
    path = f"'$.\"{name}\"'"
    if kind == "JSON":
        value = f"json_extract(a.content, {path})"
    elif kind == "VARCHAR[]":
        value = f"CAST(json_extract(a.content, {path}) AS VARCHAR[])"
    else:
        value = f"CAST(json_extract_string(a.content, {path}) AS {kind})"
    return f'{value} AS "{name}"'


def load_stage_results(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> int:
    """Replace the day's typed results of one stage; returns the rows now loaded for the day."""
    table = RESULT_TABLES[stage]
    fields = answer_columns(get_task(stage).result_model)
    values = ", ".join(
        [
            "sp.job_id, sp.request_fingerprint, sp.scrape_date, a.custom_id, a.batch_id, "
            "a.model, CAST(a.content AS JSON) AS answer",
            *(_extract(name, kind) for name, kind in fields),
        ]
    )
    con.execute(f"DELETE FROM {table} WHERE scrape_date = ?", [day])
    # A posting covered on several days (waiting on the same request) gets one row: its own
    # day's when this day covered it, else its earliest.
    source = f"""
        WITH answers AS (
            SELECT r.request_fingerprint, r.custom_id, r.batch_id, r.model, o.content,
                   row_number() OVER (
                       PARTITION BY r.request_fingerprint ORDER BY r.updated_at, r.custom_id
                   ) AS n
            FROM batch_requests AS r
            JOIN raw_outputs AS o USING (batch_id, custom_id)
            WHERE r.stage = $stage AND r.state = 'answered' AND o.kind = 'answered'
        )
        SELECT {values}
        FROM stage_postings AS sp
        JOIN answers AS a ON a.request_fingerprint = sp.request_fingerprint AND a.n = 1
        WHERE sp.stage = $stage AND (sp.scrape_date = $day OR sp.disposition = 'in_flight')
        QUALIFY row_number() OVER (
            PARTITION BY sp.job_id, sp.request_fingerprint
            ORDER BY sp.scrape_date <> $day, sp.scrape_date
        ) = 1
    """
    columns = [name for name, _ in COMMON_COLUMNS] + [name for name, _ in fields]
    con.execute(
        Upsert(("job_id", "request_fingerprint")).statement(table, columns, source),
        {"stage": stage, "day": day},
    )
    return con.execute(f"SELECT count(*) FROM {table} WHERE scrape_date = ?", [day]).fetchone()[0]


def _latest(table: str, alias: str) -> str:
    """The newest answer per job in a result table, as a subquery."""
    return (
        f"LEFT JOIN (SELECT job_id, answer FROM {table} "
        "QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY scrape_date DESC) = 1) "
        f"AS {alias} USING (job_id)"
    )


_LEAD_COLUMNS = (
    "job_id", "scrape_date", "title", "company", "location", "compensation", "url", "score",
    "confidence", "reasons", "analysis", "pain_points", "parsed", "outreach", "updated_at",
)  # fmt: skip


def load_qualified_leads(con: duckdb.DuckDBPyConnection, day: date, threshold: int) -> int:
    """Replace the day's leads: postings qualified that day at or above the threshold, joined."""
    con.execute("DELETE FROM qualified_leads WHERE scrape_date = ?", [day])
    # A posting is one lead: qualified again on a later day, its row moves to that day.
    source = f"""
        SELECT j.job_id, sp.scrape_date, j.title, j.company, j.location, j.compensation, j.url,
               q.score, q.confidence, to_json(q.reasons) AS reasons, an.answer AS analysis,
               pp.answer AS pain_points, pj.answer AS parsed, ou.answer AS outreach,
               now() AS updated_at
        FROM stage_postings AS sp
        JOIN qualifications AS q USING (job_id, request_fingerprint)
        JOIN jobs AS j USING (job_id)
        {_latest("analyses", "an")}
        {_latest("pain_points", "pp")}
        {_latest("parsed_jobs", "pj")}
        {_latest("outreach", "ou")}
        WHERE sp.stage = 'qualify' AND sp.scrape_date = ? AND q.score >= ?
    """
    con.execute(
        Upsert(("job_id",), update_set(_LEAD_COLUMNS[1:])).statement(
            "qualified_leads", _LEAD_COLUMNS, source
        ),
        [day, threshold],
    )
    return con.execute(
        "SELECT count(*) FROM qualified_leads WHERE scrape_date = ?", [day]
    ).fetchone()[0]
