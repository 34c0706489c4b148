"""Builders for Structured Outputs schemas, so every task schema is strict by construction.

OpenAI's strict mode accepts a subset of JSON Schema: every object must list all of its properties in
``required`` and set ``additionalProperties: false``; an optional value is a union with ``"null"``,
never a missing key. Building objects through :func:`strict_object` makes those rules impossible to
forget, and :func:`strict_violations` checks any schema against them (the tests walk every task's).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

# The three-step scale shared by confidence, urgency, severity and motivation.
Level = Literal["low", "medium", "high"]


def strict_object(
    properties: Mapping[str, Mapping[str, Any]], description: str = ""
) -> dict[str, Any]:
    """An object schema whose every property is required and which admits no other property."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: dict(value) for name, value in properties.items()},
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def text(description: str, *, nullable: bool = False, pattern: str | None = None) -> dict[str, Any]:
    """A string; a ``pattern`` (e.g. a date's) is enforced by strict mode and by pydantic alike."""
    schema: dict[str, Any] = {
        "type": ["string", "null"] if nullable else "string",
        "description": description,
    }
    if pattern is not None:
        schema["pattern"] = pattern
    return schema


def choice(values: Sequence[str], description: str, *, nullable: bool = False) -> dict[str, Any]:
    """A closed set of strings; a nullable choice also admits null."""
    if nullable:
        return {"type": ["string", "null"], "enum": [*values, None], "description": description}
    return {"type": "string", "enum": list(values), "description": description}


def number(
    description: str,
    *,
    integer: bool = False,
    nullable: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> dict[str, Any]:
    """A number (or integer); strict mode honours ``minimum`` and ``maximum``."""
    kind = "integer" if integer else "number"
    schema: dict[str, Any] = {
        "type": [kind, "null"] if nullable else kind,
        "description": description,
    }
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def boolean(description: str, *, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["boolean", "null"] if nullable else "boolean", "description": description}


def array_of(items: Mapping[str, Any], description: str) -> dict[str, Any]:
    return {"type": "array", "items": dict(items), "description": description}


def strict_violations(schema: Mapping[str, Any], path: str = "$") -> Iterator[str]:
    """Every place where ``schema`` breaks a strict-mode rule, as ``"<json path>: <rule>"``."""
    types = schema.get("type")
    type_set = set(types) if isinstance(types, list) else {types}
    if "object" in type_set:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            yield f"{path}: object without properties"
            properties = {}
        if schema.get("additionalProperties") is not False:
            yield f"{path}: additionalProperties must be false"
        if set(schema.get("required", ())) != set(properties):
            yield f"{path}: required must list every property"
        for name, child in properties.items():
            yield from strict_violations(child, f"{path}.{name}")
    if "array" in type_set:
        items = schema.get("items")
        if not isinstance(items, Mapping):
            yield f"{path}: array without items"
        else:
            yield from strict_violations(items, f"{path}[]")
    if types is None and "enum" not in schema and "anyOf" not in schema:
        yield f"{path}: no type"
    if "enum" in schema and None in schema["enum"] and "null" not in type_set:
        yield f"{path}: enum admits null but type does not"
    for option in schema.get("anyOf", ()):
        yield from strict_violations(option, f"{path}|")
