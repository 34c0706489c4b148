"""Output, progress and error handling for `jobbatch batch`: kept apart so the commands read as a list.

Human output goes to stdout, warnings and progress to stderr, so ``--json`` output stays parseable.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from jobbatch_dagster.cli.display import shown
from jobbatch_dagster.settings import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn the errors a user can cause into one clear line and exit status 1."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        import openai

        from jobbatch_dagster.batch.client import BatchWaitTimeout
        from jobbatch_dagster.batch.cost import BudgetExceededError
        from jobbatch_dagster.batch.harvest import ResultsNotReadyError
        from jobbatch_dagster.warehouse.connect import WarehouseError

        try:
            return command(*args, **kwargs)
        except openai.NotFoundError as exc:
            raise click.ClickException(f"not found at the provider: {exc.message}") from None
        except openai.APIConnectionError as exc:
            raise click.ClickException(
                f"cannot reach the provider ({exc}); is OPENAI_BASE_URL right?"
            ) from None
        except openai.APIStatusError as exc:
            raise click.ClickException(
                f"the provider refused ({exc.status_code}): {exc.message}"
            ) from None
        except openai.OpenAIError as exc:  # e.g. no key: the SDK's own message says which variable
            raise click.ClickException(str(exc)) from None
        except (
            BudgetExceededError,
            ResultsNotReadyError,
            BatchWaitTimeout,
            ConfigError,
            ValueError,
            WarehouseError,  # the DuckLake's catalog, extensions or writer lock
        ) as exc:
            raise click.ClickException(str(exc)) from None

    return run  # type: ignore[return-value]


def emit(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        human()


def read_jobs(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Job dicts and the rows that were refused (each named by file and line, warned on stderr)."""
    from jobbatch_dagster.sources.posting import Posting
    from jobbatch_dagster.sources.readers import read_file

    jobs, refused = [], []
    for row in read_file(path):
        if isinstance(row, Posting):
            jobs.append(row.to_job_dict())
            continue
        where = f"{path}:{row.line}" if row.line else str(path)
        refused.append({"file": str(path), "line": row.line, "reason": row.reason})
        click.echo(f"warning: {where}: {row.reason}", err=True)
    if not jobs:
        raise click.ClickException(
            f"{path}: no usable job postings ({len(refused)} refused, see above)"
        )
    return jobs, refused


def print_submission(result: dict[str, Any]) -> None:
    click.echo(result["message"])
    for batch_id, reused in zip(result["batch_ids"], result.get("reused", []), strict=False):
        click.echo(f"  {batch_id}" + ("  (already submitted: reused)" if reused else ""))
    if result.get("estimated_cost") is not None:
        click.echo(
            f"Estimated cost: ${result['estimated_cost']:.4f} (live API: ${result['estimated_live_cost']:.4f})"
        )
    if result["rejected"]:
        click.echo(f"Rejected jobs: {len(result['rejected'])}")
    if "results" in result:
        click.echo(f"Results: {result['successful']} succeeded, {result['failed']} failed")


def print_status(status: dict[str, Any]) -> None:
    counts = status["request_counts"]
    click.echo(
        f"{status['id']}: {status['status']}  {counts['completed']} completed, {counts['failed']} failed of {counts['total']} ({status['progress']:.0%})"
    )
    for error in status["errors"]:
        click.echo(
            f"  error {shown(error.get('code'))}: {shown(error.get('message'))}"
            + (f" (line {error['line']})" if error.get("line") else "")
        )


class ProgressDisplay:
    """A progress bar on a terminal; elsewhere (logs, pipes) one line per change, on stderr."""

    def __init__(self, batch_id: str) -> None:
        self.tty = sys.stderr.isatty()
        self.bar = (
            click.progressbar(length=100, label=batch_id, file=sys.stderr) if self.tty else None
        )
        self.done = 0
        self.last: tuple[str, int] | None = None

    def __enter__(self) -> ProgressDisplay:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def __call__(self, status: Any) -> None:
        percent = int(status.progress * 100)
        if self.bar is not None:
            self.bar.label = f"{status.id} {status.status}"
            self.bar.update(max(percent - self.done, 0))
            self.done = max(self.done, percent)
        elif (status.status, percent) != self.last:
            self.last = (status.status, percent)
            click.echo(
                f"{status.id}: {status.status} {status.completed + status.failed}/{status.total} ({percent}%)",
                err=True,
            )
