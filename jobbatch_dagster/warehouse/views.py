"""The morning views: best leads first, the funnel per scrape day, and what batch and live work cost.

Views, not tables, so they are never stale and never need loading; ``ensure_schema`` recreates
them whenever a definition changed, so a changed definition reaches an existing warehouse. ``daily_funnel`` counts
what the pipeline did from the append-only facts (:mod:`jobbatch_dagster.warehouse.history`), so
running a day again never rewrites it; pending there is a request sent and not yet answered or
dead-lettered (still running, or left unrun by its batch).
"""

from __future__ import annotations

from typing import Final

VIEW_DDL: Final[dict[str, str]] = {
    "top_leads": """
        CREATE OR REPLACE VIEW top_leads AS
        SELECT
            l.job_id, l.scrape_date, l.score, l.confidence, l.title, l.company, l.location,
            l.compensation, l.url,
            json_extract_string(l.analysis, '$.summary') AS summary,
            TRY_CAST(json_extract(l.analysis, '$.estimated_deal_value_usd') AS BIGINT)
                AS deal_value_usd,
            -- extract_pain_points is optional (not in the default night); analyze rates urgency too
            coalesce(
                json_extract_string(l.pain_points, '$.urgency'),
                json_extract_string(l.analysis, '$.urgency')
            ) AS urgency,
            l.reasons,
            json_extract_string(l.outreach, '$.email.subject') AS email_subject,
            json_extract_string(l.outreach, '$.call_opener') AS call_opener
        FROM qualified_leads AS l
        ORDER BY l.score DESC, deal_value_usd DESC NULLS LAST, l.scrape_date DESC, l.job_id
    """,
    "daily_funnel": """
        CREATE OR REPLACE VIEW daily_funnel AS
        WITH days AS (
            SELECT scrape_date FROM job_sightings
            UNION SELECT scrape_date FROM rejected_jobs
        ),
        seen AS (
            SELECT s.scrape_date, count(*) AS postings,
                   count(*) FILTER (WHERE j.first_seen = s.scrape_date) AS new_postings
            FROM job_sightings AS s JOIN jobs AS j USING (job_id)
            GROUP BY s.scrape_date
        ),
        rejected AS (
            SELECT scrape_date, count(*) AS rejected FROM rejected_jobs GROUP BY scrape_date
        ),
        sent AS (
            SELECT DISTINCT stage, scrape_date, custom_id, job_id
            FROM request_events WHERE event = 'sent'
        ),
        outcome AS (
            SELECT stage, scrape_date, custom_id,
                   bool_or(event = 'answered') AS answered,
                   bool_or(event = 'dead_lettered') AS dead_lettered
            FROM request_events GROUP BY ALL
        ),
        qualify_stage AS (
            SELECT scrape_date, count(*) AS qualify_sent
            FROM sent WHERE stage = 'qualify' GROUP BY scrape_date
        ),
        qualify_reuse AS (
            SELECT p.scrape_date, count(*) AS qualify_reused
            FROM posting_events AS p
            WHERE p.stage = 'qualify' AND NOT EXISTS (
                SELECT 1 FROM sent AS s
                WHERE s.stage = p.stage AND s.scrape_date = p.scrape_date AND s.job_id = p.job_id
            )
            GROUP BY p.scrape_date
        ),
        requests AS (
            SELECT s.scrape_date, count(*) AS requests,
                   count(*) FILTER (WHERE o.answered) AS answered,
                   count(*) FILTER (WHERE o.dead_lettered AND NOT o.answered) AS dead_lettered
            FROM sent AS s LEFT JOIN outcome AS o USING (stage, scrape_date, custom_id)
            GROUP BY s.scrape_date
        ),
        leads AS (
            SELECT scrape_date, count(*) AS leads FROM qualified_leads GROUP BY scrape_date
        ),
        spend AS (
            SELECT scrape_date, sum(batch_usd) AS batch_usd, sum(saving_usd) AS saving_usd
            FROM spend_events GROUP BY scrape_date
        )
        SELECT
            d.scrape_date,
            coalesce(seen.postings, 0) AS postings,
            coalesce(seen.new_postings, 0) AS new_postings,
            coalesce(rejected.rejected, 0) AS rejected,
            coalesce(qualify_stage.qualify_sent, 0) AS qualify_sent,
            coalesce(qualify_reuse.qualify_reused, 0) AS qualify_reused,
            coalesce(requests.requests, 0) AS requests,
            coalesce(requests.answered, 0) AS answered,
            coalesce(requests.dead_lettered, 0) AS dead_lettered,
            coalesce(requests.requests - requests.answered - requests.dead_lettered, 0)
                AS pending,
            coalesce(leads.leads, 0) AS leads,
            spend.batch_usd,
            spend.saving_usd
        FROM days AS d
        LEFT JOIN seen USING (scrape_date)
        LEFT JOIN rejected USING (scrape_date)
        LEFT JOIN qualify_stage USING (scrape_date)
        LEFT JOIN qualify_reuse USING (scrape_date)
        LEFT JOIN requests USING (scrape_date)
        LEFT JOIN leads USING (scrape_date)
        LEFT JOIN spend USING (scrape_date)
        ORDER BY d.scrape_date
    """,
    "batch_costs": """
        CREATE OR REPLACE VIEW batch_costs AS
        SELECT
            b.batch_id, b.stage, b.scrape_date, b.backend, b.model, b.status, b.attempt,
            b.parent_batch_id, b.request_total, b.request_completed, b.request_failed,
            c.input_tokens, c.cached_input_tokens, c.output_tokens,
            b.estimated_usd, c.batch_usd, c.live_usd, c.saving_usd
        FROM batches AS b
        LEFT JOIN costs AS c USING (batch_id)
        ORDER BY b.scrape_date, b.stage, b.shard, b.attempt
    """,
    # The morning's cost report: what each stage, each night and all nights cost per posting seen
    # and per lead found, and how much of the input the provider served from its prompt cache.
    # Rows with stage 'all stages' are a night's total; rows with no scrape_date are every night.
    "lead_costs": """
        CREATE OR REPLACE VIEW lead_costs AS
        WITH stage_costs AS (
            SELECT scrape_date, stage, GROUPING(stage) AS is_total,
                   sum(requests)::BIGINT AS requests, sum(input_tokens)::BIGINT AS input_tokens,
                   sum(cached_input_tokens)::BIGINT AS cached_input_tokens,
                   sum(output_tokens)::BIGINT AS output_tokens,
                   sum(batch_usd) AS batch_usd, sum(live_usd) AS live_equivalent_usd
            FROM costs
            GROUP BY GROUPING SETS ((scrape_date, stage), (scrape_date), (stage), ())
        ),
        postings AS (
            SELECT scrape_date, count(DISTINCT job_id) AS postings
            FROM job_sightings GROUP BY ROLLUP (scrape_date)
        ),
        leads AS (
            SELECT scrape_date, count(DISTINCT job_id) AS leads
            FROM qualified_leads GROUP BY ROLLUP (scrape_date)
        )
        SELECT
            c.scrape_date,
            CASE WHEN c.is_total = 1 THEN 'all stages' ELSE c.stage END AS stage,
            c.requests, c.input_tokens, c.cached_input_tokens, c.output_tokens,
            c.cached_input_tokens / nullif(c.input_tokens, 0) AS cached_share,
            coalesce(p.postings, 0) AS postings,
            coalesce(l.leads, 0) AS leads,
            c.batch_usd, c.live_equivalent_usd,
            c.batch_usd / nullif(p.postings, 0) AS usd_per_posting,
            1000 * c.batch_usd / nullif(p.postings, 0) AS usd_per_1000_postings,
            c.batch_usd / nullif(l.leads, 0) AS usd_per_lead
        FROM stage_costs AS c
        LEFT JOIN postings AS p ON p.scrape_date IS NOT DISTINCT FROM c.scrape_date
        LEFT JOIN leads AS l ON l.scrape_date IS NOT DISTINCT FROM c.scrape_date
        ORDER BY c.scrape_date NULLS LAST, c.is_total, c.stage
    """,
    # Live calls (the follow-up on leads), one row per lead and day: the live side of the ledger.
    "live_costs": """
        CREATE OR REPLACE VIEW live_costs AS
        SELECT
            CAST(created_at AS DATE) AS day, job_id, backend, model,
            count(*) AS calls,
            sum(prompt_tokens) AS input_tokens,
            sum(cached_tokens) AS cached_input_tokens,
            sum(completion_tokens) AS output_tokens,
            sum(live_usd) AS live_usd
        FROM lead_conversations
        WHERE role = 'assistant'
        GROUP BY ALL
        ORDER BY day, job_id
    """,
    # Batch and live spend side by side, per day: batches by scrape day, live calls by call day.
    "spend": """
        CREATE OR REPLACE VIEW spend AS
        SELECT day, kind, sum(usd) AS usd, sum(calls) AS requests
        FROM (
            SELECT scrape_date AS day, 'batch' AS kind, batch_usd AS usd, requests AS calls
            FROM costs
            UNION ALL
            SELECT day, 'live' AS kind, live_usd AS usd, calls FROM live_costs
        )
        GROUP BY ALL
        ORDER BY day, kind
    """,
}
