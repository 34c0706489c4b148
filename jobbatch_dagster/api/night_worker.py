"""One scrape day's night on the Dagster instance, as a process of its own (the API's launcher).

``python -m jobbatch_dagster.api.night_worker DAY --run-id ID``: executes the nightly job for DAY
under run id ID on the instance in ``DAGSTER_HOME``, then ticks the sensor and executes the runs it
requests until the day is harvested (:mod:`jobbatch_dagster.defs.driver`, which `make demo` uses
too). This module is the API's only way into the Dagster definitions. Exit status 0 when every run
succeeded.
"""

from __future__ import annotations

import argparse
import os
import sys

import dagster as dg

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, NightDidNotSettle, run_night
from jobbatch_dagster.home import prepare_dagster_home


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("day", help="the scrape day, YYYY-MM-DD")
    parser.add_argument("--run-id", required=True, help="the nightly run's id")
    args = parser.parse_args(argv)
    os.environ["DAGSTER_HOME"] = str(prepare_dagster_home())
    with dg.DagsterInstance.get() as instance:
        try:
            report = run_night(
                build_defs(),
                instance,
                args.day,
                run_id=args.run_id,
                run_config=QUIET_RUN_CONFIG,
                on_event=lambda message: print(message, flush=True),
            )
        except NightDidNotSettle as exc:
            print(f"{exc}\nThe sensor of `make dev` harvests them when they finish.", flush=True)
            return 0
    for run in report.failed_runs:
        print(f"run {run.run_id} failed: see it in the Dagster UI", file=sys.stderr, flush=True)
    return 1 if report.failed_runs else 0


if __name__ == "__main__":
    raise SystemExit(main())
