"""The ``jobbatch`` command: a thin shell over the plain-Python API.

Each command group lives in its own module: ``emulator`` (the offline Batch API server),
``batch`` (the original dashboard's operations over the engine), ``query`` (read the warehouse)
and ``audit`` (the accounting identity, link by link).
"""

from __future__ import annotations

import click

from jobbatch_dagster.cli.audit import audit_command
from jobbatch_dagster.cli.batch import batch
from jobbatch_dagster.cli.emulator import emulator
from jobbatch_dagster.cli.query import query


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Qualify scraped job postings as sales leads over the OpenAI Batch API."""


main.add_command(emulator)
main.add_command(batch)
main.add_command(query)
main.add_command(audit_command)
