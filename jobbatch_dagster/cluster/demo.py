"""`make cluster-demo`: the sample nights on the cluster setup, every run launched by the daemon.

Starts, all on loopback and all stopped again at the end (also on Ctrl-C or an error):

1. a real PostgreSQL server (data in ``data/cluster/postgres``) holding the Dagster instance;
2. ``moto_server`` as the S3 endpoint (its variables in every process's environment), holding the
   batch files (``[paths] batches = "s3://jobbatch-cluster/batches"``: shard inputs, manifests,
   output and error files), its objects kept in ``data/cluster/s3`` between runs;
3. the offline Batch API emulator (state in ``data/cluster/emulator``);
4. the code location's gRPC server, ``dagster-daemon`` and ``dagster-webserver``.

It writes its settings to ``data/cluster/jobbatch.toml`` (the shipped jobbatch.toml with its own
``[paths]``, ``[warehouse]`` and ``[instance]``) and its instance to ``data/cluster/dagster_home``.
The warehouse is a DuckLake: its catalog a database of the same PostgreSQL, its Parquet files in
``data/cluster/lake/``. Each sample
night's nightly run is submitted to the queue (``dagster job launch``); the daemon launches it in
a process of its own, ``batch_status_sensor`` in the daemon requests the harvests, and the daemon
launches those too. Then it prints the funnel, ledger and leads as `make demo` does. As there,
a night whose inputs are unchanged since it last settled is not launched again (the record is
``data/cluster/dagster_home/demo_settled_days.json``), so a second run only starts and stops the
services. ``--keep-running`` leaves every service up to explore the UI until Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from jobbatch_dagster.cluster.config import write_config
from jobbatch_dagster.cluster.night import wait_for_night
from jobbatch_dagster.cluster.services import LocalPostgres, LocalS3
from jobbatch_dagster.cluster.stack import DagsterStack
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG
from jobbatch_dagster.defs.jobs import NIGHTLY_JOB
from jobbatch_dagster.demo import (
    DEMO_LATENCY_SECONDS,
    SKIPPED,
    SettledNights,
    morning,
    sample_days,
    stage_incoming,
)
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.home import prepare_dagster_home
from jobbatch_dagster.settings import CONFIG_ENV, DEFAULT_CONFIG_FILE, Settings, load_settings
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import open_warehouse
from jobbatch_dagster.warehouse.reports import batch_count

ROOT = Path("data/cluster")
CONFIG = ROOT / "jobbatch.toml"
INSTANCE_DATABASE = "dagster"
LAKE_DATABASE = "jobbatch_lake"  # the warehouse's DuckLake catalog, beside the instance
# The lake's Parquet files stay on disk: moto keeps nothing once it stops, and the catalog in
# data/cluster/postgres outlives each run, so a second run reuses the first one's answers.
LAKE_DATA = ROOT / "lake"
# Shard inputs, manifests, output and error files go to S3 (moto), where a run on any host finds
# them; moto's objects are kept in S3_KEPT between runs.
BUCKET = "jobbatch-cluster"
BATCHES_URI = f"s3://{BUCKET}/batches"
S3_KEPT = ROOT / "s3"
# The emulator finishes a batch in about a second, so the sensor looks every 2 s instead of 60;
# a killed worker's slot comes back within 5 s.
SENSOR_INTERVAL_SECONDS = 2
WATCHDOG_INTERVAL_SECONDS = 5
NIGHT_TIMEOUT_SECONDS = 900.0  # five sample nights take about a minute each here


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make cluster-demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="leave PostgreSQL, S3, the emulator, the daemon and the UI up until Ctrl-C",
    )
    parser.add_argument("--days", nargs="*", help="scrape days to run (default: every sample day)")
    parser.add_argument(
        "--latency", type=float, default=DEMO_LATENCY_SECONDS, help="emulator seconds per batch"
    )
    return parser.parse_args(argv)


def write_cluster_config(postgres: LocalPostgres) -> Settings:
    """data/cluster/jobbatch.toml: the shipped configuration on the cluster's services."""
    write_config(
        CONFIG,
        Path(DEFAULT_CONFIG_FILE),
        {
            "paths": {"incoming": str(ROOT / "incoming"), "batches": BATCHES_URI},
            "warehouse": {
                "catalog": f"postgres:{postgres.libpq(LAKE_DATABASE)}",
                "data_path": f"{LAKE_DATA}/",
            },
            "instance": {
                "home": str(ROOT / "dagster_home"),
                "storage": f"postgres:{postgres.libpq(INSTANCE_DATABASE)}",
                "sensor_interval_seconds": SENSOR_INTERVAL_SECONDS,
                "watchdog_interval_seconds": WATCHDOG_INTERVAL_SECONDS,
            },
        },
        "Written by `make cluster-demo` (jobbatch_dagster/cluster/demo.py) on every run: the shipped\n"
        "jobbatch.toml on the cluster's services. Use it with JOBBATCH_CONFIG=data/cluster/jobbatch.toml.",
    )
    return load_settings(CONFIG)


