"""Typed result tables, derived from the tasks' result models so a schema is written down once.

Each answer field becomes a column: booleans, numbers, strings, enums and dates get their DuckDB
type, lists of strings become ``VARCHAR[]``, anything nested is ``JSON``. The whole validated answer
is also kept in ``answer`` so ``qualified_leads`` can join it without knowing its shape.
"""

from __future__ import annotations

import datetime as dt
import types
from typing import Any, Final, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from jobbatch_dagster.tasks import get_task

# The fixed table name of each stage's typed results.
RESULT_TABLES: Final[dict[str, str]] = {
    "qualify": "qualifications",
    "analyze": "analyses",
    "extract_pain_points": "pain_points",
    "parse": "parsed_jobs",
    "outreach": "outreach",
}

# Columns every result table starts with; an answer field of the same name stays in ``answer`` only.
COMMON_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("job_id", "VARCHAR NOT NULL"),
    ("request_fingerprint", "VARCHAR NOT NULL"),
    ("scrape_date", "DATE NOT NULL"),
    ("custom_id", "VARCHAR NOT NULL"),
    ("batch_id", "VARCHAR NOT NULL"),
    ("model", "VARCHAR"),
    ("answer", "JSON NOT NULL"),
)

_SCALARS: Final[dict[type, str]] = {
    bool: "BOOLEAN",
    int: "BIGINT",
    float: "DOUBLE",
    str: "VARCHAR",
    dt.date: "DATE",
}


def _without_none(annotation: Any) -> Any:
    """``X | None`` -> ``X``; other annotations unchanged."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def duckdb_type(annotation: Any) -> str:
    """The column type that stores a value of this pydantic field annotation."""
    annotation = _without_none(annotation)
    if get_origin(annotation) is Literal:
        return "VARCHAR"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        return "VARCHAR[]"
    return "JSON"


def answer_columns(model: type[BaseModel]) -> list[tuple[str, str]]:
    """(name, type) of each answer field that gets its own column."""
    common = {name for name, _ in COMMON_COLUMNS}
    return [
        (name, duckdb_type(field.annotation))
        for name, field in model.model_fields.items()
        if name not in common
    ]


def result_columns(stage: str) -> list[tuple[str, str]]:
    """Every column of a stage's result table, in order."""
    return [*COMMON_COLUMNS, *answer_columns(get_task(stage).result_model)]


def result_table_ddl() -> dict[str, str]:
    """CREATE TABLE statements of the result tables, keyed by table name."""
    statements = {}
    for stage, table in RESULT_TABLES.items():
        columns = ",\n    ".join(f"{name} {kind}" for name, kind in result_columns(stage))
        statements[table] = (
            f"CREATE TABLE IF NOT EXISTS {table} (\n    {columns},\n"
            "    PRIMARY KEY (job_id, request_fingerprint)\n)"
        )
    return statements
