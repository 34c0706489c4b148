"""The packaged price table: lookups, snapshots, unknown models, and the file's own shape."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from jobbatch_dagster.batch.pricing import (
    PricingFileError,
    Rates,
    base_model,
    cheapest_structured_model,
    parse_price_table,
    price_for,
    price_table,
)

PRICED_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini")


def test_pricing_file_is_packaged_dated_and_sourced() -> None:
    raw = json.loads(resources.files("jobbatch_dagster.batch").joinpath("pricing.json").read_text())
    assert raw["as_of"] == "2026-11-25"
    assert raw["source"].startswith("https://developers.openai.com/")
    assert raw["currency"] == "USD" and raw["unit"] == "per 1M tokens"
    assert price_table().as_of == raw["as_of"]


@pytest.mark.parametrize("model", PRICED_MODELS)
def test_batch_is_half_of_live(model: str) -> None:
    price = price_for(model)
    assert price is not None
    for field in ("input", "cached_input", "output"):
        assert getattr(price.batch, field) == pytest.approx(getattr(price.live, field) / 2)
    assert price.live.cached_input <= price.live.input < price.live.output


def test_gpt_4o_mini_prices() -> None:
    price = price_for("gpt-4o-mini")
    assert price is not None
    assert price.live == Rates(input=0.15, cached_input=0.075, output=0.60)
    assert price.batch == Rates(input=0.075, cached_input=0.0375, output=0.30)
    assert price.as_of == "2026-11-25"


@pytest.mark.parametrize(
    ("snapshot", "base"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        (" gpt-5-mini-2025-08-07 ", "gpt-5-mini"),
    ],
)
def test_dated_snapshots_cost_what_their_base_model_costs(snapshot: str, base: str) -> None:
    assert base_model(snapshot) == base
    assert price_for(snapshot) == price_for(base)


def test_a_listed_snapshot_keeps_its_own_price() -> None:
    first = price_for("gpt-4o-2024-05-13")
    assert first is not None and first.live.input == 5.0
    assert first != price_for("gpt-4o")


@pytest.mark.parametrize(
    "model", ["gpt-7-ultra", "ft:gpt-4o-mini-2024-07-18:acme::abc", "", "GPT-4O-MINI"]
)
def test_unknown_models_have_no_price(model: str) -> None:
    assert price_for(model) is None


def test_rates_charge_cached_tokens_at_the_cached_price() -> None:
    rates = Rates(input=2.0, cached_input=0.5, output=8.0)
    # 1M input of which 400k cached, 100k output: 600k x 2 + 400k x 0.5 + 100k x 8 per 1M
    assert rates.cost(1_000_000, 400_000, 100_000) == pytest.approx(1.2 + 0.2 + 0.8)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"source": "x", "models": {}}, "missing top-level 'as_of'"),
        (
            {"as_of": "d", "source": "x", "models": {"m": {"live": {"input": 1}}}},
            "models.m.live needs numeric input, cached_input, output",
        ),
        (
            {
                "as_of": "d",
                "source": "x",
                "models": {
                    "m": {
                        "live": {"input": 1, "cached_input": 1, "output": 1},
                        "batch": {"input": -1, "cached_input": 1, "output": 1},
                    }
                },
            },
            "models.m.batch has a negative price",
        ),
    ],
)
def test_a_broken_pricing_file_says_where(document: dict, message: str) -> None:
    with pytest.raises(PricingFileError, match=message):
        parse_price_table(document)


def _entry(price: float, **flags: bool) -> dict[str, object]:
    rates = {"input": price, "cached_input": price / 2, "output": price * 4}
    return {"live": rates, "batch": rates, **flags}


def test_the_cheap_filter_model_is_the_cheapest_with_structured_outputs_and_no_reasoning() -> None:
    assert cheapest_structured_model() == "gpt-4.1-nano"
    table = parse_price_table(
        {
            "as_of": "2026-01-01",
            "source": "test",
            "models": {
                "old": _entry(0.01),  # cheapest, but no Structured Outputs
                "thinker": _entry(0.02, structured_outputs=True, reasoning=True),
                "small": _entry(0.05, structured_outputs=True),
                "big": _entry(1.0, structured_outputs=True),
            },
        }
    )
    assert cheapest_structured_model(table) == "small"
    with pytest.raises(PricingFileError, match="no model is marked structured_outputs"):
        cheapest_structured_model(parse_price_table({"as_of": "x", "source": "y", "models": {}}))


def test_the_price_file_marks_what_each_model_supports() -> None:
    table = price_table()
    assert table.models["gpt-4o-2024-05-13"].structured_outputs is False
    assert {m for m, p in table.models.items() if p.reasoning} == {
        "gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini"
    }  # fmt: skip
