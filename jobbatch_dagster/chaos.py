"""A chaos rehearsal: the emulator's documented faults, played over the demo's nights.

A faults file (JSON, or TOML by its ``.toml`` suffix) lists what goes wrong on each night, in the
order the demo runs them::

    {"about": "why this storm",
     "nights": [{"note": "a 429 storm while the night submits",
                 "when": "submit",
                 "faults": {"http_errors": {"status": 429, "count": 4}}}]}

``faults`` is a body of the emulator's ``POST /_emulator/faults`` (keys in docs/emulator.md),
checked here against the emulator's own model. ``when`` is ``submit`` (the default: scheduled
before the night's nightly job, so one-shot batch faults hit its first batch) or ``harvest``
(scheduled after the nightly job, so bursts hit the sensor's polls and the harvest runs). Each
night starts from a clean schedule: the faults of the night before are reset.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import ValidationError

from jobbatch_dagster.emulator.faults import FaultPlan

PHASES = ("submit", "harvest")
NIGHT_KEYS = ("note", "when", "faults")


class FaultsFileError(ValueError):
    """A faults file that cannot be played."""


@dataclass(frozen=True)
class NightFaults:
    number: int  # 1-based, in the order the nights run
    note: str
    when: Literal["submit", "harvest"]
    plan: FaultPlan

    def describe(self) -> str:
        faults = json.dumps(self.plan.model_dump(mode="json", exclude_none=True), sort_keys=True)
        return f"{faults} at {self.when}" + (f" ({self.note})" if self.note else "")


def _night(file: Path, number: int, entry: Any) -> NightFaults:
    where = f"{file}: night {number}"
    if not isinstance(entry, dict):
        raise FaultsFileError(f"{where} must be a table/object with 'faults', got {entry!r}")
    unknown = sorted(set(entry) - set(NIGHT_KEYS))
    if unknown:
        raise FaultsFileError(f"{where}: unknown keys {unknown}; a night has {list(NIGHT_KEYS)}")
    when = entry.get("when", "submit")
    if when not in PHASES:
        raise FaultsFileError(f"{where}: when must be one of {list(PHASES)}, got {when!r}")
    try:
        plan = FaultPlan.model_validate(entry.get("faults", {}))
    except ValidationError as exc:
        raise FaultsFileError(
            f"{where}: not a fault the emulator knows (see docs/emulator.md, Fault injection):\n"
            f"{exc}"
        ) from None
    return NightFaults(number, str(entry.get("note", "")), when, plan)


def load_faults(path: Path) -> list[NightFaults]:
    """The nights of a faults file, validated; an error names the file and the night."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except FileNotFoundError:
        raise FaultsFileError(f"faults file {path} does not exist") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FaultsFileError(
            f"{path}: not valid {path.suffix.lstrip('.').upper()}: {exc}"
        ) from None
    unknown = sorted(set(data) - {"about", "nights"}) if isinstance(data, dict) else []
    if unknown:
        raise FaultsFileError(
            f"{path}: unknown keys {unknown}; a faults file has 'about', 'nights'"
        )
    nights = data.get("nights") if isinstance(data, dict) else None
    if not isinstance(nights, list):
        raise FaultsFileError(
            f"{path}: expected a list under 'nights' (see jobbatch_dagster/chaos.py)"
        )
    return [_night(path, n, entry) for n, entry in enumerate(nights, start=1)]


def admin_url_for(base_url: str) -> str:
    """The emulator's admin route beside an API base URL (``http://host:port/v1``)."""
    return base_url.rstrip("/").removesuffix("/v1") + "/_emulator"


@dataclass
class FaultPlayer:
    """Schedules each night's faults on an emulator, and remembers what it played."""

    admin_url: str
    nights: list[NightFaults]
    played: list[tuple[str, NightFaults]] = field(default_factory=list)  # (day, night)

    def _post(self, route: str, body: dict[str, Any]) -> None:
        try:
            httpx.post(f"{self.admin_url}/{route}", json=body, timeout=10).raise_for_status()
        except httpx.HTTPError as exc:
            raise FaultsFileError(
                f"cannot schedule faults at {self.admin_url} ({exc}); faults play only against "
                "the emulator: drop --faults, or point OPENAI_BASE_URL at a running emulator"
            ) from None

    def play(self, number: int, day: str, phase: str) -> NightFaults | None:
        """Schedule night ``number``'s faults if they are due at ``phase``; reset at night start."""
        if phase == "submit":
            self._post("reset", {})
        night = next((n for n in self.nights if n.number == number and n.when == phase), None)
        if night is not None:
            self._post("faults", night.plan.model_dump(mode="json", exclude_none=True))
            self.played.append((day, night))
        return night
