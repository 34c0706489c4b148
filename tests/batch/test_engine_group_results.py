"""A line that judged several postings, read back one posting at a time: each posting's verdict,
a garbled or missing one failing that posting alone, the usage shared out exactly; and its
follow-up carrying only the postings still owed."""

from __future__ import annotations

import json
from pathlib import Path

from jobbatch_dagster.batch.followup import build_followup_shard
from jobbatch_dagster.batch.results import ResultFile, group_map
from jobbatch_dagster.batch.shards import build_shards
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.tasks.base import decode_postings

QUALIFY = get_task("qualify")
JOBS = [
    {"id": f"j{n}", "title": f"Clerk {n}", "description": f"Excel data entry, {n} orders a day"}
    for n in range(1, 8)
]


def output_line(custom_id: str, verdicts: list[dict], usage: tuple[int, int, int]) -> str:
    prompt, cached, completion = usage
    body = {
        "model": "gpt-4.1-nano",
        "choices": [
            {"message": {"role": "assistant", "content": json.dumps({"verdicts": verdicts})}}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }
    line = {"id": "r1", "custom_id": custom_id, "response": {"status_code": 200, "body": body}}
    return json.dumps(line) + "\n"


def verdict(key: str, score: int) -> dict:
    return {"id": key, "qualified": score >= 60, "score": score, "reason": "Excel re-typing"}


def test_each_posting_gets_its_verdict_and_a_bad_one_fails_that_posting_alone(
    tmp_path: Path,
) -> None:
    built = build_shards(JOBS, QUALIFY, "gpt-4.1-nano", tmp_path, postings_per_request=4)
    (shard,) = built.shards
    entries = list(shard.manifest())
    assert shard.request_count == 2 and len(entries) == 7  # lines of 4 and 3 postings
    groups = group_map((e.request_id, e.key, e.custom_id) for e in entries)
    first, second = groups
    output = tmp_path / "out.jsonl"
    output.write_text(
        output_line(first, [verdict("1", 80), verdict("2", 700), verdict("4", 20)], (1001, 0, 99))
        + output_line(second, [verdict("3", 65), verdict("2", 30), verdict("1", 90)], (700, 0, 60))
    )

    results = {r.custom_id: r for r in ResultFile(output, QUALIFY, groups)}

    owner = {(e.request_id, e.key): e.custom_id for e in entries}
    assert results[owner[first, "1"]].parsed == {
        "qualified": True, "score": 80, "confidence": None, "reasons": ["Excel re-typing"]
    }  # fmt: skip
    garbled = results[owner[first, "2"]]
    assert garbled.error.code == "schema_mismatch" and "'2' at score" in garbled.error.message
    missing = results[owner[first, "3"]]
    assert missing.error.code == "missing_verdict" and first in missing.error.message
    assert all(r.request_id in groups for r in results.values()) and len(results) == 7
    first_usage = [results[owner[first, k]].usage for k in "1234"]
    assert sum(u.prompt_tokens for u in first_usage) == 1001
    assert sum(u.completion_tokens for u in first_usage) == 99


def test_a_follow_up_rebuilds_the_line_with_only_the_postings_still_owed(tmp_path: Path) -> None:
    built = build_shards(JOBS, QUALIFY, "gpt-4.1-nano", tmp_path, postings_per_request=4)
    (shard,) = built.shards
    entries = list(shard.manifest())
    owed = [entries[1].custom_id, entries[2].custom_id]  # two postings of the first line
    followup = build_followup_shard(shard, owed, tmp_path / "again", attempt=2)

    (line,) = followup.path.read_text().splitlines()
    request = json.loads(line)
    postings = decode_postings(request["body"]["messages"][1]["content"])
    assert request["custom_id"] == entries[0].request_id
    assert [p["id"] for p in postings] == ["2", "3"]
    assert [p["title"] for p in postings] == ["Clerk 2", "Clerk 3"]
    assert [e.custom_id for e in followup.manifest()] == owed
    assert followup.request_count == 1


def test_a_whole_answer_that_is_unusable_fails_each_posting_of_its_line(tmp_path: Path) -> None:
    built = build_shards(JOBS[:4], QUALIFY, "gpt-4.1-nano", tmp_path, postings_per_request=2)
    (shard,) = built.shards
    entries = list(shard.manifest())
    groups = group_map((e.request_id, e.key, e.custom_id) for e in entries)
    first, second = groups
    output = tmp_path / "out.jsonl"
    lines = [output_line(first, [], (10, 0, 4)), output_line(second, [], (10, 0, 4))]
    # the first answer is not JSON at all, the second is JSON without the verdicts list
    broken = [json.loads(line) for line in lines]
    broken[0]["response"]["body"]["choices"][0]["message"]["content"] = '{"verdicts": [{"id"'
    broken[1]["response"]["body"]["choices"][0]["message"]["content"] = '{"answers": []}'
    output.write_text("".join(json.dumps(line) + "\n" for line in broken))

    codes = {r.custom_id: r.error.code for r in ResultFile(output, QUALIFY, groups)}

    assert codes == {
        **dict.fromkeys(groups[first].values(), "invalid_json_content"),
        **dict.fromkeys(groups[second].values(), "schema_mismatch"),
    }
