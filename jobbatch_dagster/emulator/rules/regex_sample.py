"""A string that matches a regular expression, for ``pattern`` in JSON schemas.

Built from Python's own regex parse tree (``re._parser``): each node yields its simplest match
(first branch, minimum repeat count, first character of a class). Lookarounds and backreferences
are rare in Structured Outputs schemas and are skipped; the caller checks the result with re.search.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from typing import Any

_CATEGORY_SAMPLES = {
    sre.CATEGORY_DIGIT: "0",
    sre.CATEGORY_NOT_DIGIT: "a",
    sre.CATEGORY_SPACE: " ",
    sre.CATEGORY_NOT_SPACE: "a",
    sre.CATEGORY_WORD: "a",
    sre.CATEGORY_NOT_WORD: "-",
}
FALLBACK = "emulator"


def sample_matching(pattern: str, variant: int = 0) -> str:
    """A short string for which ``re.search(pattern, s)`` succeeds, or a fallback if none found."""
    try:
        candidate = _emit(sre_parse.parse(pattern), variant)
    except (re.error, ValueError, TypeError, IndexError):
        return FALLBACK
    return candidate if re.search(pattern, candidate) else FALLBACK


def _emit(tokens: Any, variant: int) -> str:
    return "".join(_emit_one(op, arg, variant) for op, arg in tokens)


def _emit_one(op: Any, arg: Any, variant: int) -> str:
    if op is sre.LITERAL:
        return chr(arg)
    if op is sre.NOT_LITERAL:
        return "a" if arg != ord("a") else "b"
    if op is sre.ANY:
        return "a"
    if op is sre.IN:
        return _emit_class(arg)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, body = arg
        return _emit(body, variant) * max(low, 0)
    if op is sre.SUBPATTERN:
        return _emit(arg[-1], variant)
    if op is sre.BRANCH:
        branches = arg[1]
        return _emit(branches[variant % len(branches)], variant)
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return ""
    if op is sre.CATEGORY:
        return _CATEGORY_SAMPLES.get(arg, "a")
    raise ValueError(f"unsupported regex construct {op}")


def _emit_class(items: list[tuple[Any, Any]]) -> str:
    if items and items[0][0] is sre.NEGATE:
        excluded = {chr(a) for op, a in items[1:] if op is sre.LITERAL}
        return next(c for c in "aZ0_-" if c not in excluded)
    op, arg = items[0]
    if op is sre.LITERAL:
        return chr(arg)
    if op is sre.RANGE:
        return chr(arg[0])
    if op is sre.CATEGORY:
        return _CATEGORY_SAMPLES.get(arg, "a")
    raise ValueError(f"unsupported character class item {op}")
