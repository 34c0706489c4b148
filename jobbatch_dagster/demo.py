"""`make demo`: the whole nightly pipeline on the sample data, offline, through real Dagster.

1. Copies ``data/sample/<day>/`` into ``data/incoming/<day>/`` (as a scraper would drop them).
2. Starts the offline Batch API emulator (state in ``data/emulator``) and points the engine at it
   through ``OPENAI_BASE_URL``; every batch is recorded with backend ``emulator``.
3. For each sample day, runs the nightly job, then ticks ``batch_status_sensor`` and executes
   the runs it requests until the day is done, on the persistent instance in
   ``data/dagster_home`` (so `make dev` shows the same runs, materializations and checks).
4. Prints the funnel, the cost ledger, the top leads and the outreach of the first two.
5. Follows up live on the best lead (one question, as `jobbatch leads ask` does), once: a lead
   that already has a conversation is not asked again. Then prints batch and live spend apart,
   and where the DuckDB file is.

``--faults FILE`` turns it into a chaos rehearsal: each night, the emulator's faults that the file
lists for it are scheduled (see ``chaos.py`` and data/faults/storm.json), and the demo reports
what it played and which failed runs the pipeline healed on its own.

Running it again submits nothing: every posting already has its answer. A day whose inputs (its
incoming files, the configuration and the prompts) are unchanged since its last settled night, and
which the warehouse still holds, is not run again at all, so a second demo takes seconds; once a
day does run, every later day runs too, since its results may depend on the earlier ones (a
faults file runs every night). With
OPENAI_API_KEY set the demo still uses the emulator and spends nothing, unless ``--use-openai`` is
given.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from jobbatch_dagster.batch.cost import format_usd
from jobbatch_dagster.chaos import (
    FaultPlayer,
    FaultsFileError,
    NightFaults,
    admin_url_for,
    load_faults,
)
from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import (
    QUIET_RUN_CONFIG,
    NightDidNotSettle,
    NightDriver,
    NightReport,
)
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.followup import ConversationalLeadAgent
from jobbatch_dagster.home import prepare_dagster_home
from jobbatch_dagster.settings import Settings, load_settings
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.connect import Warehouse, open_warehouse
from jobbatch_dagster.warehouse.leads import lead_record
from jobbatch_dagster.warehouse.loads import scrape_day_quality
from jobbatch_dagster.warehouse.reports import (
    batch_count,
    outreach_leads,
    print_morning_reports,
    print_spend,
)

SAMPLE_DIR = Path("data/sample")
EMULATOR_DIR = Path("data/emulator")
DEMO_LATENCY_SECONDS = 1.0
OUTREACH_SHOWN = 2
DEMO_QUESTION = "What should I say in the first minute of the call, and what should I ask?"
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
    parser.add_argument(
        "--faults",
        type=Path,
        help="a JSON or TOML file of emulator faults to play over the nights "
        "(e.g. data/faults/storm.json); needs the emulator",
    )
    parser.add_argument(
        "--backoff",
        type=float,
        help="seconds before a retry (default: [retries] backoff_seconds of the config)",
    )
    return parser.parse_args(argv)


def sample_days() -> list[str]:
    return sorted(p.name for p in SAMPLE_DIR.iterdir() if p.is_dir() and p.name[:4].isdigit())


def stage_incoming(settings: Settings, days: Sequence[str]) -> None:
    """Drop the sample files where the scrapers would (existing files are left as they are)."""
    for day in days:
        shutil.copytree(SAMPLE_DIR / day, settings.incoming_dir / day, dirs_exist_ok=True)


# Where a service is reached is not an input of a night: the cluster demo's PostgreSQL gets a new
# port on every start, and its nights should still be recognised as unchanged.
_ENDPOINT = re.compile(r"\b(?:host|port)=\S+\s*")


def _without_endpoints(settings: Settings) -> Settings:
    lake, instance = settings.lake, settings.instance
    if lake is not None:
        lake = dataclasses.replace(lake, catalog=_ENDPOINT.sub("", lake.catalog))
    if instance.postgres is not None:
        postgres = dataclasses.replace(instance.postgres, host="", port=0)
        instance = dataclasses.replace(instance, postgres=postgres)
    return dataclasses.replace(settings, lake=lake, instance=instance)


def day_inputs_fingerprint(settings: Settings, day: str) -> str:
    """sha256 of everything a night reads besides the warehouse: the day's incoming files (names
    and bytes), the configuration (but not the hosts and ports of its services), and each stage's
    prompt version."""
    digest = hashlib.sha256(repr(_without_endpoints(settings)).encode())
    for stage in settings.stages:
        digest.update(get_task(stage.task).prompt_version(settings.lead_profile).encode())
    folder = settings.incoming_dir / day
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"\0{path.relative_to(folder)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class SettledNights:
    """The days a demo ran to the end, each with the fingerprint of its inputs then, kept in
    :data:`SETTLED_DAYS_FILE` beside the Dagster instance (see the module docstring).

    Days are asked about in order: once one is not skipped, no later day is either, since its
    results may depend on the earlier ones. ``enabled`` False (a faults file to play) skips none.
    """

    def __init__(self, home: Path, settings: Settings, *, enabled: bool = True) -> None:
        self._path = home / SETTLED_DAYS_FILE
        self._settings = settings
        known = enabled and settings.warehouse.exists() and self._path.is_file()
        recorded = json.loads(self._path.read_text(encoding="utf-8")) if known else {}
        self._days: dict[str, str] = _still_loaded(settings.warehouse, recorded)
        self._skipping = enabled
        self._running: dict[str, str] = {}

    def skip(self, day: str) -> bool:
        """Whether ``day`` need not run: it and every day asked before are unchanged since they
        settled. A day that must run is forgotten until :meth:`settled` says it settled again."""
        fingerprint = day_inputs_fingerprint(self._settings, day)
        self._skipping = self._skipping and self._days.get(day) == fingerprint
        if not self._skipping:
            self._days.pop(day, None)
            self._running[day] = fingerprint
        return self._skipping

    def settled(self, day: str) -> None:
        """``day`` ran to the end: remember the inputs it ran on."""
        self._days[day] = self._running.pop(day)
        self._path.write_text(json.dumps(self._days, indent=1), encoding="utf-8")


def _still_loaded(warehouse: Warehouse, recorded: dict[str, str]) -> dict[str, str]:
    """The recorded days the warehouse still holds: a warehouse made anew (a deleted file, a lake
    whose catalog database was lost) has none of the nights the record remembers."""
    if not recorded:
        return {}
    with open_warehouse(warehouse, read_only=True) as con:
        try:
            return {
                day: fingerprint
                for day, fingerprint in recorded.items()
                if scrape_day_quality(con, date.fromisoformat(day)).postings > 0
            }
        except duckdb.CatalogException:  # not even the tables: nothing was loaded into it
            return {}


SKIPPED = "{day}: inputs unchanged since its last settled night; not run again"


def run_demo(
    days: Sequence[str],
    on_event=print,
    faults: FaultPlayer | None = None,
    backoff: float | None = None,
) -> Warehouse:
    """Run every day's night on the instance in DAGSTER_HOME; return the warehouse.

    Without faults to play, days are skipped while their inputs match the last settled night's
    and the warehouse that night wrote is still there (see the module docstring)."""
    settings = load_settings()
    if backoff is not None:
        retries = dataclasses.replace(settings.retries, backoff_seconds=backoff)
        settings = dataclasses.replace(settings, retries=retries)
    stage_incoming(settings, days)
    driver = NightDriver(
        build_defs(settings),
        dg.DagsterInstance.get(),
        run_config=QUIET_RUN_CONFIG,
        on_event=on_event,
    )
    settled = SettledNights(Path(os.environ["DAGSTER_HOME"]), settings, enabled=faults is None)
    cursor = None
    for number, day in enumerate(days, start=1):
        if settled.skip(day):
            on_event(SKIPPED.format(day=day))
            continue
        started = time.monotonic()
        report = NightReport(day, cursor=cursor)
        _play(faults, number, day, "submit", on_event)
        try:
            if driver.nightly(report):
                _play(faults, number, day, "harvest", on_event)
                driver.settle(report)
        except NightDidNotSettle as exc:  # real batches can take up to 24 h
            on_event(
                f"{exc}\nThey keep running at the provider; `make dev` harvests them when done."
            )
            continue
        cursor = report.cursor
        if report.unhealed_runs:
            raise SystemExit(
                f"{day}: a run failed ({report.unhealed_runs[0].run_id}); see `make dev`"
            )
        healed = len(report.failed_runs)
        on_event(
            f"{day}: {len(report.runs)} runs, {report.ticks} sensor ticks, "
            f"{time.monotonic() - started:.1f} s"
            + (f", {healed} failed run(s) retried successfully" if healed else "")
        )
        settled.settled(day)
    return settings.warehouse


def _play(faults: FaultPlayer | None, number: int, day: str, phase: str, on_event) -> None:
    night = faults.play(number, day, phase) if faults else None
    if night is not None:
        on_event(f"{day}: faults played: {night.describe()}")


def _load_nights(path: Path | None) -> list[NightFaults] | None:
    """The faults file's nights, checked before anything starts."""
    try:
        return load_faults(path) if path is not None else None
    except FaultsFileError as exc:
        raise SystemExit(str(exc)) from None


