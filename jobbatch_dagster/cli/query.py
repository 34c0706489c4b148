"""`jobbatch query "SQL"`: open the warehouse read-only and print the result.

Read-only on purpose: a query can never change the tables the pipeline owns. On a DuckDB file it
runs beside `dagster dev` as long as no run is writing at that moment (DuckDB allows one writing
process); on a DuckLake it reads the last committed snapshot while runs write.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import duckdb
import pandas as pd

from jobbatch_dagster.cli.display import shown
from jobbatch_dagster.settings import Settings, load_settings
from jobbatch_dagster.warehouse.connect import Warehouse, WarehouseError, open_warehouse

FORMATS = ("table", "csv", "json")


def chosen_warehouse(db_path: Path | None, settings: Settings | None = None) -> Warehouse:
    """The DuckDB file ``--db`` names, else the configured warehouse; a ClickException when there
    is nothing to read yet."""
    warehouse = Warehouse(db_path) if db_path else (settings or load_settings()).warehouse
    if not warehouse.exists():
        raise click.ClickException(
            f"no warehouse at {warehouse}: run `make demo` (or the pipeline) first, "
            "or point --db / JOBBATCH_WAREHOUSE at your DuckDB file"
        )
    return warehouse


# The warehouse option of every command that reads it.
db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB file (default: the configured warehouse: [warehouse] catalog, a DuckLake, "
    "else [paths] warehouse or JOBBATCH_WAREHOUSE).",
)


@click.command()
@click.argument("sql")
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--max-rows", type=int, default=100, show_default=True, help="Rows printed as a table."
)
def query(sql: str, db_path: Path | None, fmt: str, max_rows: int) -> None:
    """Run SQL against the warehouse (read-only) and print the result.

    \b
    Examples:
      jobbatch query "SELECT * FROM top_leads LIMIT 10"
      jobbatch query "SELECT * FROM daily_funnel" --format csv
    """
    warehouse = chosen_warehouse(db_path)
    try:
        with open_warehouse(warehouse, read_only=True) as con:
            relation = con.sql(sql)
            if relation is None:
                click.echo("OK (statement returned no rows)")
                return
            if fmt == "table":  # Python values, so every kind of NULL prints the same way
                columns, rows = relation.columns, relation.fetchall()
            else:
                frame = relation.df()
    except duckdb.IOException as exc:
        raise click.ClickException(
            f"cannot open {warehouse} read-only: {exc}. A pipeline run may be writing it; try "
            "again when it ends."
        ) from exc
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from exc
    except duckdb.Error as exc:
        raise click.ClickException(f"query failed: {exc}") from exc
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        click.echo(
            json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), indent=2)
        )
    else:
        shown_rows = [[shown(value) for value in row] for row in rows[:max_rows]]
        table = pd.DataFrame(shown_rows, columns=columns)
        click.echo(table.to_string(index=False, max_colwidth=60))
        click.echo(
            f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
            + (f", first {max_rows} shown)" if len(rows) > max_rows else ")")
        )
