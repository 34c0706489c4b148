"""What a night costs: the shipped default night against analyze-all, on the five sample nights.

Both nights run in the same process, each through the whole pipeline (``ingest_day`` then
``run_day`` per sample day) against its own fresh emulator, so the dollars are the emulator's
reported usage priced by the ledger exactly as ``make demo`` prices it:

- default: the stages of the shipped jobbatch.toml (the cheap qualify filter, then analyze, parse
  and outreach on the leads);
- analyze-all: ``analyze`` on every new posting, no filter (what the two-stage night replaces);
  its leads are the postings ``analyze`` judged a strong or moderate fit.

It reports each night's cost per 1,000 postings and per lead, and the default night as a share
of analyze-all twice: "finding the leads" (qualify and analyze, the stages that fill what
analyze-all fills: every posting judged, each lead's analysis and pain points; the target row,
at most 40%) and "the whole night" (with parse's fields and the top leads' outreach, which
analyze-all does not produce at all). It also reports whether both found the same leads, the
cached share of the input, and how far the estimates were from what the nights cost:
``jobbatch estimate``'s forecast made before each night (pipeline/forecast.py) and the
submissions' own estimates.
"""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.day import Patience, run_day, run_stage_day
from jobbatch_dagster.pipeline.forecast import forecast_night
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import Settings, StageConfig, load_settings
from jobbatch_dagster.sources.day import read_day
from jobbatch_dagster.warehouse.connect import open_warehouse
from jobbatch_dagster.warehouse.lead_costs import (
    ALL_STAGES,
    StageCost,
    estimated_and_actual_usd,
    fit_ids,
    lead_ids,
    total_costs,
)
from jobbatch_dagster.warehouse.schema import ensure_schema

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
TARGET_SHARE = 0.40  # finding the leads may cost at most this share of analyze-all
# The default night's stages that produce what analyze-all produces (the target's comparison).
FINDING_STAGES = ("qualify", "analyze")
COST_TITLE = "Cost per night: the five sample nights, emulator usage at pricing.json's batch prices"


@dataclass(frozen=True)
class NightCost:
    """Every sample night of one configuration, costed."""

    name: str
    stages: dict[str, StageCost]
    leads: set[str]
    forecast_usd: float  # jobbatch estimate's figure before each night, summed
    estimated_usd: float  # the submissions' own estimates (the budget guard's), summed
    actual_usd: float

    @property
    def total(self) -> StageCost:
        return self.stages[ALL_STAGES]

    def per_lead(self, cost: StageCost) -> float | None:
        """A stage's (or the night's) dollars per lead found (analyze-all has no qualified_leads)."""
        return (
            None if cost.batch_usd is None or not self.leads else cost.batch_usd / len(self.leads)
        )

    def error(self, estimate: float) -> float:
        return estimate / self.actual_usd - 1 if self.actual_usd else 0.0


def sample_days() -> list[date]:
    return sorted(date.fromisoformat(p.name) for p in SAMPLE.iterdir() if p.is_dir())


def night_settings(work: Path, name: str, *, analyze_all: bool) -> Settings:
    """The shipped configuration with paths under ``work`` (and, for analyze-all, one stage)."""
    shipped = load_settings(REPO / "jobbatch.toml")
    stages = (StageConfig("analyze", model=shipped.stage("analyze").model),)
    return replace(
        shipped,
        incoming_dir=work / "incoming",
        batches_dir=work / name / "batches",
        warehouse_path=work / name / "warehouse.duckdb",
        max_usd_per_submission=None,
        stages=stages if analyze_all else shipped.stages,
    )


def run_nights(settings: Settings, name: str, work: Path) -> NightCost:
    """Every sample day through the pipeline against a fresh emulator; the ledger's totals."""
    with (
        EmulatorProcess(work / name / "emulator") as emulator,
        open_warehouse(settings.warehouse) as con,
    ):
        ensure_schema(con)
        client = BatchClient(api_key=emulator.api_key, base_url=emulator.base_url)
        patience = Patience(poll_seconds=0.05, timeout_seconds=300)
        analyze_all = [s.task for s in settings.stages] == ["analyze"]
        forecast = 0.0
        for day in sample_days():
            ingest_day(settings, con, day)
            jobs = [
                p.to_job_dict() for p in read_day(settings.incoming_dir, day.isoformat()).postings
            ]
            forecast += forecast_night(jobs, settings, con, day).batch_usd or 0.0
            if analyze_all:  # no qualify, so no qualified_leads to build
                run_stage_day(con, client, settings, settings.stages[0], day, patience)
            else:
                run_day(con, client, settings, day, patience)
        leads = fit_ids(con) if analyze_all else lead_ids(con)
        estimated, actual = estimated_and_actual_usd(con)
        return NightCost(name, total_costs(con), leads, forecast, estimated, actual)


REHEARSAL_DAY = date(2026, 12, 1)


