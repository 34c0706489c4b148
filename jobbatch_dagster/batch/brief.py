"""The short posting a cheap filter reads: boilerplate out, then the first part of the description.

A fit decision needs the title, company, pay, location and what the work is; a job board's
boilerplate (equal-opportunity statements, how to apply, benefits lists, pages of company policy)
tells a filter nothing about fit but is paid for on every posting. A stage with
``description_chars`` set (``[stages.qualify] description_chars`` in jobbatch.toml) reads:

1. the description without its boilerplate: a paragraph or line that matches one of
   :data:`BOILERPLATE` is dropped, and so is a "Benefits:"-style heading with the list under it;
2. cut to ``description_chars`` characters at the last sentence or line end before the limit (at a
   word when there is none in the second half), with a marker saying how much was left out.

The posted date is left out too: when a posting was published says nothing about whether the
business fits (the later stages, which read the whole posting, still see it).

What the stage reads is what its request fingerprint covers, so changing the cut makes new
requests; the other stages still read the whole (``[limits] max_description_chars``) description.
"""

from __future__ import annotations

import re

# The posting field a brief posting does not carry (the module doc says why).
BRIEF_LEAVES_OUT = "posted_date"
# Paragraphs that say nothing about the work itself, in the words job boards use for them.
BOILERPLATE = re.compile(
    r"equal opportunity|without regard to (?:race|age|religion)|reasonable accommodation"
    r"|^(?:-\s*)?(?:please )?(?:apply|reply to this ad|call or text us|email your resume)"
    r"|is available from your first day|we review our programs",
    re.I | re.M,
)
# Headings whose list is perks, not work: the heading and its bullet lines go together.
PERK_HEADING = re.compile(r"^(?:benefits|perks|total rewards|what we offer)\s*:?\s*$", re.I)
BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
BRIEF_MARKER = " [... {left} more characters of the description not sent to this stage]"
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


def strip_boilerplate(text: str) -> str:
    """The description without boilerplate paragraphs, perk headings and their lists."""
    kept: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines: list[str] = []
        in_perks = False
        for line in paragraph.split("\n"):
            if PERK_HEADING.match(line.strip()):
                in_perks = True
                continue
            if in_perks and (BULLET.match(line) or not line.strip()):
                continue
            in_perks = False
            if not BOILERPLATE.search(line):
                lines.append(line)
        if lines:
            kept.append("\n".join(lines))
    return "\n\n".join(kept).strip()


def brief_description(text: str, max_chars: int) -> str:
    """What a stage with ``description_chars = max_chars`` reads of a description (module doc)."""
    stripped = strip_boilerplate(text) or text
    if len(stripped) <= max_chars:
        return stripped
    head = stripped[:max_chars]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    cut = ends[-1] if ends and ends[-1] > max_chars // 2 else head.rfind(" ")
    if cut <= 0:
        cut = max_chars
    kept = head[:cut].rstrip()
    return kept + BRIEF_MARKER.format(left=len(stripped) - len(kept))
