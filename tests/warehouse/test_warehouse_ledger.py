"""The request ledger and typed-result loads on a real DuckDB file: states, attempts, identity,
never-pay-twice lookups, and results and leads built from the raw lines."""

from __future__ import annotations

import json
from datetime import date

import duckdb

from jobbatch_dagster.warehouse.ledger import (
    blocked_fingerprints,
    mark_submitted,
    replace_stage_postings,
    replace_unsubmitted_requests,
    set_request_states,
    shard_lineage,
    upsert_batches,
    upsert_raw_outputs,
)
from jobbatch_dagster.warehouse.loads import job_row, load_scrape_day
from jobbatch_dagster.warehouse.results import load_qualified_leads, load_stage_results
from jobbatch_dagster.warehouse.rows import (
    BatchRow,
    NewRequestRow,
    RawOutputRow,
    RequestStateRow,
    StagePostingRow,
)

DAY = date(2026, 11, 18)
NEXT = date(2026, 11, 19)


def request(custom_id: str, job_id: str, fingerprint: str) -> NewRequestRow:
    return NewRequestRow(custom_id, job_id, fingerprint, "gpt-4o-mini", shard=0)


def submit(
    con: duckdb.DuckDBPyConnection, batch_id: str, stage: str, day: date, ids: list[str]
) -> None:
    upsert_batches(
        con,
        [BatchRow(batch_id=batch_id, stage=stage, scrape_date=day, shard=0, model="gpt-4o-mini",
                  backend="emulator", input_file_id=None, input_fingerprint=None,
                  status="in_progress", request_total=None, estimated_input_tokens=None,
                  estimated_usd=None)],
    )  # fmt: skip
    mark_submitted(con, stage, day, ids, batch_id)


def answer(
    con: duckdb.DuckDBPyConnection, batch_id: str, stage: str, day: date, content: dict
) -> None:
    """Harvest one answered line per request of the batch."""
    ids = [
        r[0]
        for r in con.execute(
            "SELECT custom_id FROM batch_requests WHERE batch_id = ?", [batch_id]
        ).fetchall()
    ]
    upsert_raw_outputs(
        con,
        [RawOutputRow(batch_id=batch_id, custom_id=c, stage=stage, scrape_date=day, kind="answered",
                      status_code=200, content=json.dumps(content), error_code=None,
                      error_message=None, input_tokens=0, output_tokens=0, line="{}")
         for c in ids],
    )  # fmt: skip
    set_request_states(
        con,
        batch_id,
        [RequestStateRow(c, "answered", None, None) for c in ids],
    )


def expire_after_answering(
    con: duckdb.DuckDBPyConnection, batch_id: str, answered: str, unrun: str
) -> None:
    """The batch expired: one request answered, one never run."""
    set_request_states(
        con,
        batch_id,
        [
            RequestStateRow(answered, "answered", None, None),
            RequestStateRow(unrun, "pending", "batch_expired", "x"),
        ],
    )


