"""The emulator's ``parse`` rules: the posting's own fields first, regexes on its text for the rest.

A field the rules cannot find is null, as the task's instructions ask of a model.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from jobbatch_dagster.emulator.rules.evidence import Evidence
from jobbatch_dagster.emulator.rules.pay import Pay, find_pay

# First match in this order wins: "full-time contract" is a contract before it is full-time.
_EMPLOYMENT = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("internship", r"\bintern(?:ship)?s?\b"),
        ("freelance", r"\bfreelanc(?:e|er|ing)\b"),
        ("contract", r"\b(?:contract(?:or)?|1099)\b"),
        ("temporary", r"\b(?:temporary|temp|seasonal)\b"),
        ("part_time", r"\bpart[\s-]?time\b"),
        ("full_time", r"\bfull[\s-]?time\b"),
    )
)
_NOT_REMOTE = re.compile(r"\b(?:not|no)\s+remote\b")
_ON_SITE = re.compile(r"\bon[\s-]?site\b|\bin[\s-]person\b|\bin[\s-]office\b")
_REMOTE = re.compile(r"\bremote(?:ly)?\b|\bwork from home\b|\bwfh\b|\btelecommute\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
# Skills the rules recognise, as a posting might spell them -> as the answer writes them.
_SKILLS = {
    "excel": "Excel", "google sheets": "Google Sheets", "spreadsheets": "spreadsheets",
    "quickbooks": "QuickBooks", "xero": "Xero", "salesforce": "Salesforce", "hubspot": "HubSpot",
    "shopify": "Shopify", "zapier": "Zapier", "microsoft office": "Microsoft Office",
    "ms office": "Microsoft Office", "outlook": "Outlook", "data entry": "data entry",
    "typing": "typing", "bookkeeping": "bookkeeping", "customer service": "customer service",
    "crm": "CRM", "erp": "ERP", "netsuite": "NetSuite", "sap": "SAP", "sql": "SQL",
    "python": "Python", "javascript": "JavaScript", "typescript": "TypeScript", "java": "Java",
    "react": "React", "kubernetes": "Kubernetes", "aws": "AWS",
    "c\\+\\+": "C++", "tableau": "Tableau", "power bi": "Power BI", "forklift": "forklift",
}  # fmt: skip
_SKILL = re.compile(
    r"(?<![\w+])(" + "|".join(sorted(_SKILLS, key=len, reverse=True)) + r")(?![\w+])", re.I
)
_SKILL_NAMES = {key.replace("\\", ""): name for key, name in _SKILLS.items()}


def employment_type(text: str) -> str | None:
    lowered = text.lower()
    return next((kind for kind, pattern in _EMPLOYMENT if pattern.search(lowered)), None)


def _remote(lowered: str) -> bool | None:
    """True when remote work is offered, False when the posting says on-site, None when silent."""
    if _NOT_REMOTE.search(lowered):
        return False
    if _REMOTE.search(lowered):
        return True
    return False if _ON_SITE.search(lowered) else None


def _posted_date(evidence: Evidence) -> str | None:
    for candidate in (evidence.field("posted_date") or "", evidence.text):
        match = _DATE.search(candidate)
        if match:
            try:
                return dt.date.fromisoformat(match.group(1)).isoformat()
            except ValueError:
                continue
    return None


def _contact(text: str) -> str | None:
    match = _EMAIL.search(text) or _PHONE.search(text)
    return match.group(0) if match else None


def _skills(text: str) -> list[str]:
    found = (_SKILL_NAMES[m.group(1).lower()] for m in _SKILL.finditer(text))
    return list(dict.fromkeys(found))


def posting_pay(evidence: Evidence) -> Pay | None:
    """The pay in the posting's compensation field, else the first pay anywhere in its text."""
    return find_pay(evidence.field("compensation") or "") or find_pay(evidence.text)


def parse_answer(evidence: Evidence) -> dict[str, Any]:
    text = evidence.text
    lowered = text.lower()
    location = evidence.field("location")
    if location and location.lower() in ("remote", "anywhere", "work from home"):
        location = None  # "Remote" is not a place; it shows in the remote flag instead
    pay = posting_pay(evidence)
    return {
        "title": evidence.field("title"),
        "company": evidence.field("company"),
        "location": location,
        "remote": _remote(lowered),
        "employment_type": employment_type(lowered),
        "salary_min": pay.minimum if pay else None,
        "salary_max": pay.maximum if pay else None,
        "salary_currency": pay.currency if pay else None,
        "salary_period": pay.period if pay else None,
        "contact": _contact(text),
        "skills": _skills(text),
        "posted_date": _posted_date(evidence),
    }
