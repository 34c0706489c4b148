"""`jobbatch day run`: one scrape day through the pipeline layer, without Dagster.

The same step functions the assets call (``pipeline.ingest_day``, then every stage's build, submit,
harvest and load, then the leads), run back to back in this process, waiting on the provider between
submit and harvest. For a script, a cron job, or a shop that does not run Dagster; re-running a day
pays for nothing already answered, exactly as a Dagster re-run does. Like the nightly schedule's
run, it also sends again what a person's cancel left waiting on earlier days, then settles them.
"""

from __future__ import annotations

from datetime import date

import click

from jobbatch_dagster.cli.batch_output import user_errors


@click.group()
def day() -> None:
    """Run a whole scrape day through the pipeline, without Dagster."""


@day.command("run")
@click.option(
    "--day",
    "day_text",
    required=True,
    help="The scrape day YYYY-MM-DD: files in <incoming>/<day>/ are read.",
)
@click.option(
    "--poll", default=60.0, show_default=True, help="Seconds between status polls of a batch."
)
@click.option(
    "--timeout",
    default=86_400.0,
    show_default=True,
    help="Seconds to wait for a batch to finish (the provider's window is 24 h).",
)
@user_errors
def run(day_text: str, poll: float, timeout: float) -> None:
    """Ingest DAY, then every configured stage in order, then the day's leads; earlier days'
    requests a person's cancel left waiting are sent again with it, as the nightly schedule does."""
    from jobbatch_dagster.batch.client import BatchClient
    from jobbatch_dagster.pipeline.day import Patience, run_day
    from jobbatch_dagster.pipeline.ingest import ingest_day
    from jobbatch_dagster.settings import load_settings
    from jobbatch_dagster.warehouse import ensure_schema
    from jobbatch_dagster.warehouse.connect import open_warehouse

    try:
        scrape_day = date.fromisoformat(day_text)
    except ValueError:
        raise click.BadParameter(
            f"{day_text!r} is not a date YYYY-MM-DD", param_hint="--day"
        ) from None
    settings = load_settings()
    with open_warehouse(settings.warehouse) as con:
        ensure_schema(con)
        ingested = ingest_day(settings, con, scrape_day)
        click.echo(
            f"{scrape_day}: {ingested.load.postings} postings "
            f"({ingested.load.new_postings} new), {ingested.load.rejections} rejected"
        )
        ran = run_day(con, BatchClient(), settings, scrape_day, Patience(poll, timeout))
    for name, stage in ran.stages.items():
        states = ", ".join(f"{n} {state}" for state, n in stage.harvested.states.items())
        click.echo(
            f"{name}: {len(stage.submitted.created)} batch(es) created, "
            f"{stage.built.build.request_count} request(s) built; {states}"
        )
    if ran.leads is not None:
        click.echo(
            f"leads: {ran.leads.qualified_sightings} posting(s) at or above "
            f"{ran.leads.threshold} (warehouse {settings.warehouse})"
        )
    for earlier, resumed in ran.resumed.items():
        sent = [name for name, s in ran.stages.items() if earlier in s.submitted.resumed]
        answered = sum(s.harvested.states["answered"] for s in resumed.stages.values())
        click.echo(
            f"{earlier}: requests a person's cancel left waiting sent again "
            f"({', '.join(sent)}); {answered} answered"
        )
