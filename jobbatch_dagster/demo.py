"""`make demo`: the whole nightly pipeline on the sample data, offline, through real Dagster.

1. Copies ``data/sample/<day>/`` into ``data/incoming/<day>/`` (as a scraper would drop them).
2. Starts the offline Batch API emulator (state in ``data/emulator``) and points the engine at it
   through ``OPENAI_BASE_URL``; every batch is recorded with backend ``emulator``.
3. For each sample day, runs the nightly job, then ticks ``batch_status_sensor`` and executes
   the runs it requests until the day is done, on the persistent instance in
   ``data/dagster_home`` (so `make dev` shows the same runs, materializations and checks).
4. Prints the funnel, the cost ledger, the top leads, and where the DuckDB file is.

Running it again submits nothing: every posting already has its answer. A day whose inputs (its
incoming files, the configuration and the prompts) are unchanged since its last settled night is
not run again at all, so a second demo takes seconds; once a day does run, every later day runs
too, since its results may depend on the earlier ones. With OPENAI_API_KEY set the demo still uses
the emulator and spends nothing, unless ``--use-openai`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, NightDidNotSettle, run_night
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.home import prepare_dagster_home
from jobbatch_dagster.settings import Settings, load_settings
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.reports import batch_count, print_morning_reports

SAMPLE_DIR = Path("data/sample")
EMULATOR_DIR = Path("data/emulator")
DEMO_LATENCY_SECONDS = 1.0
# Beside the Dagster instance, so `make clean` forgets it together with the runs it stands for.
SETTLED_DAYS_FILE = "demo_settled_days.json"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--use-openai",
        action="store_true",
        help="with OPENAI_API_KEY set, submit to OpenAI for real (costs money; batches may take 24 h)",
    )
    parser.add_argument(
        "--latency", type=float, default=DEMO_LATENCY_SECONDS, help="emulator seconds per batch"
    )
    parser.add_argument("--days", nargs="*", help="scrape days to run (default: every sample day)")
    return parser.parse_args(argv)


def sample_days() -> list[str]:
    return sorted(p.name for p in SAMPLE_DIR.iterdir() if p.is_dir() and p.name[:4].isdigit())


def stage_incoming(settings: Settings, days: Sequence[str]) -> None:
    """Drop the sample files where the scrapers would (existing files are left as they are)."""
    for day in days:
        shutil.copytree(SAMPLE_DIR / day, settings.incoming_dir / day, dirs_exist_ok=True)


def day_inputs_fingerprint(settings: Settings, day: str) -> str:
    """sha256 of everything a night reads besides the warehouse: the day's incoming files (names
    and bytes), the configuration, and each stage's prompt version."""
    digest = hashlib.sha256(repr(settings).encode())
    for stage in settings.stages:
        digest.update(get_task(stage.task).prompt_version(settings.lead_profile).encode())
    folder = settings.incoming_dir / day
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"\0{path.relative_to(folder)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _settled_days(home: Path) -> dict[str, str]:
    path = home / SETTLED_DAYS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def run_demo(days: Sequence[str], on_event=print) -> Path:
    """Run every day's night on the instance in DAGSTER_HOME; return the warehouse path.

    Days are skipped while their inputs match the last settled night's and the warehouse that
    night wrote is still there (see the module docstring)."""
    settings = load_settings()
    stage_incoming(settings, days)
    defs = build_defs(settings)
    instance = dg.DagsterInstance.get()
    home = Path(os.environ["DAGSTER_HOME"])
    settled = _settled_days(home) if settings.warehouse_path.is_file() else {}
    skipping = True
    cursor = None
    for day in days:
        fingerprint = day_inputs_fingerprint(settings, day)
        skipping = skipping and settled.get(day) == fingerprint
        if skipping:
            on_event(f"{day}: inputs unchanged since its last settled night; not run again")
            continue
        settled.pop(day, None)
        started = time.monotonic()
        try:
            report = run_night(
                defs, instance, day, cursor=cursor, run_config=QUIET_RUN_CONFIG, on_event=on_event
            )
        except NightDidNotSettle as exc:  # real batches can take up to 24 h
            on_event(
                f"{exc}\nThey keep running at the provider; `make dev` harvests them when done."
            )
            continue
        cursor = report.cursor
        if report.failed_runs:
            raise SystemExit(
                f"{day}: a run failed ({report.failed_runs[0].run_id}); see `make dev`"
            )
        on_event(
            f"{day}: {len(report.runs)} runs, {report.ticks} sensor ticks, {time.monotonic() - started:.1f} s"
        )
        settled[day] = fingerprint
        (home / SETTLED_DAYS_FILE).write_text(json.dumps(settled, indent=1), encoding="utf-8")
    return settings.warehouse_path


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    days = args.days or sample_days()
    before = batch_count(load_settings().warehouse_path)
    os.environ["DAGSTER_HOME"] = str(prepare_dagster_home())
    if os.environ.get("OPENAI_API_KEY") and args.use_openai:
        print(
            "--use-openai: submitting to OpenAI with OPENAI_API_KEY. This costs money.", flush=True
        )
        warehouse = run_demo(days)
    else:
        if os.environ.get("OPENAI_API_KEY"):
            print(
                "OPENAI_API_KEY is set, but the demo spends no money without --use-openai: "
                "using the offline emulator instead.",
                flush=True,
            )
        os.environ.pop("OPENAI_API_KEY", None)
        with EmulatorProcess(data_dir=EMULATOR_DIR, latency=args.latency) as emulator:
            os.environ["OPENAI_BASE_URL"] = emulator.base_url
            os.environ["OPENAI_API_KEY"] = emulator.api_key
            print(
                f"Offline Batch API emulator at {emulator.base_url} (state in {EMULATOR_DIR}); "
                "its answers are rule-based, not a model's.",
                flush=True,
            )
            warehouse = run_demo(days)
    print_morning_reports(warehouse)
    created = batch_count(warehouse) - before
    print(
        f"\nNew batches this run: {created}"
        + (" (every posting already had its answer)" if not created else "")
    )
    print(f'\nWarehouse: {warehouse.resolve()}  (try: jobbatch query "SELECT * FROM top_leads")')
    print(f"Dagster instance: {os.environ['DAGSTER_HOME']}  (`make dev` shows these runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