def run_nights(stack: DagsterStack, settings: Settings, days: Sequence[str]) -> None:
    """Each night through the queue and the daemon, one after another (later nights reuse the
    earlier nights' answers, as on the single machine); as `make demo` does, days unchanged since
    their last settled night are not launched again."""
    settled = SettledNights(Path(os.environ["DAGSTER_HOME"]), settings)
    with dg.DagsterInstance.get() as instance:
        for day in days:
            if settled.skip(day):
                print(SKIPPED.format(day=day), flush=True)
                continue
            started = time.monotonic()
            run_id = stack.launch(NIGHTLY_JOB, {"dagster/partition": day}, QUIET_RUN_CONFIG)
            print(f"{day}: nightly run {run_id} queued", flush=True)
            runs = wait_for_night(
                instance,
                day,
                run_id,
                NIGHT_TIMEOUT_SECONDS,
                on_run=lambda run: print(f"  {run.job_name} {run.status.value}", flush=True),
            )
            print(
                f"{day}: {len(runs)} runs launched by the daemon, "
                f"{time.monotonic() - started:.1f} s",
                flush=True,
            )
            settled.settled(day)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    days = args.days or sample_days()
    started = time.monotonic()
    # `kill` as Ctrl-C: unwind, so every service started below is stopped
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(128 + signal.SIGTERM))
    os.environ.pop("OPENAI_API_KEY", None)  # the emulator answers; nothing is spent
    with contextlib.ExitStack() as services:
        postgres = services.enter_context(LocalPostgres(data_dir=ROOT / "postgres"))
        postgres.create_database(INSTANCE_DATABASE)
        postgres.create_database(LAKE_DATABASE)
        s3 = services.enter_context(LocalS3(log_path=ROOT / "s3.log", keep_in=S3_KEPT))
        s3.create_bucket(BUCKET)
        emulator = services.enter_context(
            EmulatorProcess(data_dir=ROOT / "emulator", latency=args.latency)
        )
        os.environ.update(
            {
                CONFIG_ENV: str(CONFIG),
                # Dagster reads the instance database's password from here; the local server
                # trusts loopback, so an empty one does.
                "PGPASSWORD": os.environ.get("PGPASSWORD", ""),
                "OPENAI_BASE_URL": emulator.base_url,
                "OPENAI_API_KEY": emulator.api_key,
                **s3.env(),
            }
        )
        settings = write_cluster_config(postgres)  # read with the S3 variables set
        stage_incoming(settings, days)
        os.environ["DAGSTER_HOME"] = str(prepare_dagster_home(settings=settings))
        with open_warehouse(settings.warehouse) as con:  # a new lake is created by a writer
            ensure_schema(con)
        before = batch_count(settings.warehouse)
        stack = services.enter_context(DagsterStack(ROOT / "logs", dict(os.environ)))
        print(
            f"PostgreSQL on port {postgres.port}, S3 at {s3.endpoint_url}, emulator at "
            f"{emulator.base_url} (rule-based answers, not a model's), daemon and UI at "
            f"{stack.ui_url}; logs in {ROOT / 'logs'}",
            flush=True,
        )
        run_nights(stack, settings, days)
        morning(settings.warehouse, before, None)
        print(
            f"\ncluster-demo: {len(days)} nights in {time.monotonic() - started:.0f} s. The "
            f"warehouse is a DuckLake: catalog in PostgreSQL, data in {LAKE_DATA}/; batch files "
            f"in {BATCHES_URI} (kept in {S3_KEPT}/ between runs). While the "
            f'services run (--keep-running): JOBBATCH_CONFIG={CONFIG} jobbatch query "SELECT * '
            'FROM top_leads"'
        )
        if args.keep_running:
            print(f"Dagster UI: {stack.ui_url}  (Ctrl-C stops every service)", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
