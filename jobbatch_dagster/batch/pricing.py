"""What each model costs per token, live and through the Batch API, from the dated ``pricing.json``.

Prices live in one data file, shipped inside the package, with the date they were read and where
from: a price is a fact that changes, so it is recorded, never computed. A dated snapshot name
("gpt-4o-mini-2024-07-18") costs what its base model costs unless the file lists the snapshot
itself; any other unknown model has no price (None), and callers report its cost as unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

TOKENS_PER_PRICE_UNIT = 1_000_000  # prices are USD per 1M tokens
_SNAPSHOT_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")


class PricingFileError(ValueError):
    """pricing.json is missing a field or holds a value that is not a price."""


@dataclass(frozen=True)
class Rates:
    """USD per 1M tokens for one way of running a model."""

    input: float
    cached_input: float
    output: float

    def cost(self, input_tokens: int, cached_tokens: int, output_tokens: int) -> float:
        """USD for a usage; ``input_tokens`` includes the cached ones, as OpenAI reports usage."""
        uncached = max(input_tokens - cached_tokens, 0)
        micro = (
            uncached * self.input + cached_tokens * self.cached_input + output_tokens * self.output
        )
        return micro / TOKENS_PER_PRICE_UNIT


@dataclass(frozen=True)
class ModelPrice:
    """A model's live and batch rates, with the date and source of the prices."""

    model: str
    live: Rates
    batch: Rates
    as_of: str
    source: str
    structured_outputs: bool = False  # accepts a strict json_schema response_format
    reasoning: bool = False  # bills hidden reasoning tokens as output; takes no temperature


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    source: str
    models: Mapping[str, ModelPrice]


def _rates(data: Any, where: str) -> Rates:
    try:
        values = {key: float(data[key]) for key in ("input", "cached_input", "output")}
    except (KeyError, TypeError, ValueError) as exc:
        raise PricingFileError(
            f"pricing.json: {where} needs numeric input, cached_input, output"
        ) from exc
    if any(value < 0 for value in values.values()):
        raise PricingFileError(f"pricing.json: {where} has a negative price")
    return Rates(**values)


def parse_price_table(data: Mapping[str, Any]) -> PriceTable:
    """Validate the pricing document's shape and turn it into a :class:`PriceTable`."""
    try:
        as_of, source, models = str(data["as_of"]), str(data["source"]), data["models"]
    except KeyError as exc:
        raise PricingFileError(f"pricing.json: missing top-level {exc.args[0]!r}") from exc
    return PriceTable(
        as_of=as_of,
        source=source,
        models={
            name: ModelPrice(
                model=name,
                live=_rates(entry.get("live"), f"models.{name}.live"),
                batch=_rates(entry.get("batch"), f"models.{name}.batch"),
                as_of=as_of,
                source=source,
                structured_outputs=entry.get("structured_outputs") is True,
                reasoning=entry.get("reasoning") is True,
            )
            for name, entry in models.items()
        },
    )


@lru_cache(maxsize=1)
def price_table() -> PriceTable:
    """The packaged price table (read once per process)."""
    text = resources.files("jobbatch_dagster.batch").joinpath("pricing.json").read_text("utf-8")
    return parse_price_table(json.loads(text))


def base_model(model: str) -> str:
    """``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``; names without a date suffix are unchanged."""
    return _SNAPSHOT_SUFFIX.sub("", model.strip())


def price_for(model: str, table: PriceTable | None = None) -> ModelPrice | None:
    """The model's prices: its own entry, else its base model's; None when neither is listed."""
    models = (table or price_table()).models
    name = model.strip()
    return models.get(name) or models.get(base_model(name))


def cheapest_structured_model(table: PriceTable | None = None) -> str:
    """The model a cheap filter defaults to: the lowest batch price (input, then output) among the
    models that support Structured Outputs and bill no hidden reasoning tokens (whose cost no
    estimate can bound, and which refuse ``temperature=0``)."""
    candidates = [
        price
        for price in (table or price_table()).models.values()
        if price.structured_outputs and not price.reasoning
    ]
    if not candidates:
        raise PricingFileError("pricing.json: no model is marked structured_outputs")
    cheapest = min(candidates, key=lambda p: (p.batch.input, p.batch.output, p.model))
    return cheapest.model
