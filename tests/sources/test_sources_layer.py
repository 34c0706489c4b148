"""The sources layer stands alone: plain Python that imports neither Dagster nor the other layers."""

from __future__ import annotations

import subprocess
import sys

import pytest

FORBIDDEN = (
    "dagster",
    "openai",
    "duckdb",
    "jobbatch_dagster.defs",
    "jobbatch_dagster.batch",
    "jobbatch_dagster.warehouse",
    "jobbatch_dagster.emulator",
)


def test_importing_sources_loads_no_other_layer() -> None:
    probe = (
        "import sys, jobbatch_dagster.sources\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m.startswith({FORBIDDEN!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    assert loaded.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "text",
    [
        "  Line\tcook \r\n\r\n\r\n  nights ",
        "Caf\u0065\u0301 \u200bbarista\x00",
        "Dev \U0001f9d1\u200d\U0001f4bb\u00a0team",
        "already clean\n\nparagraph",
    ],
)
def test_engine_and_readers_share_required_fields_and_normalisation(text: str) -> None:
    from jobbatch_dagster.batch import requests
    from jobbatch_dagster.sources import REQUIRED_FIELDS, normalize_posting, normalize_whitespace

    assert requests.REQUIRED_FIELDS is REQUIRED_FIELDS
    posting = normalize_posting(
        {"title": "Cook", "description": text}, source_file="f", line=1, source="s"
    )
    prepared = requests.prepare_posting({"title": "Cook", "description": text}, 0, 10_000)
    # a posting read from a file and a raw job dict reach the engine with the same text
    assert prepared.posting["description"] == posting.description
    assert requests.normalise_text(posting.description) == posting.description
    assert normalize_whitespace(text, keep_newlines=True) == posting.description
