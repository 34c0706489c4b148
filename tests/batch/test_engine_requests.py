"""Request lines from job dicts: validation, truncation, fingerprints, custom ids."""

from __future__ import annotations

import json
import re

import pytest

from jobbatch_dagster.batch.custom_ids import MAX_CUSTOM_ID_CHARS, CustomIdAllocator
from jobbatch_dagster.batch.requests import (
    RequestEncoder,
    normalise_text,
    posting_fingerprint,
    prepare_posting,
    request_fingerprint,
)
from jobbatch_dagster.batch.shards import build_shards, read_manifest
from jobbatch_dagster.tasks import TASK_NAMES, LeadProfile, get_task
from jobbatch_dagster.tasks.tokens import estimate_body_prompt_tokens

JOB = {
    "id": 17,
    "title": "Data Entry Clerk",
    "description": "Type our  paper invoices into\r\nExcel every day.",
    "company": "Acme",
    "url": "https://example.org/17",
}
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@pytest.mark.parametrize("task_name", TASK_NAMES)
def test_each_line_is_exactly_the_tasks_body(tmp_path, task_name: str) -> None:
    task = get_task(task_name)
    built = build_shards(
        [JOB, {**JOB, "id": 18, "title": "Clerk <b>2</b>"}], task, "gpt-4o-mini", tmp_path
    )
    lines = built.shards[0].path.read_bytes().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    prepared = prepare_posting(JOB, 0, 12_000)
    assert first == {
        "custom_id": "job-17-data-entry-clerk",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": task.build_body(prepared.posting, "gpt-4o-mini", LeadProfile()),
    }
    assert json.loads(lines[1])["custom_id"] == "job-18-clerk-b-2-b"


def test_posting_is_normalised_and_id_and_url_stay_out_of_the_prompt() -> None:
    prepared = prepare_posting(JOB, 3, 12_000)
    assert prepared.posting == {
        "title": "Data Entry Clerk",
        "company": "Acme",
        "description": "Type our paper invoices into\nExcel every day.",
    }
    assert (prepared.index, prepared.job_id, prepared.url) == (3, "17", "https://example.org/17")
    assert normalise_text(" a\t\tb\n\n\n\n c ") == "a b\n\nc"


def test_fingerprint_ignores_identity_and_layout_but_not_content_task_or_model() -> None:
    qualify, profile = get_task("qualify"), LeadProfile()

    def fp(job: dict, task=qualify, model: str = "gpt-4o-mini") -> str:
        return posting_fingerprint(job, task, model, profile, 12_000)

    base = fp(JOB)
    assert fp({**JOB, "id": "other", "url": "https://elsewhere"}) == base
    assert fp({**JOB, "description": "Type our paper invoices into\nExcel every day.  "}) == base
    assert fp({**JOB, "description": "Type invoices."}) != base
    assert fp(JOB, task=get_task("analyze")) != base
    assert fp(JOB, model="gpt-4o") != base


def test_long_description_is_truncated_visibly_never_dropped(tmp_path) -> None:
    job = {"title": "Clerk", "description": "x" * 500}
    built = build_shards(
        [job], get_task("qualify"), "gpt-4o-mini", tmp_path, max_description_chars=100
    )
    assert built.request_count == 1 and built.truncated == 1
    line = built.shards[0].path.read_text()
    assert (
        "x" * 100 + "… [truncated by jobbatch: 100 of 500 characters kept]"
        in json.loads(line)["body"]["messages"][1]["content"]
    )
    assert "x" * 101 not in line
    assert next(read_manifest(built.shards[0].manifest_path)).truncated is True


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        ({"description": "no title"}, "missing or empty required field 'title'"),
        ({"title": "T", "description": "   "}, "missing or empty required field 'description'"),
        ({"title": 5, "description": "d"}, "field 'title' must be a string, got int"),
        (
            {"title": "T", "description": "d", "id": [1]},
            "field 'id' must be a string or an integer",
        ),
        ("just a string", "a job must be a JSON object (mapping), got str"),
        (None, "got NoneType"),
    ],
)
def test_invalid_jobs_are_rejected_with_index_and_reason(tmp_path, job, reason: str) -> None:
    built = build_shards(
        [JOB, job, {**JOB, "id": 99}], get_task("qualify"), "gpt-4o-mini", tmp_path
    )
    assert built.request_count == 2
    [rejection] = built.rejections
    assert rejection.index == 1
    assert reason in rejection.reason


