"""Which models the emulator serves: a dated list of batch-capable models, replaceable per server.

A batch whose input names another model fails in validation with ``model_not_found`` (as the service
does); a live call naming one gets the service's 404. The default list is ``batch_models.json``;
``jobbatch emulator serve --models FILE`` replaces it with a file of the same shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODELS_FILE = Path(__file__).with_name("batch_models.json")
# A pinned snapshot of a listed model, e.g. gpt-4o-2024-08-06 for gpt-4o.
_SNAPSHOT = re.compile(r"^(?P<base>.+)-\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ModelList:
    """The models one server accepts, and the date of the list."""

    as_of: str
    models: frozenset[str]

    @classmethod
    def load(cls, path: Path = DEFAULT_MODELS_FILE) -> ModelList:
        """Read a models file; a malformed one is refused with what to fix."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read the models list ({exc}).") from None
        models = data.get("models") if isinstance(data, dict) else None
        if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
            raise ValueError(
                f'{path}: expected {{"as_of": "YYYY-MM-DD", "models": ["gpt-4o-mini", ...]}}; '
                "fix the file and start the emulator again."
            )
        return cls(as_of=str(data.get("as_of", "undated")), models=frozenset(models))

    def accepts(self, model: str) -> bool:
        if model in self.models:
            return True
        snapshot = _SNAPSHOT.match(model)
        return snapshot is not None and snapshot["base"] in self.models
