"""The leads page as a salesperson sees it: headless Chromium over `jobbatch serve`, after a real
night (the outreach stage drafted the best leads' emails) and one live question about a lead."""

from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import quote

import pytest

from tests.api.conftest import Served
from tests.browser import NEEDS_CHROMIUM, render

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM]
QUESTION = "Who signs off on the purchase?"


def _texts(dom: str) -> list[str]:
    """The text a reader sees: every text node outside scripts and styles."""
    shown = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)
    return [html.unescape(t).strip() for t in re.findall(r">([^<>]+)<", shown) if t.strip()]


def test_filter_open_a_lead_and_read_its_email_draft(served: Served, night: dict) -> None:
    with served.client() as client:
        leads = client.get("/api/leads").json()["leads"]
        chosen = next(lead for lead in leads if lead["email_subject"])
        detail = client.get(f"/api/leads/{chosen['job_id']}").json()["lead"]
        asked = client.post(f"/api/leads/{chosen['job_id']}/ask", json={"question": QUESTION})
        assert asked.status_code == 200, asked.text
    email = detail["outreach"]["email"]
    cut = chosen["score"]
    day = date.today().isoformat()
    # What the page's filter form and a click on a row lead to: the query string and the hash.
    filtered = f"{served.url}/?day={day}&min_score={cut}"
    dom, opened = render(filtered, f"{filtered}#lead={quote(chosen['job_id'], safe='')}")

    rows = re.findall(r'<tr data-id="([^"]+)"><td class="score">(\d+)</td>', dom)
    assert rows, dom[:2000]
    assert all(int(score) >= cut for _, score in rows)
    assert len(rows) == sum(1 for lead in leads if lead["score"] >= cut) < len(leads)
    assert f"Top leads of {day}" in _texts(dom)
    assert 'aria-label="Funnel"' in dom and 'aria-label="Spend (USD)"' in dom

    texts = _texts(opened)
    assert chosen["title"] in texts
    assert email["subject"] in texts, "the email draft's subject is not shown"
    assert email["body"].strip() in "\n".join(texts), "the email draft's body is not shown"
    assert QUESTION in " ".join(texts) and asked.json()["answer"].strip()[:40] in " ".join(texts)
    assert "Ask" in texts
