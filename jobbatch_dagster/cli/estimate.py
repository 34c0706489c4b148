"""``jobbatch estimate``: what a night will cost, per stage, batch against live, before it runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from jobbatch_dagster.cli.batch_output import read_jobs


def _usd(amount: float | None) -> str:
    """Four decimals always: a night's stages are fractions of a cent apart."""
    return "unknown" if amount is None else f"${amount:,.4f}"


def _day_jobs(incoming: Path, day: str) -> list[dict[str, object]]:
    from jobbatch_dagster.sources.day import read_day

    folder = incoming / day
    if not folder.is_dir():
        raise click.ClickException(
            f"{folder}: no scraper files for {day}; drop them there or pass a JOBS_FILE"
        )
    postings = read_day(incoming, day).postings
    if not postings:
        raise click.ClickException(f"{folder}: no usable job postings")
    return [p.to_job_dict() for p in postings]


@click.command()
@click.argument(
    "jobs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False
)
@click.option("--day", help="Estimate the scrape day in [paths] incoming (YYYY-MM-DD).")
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    help="Warehouse whose answers and measured sizes to use (default: [paths] warehouse).",
)
def estimate(jobs_file: Path | None, day: str | None, db: Path | None) -> None:
    """What the configured night would cost for JOBS_FILE or --day, per stage, before it runs.

    Postings the warehouse already answered are left out; answer sizes and lead shares come from
    what the warehouse measured, else from the tasks' typical answers and a 25% lead share.
    """
    from jobbatch_dagster.pipeline.forecast import forecast_night
    from jobbatch_dagster.settings import load_settings
    from jobbatch_dagster.warehouse import ensure_schema
    from jobbatch_dagster.warehouse.connect import Warehouse, open_warehouse

    if (jobs_file is None) == (day is None):
        raise click.UsageError("give either JOBS_FILE or --day YYYY-MM-DD")
    settings = load_settings()
    if day is not None:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(
                f"{day!r} is not a date YYYY-MM-DD", param_hint="--day"
            ) from None
        jobs = _day_jobs(settings.incoming_dir, day)
    else:
        jobs = read_jobs(jobs_file)[0]
    warehouse = Warehouse(db) if db else settings.warehouse
    scrape_day = date.fromisoformat(day) if day else None
    if warehouse.exists():
        with open_warehouse(warehouse) as con:
            ensure_schema(con)
            night = forecast_night(jobs, settings, con, scrape_day)
    else:
        night = forecast_night(jobs, settings, None, scrape_day)
    click.echo(
        f"{night.postings} postings, {night.fresh} to send "
        f"({night.postings - night.fresh} already answered or repeated)"
    )
    click.echo(
        f"{'stage':<20} {'model':<14} {'requests':>8} {'input':>10} {'cached':>8} {'output':>9} "
        f"{'batch':>9} {'live':>9}  answer size"
    )
    for stage in night.stages:
        cost = stage.cost
        click.echo(
            f"{stage.stage:<20} {stage.model:<14} {cost.requests:>8,} {cost.input_tokens:>10,} "
            f"{cost.cached_input_tokens:>8,} {cost.output_tokens:>9,} "
            f"{_usd(cost.batch_usd):>9} {_usd(cost.live_usd):>9}  "
            + ("measured here" if stage.measured else "typical")
        )
    click.echo(
        f"{'night':<20} {'':<14} {sum(s.cost.requests for s in night.stages):>8,} {'':>10} "
        f"{'':>8} {'':>9} {_usd(night.batch_usd):>9} {_usd(night.live_usd):>9}"
    )
