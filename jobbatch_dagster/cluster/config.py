"""Write a cluster configuration file: an existing jobbatch.toml with some tables replaced.

``make cluster-demo`` and the cluster tests keep the shipped stages, budgets and lead profile (so
their nights are the single-machine demo's nights) and set their own ``[paths]``, ``[instance]``
and the like. The TOML written is the small subset the configuration uses: tables of strings,
numbers, booleans and lists of them.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) as a TOML value")


def _key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted one (e.g. a model name with a dot)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _tables(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    if prefix and (scalars or not data):
        lines.append(f"\n[{prefix}]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines += _tables(value, f"{prefix}.{_key(key)}" if prefix else _key(key))
    return lines


def write_config(
    path: Path, base: Path | None, tables: Mapping[str, Mapping[str, Any]], header: str
) -> Path:
    """Write ``base``'s tables (none when None) with ``tables`` replacing theirs, to ``path``."""
    data = tomllib.loads(base.read_text(encoding="utf-8")) if base else {}
    data.update(tables)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(f"# {line}" for line in header.splitlines()) + "\n"
    path.write_text(text + "\n".join(_tables(data)).lstrip("\n") + "\n", encoding="utf-8")
    return path
