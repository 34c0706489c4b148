"""Hand-written answers of the length and style a model gives for the Excel/ASAP posting.

They calibrate each task's ``expected_output_tokens`` (the cost estimate's output size): the tests
require the estimate to stay within the documented tolerance of these answers' token counts.
"""

from __future__ import annotations

from typing import Any

MODEL_ANSWERS: dict[str, dict[str, Any]] = {
    "qualify": {
        "qualified": True,
        "score": 88,
        "confidence": "high",
        "reasons": [
            "Staff re-type 200+ orders a day from Excel by hand: repetitive data entry the seller automates.",
            "Small family-owned supplier, within the ideal customer size of 1-200 staff.",
            "They need someone ASAP, so the pain is current and budget is already allocated.",
            "Pay of $18-22/hr for full-time work puts a clear price on the manual process.",
        ],
    },
    "analyze": {
        "summary": (
            "Valley Plumbing Supply, a small family-owned distributor in Fresno, is hiring a "
            "full-time order entry clerk. The role re-types 200+ orders a day from Excel "
            "spreadsheets into their order system by hand."
        ),
        "fit": "strong",
        "pain_points": [
            "Orders re-keyed by hand from Excel",
            "High daily volume (200+ orders)",
            "Error-prone double entry between systems",
            "Urgent staffing gap",
        ],
        "urgency": "high",
        "estimated_deal_value_usd": 7500,
        "estimated_annual_savings_usd": 33000,
        "roi_reasoning": (
            "A full-time clerk at $18-22/hr costs about $41,600 a year (2,080 hours at $20). "
            "Automating the Excel-to-system import removes roughly 80% of that work, about "
            "$33,000 a year, so a project near the profile's $6,000 average, scoped up to $7,500 "
            "for the integration, pays back in under three months."
        ),
        "recommended_approach": (
            "Reply to the posting today offering an Excel-to-order-system import that removes the "
            "re-typing, with a one-week pilot on a day's orders; mention you can start "
            "immediately since they need help ASAP."
        ),
    },
    "extract_pain_points": {
        "pain_points": [
            {
                "description": "Manual re-typing of orders",
                "severity": "high",
                "evidence": "Every day we re-type 200+ orders from Excel",
            },
            {
                "description": "Data lives in spreadsheets, not the order system",
                "severity": "medium",
                "evidence": "orders from Excel spreadsheets into our system",
            },
            {
                "description": "Staffing gap they must fill now",
                "severity": "high",
                "evidence": "Need someone ASAP",
            },
        ],
        "urgency_signals": ["Need someone ASAP", "Order Entry Clerk - ASAP"],
        "urgency": "high",
        "motivation": "high",
        "motivation_reasoning": (
            "A daily volume of 200+ hand-typed orders and an ASAP hire show a costly problem "
            "they want solved now."
        ),
    },
    "outreach": {
        "roi": {
            "deal_value_usd": 7500,
            "annual_savings_usd": 33000,
            "payback_months": 2.7,
            "reasoning": (
                "A full-time clerk at $18-22/hr costs about $41,600 a year (2,080 hours at $20); "
                "automating the Excel-to-system import removes about 80% of it, $33,000 a year. "
                "A $7,500 project pays back in 7,500 / (33,000 / 12) = 2.7 months."
            ),
        },
        "email": {
            "subject": "Stop re-typing 200 orders a day at Valley Plumbing Supply",
            "body": (
                "Hi {name},\n\nI saw you are hiring an order entry clerk to re-type 200+ orders a "
                "day from Excel into your order system, and that you need help ASAP. We build "
                "small automations that import those spreadsheets directly, so orders land in "
                "your system in minutes with no double entry. A comparable distributor cut its "
                "order entry time by 80% in the first week.\n\nCould we take 15 minutes this "
                "week to look at one day's orders together? If it fits, we can run a one-week "
                "pilot on your real data before you commit to anything.\n\nBest regards"
            ),
        },
        "call_opener": (
            "Hi, I'm calling about your order entry clerk posting: you mentioned re-typing 200+ "
            "orders a day from Excel. We automate exactly that import, and I'd like to ask two "
            "quick questions to see whether it would save you the hire."
        ),
        "questions": [
            "Where do the Excel order files come from, and do they always have the same columns?",
            "Which order system do you enter them into, and does it accept imports or an API?",
            "How many hours a day does order entry take today, and how often do errors slip in?",
            "Who else touches an order between the spreadsheet and shipping?",
        ],
    },
    "parse": {
        "title": "Order Entry Clerk",
        "company": "Valley Plumbing Supply",
        "location": "Fresno, CA",
        "remote": False,
        "employment_type": "full_time",
        "salary_min": 18,
        "salary_max": 22,
        "salary_currency": "USD",
        "salary_period": "hour",
        "contact": "jobs@valleyplumb.com",
        "skills": ["Excel", "data entry", "order processing", "typing"],
        "posted_date": "2026-11-20",
    },
}

# One posting's verdict in a request that judged several (qualify's group form), for the same
# posting: it calibrates GroupForm.expected_output_tokens the same way.
GROUP_VERDICTS: dict[str, dict[str, Any]] = {
    "qualify": {
        "id": "12",
        "qualified": True,
        "score": 88,
        "reason": "Re-types 200+ Excel orders a day by hand, ASAP",
    },
}
