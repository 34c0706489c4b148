"""The warehouse's tables, defined once: names, columns and keys.

Every ledger has a key so that loads can upsert (re-running a night never duplicates a row), and
every partitioned table carries ``scrape_date`` so a re-materialized day can replace its rows. The
upserts are ``MERGE`` statements on those keys, so they hold on a DuckLake too, which has no
constraints: there the tables are created without their ``PRIMARY KEY`` (:func:`without_keys`),
while a DuckDB file keeps it as a second guard against a duplicate.
``batch_requests`` is the durable record of each request and its state; ``batches`` links a batch to
its parent (``parent_batch_id``, ``attempt``) so resubmission of unfinished work fits without a
migration. The typed result tables take their answer columns from the tasks' result models (see
:mod:`jobbatch_dagster.warehouse.results_schema`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

import duckdb

from jobbatch_dagster.warehouse.connect import is_lake
from jobbatch_dagster.warehouse.conversations import CONVERSATIONS_DDL
from jobbatch_dagster.warehouse.results_schema import result_table_ddl
from jobbatch_dagster.warehouse.transaction import transaction
from jobbatch_dagster.warehouse.views import VIEW_DDL

# The request states of ``batch_requests``: pending (built, not yet in a batch), submitted (in a
# batch that has not finished), answered (schema-valid answer stored) or dead_lettered (no usable
# answer; error_code says why). pending + submitted are what the accounting identity calls pending.
REQUEST_STATES: Final = ("pending", "submitted", "answered", "dead_lettered")

TABLE_DDL: Final[dict[str, str]] = {
    "jobs": """
        CREATE TABLE IF NOT EXISTS jobs (
            job_id VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            source_id VARCHAR,
            url VARCHAR,
            title VARCHAR NOT NULL,
            company VARCHAR,
            location VARCHAR,
            compensation VARCHAR,
            description VARCHAR NOT NULL,
            posted_date DATE,
            content_fingerprint VARCHAR NOT NULL,
            source_file VARCHAR,
            source_line INTEGER,
            first_seen DATE NOT NULL,
            last_seen DATE NOT NULL,
            job_json JSON NOT NULL  -- the dict the engine builds requests from
        )""",
    # Which postings a scrape day saw: the funnel counts per day from here, and a re-read day
    # replaces its sightings without touching other days.
    "job_sightings": """
        CREATE TABLE IF NOT EXISTS job_sightings (
            scrape_date DATE NOT NULL,
            job_id VARCHAR NOT NULL,
            content_fingerprint VARCHAR NOT NULL,
            PRIMARY KEY (scrape_date, job_id)
        )""",
    "rejected_jobs": """
        CREATE TABLE IF NOT EXISTS rejected_jobs (
            scrape_date DATE NOT NULL,
            file VARCHAR NOT NULL,
            line INTEGER,  -- NULL when the whole file was rejected
            reason VARCHAR NOT NULL,  -- for a person: what is wrong and what to do
            raw VARCHAR,  -- capped: enough to find and fix the row
            reason_code VARCHAR,  -- stable, for GROUP BY: invalid_json, missing_title, ...
            byte_offset BIGINT  -- where the row or region starts in its file, when known
        )""",
    # The postings a stage covered on a day and how: sent in a request, reused an existing answer,
    # or waiting on a request already in flight. Typed results are loaded from here.
    "stage_postings": """
        CREATE TABLE IF NOT EXISTS stage_postings (
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            job_id VARCHAR NOT NULL,
            request_fingerprint VARCHAR NOT NULL,
            disposition VARCHAR NOT NULL,  -- sent | reused | in_flight | dead_lettered
            PRIMARY KEY (stage, scrape_date, job_id)
        )""",
    "batches": """
        CREATE TABLE IF NOT EXISTS batches (
            batch_id VARCHAR PRIMARY KEY,
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            shard INTEGER NOT NULL,
            model VARCHAR NOT NULL,
            backend VARCHAR NOT NULL,  -- openai | emulator
            input_file_id VARCHAR,
            output_file_id VARCHAR,
            error_file_id VARCHAR,
            input_fingerprint VARCHAR,
            status VARCHAR NOT NULL,
            request_total INTEGER,
            request_completed INTEGER,
            request_failed INTEGER,
            estimated_input_tokens BIGINT,
            estimated_usd DOUBLE,
            errors JSON,
            parent_batch_id VARCHAR,  -- the batch this one resubmits, NULL for a first attempt
            attempt INTEGER NOT NULL DEFAULT 1,
            created_at TIMESTAMP,
            finished_at TIMESTAMP,
            updated_at TIMESTAMP NOT NULL
        )""",
    "batch_requests": """
        CREATE TABLE IF NOT EXISTS batch_requests (
            custom_id VARCHAR NOT NULL,  -- unique within a (stage, scrape_date) build
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            job_id VARCHAR NOT NULL,
            request_fingerprint VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            shard INTEGER NOT NULL,
            batch_id VARCHAR,
            state VARCHAR NOT NULL,
            error_code VARCHAR,
            error_message VARCHAR,
            attempt INTEGER NOT NULL DEFAULT 1,
            previous_batch_id VARCHAR,  -- the batch of the previous attempt, which never ran it
            updated_at TIMESTAMP NOT NULL,
            request_id VARCHAR,  -- the line's custom id when one line judges several postings
            request_key VARCHAR,  -- this posting's id within that line
            PRIMARY KEY (stage, scrape_date, custom_id)
        )""",
    "raw_outputs": """
        CREATE TABLE IF NOT EXISTS raw_outputs (
            batch_id VARCHAR NOT NULL,
            custom_id VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            kind VARCHAR NOT NULL,  -- answered | failed
            status_code INTEGER,
            content VARCHAR,  -- the assistant message, for answered lines
            error_code VARCHAR,
            error_message VARCHAR,
            input_tokens BIGINT,
            output_tokens BIGINT,
            line JSON,  -- the rest of the line as read: ids, status, error, usage, model
            PRIMARY KEY (batch_id, custom_id)
        )""",
    "qualified_leads": """
        CREATE TABLE IF NOT EXISTS qualified_leads (
            job_id VARCHAR PRIMARY KEY,
            scrape_date DATE NOT NULL,
            title VARCHAR,
            company VARCHAR,
            location VARCHAR,
            compensation VARCHAR,
            url VARCHAR,
            score INTEGER NOT NULL,
            confidence VARCHAR,
            reasons JSON,
            analysis JSON,
            pain_points JSON,
            parsed JSON,
            outreach JSON,  -- the outreach stage's answer, for the day's top leads
            updated_at TIMESTAMP NOT NULL
        )""",
    "costs": """
        CREATE TABLE IF NOT EXISTS costs (
            batch_id VARCHAR PRIMARY KEY,
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            model VARCHAR NOT NULL,
            backend VARCHAR NOT NULL,
            requests INTEGER,
            input_tokens BIGINT,
            cached_input_tokens BIGINT,
            output_tokens BIGINT,
            estimated_usd DOUBLE,
            batch_usd DOUBLE,  -- NULL when the model's price is unknown
            live_usd DOUBLE,
            saving_usd DOUBLE,
            updated_at TIMESTAMP NOT NULL
        )""",
    "lead_conversations": CONVERSATIONS_DDL,
    # What happened, as it happened: append-only facts that no re-run rewrites (a fact recorded
    # again is ignored by its key). ``daily_funnel`` reads these, never the ledgers' current state.
    # A request sent in a batch, and what that batch did with it: answered, dead_lettered, or
    # unrun (the batch ended without running it; error_code says why).
    "request_events": """
        CREATE TABLE IF NOT EXISTS request_events (
            batch_id VARCHAR NOT NULL,
            custom_id VARCHAR NOT NULL,
            event VARCHAR NOT NULL,  -- sent | answered | dead_lettered | unrun
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            job_id VARCHAR NOT NULL,
            request_fingerprint VARCHAR NOT NULL,
            attempt INTEGER NOT NULL,
            error_code VARCHAR,
            recorded_at TIMESTAMP NOT NULL,
            request_id VARCHAR,  -- the line's custom id when one line judged several postings
            PRIMARY KEY (batch_id, custom_id, event)
        )""",
    # A posting a stage covered on a day without a request of its own, as the first build that
    # day decided: an answer already existed (reused) or a request for it was running (in_flight).
    "posting_events": """
        CREATE TABLE IF NOT EXISTS posting_events (
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            job_id VARCHAR NOT NULL,
            request_fingerprint VARCHAR NOT NULL,
            disposition VARCHAR NOT NULL,  -- reused | in_flight
            recorded_at TIMESTAMP NOT NULL,
            PRIMARY KEY (stage, scrape_date, job_id)
        )""",
    # What a batch cost, recorded once when it is first harvested terminal.
    "spend_events": """
        CREATE TABLE IF NOT EXISTS spend_events (
            batch_id VARCHAR PRIMARY KEY,
            stage VARCHAR NOT NULL,
            scrape_date DATE NOT NULL,
            requests INTEGER NOT NULL,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            batch_usd DOUBLE,  -- NULL when the model's price is unknown
            saving_usd DOUBLE,
            recorded_at TIMESTAMP NOT NULL
        )""",
}


# Columns added after a table was first released: a warehouse made before gets them on open.
MIGRATIONS: Final = (
    "ALTER TABLE batch_requests ADD COLUMN IF NOT EXISTS previous_batch_id VARCHAR",
    "ALTER TABLE rejected_jobs ADD COLUMN IF NOT EXISTS reason_code VARCHAR",
    "ALTER TABLE rejected_jobs ADD COLUMN IF NOT EXISTS byte_offset BIGINT",
    "ALTER TABLE qualified_leads ADD COLUMN IF NOT EXISTS outreach JSON",
    "ALTER TABLE batch_requests ADD COLUMN IF NOT EXISTS request_id VARCHAR",
    "ALTER TABLE batch_requests ADD COLUMN IF NOT EXISTS request_key VARCHAR",
    "ALTER TABLE request_events ADD COLUMN IF NOT EXISTS request_id VARCHAR",
)


# Which definitions a warehouse was last brought up to: when they match, opening it runs no DDL
# (on a DuckLake each replaced view would be a new snapshot, on every connection).
SCHEMA_TABLE: Final = "warehouse_schema"
_SCHEMA_DDL: Final = (
    f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (fingerprint VARCHAR NOT NULL, "
    "updated_at TIMESTAMP NOT NULL)"
)
# the table clause, after the last column (and the comment that ends its line, kept)
_TABLE_KEY = re.compile(r",(\s*--[^\n]*)?\s*PRIMARY KEY \([^)]*\)")
_COLUMN_KEY = re.compile(r" PRIMARY KEY\b")


def without_keys(ddl: str) -> str:
    """A CREATE TABLE without its PRIMARY KEY, for DuckLake: a table clause goes (its columns
    are NOT NULL already), a column's key becomes the NOT NULL it implied."""
    return _COLUMN_KEY.sub(" NOT NULL", _TABLE_KEY.sub(r"\1", ddl))


def schema_statements(lake: bool) -> list[str]:
    """Every statement that brings a warehouse up to this version, in order."""
    tables = [*TABLE_DDL.values(), *result_table_ddl().values()]
    return [
        *(without_keys(ddl) if lake else ddl for ddl in tables),
        *MIGRATIONS,
        *VIEW_DDL.values(),
    ]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view that does not exist yet and apply the migrations; nothing runs
    when the warehouse is already at this version, so it is cheap on every connection."""
    statements = schema_statements(is_lake(con))
    fingerprint = hashlib.sha256("\n;\n".join(statements).encode()).hexdigest()
    con.execute(_SCHEMA_DDL)
    if con.execute(f"SELECT fingerprint FROM {SCHEMA_TABLE}").fetchall() == [(fingerprint,)]:
        return
    with transaction(con):
        for ddl in statements:
            con.execute(ddl)
        con.execute(f"DELETE FROM {SCHEMA_TABLE}")
        con.execute(f"INSERT INTO {SCHEMA_TABLE} VALUES (?, now())", [fingerprint])
