"""Metadata every asset returns: counts and a small markdown preview of the rows it produced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg

_MAX_CELL_CHARS = 60


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


def markdown_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], max_rows: int = 10
) -> dg.MetadataValue:
    """A markdown table of the first rows, or a line saying there are none."""
    if not rows:
        return dg.MetadataValue.md("_no rows_")
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows[:max_rows]),
    ]
    if len(rows) > max_rows:
        lines.append(f"\n_{len(rows) - max_rows} more rows_")
    return dg.MetadataValue.md("\n".join(lines))


def usd(value: float | None) -> dg.MetadataValue:
    """Dollars as a plottable float; unknown prices stay visibly unknown instead of becoming 0."""
    return (
        dg.MetadataValue.text("unknown")
        if value is None
        else dg.MetadataValue.float(round(float(value), 6))
    )
