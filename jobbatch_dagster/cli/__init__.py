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

import importlib

import click

# Each command's module, imported only when that command runs: the engine pulls in the openai SDK
# and the pipeline pulls in pandas, so importing every module up front cost each call (and each
# `jobbatch emulator serve` a test or a night starts) about 1.5 s before it did anything.
COMMANDS: dict[str, str] = {
    "emulator": "jobbatch_dagster.cli.emulator:emulator",
    "batch": "jobbatch_dagster.cli.batch:batch",
    "day": "jobbatch_dagster.cli.day:day",
    "query": "jobbatch_dagster.cli.query:query",
    "leads": "jobbatch_dagster.cli.leads:leads",
    "serve": "jobbatch_dagster.cli.serve:serve",
    "estimate": "jobbatch_dagster.cli.estimate:estimate",
    "eval": "jobbatch_dagster.cli.evaluate:evaluate_command",
    "audit": "jobbatch_dagster.cli.audit:audit_command",
    "requests": "jobbatch_dagster.cli.requests:requests",
    "warehouse": "jobbatch_dagster.cli.warehouse:warehouse",
}


class LazyGroup(click.Group):
    """A group whose commands are imported the first time they are looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attr = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Qualify scraped job postings as sales leads over the OpenAI Batch API."""
