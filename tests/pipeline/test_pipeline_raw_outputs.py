"""Loading a batch's lines into raw_outputs: every line once, an answer never lost."""

from __future__ import annotations

import json
from dataclasses import astuple, fields, replace
from datetime import date
from pathlib import Path

import duckdb

from jobbatch_dagster.batch.results import RequestError, RequestResult, ResultFile, Usage
from jobbatch_dagster.pipeline import harvest
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.ledger import (
    mark_submitted,
    replace_stage_postings,
    replace_unsubmitted_requests,
    set_request_states,
)
from jobbatch_dagster.warehouse.results import load_stage_results
from jobbatch_dagster.warehouse.rows import (
    NewRequestRow,
    RawOutputRow,
    RequestStateRow,
    StagePostingRow,
)

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


def output_line(custom_id: str, content: str | None, status: int = 200) -> dict:
    """An output line as the provider writes it: an answer, or an HTTP error without one."""
    if status != 200:
        body = {"error": {"code": "server_error", "message": "the model is overloaded"}}
        return {"id": f"br_{custom_id}", "custom_id": custom_id,
                "response": {"status_code": status, "body": body}, "error": None}  # fmt: skip
    body = {"model": "gpt-4o-mini",
            "choices": [{"message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 90, "completion_tokens": 12,
                      "prompt_tokens_details": {"cached_tokens": 10}}}  # fmt: skip
    return {"id": f"br_{custom_id}", "custom_id": custom_id,
            "response": {"status_code": 200, "body": body}, "error": None}  # fmt: skip


def mixed_output(path: Path) -> Path:
    """Good answers, an answer that is not JSON, one off the schema, HTTP and batch errors, a
    line that is not a result at all, and a request reported twice (failed, then answered)."""
    good = '{"qualified": true, "score": 80, "confidence": "high", "reasons": ["excel"]}'
    lines = [json.dumps(output_line(f"req-{n}", good.replace("80", str(70 + n)))) for n in range(4)]
    lines += [
        json.dumps(output_line("req-bad-json", "{not json")),
        json.dumps(output_line("req-off-schema", '{"qualified": true, "score": "high"}')),
        json.dumps(output_line("req-http", None, status=500)),
        json.dumps(
            {
                "custom_id": "req-expired",
                "response": None,
                "error": {"code": "batch_expired", "message": "not run in time"},
            }
        ),
        "this line is not JSON",
        "",
        json.dumps(output_line("req-twice", None, status=500)),
        json.dumps(output_line("req-twice", good)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def line_by_line_load(con: duckdb.DuckDBPyConnection, results: ResultFile) -> list[RequestResult]:
    """The load as it first was, kept as the reference: each result made a row in Python, a
    repeated request keeping its answer, and one INSERT per row."""
    kept: dict[str, RequestResult] = {}
    compact = []
    for result in results:
        if result.success or result.custom_id not in kept:
            kept[result.custom_id] = result
        compact.append(replace(result, content=None, parsed=None))
    rows = [harvest.raw_output_row(r, "batch_x", "qualify", DAY) for r in kept.values()]
    names = [f.name for f in fields(RawOutputRow)]
    con.executemany(
        f"INSERT INTO raw_outputs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [astuple(row) for row in rows],
    )
    return compact


def typed_rows(con: duckdb.DuckDBPyConnection, compact: list[RequestResult]) -> dict[str, list]:
    """Every row the load leads to: raw_outputs, request states and the typed qualifications."""
    ids = sorted({r.custom_id for r in compact})
    replace_unsubmitted_requests(
        con,
        "qualify",
        DAY,
        [NewRequestRow(c, f"job-{c}", f"fp-{c}", "gpt-4o-mini", 0) for c in ids],
    )
    replace_stage_postings(
        con, "qualify", DAY, [StagePostingRow(f"job-{c}", f"fp-{c}", "sent") for c in ids]
    )
    outcome: dict[str, RequestResult] = {}
    for result in compact:
        if result.success or result.custom_id not in outcome:
            outcome[result.custom_id] = result
    mark_submitted(con, "qualify", DAY, ids, "batch_x")
    set_request_states(
        con,
        "batch_x",
        [
            RequestStateRow(c, "answered" if r.success else "pending",
                            r.error.code if r.error else None, r.error.message if r.error else None)
            for c, r in sorted(outcome.items())
        ],
    )  # fmt: skip
    load_stage_results(con, "qualify", DAY)
    return {
        "raw_outputs": con.execute("SELECT * FROM raw_outputs ORDER BY ALL").fetchall(),
        "batch_requests": con.execute(
            "SELECT custom_id, state, error_code, error_message FROM batch_requests ORDER BY ALL"
        ).fetchall(),
        "qualifications": con.execute(
            "SELECT custom_id, score, qualified, confidence, reasons, answer::VARCHAR "
            "FROM qualifications ORDER BY ALL"
        ).fetchall(),
    }


def test_the_one_statement_load_writes_the_rows_the_line_by_line_load_did(tmp_path: Path) -> None:
    output = mixed_output(tmp_path / "output.jsonl")
    task = get_task("qualify")
    loaded = {}
    for name in ("reference", "pipeline", "pipeline again"):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            ensure_schema(con)
            file = ResultFile(output, task)
            if name == "reference":
                compact = line_by_line_load(con, file)
            else:
                compact = harvest.load_raw_outputs(con, file, "batch_x", "qualify", DAY)
                if name == "pipeline again":  # a re-harvest of the same file changes nothing
                    compact = harvest.load_raw_outputs(con, file, "batch_x", "qualify", DAY)
            assert [c.line for c in file.corrupt] == [9]  # the line that is not JSON
            loaded[name] = ([r.as_dict() for r in compact], typed_rows(con, compact))

    assert loaded["pipeline"] == loaded["reference"]
    assert loaded["pipeline again"] == loaded["reference"]
    raw = {row[1]: (row[4], row[7]) for row in loaded["pipeline"][1]["raw_outputs"]}
    assert raw["req-bad-json"] == ("failed", "invalid_json_content")
    assert raw["req-off-schema"] == ("failed", "schema_mismatch")
    assert raw["req-http"] == ("failed", "server_error")
    assert raw["req-expired"] == ("failed", "batch_expired")
    assert raw["req-twice"][0] == "answered"
    scores = {row[0]: row[1] for row in loaded["pipeline"][1]["qualifications"]}
    assert scores == {"req-0": 70, "req-1": 71, "req-2": 72, "req-3": 73, "req-twice": 80}


def test_each_answer_is_stored_once_its_line_keeping_the_rest(tmp_path: Path) -> None:
    output = mixed_output(tmp_path / "output.jsonl")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_schema(con)
        harvest.load_raw_outputs(con, ResultFile(output, get_task("qualify")), "b", "qualify", DAY)
        rows = con.execute(
            "SELECT custom_id, content, line::VARCHAR FROM raw_outputs ORDER BY custom_id"
        ).fetchall()
    lines = {custom_id: (content, json.loads(line)) for custom_id, content, line in rows}
    content, line = lines["req-1"]
    assert json.loads(content)["score"] == 71
    assert "content" not in line and "parsed" not in line
    assert line["usage"] == {"prompt_tokens": 90, "cached_tokens": 10, "completion_tokens": 12}
    assert (line["batch_request_id"], line["model"], line["success"]) == (
        "br_req-1",
        "gpt-4o-mini",
        True,
    )
    assert lines["req-http"][1]["error"]["code"] == "server_error"
