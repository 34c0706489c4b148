"""`jobbatch batch ...`: the original dashboard's operations, as commands over the same engine.

Each command is a thin shell over :class:`~jobbatch_dagster.batch.processor.BatchProcessor`: it
prints a short human summary, or with ``--json`` the verb's own dict. The SDK reads
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` (point them at ``jobbatch emulator serve`` to stay offline).
Errors a user can meet (bad file, unknown batch, no key, over budget) exit 1 with a message, never a
traceback. Jobs files go through the scraper readers in ``sources/`` (JSON, JSONL or CSV), so a
bad row is named by file and line and the other rows still go.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from jobbatch_dagster.cli.batch_output import (
    ProgressDisplay,
    emit,
    print_status,
    print_submission,
    read_jobs,
    user_errors,
)
from jobbatch_dagster.cli.display import shown
from jobbatch_dagster.settings import DEFAULT_MODEL, load_settings
from jobbatch_dagster.tasks import TASK_NAMES

json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


def _processor() -> Any:
    from jobbatch_dagster.batch.processor import BatchProcessor

    return BatchProcessor(settings=load_settings())


def _submit(
    jobs_file: Path,
    task: str,
    model: str | None,
    description: str | None,
    wait: bool,
    interval: float,
) -> dict[str, Any]:
    jobs, refused = read_jobs(jobs_file)
    agent = _processor()
    model = model or next((s.model for s in agent.settings.stages if s.task == task), DEFAULT_MODEL)
    result = agent.process_jobs_batch(
        jobs, task, wait, model, description=description, check_interval=interval
    )
    result["refused_rows"] = refused
    return result


@click.group()
def batch() -> None:
    """Create, watch and read Batch API jobs for scraped postings (the guide's operations)."""


task_option = click.option(
    "--task", type=click.Choice(TASK_NAMES), default="qualify", show_default=True
)
model_option = click.option(
    "--model", default=None, help="Default: the stage's model in jobbatch.toml."
)
jobs_argument = click.argument(
    "jobs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@batch.command()
@jobs_argument
@task_option
@model_option
@click.option("--description", default=None, help="Stored in the batch metadata.")
@json_option
@user_errors
def create(
    jobs_file: Path, task: str, model: str | None, description: str | None, as_json: bool
) -> None:
    """Build the input file(s) for JOBS_FILE, upload and create the batch(es); do not wait."""
    result = _submit(jobs_file, task, model, description, wait=False, interval=60)
    emit(as_json, result, lambda: print_submission(result))


@batch.command()
@jobs_argument
@task_option
@model_option
@click.option("--description", default=None)
@click.option(
    "--wait/--no-wait", default=False, show_default=True, help="Wait and read the results."
)
@click.option(
    "--interval", type=float, default=60, show_default=True, help="Seconds between checks."
)
@json_option
@user_errors
def process(
    jobs_file: Path,
    task: str,
    model: str | None,
    description: str | None,
    wait: bool,
    interval: float,
    as_json: bool,
) -> None:
    """All in one: build, submit (sharding as needed) and optionally wait for the results."""
    result = _submit(jobs_file, task, model, description, wait=wait, interval=interval)
    emit(as_json, result, lambda: print_submission(result))


@batch.command()
@click.argument("batch_id")
@json_option
@user_errors
def status(batch_id: str, as_json: bool) -> None:
    """Status and request counts of BATCH_ID."""
    current = _processor().check_batch_status(batch_id)
    emit(as_json, current, lambda: print_status(current))


@batch.command()
@click.argument("batch_id")
@click.option(
    "--interval", type=float, default=60, show_default=True, help="Seconds between checks."
)
@click.option(
    "--timeout",
    type=float,
    default=86_400,
    show_default=True,
    help="Give up after this many seconds.",
)
@json_option
@user_errors
def wait(batch_id: str, interval: float, timeout: float, as_json: bool) -> None:
    """Wait until BATCH_ID is completed, failed, expired or cancelled, showing progress."""
    agent = _processor()
    with ProgressDisplay(batch_id) as show:
        final = agent.client.wait(batch_id, interval=interval, timeout=timeout, on_progress=show)
    from jobbatch_dagster.batch.verb_shapes import status_dict

    current = status_dict(final)
    emit(as_json, current, lambda: print_status(current))


@batch.command()
@click.argument("batch_id")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the files.",
)
@json_option
@user_errors
def results(batch_id: str, out: Path | None, as_json: bool) -> None:
    """Download and parse the results of BATCH_ID (failed requests included)."""
    agent = _processor()
    path = agent.download_results(batch_id, out)
    parsed = agent.parse_results(path)
    ok = sum(1 for r in parsed if r["success"])
    data = {
        "success": True,
        "batch_id": batch_id,
        "results_file": path,
        "total": len(parsed),
        "successful": ok,
        "failed": len(parsed) - ok,
        "results": parsed,
    }

    def human() -> None:
        click.echo(
            f"{batch_id}: {len(parsed)} results, {ok} succeeded, {len(parsed) - ok} failed -> {path}"
        )
        for result in parsed[:10]:
            detail = (
                json.dumps(result["parsed"])[:100]
                if result["success"]
                else f"{result['error']['code']}: {result['error']['message']}"
            )
            click.echo(f"  {shown(result['custom_id'])}: {detail}")

    emit(as_json, data, human)


@batch.command()
@click.argument("batch_id")
@json_option
@user_errors
def cancel(batch_id: str, as_json: bool) -> None:
    """Ask the provider to cancel BATCH_ID (finished requests are kept, and charged)."""
    outcome = _processor().cancel_batch(batch_id)
    if not outcome["success"]:
        if as_json:
            emit(as_json, outcome, lambda: None)
        raise click.ClickException(
            f"{batch_id} cannot be cancelled: it has already finished ({outcome['status']}). "
            f"The provider says: {outcome['error']}"
        )
    emit(as_json, outcome, lambda: click.echo(f"{batch_id}: {outcome['status']}"))


@batch.command("list")
@click.option("--limit", type=click.IntRange(1, None), default=20, show_default=True)
@json_option
@user_errors
def list_(limit: int, as_json: bool) -> None:
    """The newest batches, newest first."""
    batches = _processor().list_batches(limit=limit)

    def human() -> None:
        for item in batches:
            counts = item["request_counts"]
            click.echo(
                f"{item['id']}  {item['status']:<11} {counts['completed']}/{counts['total']}  {shown(item.get('task'))}  {shown(item.get('description'))}"
            )

    emit(as_json, {"success": True, "batches": batches, "count": len(batches)}, human)
