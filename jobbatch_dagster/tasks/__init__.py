"""The five task types the pipeline sends to the Batch API, and the registry to find them by name.

Each task is a :class:`Task`: an instructions template (the lead profile fills ``{profile}``), a
strict Structured Outputs schema, a pydantic result model of the same shape, and a prompt version.
Four read a posting; ``outreach`` reads a lead (the posting and its ``analyze`` answer).
"""

from __future__ import annotations

from jobbatch_dagster.tasks.analyze import ANALYZE, Analysis
from jobbatch_dagster.tasks.base import Task, TaskResultError
from jobbatch_dagster.tasks.extract_pain_points import EXTRACT_PAIN_POINTS, PainPoint, PainPoints
from jobbatch_dagster.tasks.outreach import OUTREACH, EmailDraft, Outreach, RoiEstimate
from jobbatch_dagster.tasks.parse import PARSE, ParsedJob
from jobbatch_dagster.tasks.profile import LeadProfile
from jobbatch_dagster.tasks.qualify import QUALIFY, Qualification

TASKS: dict[str, Task] = {
    task.name: task for task in (QUALIFY, ANALYZE, EXTRACT_PAIN_POINTS, PARSE, OUTREACH)
}
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def get_task(name: str) -> Task:
    """The task called ``name``; a ValueError listing the valid names otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(
            f"unknown task {name!r}; valid tasks are: {', '.join(TASK_NAMES)}"
        ) from None


__all__ = [
    "TASKS",
    "TASK_NAMES",
    "Analysis",
    "EmailDraft",
    "LeadProfile",
    "Outreach",
    "PainPoint",
    "PainPoints",
    "ParsedJob",
    "Qualification",
    "RoiEstimate",
    "Task",
    "TaskResultError",
    "get_task",
]
