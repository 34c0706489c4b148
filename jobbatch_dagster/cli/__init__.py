"""The ``jobbatch`` command: a thin shell over the plain-Python API.

Each command group lives in its own module: ``emulator`` (the offline Batch API server),
``batch`` (the original dashboard's operations over the engine), ``day`` (a whole scrape day
through the pipeline layer, without Dagster), ``query`` (read the warehouse), ``leads`` (the leads,
and live follow-up on them), ``serve`` (the HTTP API and the leads page), ``estimate`` (what a night
will cost), ``eval`` (how well a model finds the leads, and at what price) and ``audit`` (the
accounting identity, link by link), ``requests`` (a person's retry of a day's dead letters and
cancelled requests) and ``warehouse`` (moving the DuckDB file into DuckLake).
"""

from __future__ import annotations

import click

from jobbatch_dagster.cli.audit import audit_command
from jobbatch_dagster.cli.batch import batch
from jobbatch_dagster.cli.day import day
from jobbatch_dagster.cli.emulator import emulator
from jobbatch_dagster.cli.estimate import estimate
from jobbatch_dagster.cli.evaluate import evaluate_command
from jobbatch_dagster.cli.leads import leads
from jobbatch_dagster.cli.query import query
from jobbatch_dagster.cli.requests import requests
from jobbatch_dagster.cli.serve import serve
from jobbatch_dagster.cli.warehouse import warehouse


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Qualify scraped job postings as sales leads over the OpenAI Batch API."""


main.add_command(emulator)
main.add_command(batch)
main.add_command(day)
main.add_command(query)
main.add_command(leads)
main.add_command(serve)
main.add_command(estimate)
main.add_command(evaluate_command)
main.add_command(audit_command)
main.add_command(requests)
main.add_command(warehouse)
