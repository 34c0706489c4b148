"""`jobbatch audit [--day D] [--stage S]`: the accounting identity, link by link.

Read-only: the warehouse is opened read-only and the provider is only listed and retrieved, so
it runs beside `dagster dev` and changes nothing. It exits 1 when any link is broken.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
import duckdb

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.cli.query import chosen_warehouse, db_option
from jobbatch_dagster.pipeline.audit import SHOWN_PROBLEMS, StageAudit, audit
from jobbatch_dagster.settings import load_settings
from jobbatch_dagster.warehouse.connect import WarehouseError, open_warehouse


def _day(_: click.Context, __: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value else None


@click.command(name="audit")
@click.option(
    "--day",
    type=click.DateTime(["%Y-%m-%d"]),
    callback=_day,
    help="Only this scrape day (YYYY-MM-DD).",
)
@click.option("--stage", help="Only this stage (qualify, analyze, ...).")
@db_option
def audit_command(day: date | None, stage: str | None, db_path: Path | None) -> None:
    """Check that the shard manifests, the ledger, the provider and the typed tables agree.

    \b
    Links, per stage and day:
      requests_accounted_for        every custom_id in a shard manifest has one ledger record
      provider_totals_match_ledger  each batch's total at the provider = requests sent in it
      output_lines_match_requests   every output and error line answers a request sent
      provider_batches_on_ledger    every provider batch with our metadata is in batches/costs
      answers_loaded                answered requests = the typed table's rows
    """
    settings = load_settings()
    warehouse = chosen_warehouse(db_path, settings)
    try:
        with open_warehouse(warehouse, read_only=True) as con:
            audits = audit(con, BatchClient(), settings, day=day, stage=stage)
    except duckdb.IOException as exc:
        raise click.ClickException(
            f"cannot open {warehouse} read-only: {exc}. A pipeline run may be writing it; try "
            "again when it ends."
        ) from exc
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc
    for found in audits:
        _report(found)
    broken = [f for f in audits if not f.passed]
    click.echo(
        f"\n{len(audits)} stage-days audited, {len(broken)} with a broken link"
        if audits
        else "nothing to audit: no requests, batches or shards for that day and stage"
    )
    if broken:
        raise SystemExit(1)


def _report(found: StageAudit) -> None:
    click.echo(f"{found.day} {found.stage}: {'ok' if found.passed else 'BROKEN'}")
    for link in found.links:
        click.echo(
            f"  {'ok    ' if link.passed else 'BROKEN'} {link.name} ({link.checked} compared"
            + (f", {len(link.problems)} problems)" if link.problems else ")")
        )
        for problem in link.problems[:SHOWN_PROBLEMS]:
            click.echo(f"      - {problem}")
        if len(link.problems) > SHOWN_PROBLEMS:
            click.echo(f"      ... and {len(link.problems) - SHOWN_PROBLEMS} more")
