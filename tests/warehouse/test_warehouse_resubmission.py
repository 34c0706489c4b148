"""The ledger's resubmission rules on a real DuckDB file: a request left unrun whose answer came
from another day is answered by reuse; exhausted requests become dead letters with their last
reason, a person's cancel excepted; dead letters and cancelled requests block a re-run until a
person reopens them or, for a cancel, the next scheduled night sends it again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from jobbatch_dagster.warehouse.ledger import (
    blocked_fingerprints,
    dead_letter_exhausted,
    mark_submitted,
    record_requests,
    reopen_requests,
    resolve_answered_elsewhere,
    resume_cancelled,
    set_request_states,
)
from jobbatch_dagster.warehouse.rows import NewRequestRow, RequestStateRow

DAY1, DAY2, DAY3 = date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)


def _harvested(
    con: duckdb.DuckDBPyConnection, day: date, batch: str, states: dict[str, RequestStateRow]
) -> None:
    record_requests(
        con,
        "qualify",
        day,
        [NewRequestRow(cid, f"job-{cid}", f"fp-{cid}", "gpt-4.1-mini", 0) for cid in states],
    )
    mark_submitted(con, "qualify", day, list(states), batch)
    set_request_states(con, batch, list(states.values()))


def _state(con: duckdb.DuckDBPyConnection, day: date, custom_id: str) -> tuple:
    return con.execute(
        "SELECT state, error_code, error_message FROM batch_requests "
        "WHERE stage = 'qualify' AND scrape_date = ? AND custom_id = ?",
        [day, custom_id],
    ).fetchone()


def test_an_unrun_request_answered_on_another_day_is_answered_by_reuse(
    con: duckdb.DuckDBPyConnection,
) -> None:
    expired = RequestStateRow("a", "pending", "batch_expired", "batch b1 is expired")
    _harvested(con, DAY1, "b1", {"a": expired})
    _harvested(con, DAY2, "b2", {"a": RequestStateRow("a", "answered", None, None)})

    assert resolve_answered_elsewhere(con, "qualify", DAY1) == 1
    state, code, message = _state(con, DAY1, "a")
    assert (state, code) == ("answered", None) and message.startswith("answered by reuse")


def test_exhausted_requests_are_dead_lettered_but_a_cancel_waits(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _harvested(
        con,
        DAY1,
        "b1",
        {
            "a": RequestStateRow("a", "pending", "server_error", "boom"),
            "c": RequestStateRow("c", "pending", "batch_cancelled", "batch b1 is cancelled"),
        },
    )
    assert dead_letter_exhausted(con, "b1", max_attempts=1) == 1
    assert _state(con, DAY1, "a") == (
        "dead_lettered",
        "server_error",
        "gave up after 1 attempts ([retries] max_attempts = 1); last: boom",
    )
    assert _state(con, DAY1, "c")[0] == "pending"


def test_dead_letters_and_cancelled_requests_block_a_rerun_until_reopened(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _harvested(
        con,
        DAY1,
        "b1",
        {
            "d": RequestStateRow("d", "dead_lettered", "invalid_request", "bad"),
            "c": RequestStateRow("c", "pending", "batch_cancelled", "batch b1 is cancelled"),
            "e": RequestStateRow("e", "pending", "batch_expired", "batch b1 is expired"),
        },
    )
    blocked = blocked_fingerprints(con, "qualify", DAY1, ["fp-d", "fp-c", "fp-e"])
    assert blocked == {"fp-d": "dead_lettered", "fp-c": "cancelled"}
    assert reopen_requests(con, "qualify", DAY1) == 2
    assert blocked_fingerprints(con, "qualify", DAY1, ["fp-d", "fp-c", "fp-e"]) == {}


def test_the_next_scheduled_night_releases_earlier_cancels_harvested_before_it_began(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cancelled = "batch_cancelled", "batch is cancelled"
    _harvested(con, DAY1, "b1", {c: RequestStateRow(c, "pending", *cancelled) for c in "cl"})
    _harvested(con, DAY1, "b3", {"during": RequestStateRow("during", "pending", *cancelled)})
    _harvested(con, DAY2, "b2", {"today": RequestStateRow("today", "pending", *cancelled)})
    con.execute("UPDATE batch_requests SET attempt = 3 WHERE custom_id = 'l'")
    night = datetime.now() + timedelta(seconds=1)
    con.execute(
        "UPDATE batch_requests SET updated_at = ? WHERE custom_id = 'during'",
        [night + timedelta(minutes=30)],
    )

    # the night for DAY3 sends the earlier days' cancels again, not one harvested during it
    assert resume_cancelled(con, "qualify", DAY3, night, max_attempts=3) == ([DAY1, DAY2], 1)
    state, code, message = _state(con, DAY1, "c")
    assert (state, code) == ("pending", "resent_next_night")
    assert message.startswith("cancelled by a person; sent again by the scheduled night of")
    assert blocked_fingerprints(con, "qualify", DAY3, ["fp-c"]) == {}
    assert _state(con, DAY1, "l")[:2] == ("dead_lettered", "batch_cancelled")
    assert "at its last allowed attempt 3" in _state(con, DAY1, "l")[2]
    assert _state(con, DAY1, "during")[:2] == ("pending", "batch_cancelled")
    # the night for DAY2 itself never sends DAY2's own cancels
    con.execute(
        "UPDATE batch_requests SET error_code = 'batch_cancelled' WHERE custom_id = 'today'"
    )
    assert resume_cancelled(con, "qualify", DAY2, night, max_attempts=3)[0] == [DAY1]
    assert _state(con, DAY2, "today")[1] == "batch_cancelled"
