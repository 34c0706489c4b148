"""`jobbatch batch` commands."""

from __future__ import annotations

import click


@click.group()
def batch() -> None:
    """(being built)"""
