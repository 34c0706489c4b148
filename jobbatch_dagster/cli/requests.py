"""`jobbatch requests retry`: a person's decision to send a day's dead letters and the requests a
cancel left waiting again. The pipeline never does this on its own: a dead letter failed for a
reason of its own, and a cancel was somebody's call."""

from __future__ import annotations

from datetime import date

import click

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.config_rules import ConfigError
from jobbatch_dagster.pipeline.day import Patience, retry_stage_day
from jobbatch_dagster.pipeline.leads import build_leads
from jobbatch_dagster.settings import load_settings
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import open_warehouse


@click.group()
def requests() -> None:
    """The request ledger: send again what the pipeline will not resend by itself."""


@requests.command()
@click.option("--stage", "stage_name", required=True, help="The stage, e.g. qualify.")
@click.option("--day", "day_text", required=True, help="The scrape day, YYYY-MM-DD.")
@click.option(
    "--poll-seconds", type=float, default=60.0, show_default=True, help="Batch status interval."
)
def retry(stage_name: str, day_text: str, poll_seconds: float) -> None:
    """Send a stage's dead-lettered and cancelled requests of a day again, as their next attempt,
    wait for the batch, then harvest it and rebuild the day's leads.

    \b
    Example:
      jobbatch requests retry --stage qualify --day 2026-11-18
    """
    settings = load_settings()
    try:
        stage = settings.stage(stage_name)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--stage") from exc
    try:
        day = date.fromisoformat(day_text)
    except ValueError as exc:
        raise click.BadParameter(
            f"{day_text!r} is not a day: use YYYY-MM-DD", param_hint="--day"
        ) from exc
    with open_warehouse(settings.warehouse) as con:
        ensure_schema(con)
        retried = retry_stage_day(
            con, BatchClient(), settings, stage, day, Patience(poll_seconds=poll_seconds)
        )
        build_leads(con, settings, day)
    created = ", ".join(r.batch_id for r in retried.submitted.created) or "none"
    click.echo(
        f"{stage.task} {day}: {retried.reopened} requests reopened; batches created: {created}; "
        f"answered {retried.harvested.states['answered']}, dead-lettered "
        f"{retried.harvested.states['dead_lettered']}, still pending {retried.harvested.to_send}"
    )
