"""The quick read of an answer: a task's pydantic result model mirrored as msgspec structs.

Nearly every answer a batch returns is valid, and reading it is most of what reading an output
costs. msgspec decodes an answer straight into structs mirroring the result model (same fields, same
order, same bounds, no unknown field) and turns them into the same dict pydantic's validator and
serializer give, in about half their time. It is only ever narrower: whatever it does not accept
(anything it finds wrong, and anything pydantic's lax mode would still coerce, such as ``"5"`` or
``5.0`` for an integer) goes to pydantic, whose verdict and message stand. A model using anything
not mirrored exactly (any setting but ``extra``, defaults, aliases, validators, serializers,
patterns, length bounds, other unions) gets no quick read at all; tests hold both reads to the
same dict, or the same refusal, on odd answers.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import msgspec
from pydantic import BaseModel

_BOUNDS = {
    annotated_types.Ge: "ge",
    annotated_types.Le: "le",
    annotated_types.Gt: "gt",
    annotated_types.Lt: "lt",
}


_DECORATORS = (
    "validators",
    "field_validators",
    "root_validators",
    "model_validators",
    "field_serializers",
    "model_serializers",
    "computed_fields",
)


class Unmirrored(Exception):
    """The model uses something the quick read does not mirror exactly."""


def quick_decoder(model: type[BaseModel]) -> msgspec.json.Decoder[Any] | None:
    """A decoder of an answer's JSON into structs mirroring ``model`` (``msgspec.to_builtins``
    of them is the dict pydantic gives), raising ``msgspec.DecodeError`` (or
    ``UnicodeEncodeError``) where the answer needs pydantic's own read; None when the model
    cannot be mirrored exactly."""
    try:
        return msgspec.json.Decoder(_struct(model, {}))
    except Unmirrored:
        return None


def _struct(model: type[BaseModel], made: dict[type, Any]) -> Any:
    if model in made:
        return made[model]
    config = model.model_config
    # Any other setting (strict, str_strip_whitespace, ser_json_inf_nan...) changes the read.
    if set(config) - {"extra"} or config.get("extra", "ignore") not in ("ignore", "forbid"):
        raise Unmirrored(f"{model.__name__}: settings {dict(config)}")
    decorators = model.__pydantic_decorators__
    if any(getattr(decorators, kind) for kind in _DECORATORS):
        raise Unmirrored(f"{model.__name__}: validators, serializers or computed fields")
    fields = []
    for name, info in model.model_fields.items():
        renamed = {info.alias, info.validation_alias, info.serialization_alias} - {None, name}
        if not info.is_required() or renamed or info.exclude:
            raise Unmirrored(f"{model.__name__}.{name}: a default, an alias or left out")
        fields.append((name, _field_type(info.annotation, info.metadata, made)))
    struct = msgspec.defstruct(
        f"Quick{model.__name__}",
        fields,
        forbid_unknown_fields=config.get("extra") == "forbid",
        gc=False,  # plain data, never a cycle: the collector need not track every answer
    )
    made[model] = struct
    return struct


def _field_type(annotation: Any, metadata: list[Any], made: dict[type, Any]) -> Any:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) != 1 or len(get_args(annotation)) != 2:
            raise Unmirrored(f"{annotation}: a union other than one type or null")
        return _field_type(members[0], metadata, made) | None
    if origin is Annotated:
        inner, *more = get_args(annotation)
        return _field_type(inner, [*metadata, *more], made)
    bounds = _bounds(metadata)
    if annotation is bool or annotation is str:
        if bounds:
            raise Unmirrored(f"{annotation}: constraints")
        return annotation
    # msgspec refuses an overflowing number (1e400) where pydantic reads inf: left to pydantic.
    if annotation is int or annotation is float:
        return Annotated[annotation, msgspec.Meta(**bounds)] if bounds else annotation
    if origin is Literal:
        if not all(type(value) is str for value in get_args(annotation)) or bounds:
            raise Unmirrored(f"{annotation}: a literal of other than strings")
        return annotation
    if origin is list:
        (item,) = get_args(annotation)
        if bounds:
            raise Unmirrored(f"{annotation}: constraints")
        return list[_field_type(item, [], made)]  # type: ignore[misc]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not bounds:
        return _struct(annotation, made)
    raise Unmirrored(f"{annotation}: not mirrored")


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    bounds = {}
    for item in metadata:
        kind = _BOUNDS.get(type(item))
        if kind is None:
            raise Unmirrored(f"{item!r}: a constraint other than a numeric bound")
        bounds[kind] = getattr(item, kind)
    return bounds
