"""A configuration file is checked as it is read: a typo, a value out of range or a broken stage
plan stops everything before it runs, with an error that names the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobbatch_dagster.contract import BATCH_QUEUE_LIMITS, MAX_REQUESTS_PER_BATCH
from jobbatch_dagster.settings import ConfigError, RetrySettings, load_settings

REPO = Path(__file__).resolve().parents[2]
STAGES = '[stages.qualify]\nmodel = "gpt-4o-mini"\n'


def load(tmp_path: Path, text: str):
    config = tmp_path / "jobbatch.toml"
    config.write_text(text)
    return load_settings(config)


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    message = str(info.value)
    assert str(tmp_path / "jobbatch.toml") in message
    return message


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "[budget]\nmax_usd_per_submision = 5\n",
            ["max_usd_per_submision", "max_usd_per_submission"],
        ),
        ("[budgets]\nmax_usd_per_submission = 5\n", ["[budgets]", "'budget'"]),
        (STAGES + "treshold = 60\n", ["[stages.qualify]", "'treshold'", "'threshold'"]),
        ("[limits]\nmax_rejection = 0.3\n", ["'max_rejection'", "'max_rejection_rate'"]),
        ("[retries]\nmax_attempt = 2\n", ["[retries]", "'max_attempts'"]),
        ("[quota]\nusage_teir = 2\n", ["[quota]", "'usage_tier'"]),
        ("[lead_profile]\nfit_signal = ['excel']\n", ["[lead_profile]", "'fit_signals'"]),
        ("[paths]\nincomming = 'x'\n", ["[paths]", "'incoming'"]),
    ],
)
def test_a_typo_is_an_error_naming_the_key_and_the_nearest_valid_name(
    tmp_path: Path, text: str, names: list[str]
) -> None:
    message = error(tmp_path, text)
    for name in names:
        assert name in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STAGES + "threshold = -5\n", "threshold must be between 0 and 100, got -5"),
        (STAGES + "threshold = 101\n", "threshold must be between 0 and 100"),
        ("[budget]\nmax_usd_per_submission = -1\n", "max_usd_per_submission must be >= 0"),
        ("[budget]\nmax_usd_live_per_day = -0.5\n", "max_usd_live_per_day must be >= 0"),
        ("[limits]\nmax_rejection_rate = 1.5\n", "max_rejection_rate must be between 0 and 1"),
        ("[limits]\nmax_requests_per_batch = 0\n", "max_requests_per_batch must be between 1 and"),
        (
            f"[limits]\nmax_requests_per_batch = {MAX_REQUESTS_PER_BATCH + 1}\n",
            f"between 1 and {MAX_REQUESTS_PER_BATCH}",
        ),
        ("[limits]\nmax_bytes_per_batch = 209715201\n", "max_bytes_per_batch must be between"),
        ("[limits]\nmax_description_chars = 0\n", "max_description_chars must be >= 1"),
        (
            "[stages.qualify]\nmodel = 'gpt-4.1-nano'\ndescription_chars = -5\n",
            "description_chars must be >= 0",
        ),
        (
            "[stages.qualify]\nmodel = 'gpt-4.1-nano'\npostings_per_request = 101\n",
            "postings_per_request must be between 1 and 100",
        ),
        (
            STAGES + '[stages.analyze]\nmodel = "m"\nafter = "qualify"\npostings_per_request = 5\n',
            "postings_per_request = 5, but analyze answers one posting per request; only "
            "[stages.qualify] takes it",
        ),
        ("[retries]\nmax_attempts = 0\n", "max_attempts must be between 1 and 10"),
        ("[retries]\nbackoff_seconds = -1\n", "backoff_seconds must be between 0 and 3600"),
        ("[quota]\nusage_tier = 6\n", "usage_tier must be one of 1, 2, 3, 4, 5"),
        (
            "[quota.enqueued_tokens]\ngpt-4o-mini = 0\n",
            "[quota.enqueued_tokens]: gpt-4o-mini must be >= 1",
        ),
        ("[schedule]\ntimezone = 'Mars/Olympus'\n", "not an IANA time zone"),
        ("[schedule]\nfirst_partition = '2026-13-01'\n", "must be a date YYYY-MM-DD"),
        ("[schedule]\ncron = '0 2 * *'\n", "5-field cron string"),
        ("budget = 5\n", "[budget] must be a table"),
        ("[lead_profile]\naverage_deal_value_usd = -1\n", "average_deal_value_usd must be >= 0"),
        ("[lead_profile]\nfit_signals = [1, 2]\n", "fit_signals must be a list of strings"),
        ("[paths]\nwarehouse = ''\n", "warehouse is empty"),
    ],
)
def test_values_out_of_range_are_errors(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[stages.qualify]\nthreshold = 60\n", "[stages.qualify]: model is missing"),
        ('[stages.qualfy]\nmodel = "m"\n', "no task is called 'qualfy'; did you mean 'qualify'?"),
        (
            STAGES + '[stages.analyze]\nmodel = "m"\nafter = "qualfy"\n',
            "[stages.analyze]: after = 'qualfy' names no stage; did you mean 'qualify'?",
        ),
        (
            '[stages.qualify]\nmodel = "m"\nafter = "parse"\n[stages.parse]\nmodel = "m"\n'
            'after = "qualify"\n',
            "form a cycle: qualify -> parse -> qualify",
        ),
        ('[stages.qualify]\nmodel = "m"\nafter = "qualify"\n', "cycle: qualify -> qualify"),
        (
            STAGES + '[stages.parse]\nmodel = "m"\nafter = "qualify"\n[stages.analyze]\n'
            'model = "m"\nafter = "parse"\n',
            "parse answers have no score to compare with a threshold; name one of: qualify",
        ),
    ],
)
def test_a_broken_stage_plan_is_an_error_before_anything_runs(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in error(tmp_path, text)


def test_a_zero_budget_means_no_limit_as_the_shipped_file_says(tmp_path: Path) -> None:
    settings = load(tmp_path, "[budget]\nmax_usd_per_submission = 0\nmax_usd_live_per_day = 2.5\n")
    assert settings.max_usd_per_submission is None
    assert settings.max_usd_live_per_day == 2.5


def test_a_zero_description_cut_sends_the_whole_description(tmp_path: Path) -> None:
    settings = load(tmp_path, "[stages.qualify]\nmodel = 'gpt-4.1-nano'\ndescription_chars = 0\n")
    assert settings.stage("qualify").description_chars is None


def test_qualify_judges_25_postings_per_request_unless_told_otherwise(tmp_path: Path) -> None:
    assert (
        load(tmp_path, "[stages.qualify]\nmodel = 'm'\n").stage("qualify").postings_per_request
        == 25
    )
    one = load(tmp_path, "[stages.qualify]\nmodel = 'm'\npostings_per_request = 1\n")
    assert one.stage("qualify").postings_per_request == 1
    assert load(tmp_path, "").stage("analyze").postings_per_request == 1


def test_retries_default_to_three_attempts_with_exponential_backoff(tmp_path: Path) -> None:
    assert load(tmp_path, "").retries == RetrySettings(max_attempts=3, backoff_seconds=30.0)
    retries = load(tmp_path, "[retries]\nmax_attempts = 5\nbackoff_seconds = 2\n").retries
    assert retries.max_attempts == 5
    assert [retries.delay_before_retry(n) for n in (1, 2, 3)] == [2.0, 6.0, 14.0]


def test_quota_comes_from_the_usage_tier_unless_set_per_model(tmp_path: Path) -> None:
    default = load(tmp_path, "")
    assert default.usage_tier == 1
    assert default.enqueued_token_limit("gpt-4o-mini") == BATCH_QUEUE_LIMITS["gpt-4o-mini"][1]
    assert default.enqueued_token_limit("a-model-nobody-published") is None
    tier3 = load(
        tmp_path, '[quota]\nusage_tier = 3\n[quota.enqueued_tokens]\n"gpt-4.1-mini" = 123456\n'
    )
    assert tier3.enqueued_token_limit("gpt-4o-mini") == 40_000_000
    assert tier3.enqueued_token_limit("gpt-4.1-mini") == 123_456


def test_the_shipped_file_sets_every_documented_section(tmp_path: Path) -> None:
    settings = load_settings(REPO / "jobbatch.toml")
    assert settings.retries.max_attempts == 3
    assert settings.usage_tier == 1
    assert settings.max_usd_live_per_day is not None