def states(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The (qualify, DAY) requests per ledger state."""
    found = con.execute(
        "SELECT state, count(*) FROM batch_requests WHERE stage = 'qualify' AND scrape_date = ? "
        "GROUP BY state",
        [DAY],
    ).fetchall()
    return dict(found)


def test_requests_move_through_their_states(
    con: duckdb.DuckDBPyConnection,
) -> None:
    replace_unsubmitted_requests(
        con, "qualify", DAY, [request("a", "j1", "f1"), request("b", "j2", "f2")]
    )
    assert states(con) == {"pending": 2}
    submit(con, "batch_1", "qualify", DAY, ["a", "b"])
    set_request_states(
        con,
        "batch_1",
        [
            RequestStateRow("a", "answered", None, None),
            RequestStateRow("b", "dead_lettered", "context_length_exceeded", "too long"),
        ],
    )
    assert states(con) == {"answered": 1, "dead_lettered": 1}


def test_answered_and_in_flight_fingerprints_are_never_sent_again(
    con: duckdb.DuckDBPyConnection,
) -> None:
    replace_unsubmitted_requests(
        con,
        "qualify",
        DAY,
        [request("a", "j1", "f1"), request("b", "j2", "f2"), request("c", "j3", "f3")],
    )
    submit(con, "batch_1", "qualify", DAY, ["a", "b", "c"])
    expire_after_answering(con, "batch_1", answered="a", unrun="c")
    replace_unsubmitted_requests(con, "qualify", NEXT, [request("d", "j4", "f4")])
    blocked = blocked_fingerprints(con, "qualify", NEXT, ["f1", "f2", "f3", "f4", "f5"])
    # f3 expired unrun; f4 is the day's own unsubmitted request, which the build replaces
    assert blocked == {"f1": "answered", "f2": "in_flight"}
    assert blocked_fingerprints(con, "qualify", DAY, ["f4"]) == {"f4": "in_flight"}
    assert blocked_fingerprints(con, "analyze", NEXT, ["f1"]) == {}


def test_a_rebuilt_unrun_request_is_the_same_record_at_its_next_attempt(
    con: duckdb.DuckDBPyConnection,
) -> None:
    replace_unsubmitted_requests(
        con, "qualify", DAY, [request("a", "j1", "f1"), request("c", "j3", "f3")]
    )
    submit(con, "batch_1", "qualify", DAY, ["a", "c"])
    expire_after_answering(con, "batch_1", answered="a", unrun="c")
    # both are rebuilt: the answered record must stay as it is, the unrun one goes to attempt 2
    replace_unsubmitted_requests(
        con, "qualify", DAY, [request("a", "j1", "f1"), request("c", "j3", "f3")]
    )
    rows = con.execute(
        "SELECT custom_id, state, attempt, batch_id, error_code, previous_batch_id "
        "FROM batch_requests ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("a", "answered", 1, "batch_1", None, None),
        ("c", "pending", 2, None, None, "batch_1"),
    ]
    assert shard_lineage(con, "qualify", DAY, ["c"]) == (2, "batch_1")
    assert sum(states(con).values()) == 2


def test_results_and_leads_are_typed_reused_and_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    posting = {"job_id": "j1", "source": "craigslist", "title": "Data entry", "description": "Excel",
               "content_fingerprint": "c1", "company": "Acme"}  # fmt: skip
    repost = {**posting, "job_id": "j2"}  # same content, another id
    load_scrape_day(con, DAY, [job_row(posting, {"id": "j1"}, DAY)], [])
    load_scrape_day(con, NEXT, [job_row(repost, {"id": "j2"}, NEXT)], [])
    replace_unsubmitted_requests(con, "qualify", DAY, [request("a", "j1", "f1")])
    replace_stage_postings(con, "qualify", DAY, [StagePostingRow("j1", "f1", "sent")])
    replace_stage_postings(
        con,
        "qualify",
        NEXT,
        [StagePostingRow("j2", "f1", "reused")],
    )
    submit(con, "batch_1", "qualify", DAY, ["a"])
    answer(
        con,
        "batch_1",
        "qualify",
        DAY,
        {"qualified": True, "score": 80, "confidence": "high", "reasons": ["excel", "manual"]},
    )

    for _ in range(2):
        assert load_stage_results(con, "qualify", DAY) == 1
        assert load_stage_results(con, "qualify", NEXT) == 1  # the repost reuses the answer
    rows = con.execute(
        "SELECT job_id, scrape_date, qualified, score, confidence, reasons FROM qualifications ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("j1", DAY, True, 80, "high", ["excel", "manual"]),
        ("j2", NEXT, True, 80, "high", ["excel", "manual"]),
    ]
    for _ in range(2):
        assert load_qualified_leads(con, NEXT, threshold=60) == 1
    assert load_qualified_leads(con, DAY, threshold=90) == 0  # below this threshold: no lead
    assert con.execute("SELECT job_id, score, company FROM top_leads").fetchall() == [
        ("j2", 80, "Acme")
    ]


def test_parsed_jobs_store_dates_lists_and_nested_answers_typed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_scrape_day(con, DAY, [job_row({"job_id": "j1", "source": "s", "title": "t", "description": "d",
                                        "content_fingerprint": "c"}, {"id": "j1"}, DAY)], [])  # fmt: skip
    replace_unsubmitted_requests(con, "parse", DAY, [request("a", "j1", "p1")])
    replace_stage_postings(con, "parse", DAY, [StagePostingRow("j1", "p1", "sent")])
    submit(con, "batch_p", "parse", DAY, ["a"])
    parsed = {"title": "Clerk", "company": None, "location": "Oakland", "remote": False,
              "employment_type": "full_time", "salary_min": 20.5, "salary_max": None,
              "salary_currency": "USD", "salary_period": "hour", "contact": None,
              "skills": ["excel", "typing"], "posted_date": "2026-11-17"}  # fmt: skip
    answer(con, "batch_p", "parse", DAY, parsed)
    assert load_stage_results(con, "parse", DAY) == 1
    row = con.execute(
        "SELECT remote, salary_min, salary_max, skills, posted_date, answer->>'$.title' FROM parsed_jobs"
    ).fetchone()
    assert row == (False, 20.5, None, ["excel", "typing"], date(2026, 11, 17), "Clerk")


def test_a_posting_waiting_on_a_request_in_flight_gets_its_answer_when_it_lands(
    con: duckdb.DuckDBPyConnection,
) -> None:
    replace_unsubmitted_requests(con, "qualify", DAY, [request("a", "j1", "f1")])
    replace_stage_postings(con, "qualify", DAY, [StagePostingRow("j1", "f1", "sent")])
    submit(con, "batch_1", "qualify", DAY, ["a"])
    # the next night sees a repost while the first batch is still running
    replace_stage_postings(
        con,
        "qualify",
        NEXT,
        [StagePostingRow("j2", "f1", "in_flight")],
    )
    assert load_stage_results(con, "qualify", NEXT) == 0
    answer(
        con,
        "batch_1",
        "qualify",
        DAY,
        {"qualified": False, "score": 10, "confidence": "low", "reasons": []},
    )

    assert load_stage_results(con, "qualify", DAY) == 1
    assert con.execute("SELECT job_id, scrape_date FROM qualifications ORDER BY 1").fetchall() == [
        ("j1", DAY),
        ("j2", NEXT),
    ]
