"""process-scraped followed through to leads: the scrape lands in incoming/<today>/, the day's run
on the Dagster instance submits it to the emulator and harvests it, and the leads endpoints serve it."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import httpx
import pytest

from jobbatch_dagster.settings import load_settings
from tests.api.conftest import REPO, Served

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(served: Served) -> httpx.Client:
    with served.client() as client:
        yield client


def test_process_scraped_drops_one_whole_file_and_names_the_rejected(
    served: Served, night: dict
) -> None:
    today = date.today().isoformat()
    rows = night["rows"]
    assert (night["success"], night["day"], night["run_id"] != "") == (True, today, True)
    assert night["accepted"] == night["job_count"] == len(rows) + 2 - len(night["rejected"])
    assert night["rejected"][-2:] == [
        {
            "index": len(rows),
            "field": f"scrape_results[{len(rows)}]",
            "reason": "missing description",
        },
        {
            "index": len(rows) + 1,
            "field": f"scrape_results[{len(rows) + 1}]",
            "reason": "expected a job object, got string",
        },
    ]
    refused = {r["index"] for r in night["rejected"]}
    folder = served.incoming / today
    files = sorted(p.name for p in folder.iterdir())
    assert files == [night["file"].split("/")[1]], "a temporary file was left behind"
    written = [json.loads(line) for line in (folder / files[0]).read_text().splitlines()]
    assert written == [row for i, row in enumerate(rows) if i not in refused]


def test_the_days_run_put_its_leads_in_duckdb(served: Served, night: dict) -> None:
    today = date.today()
    with duckdb.connect(str(served.warehouse), read_only=True) as con:
        backends = con.execute(
            "SELECT DISTINCT backend FROM batches WHERE scrape_date = ?", [today]
        ).fetchall()
        leads = con.execute(
            "SELECT count(*) FROM qualified_leads WHERE scrape_date = ?", [today]
        ).fetchone()[0]
        stages = {
            row[0]
            for row in con.execute(
                "SELECT stage FROM batch_requests WHERE scrape_date = ? AND state = 'answered'",
                [today],
            ).fetchall()
        }
    assert backends == [("emulator",)]
    assert leads > 0
    assert stages == {
        stage.task for stage in load_settings(REPO / "jobbatch.toml").stages
    }  # the shipped night, whole


def test_leads_list_is_best_first_and_filters(client: httpx.Client, night: dict) -> None:
    today = date.today().isoformat()
    listing = client.get("/api/leads").json()
    assert listing["day"] == today and listing["days"][0] == today
    scores = [lead["score"] for lead in listing["leads"]]
    assert scores == sorted(scores, reverse=True) and listing["count"] == len(scores) > 1
    first = listing["leads"][0]
    assert set(first) >= {"title", "company", "location", "pay", "urgency", "deal_value_usd"}
    cut = scores[len(scores) // 2]
    filtered = client.get("/api/leads", params={"day": today, "min_score": cut}).json()
    assert filtered["leads"] and all(lead["score"] >= cut for lead in filtered["leads"])
    assert len(filtered["leads"]) < len(scores) or cut == scores[-1]
    assert client.get("/api/leads", params={"limit": 1}).json()["count"] == 1
    assert client.get("/api/leads", params={"day": "2000-01-01"}).json()["leads"] == []
    bad = client.get("/api/leads", params={"day": "yesterday"})
    assert (bad.status_code, bad.json()["field"]) == (400, "day")


def test_a_lead_is_shown_whole_and_the_days_funnel(client: httpx.Client, night: dict) -> None:
    first = client.get("/api/leads").json()["leads"][0]
    detail = client.get(f"/api/leads/{first['job_id']}").json()["lead"]
    assert detail["lead"] == first
    assert detail["analysis"]["summary"]
    # the shipped night has no pain-point stage: the lead's pain points are the analysis's own
    assert detail["pain_points"]["pain_points"] == detail["analysis"]["pain_points"]
    assert detail["parsed"] is not None and detail["description"] and detail["reasons"]
    assert {"outreach", "conversation"} <= set(detail)  # filled by the follow-up stage
    funnel = client.get("/api/funnel", params={"day": first["scrape_date"]}).json()["funnel"]
    assert funnel["postings"] == night["accepted"] and funnel["leads"] > 0
    assert funnel["batch_usd"] > 0 and funnel["saving_usd"] > 0
    assert client.get("/api/funnel", params={"day": "2000-01-01"}).status_code == 404


def test_ask_continues_the_leads_conversation_live(client: httpx.Client, night: dict) -> None:
    first = client.get("/api/leads").json()["leads"][-1]["job_id"]
    asked = client.post(f"/api/leads/{first}/ask", json={"question": "Who decides?"})
    assert asked.status_code == 200, asked.text
    answer = asked.json()
    assert answer["answer"] and answer["backend"] == "emulator" and answer["live_usd"] > 0
    again = client.post(f"/api/leads/{first}/ask", json={"question": "And the budget?"}).json()
    assert again["turn"] == answer["turn"] + 2
    turns = client.get(f"/api/leads/{first}").json()["lead"]["conversation"]
    assert [(t["role"], t["content"]) for t in turns] == [
        ("user", "Who decides?"),
        ("assistant", answer["answer"]),
        ("user", "And the budget?"),
        ("assistant", again["answer"]),
    ]


def test_unknown_leads_and_empty_questions_are_refused(client: httpx.Client, night: dict) -> None:
    missing = client.get("/api/leads/craigslist:does-not-exist")
    assert missing.status_code == 404 and "did not qualify" in missing.json()["error"]
    first = client.get("/api/leads").json()["leads"][0]["job_id"]
    for question in ("", "   "):
        empty = client.post(f"/api/leads/{first}/ask", json={"question": question})
        assert (empty.status_code, empty.json()["field"]) == (400, "question")
    assert client.post("/api/leads/nope/ask", json={"question": "x"}).status_code == 404