def _fault_player(nights: list[NightFaults] | None, base_url: str | None) -> FaultPlayer | None:
    if nights is None:
        return None
    if not base_url:
        raise SystemExit("--faults plays the emulator's faults: set OPENAI_BASE_URL to an emulator")
    return FaultPlayer(admin_url_for(base_url), nights)


def print_faults(player: FaultPlayer | None) -> None:
    if player is None:
        return
    print(f"\nFaults played: {len(player.played)}")
    for day, night in player.played:
        print(f"  night {night.number} ({day}): {night.describe()}")


def print_outreach(agent: ConversationalLeadAgent, lead_ids: Sequence[str]) -> None:
    """The overnight outreach of the given leads: ROI, email, call opener and questions."""
    print(f"\n== Outreach for the first {len(lead_ids)} top leads (outreach)")
    with agent.warehouse() as con:
        leads = [lead_record(con, lead_id) for lead_id in lead_ids]
    for lead in leads:
        if lead is None or lead.outreach is None:
            continue
        roi, email = lead.outreach["roi"], lead.outreach["email"]
        print(f"\n{lead.title} at {lead.company or 'an unnamed business'}  [{lead.job_id}]")
        print(f"ROI: {roi['reasoning']}")
        print(f"Subject: {email['subject']}\n{email['body']}")
        print(f"Call opener: {lead.outreach['call_opener']}")
        for question in lead.outreach["questions"]:
            print(f"  ? {question}")


