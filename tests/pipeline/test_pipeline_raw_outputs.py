"""Loading a batch's lines into raw_outputs: every line once, an answer never lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from jobbatch_dagster.batch.results import RequestError, RequestResult, Usage
from jobbatch_dagster.pipeline import harvest
from jobbatch_dagster.warehouse import ensure_schema

DAY = date(2026, 11, 20)


def answered(custom_id: str) -> RequestResult:
    return RequestResult(
        custom_id, True, content='{"ok": true}', usage=Usage(100, 0, 20), status_code=200
    )


def failed(custom_id: str) -> RequestResult:
    return RequestResult(
        custom_id, False, error=RequestError("server_error", "boom"), status_code=500
    )


def test_repeated_lines_keep_every_request_once_and_prefer_the_answer(tmp_path: Path) -> None:
    # req-1 is answered, then reported again as failed; req-4 fails, then answers.
    lines = [answered("req-1"), answered("req-2"), failed("req-3"), failed("req-4")]
    lines += [failed("req-1"), answered("req-4"), answered("req-5")]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_schema(con)
        compact = harvest.load_raw_outputs(con, iter(lines), "batch_x", "qualify", DAY)
        stored = dict(
            con.execute(
                "SELECT custom_id, kind FROM raw_outputs WHERE batch_id = 'batch_x'"
            ).fetchall()
        )
    assert stored == {
        "req-1": "answered",
        "req-2": "answered",
        "req-3": "failed",
        "req-4": "answered",
        "req-5": "answered",
    }
    assert len(compact) == len(lines)
    assert all(r.content is None and r.parsed is None for r in compact)
    assert (
        sum(r.usage.prompt_tokens for r in compact) == 400
    )  # four answered lines, 100 prompt tokens each
