"""``jobbatch eval``: precision, recall and cost of a stage's model on a labelled set."""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import click

from jobbatch_dagster.cli.batch_output import read_jobs, user_errors

SAMPLE_LABELS = Path("data/sample/labels.jsonl")
RULES_NOTICE = (
    "These answers come from the emulator's published rules, not from a model: the precision and "
    "recall measure those rules. Set OPENAI_API_KEY to measure a real model (this costs money)."
)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@click.command("eval")
@click.option("--stage", default="qualify", show_default=True, help="The stage to evaluate.")
@click.option("--model", help="The model to measure (default: the stage's model in the config).")
@click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"A jobs file whose rows carry lead: true/false (default: {SAMPLE_LABELS}).",
)
@click.option("--threshold", type=click.IntRange(0, 100), help="Score that counts as a lead.")
@user_errors
def evaluate_command(
    stage: str, model: str | None, labels: Path | None, threshold: int | None
) -> None:
    """Run a labelled set through one stage on a model: precision, recall, cost per 1,000
    postings and per true lead. Without OPENAI_API_KEY (or OPENAI_BASE_URL) it starts the
    emulator, and says that its answers are rules."""
    from jobbatch_dagster.batch.client import BatchClient
    from jobbatch_dagster.batch.cost import format_usd
    from jobbatch_dagster.emulator.process import EmulatorProcess
    from jobbatch_dagster.pipeline.evaluate import evaluate, labels_of
    from jobbatch_dagster.settings import load_settings

    settings = load_settings()
    path = labels or SAMPLE_LABELS
    if not path.is_file():
        raise click.ClickException(f"{path}: no labelled set here; pass --labels FILE")
    with ExitStack() as stack:
        config = settings.stage(stage)
        config = replace(
            config,
            model=model or config.model,
            threshold=config.threshold if threshold is None else threshold,
        )
        jobs = read_jobs(path)[0]
        truth = labels_of(jobs, str(path))
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jobbatch-eval-")))
        if os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"):
            client = BatchClient()
        else:
            emulator = stack.enter_context(EmulatorProcess(work / "emulator", latency=0.0))
            client = BatchClient(api_key=emulator.api_key, base_url=emulator.base_url)
        result = evaluate(jobs, truth, settings, config, client, work, poll_seconds=0.2)
    click.echo(
        f"{result.stage} on {result.model} ({result.backend}), {result.postings} labelled "
        f"postings ({sum(truth)} leads), {result.answered} answered, lead at score >= "
        f"{config.threshold}"
    )
    click.echo(
        f"precision {_percent(result.precision)} ({result.true_positives} of "
        f"{result.true_positives + result.false_positives} found are leads), recall "
        f"{_percent(result.recall)} ({result.true_positives} of "
        f"{result.true_positives + result.false_negatives} leads found)"
    )
    click.echo(
        f"cost {format_usd(result.cost.batch_usd)} at batch prices: "
        f"{format_usd(result.usd_per_1000_postings)} per 1,000 postings, "
        f"{format_usd(result.usd_per_true_lead)} per true lead"
    )
    if result.backend == "emulator":
        click.echo(RULES_NOTICE)
