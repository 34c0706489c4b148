"""`jobbatch warehouse to-lake`: move a single-machine warehouse (the DuckDB file) into the
DuckLake that ``[warehouse] catalog`` configures."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def warehouse() -> None:
    """The warehouse itself: moving it from one machine to DuckLake."""


@warehouse.command("to-lake")
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The DuckDB file to move (default: [paths] warehouse, or JOBBATCH_WAREHOUSE).",
)
def to_lake(source: Path | None) -> None:
    """Copy every table of the DuckDB file into the (empty) DuckLake of [warehouse].

    \b
    Example (jobbatch.toml has [warehouse] catalog = "postgres:host=... dbname=..."):
      PGPASSWORD=... jobbatch warehouse to-lake --from data/warehouse.duckdb
    """
    from jobbatch_dagster.settings import load_settings
    from jobbatch_dagster.warehouse.connect import WarehouseError
    from jobbatch_dagster.warehouse.move import LakeNotEmptyError, move_to_lake

    settings = load_settings()
    if settings.lake is None:
        raise click.ClickException(
            'no DuckLake configured: add [warehouse] catalog = "postgres:host=... dbname=..." '
            "(and data_path) to jobbatch.toml, then run this again"
        )
    path = source or settings.warehouse_path
    try:
        moved = move_to_lake(path, settings.lake)
    except (FileNotFoundError, LakeNotEmptyError, WarehouseError) as exc:
        raise click.ClickException(str(exc)) from exc
    for table in moved:
        click.echo(f"{table.table:<20} {table.rows:>9,} rows")
    click.echo(f"moved {path} into {settings.warehouse}")
