"""The morning reports ``make demo`` prints, read from the views, and the batch count it compares."""

from __future__ import annotations

from typing import Final

from jobbatch_dagster.warehouse.connect import Warehouse, open_warehouse

MORNING_REPORTS: Final[dict[str, str]] = {
    "Funnel per scrape day (daily_funnel)": """
        SELECT * EXCLUDE (batch_usd, saving_usd),
               round(batch_usd, 4) AS batch_usd, round(saving_usd, 4) AS saving_usd
        FROM daily_funnel
    """,
    "Cost ledger per stage (batch_costs)": """
        SELECT stage, count(*) AS batches, any_value(backend) AS backend,
               sum(request_total)::BIGINT AS requests, sum(input_tokens)::BIGINT AS input_tokens,
               sum(output_tokens)::BIGINT AS output_tokens, round(sum(estimated_usd), 4) AS estimated_usd,
               round(sum(batch_usd), 4) AS batch_usd, round(sum(live_usd), 4) AS live_usd,
               round(sum(saving_usd), 4) AS saving_usd
        FROM batch_costs GROUP BY stage ORDER BY min(scrape_date), stage
    """,
    "Cost per posting, per lead and per stage, every night (lead_costs)": """
        SELECT stage, requests, round(cached_share, 3) AS cached_share, postings, leads,
               round(batch_usd, 4) AS batch_usd,
               round(usd_per_1000_postings, 4) AS usd_per_1000_postings,
               round(usd_per_lead, 5) AS usd_per_lead
        FROM lead_costs WHERE scrape_date IS NULL
    """,
    "Top leads (top_leads)": """
        SELECT score, title, company, location, deal_value_usd, urgency, scrape_date
        FROM top_leads LIMIT 10
    """,
}
SPEND_REPORT: Final = (
    "Spend, batch and live (spend)",
    "SELECT kind, sum(requests)::BIGINT AS requests, round(sum(usd), 6) AS usd "
    "FROM spend GROUP BY kind ORDER BY kind",
)


def print_morning_reports(warehouse: Warehouse) -> None:
    """Print each morning report as a table (the warehouse is opened read-only)."""
    with open_warehouse(warehouse, read_only=True) as con:
        for title, sql in MORNING_REPORTS.items():
            print(f"\n== {title}")
            con.sql(sql).show(max_width=220, max_rows=20)


def print_spend(warehouse: Warehouse) -> None:
    """Print the batch and live spend side by side (the ``spend`` view, all days)."""
    title, sql = SPEND_REPORT
    with open_warehouse(warehouse, read_only=True) as con:
        print(f"\n== {title}")
        con.sql(sql).show(max_width=220)


def outreach_leads(warehouse: Warehouse, limit: int) -> list[str]:
    """The ids of the first ``limit`` top leads that have outreach, in ``top_leads`` order."""
    with open_warehouse(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT job_id FROM top_leads WHERE email_subject IS NOT NULL LIMIT ?", [limit]
        ).fetchall()
    return [r[0] for r in rows]


def batch_count(warehouse: Warehouse) -> int:
    """Batches recorded so far (0 before the first run)."""
    if not warehouse.exists():
        return 0
    with open_warehouse(warehouse, read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database()"
            ).fetchall()
        }
        return (
            con.execute("SELECT count(*) FROM batches").fetchone()[0] if "batches" in tables else 0
        )
