"""The code location Dagster loads (workspace.yaml, ``dagster dev``): the project's definitions."""

from jobbatch_dagster.defs import build_defs

defs = build_defs()
