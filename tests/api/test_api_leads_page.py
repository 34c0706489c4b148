"""The leads page as a salesperson sees it: headless Chromium over `jobbatch serve`, after a real
night. The outreach stage and the conversation table come with the follow-up work (not in this
build): this test creates both tables itself, in the shape the page reads, and seeds one lead."""

from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import quote

import duckdb
import pytest

from jobbatch_dagster.warehouse.frames import insert_rows
from tests.api.conftest import Served
from tests.browser import NEEDS_CHROMIUM, render

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM]
SUBJECT = "Taking invoice entry off your team's plate"
BODY = "Hi, I saw your posting for a data entry clerk and have a question about volume."


def _seed_follow_up(served: Served, job_id: str) -> None:
    with duckdb.connect(str(served.warehouse)) as con:
        # Stand-ins for the follow-up stage's tables, which this build does not create.
        con.execute(
            "CREATE TABLE outreach (job_id VARCHAR PRIMARY KEY, scrape_date DATE, "
            "roi_estimate_usd BIGINT, email_subject VARCHAR, email_body VARCHAR, "
            "call_opener VARCHAR)"
        )
        con.execute(
            "CREATE TABLE lead_conversations (job_id VARCHAR, turn INTEGER, role VARCHAR, "
            "content VARCHAR)"
        )
        insert_rows(
            con,
            "outreach",
            [
                {
                    "job_id": job_id,
                    "scrape_date": date.today(),
                    "roi_estimate_usd": 12000,
                    "email_subject": SUBJECT,
                    "email_body": BODY,
                    "call_opener": "How many invoices a week?",
                }
            ],
        )
        insert_rows(
            con,
            "lead_conversations",
            [
                {"job_id": job_id, "turn": 2, "role": "assistant", "content": "The owner."},
                {"job_id": job_id, "turn": 1, "role": "user", "content": "Who signs off?"},
            ],
        )


def _texts(dom: str) -> list[str]:
    """The text a reader sees: every text node outside scripts and styles."""
    shown = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)
    return [html.unescape(t).strip() for t in re.findall(r">([^<>]+)<", shown) if t.strip()]


def test_filter_open_a_lead_and_read_its_email_draft(served: Served, night: dict) -> None:
    with served.client() as client:
        leads = client.get("/api/leads").json()["leads"]
    scores = sorted({lead["score"] for lead in leads}, reverse=True)
    cut = scores[len(scores) // 2]
    chosen = next(lead for lead in leads if lead["score"] >= cut)
    _seed_follow_up(served, chosen["job_id"])
    with served.client() as client:
        detail = client.get(f"/api/leads/{chosen['job_id']}").json()["lead"]
    assert detail["outreach"]["email_subject"] == SUBJECT
    assert [turn["turn"] for turn in detail["conversation"]] == [1, 2]
    day = date.today().isoformat()
    # What the page's filter form and a click on a row lead to: the query string and the hash.
    filtered = f"{served.url}/?day={day}&min_score={cut}"
    dom, opened = render(filtered, f"{filtered}#lead={quote(chosen['job_id'], safe='')}")

    rows = re.findall(r'<tr data-id="([^"]+)"><td class="score">(\d+)</td>', dom)
    assert rows, dom[:2000]
    assert all(int(score) >= cut for _, score in rows)
    assert len(rows) == sum(1 for lead in leads if lead["score"] >= cut)
    assert f"Top leads of {day}" in _texts(dom)
    assert 'aria-label="Funnel"' in dom and 'aria-label="Spend (USD)"' in dom

    texts = _texts(opened)
    assert chosen["title"] in texts
    assert SUBJECT in texts and BODY in texts, "the email draft is not shown"
    assert "The owner." in " ".join(texts) and "Who signs off?" in " ".join(texts)
    assert "Ask" in texts
