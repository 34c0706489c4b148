"""`jobbatch query "SQL"`: open the warehouse read-only and print the result as a table."""

from __future__ import annotations

import click


@click.command()
@click.argument("sql")
def query(sql: str) -> None:
    """(being built)"""
