"""A schema-valid answer for ANY JSON schema, for response formats the task rules do not know.

The answer is derived from the schema alone (first enum value, smallest allowed number, a string
that fits its length, format and pattern), deterministic, and chosen to stay valid under every
keyword Structured Outputs supports: objects, arrays, enums, const, numbers with bounds, strings
with format/pattern, nullable unions, anyOf/oneOf/allOf, and local $defs/$ref, recursion included.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from jobbatch_dagster.emulator.rules.regex_sample import sample_matching

PLACEHOLDER = "emulator"
_FORMAT_SAMPLES = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "emulator@example.com",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
}
# Past this depth of $ref recursion we take the shortest way out (null, empty array, no optional
# properties) so a recursive schema yields a finite answer.
_MAX_DEPTH = 6


def schema_answer(schema: Mapping[str, Any]) -> Any:
    """A value that validates against ``schema`` (a JSON Schema, e.g. a strict response_format)."""
    return _Generator(schema).value(schema, 0, 0)


class _Generator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref are supported, not {ref!r}")
        node: Any = self.root
        for part in ref.lstrip("#/").split("/") if ref != "#" else []:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def value(self, schema: Any, depth: int, variant: int) -> Any:
        if schema is True or schema == {}:
            return PLACEHOLDER
        if "$ref" in schema:
            merged = {
                **self.resolve(schema["$ref"]),
                **{k: v for k, v in schema.items() if k != "$ref"},
            }
            return self.value(merged, depth + 1, variant)
        if "allOf" in schema:
            return self.value(_merge_all_of(self, schema), depth, variant)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            options = [o for o in schema["enum"] if o is not None] or schema["enum"]
            return options[variant % len(options)]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.value(self._pick_branch(schema[key], depth), depth, variant)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            if not non_null or (depth > _MAX_DEPTH and "null" in kind):
                return None
            kind = non_null[0]
        if kind is None:
            kind = _infer_type(schema)
        return getattr(self, f"_{kind}")(schema, depth, variant)

    def _pick_branch(self, branches: list[Any], depth: int) -> Any:
        nulls = [b for b in branches if isinstance(b, Mapping) and b.get("type") == "null"]
        others = [b for b in branches if b not in nulls]
        if depth > _MAX_DEPTH and nulls:
            return nulls[0]
        return others[0] if others else nulls[0]

    def _object(self, schema: Mapping[str, Any], depth: int, variant: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        # Strict schemas require every property; for loose ones all properties are still valid,
        # except that deep in a recursion only the required ones are emitted.
        names = [n for n in properties if n in required or depth <= _MAX_DEPTH]
        answer = {name: self.value(properties[name], depth + 1, variant) for name in names}
        for name in required - answer.keys():
            answer[name] = PLACEHOLDER
        extra = schema.get("additionalProperties", True)
        index = 0
        while len(answer) < schema.get("minProperties", 0) and extra is not False:
            answer[f"extra_{index}"] = self.value(
                extra if isinstance(extra, Mapping) else {}, depth + 1, index
            )
            index += 1
        return answer

    def _array(self, schema: Mapping[str, Any], depth: int, variant: int) -> list[Any]:
        prefix = schema.get("prefixItems", [])
        items = schema.get("items", {})
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", math.inf)
        count = max(low, len(prefix), 0 if depth > _MAX_DEPTH else 1)
        count = int(min(count, high))
        answer = [
            self.value(prefix[i] if i < len(prefix) else items, depth + 1, variant + i)
            for i in range(count)
        ]
        if schema.get("uniqueItems"):
            unique: list[Any] = []
            for item in answer:
                if item not in unique:
                    unique.append(item)
            if len(unique) >= low:
                answer = unique
        return answer

    def _string(self, schema: Mapping[str, Any], depth: int, variant: int) -> str:
        base = _FORMAT_SAMPLES.get(schema.get("format", ""), PLACEHOLDER)
        if "pattern" in schema:
            pattern = schema["pattern"]
            base = base if re.search(pattern, base) else sample_matching(pattern, variant)
        elif variant and base == PLACEHOLDER:
            base = f"{PLACEHOLDER}-{variant}"
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if len(base) < low:
            base = base + "x" * (low - len(base))
        if high is not None and len(base) > high:
            base = base[:high]
        return base

    def _integer(self, schema: Mapping[str, Any], depth: int, variant: int) -> int:
        return int(self._number(schema, depth, variant, integer=True))

    def _number(
        self, schema: Mapping[str, Any], depth: int, variant: int, integer: bool = False
    ) -> float:
        """The value nearest 0 inside the bounds (on the multipleOf grid when there is one)."""
        low, high = schema.get("minimum", -math.inf), schema.get("maximum", math.inf)
        low_open = "exclusiveMinimum" in schema and schema["exclusiveMinimum"] >= low
        high_open = "exclusiveMaximum" in schema and schema["exclusiveMaximum"] <= high
        low = schema["exclusiveMinimum"] if low_open else low
        high = schema["exclusiveMaximum"] if high_open else high
        step = schema.get("multipleOf", 1 if integer else None)
        if step is None:
            value = min(max(0.0, low), high)
            if (low_open and value <= low) or (high_open and value >= high):
                value = (
                    (low + high) / 2
                    if math.isfinite(low) and math.isfinite(high)
                    else (low + 1 if math.isfinite(low) else high - 1)
                )
            return int(value) if float(value).is_integer() else value
        value = math.ceil(min(max(0, low), high) / step) * step
        if low_open and value <= low:
            value += step
        if value > high or (high_open and value >= high):
            value = math.floor(high / step) * step
            if high_open and value >= high:
                value -= step
        return int(value) if integer or float(value).is_integer() else value

    def _boolean(self, schema: Mapping[str, Any], depth: int, variant: int) -> bool:
        return variant % 2 == 1

    def _null(self, schema: Mapping[str, Any], depth: int, variant: int) -> None:
        return None


def _infer_type(schema: Mapping[str, Any]) -> str:
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} & schema.keys():
        return "number"
    return "string"


def _merge_all_of(generator: _Generator, schema: Mapping[str, Any]) -> dict[str, Any]:
    """allOf as one schema: properties and required united, other keywords last one wins."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        if "$ref" in part:
            part = generator.resolve(part["$ref"])
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged[key] = value
    return merged