def write_rehearsal(work: Path, count: int) -> list[dict[str, object]]:
    """A scrape day of ``count`` postings: the sample postings over and over, each made distinct
    (a numbered title), so every one is a request and the lead share stays the sample's."""
    sample = [
        p.to_job_dict() for day in sample_days() for p in read_day(SAMPLE, day.isoformat()).postings
    ]
    jobs = [
        {**job, "id": f"rehearsal-{i}", "url": None, "title": f"{job['title']} #{i}"}
        for i, job in zip(range(count), itertools.cycle(sample), strict=False)
    ]
    folder = work / "rehearsal" / "incoming" / REHEARSAL_DAY.isoformat()
    folder.mkdir(parents=True)
    with (folder / "jobs.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(job) + "\n" for job in jobs)
    return jobs


def rehearse(work: Path, count: int) -> tuple[int, float, float, float]:
    """The default night on ``count`` postings, in the default nights' warehouse after the sample
    nights: (requests, estimate with no history, estimate from the warehouse, cost)."""
    write_rehearsal(work, count)
    settings = replace(
        night_settings(work, "default", analyze_all=False),
        incoming_dir=work / "rehearsal" / "incoming",
    )
    with (
        EmulatorProcess(work / "rehearsal" / "emulator") as emulator,
        open_warehouse(settings.warehouse) as con,
    ):
        ingest_day(settings, con, REHEARSAL_DAY)
        jobs = [
            p.to_job_dict()
            for p in read_day(settings.incoming_dir, REHEARSAL_DAY.isoformat()).postings
        ]
        first_night = forecast_night(jobs, settings).batch_usd or 0.0
        measured = forecast_night(jobs, settings, con, REHEARSAL_DAY).batch_usd or 0.0
        client = BatchClient(api_key=emulator.api_key, base_url=emulator.base_url)
        run_day(con, client, settings, REHEARSAL_DAY, Patience(0.1, 600))
        total = total_costs(con, REHEARSAL_DAY)[ALL_STAGES]
        return total.requests, first_night, measured, total.batch_usd or 0.0


def copy_sample(work: Path) -> None:
    for day in sample_days():
        shutil.copytree(SAMPLE / day.isoformat(), work / "incoming" / day.isoformat())


def compare(work: Path) -> tuple[NightCost, NightCost]:
    """The default night and analyze-all on the same sample nights, one after the other."""
    copy_sample(work)
    default = run_nights(night_settings(work, "default", analyze_all=False), "default", work)
    baseline = run_nights(
        night_settings(work, "analyze-all", analyze_all=True), "analyze-all", work
    )
    return default, baseline


def render_rehearsal(
    count: int, requests: int, first_night: float, measured: float, actual: float
) -> str:
    return (
        f"rehearsal: the default night on {count:,} postings ({requests:,} requests) costs "
        f"{_usd(actual)}; jobbatch estimate before it: {_usd(measured)} from the sample nights' "
        f"ledger (estimate error {measured / actual - 1:+.1%}), {_usd(first_night)} with no "
        f"history (typical answer sizes, 25% leads: {first_night / actual - 1:+.1%})"
    )


def _usd(value: float | None, places: int = 4) -> str:
    return "-" if value is None else f"${value:.{places}f}"


def render(default: NightCost, baseline: NightCost) -> str:
    lines = [
        COST_TITLE,
        "",
        "| night | stage | requests | input tokens | cached share | batch $ | $ per 1,000 postings"
        " | $ per lead |",
        "|" + "---|" * 8,
    ]
    for night in (default, baseline):
        for stage, cost in night.stages.items():
            lines.append(
                f"| {night.name} | {stage} | {cost.requests:,} | {cost.input_tokens:,} "
                f"| {cost.cached_share:.0%} | {_usd(cost.batch_usd)} "
                f"| {_usd(cost.usd_per_1000_postings)} | {_usd(night.per_lead(cost), 5)} |"
            )
    baseline_usd = baseline.total.batch_usd or 1
    finding = sum(default.stages[s].batch_usd or 0 for s in FINDING_STAGES if s in default.stages)
    share = finding / baseline_usd
    whole = (default.total.batch_usd or 0) / baseline_usd
    same = default.leads == baseline.leads
    postings = default.total.usd_per_1000_postings
    lines += [
        "",
        f"finding the leads ({' + '.join(FINDING_STAGES)}) = {_usd(finding)} = {share:.1%} of "
        f"analyze-all (target <= {TARGET_SHARE:.0%}, same qualified_leads): "
        + ("met" if share <= TARGET_SHARE and same else "NOT met")
        + f"; {_usd(finding / len(default.leads) if default.leads else None, 5)} per lead",
        f"the whole night (with parse and outreach) = {whole:.0%} of analyze-all; "
        f"{_usd(postings)} per 1,000 postings",
        f"leads: default {len(default.leads)}, analyze-all {len(baseline.leads)}, "
        + ("the same postings" if same else f"{len(default.leads ^ baseline.leads)} differ"),
    ]
    for night in (default, baseline):
        lines.append(
            f"{night.name}: cost {_usd(night.actual_usd)}; jobbatch estimate before each night "
            f"{_usd(night.forecast_usd)} (estimate error {night.error(night.forecast_usd):+.1%}); "
            f"the submissions' own estimates {_usd(night.estimated_usd)} "
            f"({night.error(night.estimated_usd):+.1%})"
        )
    return "\n".join(lines)
