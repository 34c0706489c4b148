"""`jobbatch emulator` commands."""

from __future__ import annotations

import click


@click.group()
def emulator() -> None:
    """(being built)"""