def follow_up(agent: ConversationalLeadAgent, lead_id: str) -> None:
    """One live question on the best lead, unless an earlier run already asked it."""
    conversation = agent.start_conversation(lead_id)
    print(f"\n== Live follow-up: jobbatch leads ask {lead_id} {DEMO_QUESTION!r}")
    if conversation.exchanges:
        print("(asked in an earlier run; `jobbatch leads show` prints the conversation)")
        return
    print(conversation.ask(DEMO_QUESTION))
    answer = conversation.last_answer
    if answer is not None:
        print(
            f"[live call: {answer.model} on {answer.backend}, {format_usd(answer.cost.live_usd)}]"
        )


def morning_after(warehouse: Warehouse) -> None:
    """Outreach of the first top leads, then a live question on the best one."""
    agent = ConversationalLeadAgent(warehouse=warehouse)
    lead_ids = outreach_leads(warehouse, OUTREACH_SHOWN)
    if not lead_ids:
        print("\nNo lead got outreach (none reached [stages.outreach] threshold).")
        return
    print_outreach(agent, lead_ids)
    follow_up(agent, lead_ids[0])


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    days = args.days or sample_days()
    nights = _load_nights(args.faults)
    before = batch_count(load_settings().warehouse)
    os.environ["DAGSTER_HOME"] = str(prepare_dagster_home())
    if os.environ.get("OPENAI_API_KEY") and args.use_openai:
        print(
            "--use-openai: submitting with OPENAI_API_KEY to "
            + os.environ.get("OPENAI_BASE_URL", "OpenAI")
            + ". This costs money unless that is an emulator.",
            flush=True,
        )
        player = _fault_player(nights, os.environ.get("OPENAI_BASE_URL"))
        return morning(run_demo(days, faults=player, backoff=args.backoff), before, player)
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
        player = _fault_player(nights, emulator.base_url)
        return morning(run_demo(days, faults=player, backoff=args.backoff), before, player)


def morning(warehouse: Warehouse, before: int, player: FaultPlayer | None) -> int:
    """Everything printed after the nights (the live follow-up needs the provider still up)."""
    print_morning_reports(warehouse)
    morning_after(warehouse)
    print_spend(warehouse)
    print_faults(player)
    created = batch_count(warehouse) - before
    print(
        f"\nNew batches this run: {created}"
        + (" (every posting already had its answer)" if not created else "")
    )
    shown = warehouse.path.resolve() if warehouse.lake is None else warehouse
    print(f'\nWarehouse: {shown}  (try: jobbatch query "SELECT * FROM top_leads")')
    print(f"Dagster instance: {os.environ['DAGSTER_HOME']}  (`make dev` shows these runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
