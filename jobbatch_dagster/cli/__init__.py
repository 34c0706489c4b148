"""The ``jobbatch`` command: a thin shell over the plain-Python API.

Each command group lives in its own module: ``emulator`` (the offline Batch API server),
``batch`` (the original dashboard's operations over the engine), ``query`` (read the warehouse) and
``leads`` (the leads, and live follow-up on them) and ``requests`` (a person's retry of a day).
"""

from __future__ import annotations

import click

from jobbatch_dagster.cli.batch import batch
from jobbatch_dagster.cli.emulator import emulator
from jobbatch_dagster.cli.leads import leads
from jobbatch_dagster.cli.query import query
from jobbatch_dagster.cli.requests import requests


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Qualify scraped job postings as sales leads over the OpenAI Batch API."""


main.add_command(emulator)
main.add_command(batch)
main.add_command(query)
main.add_command(leads)
main.add_command(requests)