def test_custom_ids_are_unique_safe_and_bounded_even_for_identical_and_hostile_input(
    tmp_path,
) -> None:
    hostile = [
        {"id": 1, "title": "Same title", "description": "a"},
        {"id": 1, "title": "Same title", "description": "b"},
        {"id": 1, "title": "Same title", "description": "c"},
        {"id": "../../etc/passwd", "title": "'; DROP TABLE jobs; --", "description": "d"},
        {"id": "x" * 300, "title": "é" * 300 + " 🚀 " + "Z" * 300, "description": "e"},
        {"title": "日本語のみ", "description": "f"},
        {"title": "日本語のみ", "description": "g"},
        {"id": 1, "title": "Same title 2", "description": "h"},
    ]
    built = build_shards(hostile, get_task("qualify"), "gpt-4o-mini", tmp_path)
    ids = [e.custom_id for e in read_manifest(built.shards[0].manifest_path)]
    assert len(ids) == len(set(ids)) == len(hostile)
    assert all(SAFE_ID.match(cid) for cid in ids), ids
    assert ids[:3] == ["job-1-same-title", "job-1-same-title-2", "job-1-same-title-3"]
    assert ids[7] == "job-1-same-title-2-2"  # a real title that looks like a suffix still differs
    assert (
        ids[5] == "job-5" and ids[6] == "job-6"
    )  # no id: the input position, like the guide's job-0


def test_allocator_stays_unique_and_fast_for_many_collisions() -> None:
    ids = CustomIdAllocator()
    allocated = [ids.allocate("7", "T" * 200) for _ in range(5_000)]
    assert len(set(allocated)) == 5_000
    assert max(map(len, allocated)) <= MAX_CUSTOM_ID_CHARS


def test_encoder_falls_back_to_full_encoding_when_a_body_varies_elsewhere() -> None:
    task = get_task("parse")
    encoder = RequestEncoder(task, "gpt-4o-mini", LeadProfile())
    posting = {"title": 'Quote " and \\ back\u2028slash', "description": "line\nbreak"}
    request = encoder.encode("job-1", posting)
    expected = task.build_body(posting, "gpt-4o-mini", LeadProfile())
    assert json.loads(request.line)["body"] == expected
    assert request.line.endswith(b"\n") and request.line.count(b"\n") == 1


@pytest.mark.parametrize("task_name", TASK_NAMES)
def test_a_spliced_line_is_byte_for_byte_the_compact_json_of_the_tasks_request(
    task_name: str,
) -> None:
    task, profile = get_task(task_name), LeadProfile()
    encoder = RequestEncoder(task, "gpt-4o-mini", profile)
    posting = {
        "title": 'Quote " back\\slash \u2028 \x1f é 😀 <b>hi</b>',
        "company": "Acme & Co",
        "description": "line\nbreak\ttab " * 50,
    }
    request = encoder.encode("job-1", posting)
    body = task.build_body(posting, "gpt-4o-mini", profile)
    whole = {"custom_id": "job-1", "method": "POST", "url": "/v1/chat/completions", "body": body}
    expected = json.dumps(whole, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert request.line == expected.encode()
    assert request.prompt_tokens == estimate_body_prompt_tokens(body)


def test_request_fingerprints_stay_what_earlier_versions_stored() -> None:
    # Stored fingerprints decide what is never paid for twice: the hash's input must not drift.
    posting = {"title": "Clerk é", "description": "Type\nthings"}
    assert request_fingerprint(get_task("qualify"), "abc123", "gpt-4o-mini", posting) == (
        "942ebdcb5f3906e237e28e169c22cb2eca7f69e48b3896ca3563940e7af1e858"
    )
