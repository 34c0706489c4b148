"""A scraper's POSTed ``scrape_results``: validated row by row, then dropped into ``incoming/<day>/``.

Each row goes through the same validation as a scraper's file (:func:`normalize_posting`), so what
is accepted here is what the night will read. Accepted rows are written as they came, one JSON object
per line, to a hidden temporary file that is renamed into place: readers skip hidden files and a
rename is atomic, so a run never sees half a file.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobbatch_dagster.api.errors import ApiError
from jobbatch_dagster.sources.posting import InvalidPosting, normalize_posting, type_name

SOURCE_NAME = "api"


@dataclass
class Intake:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # index, field, reason


def validate_scrape_results(value: Any, name: str = "scrape_results") -> Intake:
    """Split the rows into accepted and rejected; a body that is not a non-empty array is a 400."""
    if not isinstance(value, list):
        raise ApiError(400, f"{name} must be an array of job objects, got {type_name(value)}", name)
    if not value:
        raise ApiError(400, f"{name} is empty: send at least one job", name)
    intake = Intake()
    for index, row in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(row, dict):
            reason = f"expected a job object, got {type_name(row)}"
            intake.rejected.append({"index": index, "field": where, "reason": reason})
            continue
        try:
            normalize_posting(row, source_file=SOURCE_NAME, line=index + 1, source=SOURCE_NAME)
        except InvalidPosting as exc:
            intake.rejected.append({"index": index, "field": where, "reason": str(exc)})
            continue
        intake.accepted.append(row)
    if not intake.accepted:
        first = intake.rejected[0]
        raise ApiError(
            400,
            f"no usable job in {name}: {first['field']}: {first['reason']} "
            f"({len(intake.rejected)} rejected; each needs a title and a description)",
            first["field"],
        )
    return intake


def write_incoming(incoming_dir: Path, day: str, rows: list[dict[str, Any]]) -> Path:
    """Write the rows as a new JSONL file in ``<incoming>/<day>/``, atomically; its path."""
    folder = incoming_dir / day
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%H%M%S")
    final = folder / f"{SOURCE_NAME}-{stamp}-{uuid.uuid4().hex[:8]}.jsonl"
    temporary = folder / f".{final.name}.part"
    with temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return final
