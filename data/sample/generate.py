"""Generate the sample scraper output in data/sample/<YYYY-MM-DD>/ (deterministic, stdlib only).

    python data/sample/generate.py            # rewrite data/sample/
    python data/sample/generate.py --out DIR  # write somewhere else (the tests compare the two)

Each day holds what three scrapers dropped: ``craigslist-east.jsonl`` (JSON Lines),
``craigslist-west.json`` (a JSON array, one element a line) and ``jobboard-export.csv``. Besides
fresh postings, days carry reposts (same id, same content), reposts under a new id (same content),
within-day duplicates (same id, edited), junk rows and a few unreadable files. Every row's expected
fate is written to ``manifest.json``, so the tests check the reader against the generator's own
bookkeeping, and README.md's tables are written from the same numbers.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import shutil
from dataclasses import dataclass, replace
from datetime import date, timedelta
from html import escape
from pathlib import Path

import catalog

SEED = 20261118
DAYS = [(date(2026, 11, 18) + timedelta(days=i)).isoformat() for i in range(5)]
JSONL_FILE = "craigslist-east.jsonl"
JSON_FILE = "craigslist-west.json"
CSV_FILE = "jobboard-export.csv"
CSV_COLUMNS = [
    "id",
    "title",
    "company",
    "location",
    "compensation",
    "posted_date",
    "url",
    "description",
]
FRESH_PER_DAY = {JSONL_FILE: 24, JSON_FILE: 22, CSV_FILE: 14}
LEAD_SHARE = 0.25
LONG_DESCRIPTION_CHARS = 12_000
JOBBOARD_HOST = "https://www.localjobsnetwork.com"
HERE = Path(__file__).resolve().parent

Block = tuple[str, str | list[str]]  # ("p", text) | ("h", heading) | ("ul", items)
Repost = tuple["Row", str, "Row"]  # (original row, its day, the repost row)


@dataclass(frozen=True)
class Job:
    """One posting as a site shows it; ``file`` is the scraper file it belongs in."""

    file: str
    source_id: str | None
    url: str | None
    title: str
    company: str | None
    location: str
    compensation: str | int | None
    description: str
    posted: date | None
    lead: bool

    def key(self) -> str:
        """Who the reader should consider this posting to be (mirrors the documented id rule)."""
        if self.source_id:
            return f"id:{self.file}:{self.source_id}"
        if self.url:
            return f"url:{self.url}"
        return f"content:{self.title}|{self.company}|{self.description}"

    def as_row(self) -> dict[str, object]:
        fmt = {JSONL_FILE: "%Y-%m-%dT%H:%M:00-06:00", JSON_FILE: "%b %d, %Y", CSV_FILE: "%m/%d/%Y"}
        return {
            "id": self.source_id,
            "title": self.title,
            "company": self.company,
            "location": self.location,
            "compensation": self.compensation,
            "posted_date": self.posted.strftime(fmt[self.file]) if self.posted else None,
            "url": self.url,
            "description": self.description,
        }


@dataclass
class Row:
    """A row to write: a Job, any JSON value (junk) or raw text; and what the reader should make of it."""

    value: object
    reason: str | None = None  # None: a posting; else a substring of the expected rejection reason
    raw: bool = False  # value is text written as is
    job: Job | None = None
    line: int = 0  # filled in when the file is written
    note: str = ""


class Writer:
    """Builds one day's rows per file, then writes the files and records each row's line."""

    def __init__(self, day: str) -> None:
        self.day = day
        self.rows: dict[str, list[Row]] = {JSONL_FILE: [], JSON_FILE: [], CSV_FILE: []}

    def add(self, file: str, row: Row) -> Row:
        self.rows[file].append(row)
        return row

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for file, rows in self.rows.items():
            text = {JSONL_FILE: _jsonl, JSON_FILE: _json_array, CSV_FILE: _csv}[file](rows)
            (folder / file).write_text(text, encoding="utf-8", newline="")


def _dump(row: Row) -> str:
    if row.raw:
        return str(row.value)
    value = row.job.as_row() if row.job and row.value is None else row.value
    return json.dumps(value, ensure_ascii=False)


def _jsonl(rows: list[Row]) -> str:
    for number, row in enumerate(rows, start=1):
        row.line = number
    return "".join(_dump(row) + "\n" for row in rows)


def _json_array(rows: list[Row]) -> str:
    for number, row in enumerate(rows, start=2):
        row.line = number
    return "[\n" + ",\n".join(_dump(row) for row in rows) + "\n]\n"


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(CSV_COLUMNS)
    line = 2
    for row in rows:
        if row.raw:
            text = str(row.value) + "\n"
        else:
            buffer = io.StringIO()
            values = row.job.as_row() if row.job and row.value is None else row.value
            assert isinstance(values, dict)
            cells = ["" if values.get(c) is None else values[c] for c in CSV_COLUMNS]
            csv.writer(buffer, lineterminator="\n").writerow(cells)
            text = buffer.getvalue()
        row.line = line
        line += text.count("\n")
        out.write(text)
    return out.getvalue()


def render(blocks: list[Block], html: bool, rng: random.Random) -> str:
    """A description as plain text (craigslist style) or as the HTML a scraper copied from the page."""
    if not html:
        parts = [
            "\n".join(f"- {item}" for item in body)
            if kind == "ul"
            else f"{body}:"
            if kind == "h"
            else str(body)
            for kind, body in blocks
        ]
        return "\n\n".join(parts)
    out: list[str] = []
    if rng.random() < 0.3:
        out.append(
            "<style>.posting{font-family:Arial}</style><script>window.dataLayer=[];</script>"
        )
    for kind, body in blocks:
        if kind == "ul":
            items = "".join(f"\n  <li>{escape(item, quote=False)}</li>" for item in body)
            out.append(f"<ul>{items}\n</ul>")
        elif kind == "h":
            out.append(f"<p><b>{escape(str(body), quote=False)}</b></p>")
        else:
            text = escape(str(body), quote=False).replace("'", "&#39;").replace(" - ", "&nbsp;- ")
            out.append(f"<p>{text}</p>" if rng.random() < 0.6 else f"{text}<br><br>")
    return "\n".join(out)


class Factory:
    """Invents postings from the catalog with one seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_cl_id = 7_801_200_000
        self.next_board_id = 48_000

    def _city(self, file: str) -> tuple[str, str, str, str]:
        cities = {JSONL_FILE: catalog.EAST, JSON_FILE: catalog.WEST}.get(
            file, catalog.EAST + catalog.WEST
        )
        wanted = self.rng.choice(cities)
        sub, area, label, hoods = next(c for c in catalog.CITIES if c[0] == wanted)
        return sub, area, label, self.rng.choice(hoods)

    def identity(
        self, file: str, title: str, city: tuple[str, str, str, str], section: str
    ) -> tuple[str | None, str | None]:
        """A fresh (source id, url) as the site would show them; a few board rows have neither."""
        rng = self.rng
        slug = "-".join("".join(ch if ch.isalnum() else " " for ch in title.lower()).split())
        if file == CSV_FILE:
            self.next_board_id += rng.randint(1, 40)
            if rng.random() < 0.12:
                return None, None
            url = f"{JOBBOARD_HOST}/job/{self.next_board_id}/{slug}"
            return f"LJN-{self.next_board_id}", url
        self.next_cl_id += rng.randint(100, 9_000)
        sub, area = city[0], city[1]
        return str(
            self.next_cl_id
        ), f"https://{sub}.craigslist.org/{area}/{section}/d/{slug}/{self.next_cl_id}.html"

    def job(self, file: str, day: date, lead: bool, *, long: bool = False) -> Job:
        city = self._city(file)
        title, company, comp, blocks, section = (self._lead if lead else self._other)(city, long)
        source_id, url = self.identity(file, title, city, section)
        rng = self.rng
        if file != CSV_FILE and company and rng.random() < 0.25:
            company = None  # craigslist ads often name no company
        if file == JSON_FILE and rng.random() < 0.05:
            comp = rng.choice([52000, 21])  # a scraper that parsed the pay into a number
        location = f"{city[3]}, {city[2]}" if rng.random() < 0.7 else city[3]
        return Job(
            file=file,
            source_id=source_id,
            url=url,
            title=title,
            company=company,
            location=location,
            compensation=comp if rng.random() < 0.9 else None,
            description=render(blocks, html=rng.random() < 0.3 or long, rng=rng),
            posted=day - timedelta(days=rng.choice([0, 0, 0, 1])) if rng.random() < 0.92 else None,
            lead=lead,
        )

    def _lead(
        self, city: tuple[str, str, str, str], long: bool
    ) -> tuple[str, str | None, str, list[Block], str]:
        rng = self.rng
        business, kind, chores = rng.choice(catalog.LEAD_BUSINESSES)
        task, tools, volume = catalog.LEAD_TASKS[rng.choice(chores)]
        urgency = rng.choice(catalog.LEAD_URGENCY)
        title = rng.choice(catalog.LEAD_TITLES)
        if "ASAP" in urgency or "URGENT" in urgency:
            title += rng.choice([" - ASAP", " (Urgent)", " - Start Immediately", ""])
        article = "an" if kind[0] in "aeiou" else "a"
        opening = f"{business} is {article} {kind} in {city[3]}."
        blocks: list[Block] = [
            ("p", f"{opening} {urgency}" if rng.random() < 0.5 else opening),
            ("p", task),
            ("p", f"Volume: {volume}. Systems: {tools}."),
            ("h", "What we need"),
            ("ul", rng.sample(catalog.LEAD_REQUIREMENTS, 3)),
        ]
        if urgency not in blocks[0][1]:
            blocks.append(("p", urgency))
        blocks.append(("p", rng.choice(catalog.APPLY_LINES)))
        if long:
            blocks.append(("h", "Examples of the orders you would be entering"))
            blocks.append(("ul", [self._order_line() for _ in range(260)]))
        company = business if rng.random() < 0.8 else None
        return (
            title,
            company,
            rng.choice(catalog.LEAD_COMPENSATION),
            blocks,
            rng.choice(["ofc", "acc"]),
        )

    def _order_line(self) -> str:
        rng = self.rng
        return (
            f"PO {rng.randint(40000, 49999)} | SKU {rng.choice(['ELEC', 'PLMB', 'HVAC', 'TOOL'])}-"
            f"{rng.randint(1000, 9999)} | qty {rng.randint(1, 48)} | unit ${rng.randint(2, 400)}.{rng.randint(0, 99):02d}"
        )

    def _other(
        self, city: tuple[str, str, str, str], long: bool
    ) -> tuple[str, str | None, str, list[Block], str]:
        rng = self.rng
        family = rng.choice(catalog.OTHER_FAMILIES)
        title = rng.choice(family["titles"])
        company = rng.choice(family["employers"])
        intro = str(family["intro"]).format(company=company, title=title, neighborhood=city[3])
        blocks: list[Block] = [
            ("p", intro),
            ("h", "Responsibilities"),
            ("ul", rng.sample(family["duties"], min(4, len(family["duties"])))),
            ("h", "Requirements"),
            ("ul", rng.sample(family["requirements"], min(3, len(family["requirements"])))),
        ]
        if rng.random() < 0.6:
            blocks += [("h", "Benefits"), ("ul", rng.sample(catalog.BENEFITS, 3))]
        blocks.append(("p", rng.choice(catalog.APPLY_LINES)))
        if rng.random() < 0.3 or long:
            blocks.append(("p", catalog.EEO))
        if long:
            blocks += self._long_policies(company)
        return title, company, rng.choice(family["compensation"]), blocks, str(family["category"])

    def _long_policies(self, company: str) -> list[Block]:
        """The pages of boilerplate big employers paste into a posting (pushes it past the limit)."""
        rng = self.rng
        topics = ["Our mission", "Total rewards", "Learning and growth", "Safety", "Our commitment"]
        blocks: list[Block] = []
        while sum(len(str(body)) for _, body in blocks) < LONG_DESCRIPTION_CHARS + 2_000:
            topic = rng.choice(topics)
            sentences = [
                f"At {company}, {topic.lower()} is part of how every team works, every day.",
                f"{rng.choice(catalog.BENEFITS)} is available from your first day.",
                "We review our programs every year with employee resource groups.",
                catalog.EEO,
            ]
            blocks += [("h", topic), ("p", " ".join(rng.sample(sentences, 4)))]
        return blocks


def whitespace_variant(job: Job, rng: random.Random) -> Job:
    """The same posting as a scraper might re-capture it: other spacing, same words."""
    description = job.description.replace("\n\n", "\n \n\n").replace(". ", ".  ")
    return replace(
        job, title=f"  {job.title} ", description=description + rng.choice(["\n", "  ", "\t"])
    )


def junk_rows(job: Job) -> list[tuple[str, Row]]:
    """Every kind of broken row, with the reason the reader must give. ``job`` lends realistic text."""
    row = job.as_row()
    line = json.dumps(row, ensure_ascii=False)
    return [
        (
            JSONL_FILE,
            Row(
                line[: len(line) * 3 // 5],
                "invalid JSON",
                raw=True,
                note="scraper crashed mid-line",
            ),
        ),
        (
            JSONL_FILE,
            Row(
                '"scraper: rate limited (429), retrying in 60s"',
                "row is not an object (got string)",
                raw=True,
                note="a log message in the data",
            ),
        ),
        (JSONL_FILE, Row("null", "row is not an object (got null)", raw=True, note="a null row")),
        (JSONL_FILE, Row({}, "empty row (no fields)", note="an empty object")),
        (
            JSONL_FILE,
            Row({**row, "description": None}, "missing description", note="description is null"),
        ),
        (
            JSONL_FILE,
            Row(
                {**row, "title": 20261118},
                "title is not a string (got int)",
                note="title is a number",
            ),
        ),
        (
            JSONL_FILE,
            Row(
                {**row, "url": "javascript:void(0)"},
                "is not a web address",
                note="a link the scraper could not resolve",
            ),
        ),
        (
            JSON_FILE,
            Row(
                [row["title"], row["description"]],
                "row is not an object (got array)",
                note="a row that is an array, not an object",
            ),
        ),
        (JSON_FILE, Row({**row, "title": ""}, "missing title", note="title is empty")),
        (
            JSON_FILE,
            Row(
                {**row, "description": ["Line one", "Line two"]},
                "description is not a string (got array)",
                note="description split into a list",
            ),
        ),
        (
            JSON_FILE,
            Row(
                {**row, "company": {"name": "Acme"}},
                "company is not a string (got object)",
                note="company is an object",
            ),
        ),
        (
            CSV_FILE,
            Row(
                ",,,,,,,", "empty row (every field blank)", raw=True, note="a blank spreadsheet row"
            ),
        ),
        (
            CSV_FILE,
            Row(
                f"LJN-1,{job.title},Acme, Inc,Austin,$20/hr,11/18/2026,,Description",
                "more field(s) than the header",
                raw=True,
                note="an unquoted comma",
            ),
        ),
        (
            CSV_FILE,
            Row(
                {**row, "id": None, "url": None, "description": "<br><br>&nbsp;"},
                "missing description",
                note="description is markup only",
            ),
        ),
        (
            CSV_FILE,
            Row(
                {**row, "id": None, "url": None, "title": "   "},
                "missing title",
                note="title is blank",
            ),
        ),
    ]


BAD_FILES: dict[str, tuple[str, bytes, str]] = {
    # day: (file name, bytes, expected reason) -- files the reader must refuse whole
    DAYS[2]: (
        "scraper.log.txt",
        b"2026-11-20 02:00:01 INFO scraped 312 pages\n",
        "unsupported file type",
    ),
}


@dataclass(frozen=True)
class MessyFile:
    """A file a careless tool wrote: read anyway, with ``postings`` rows kept and ``rejections``
    (line, reason, why) refused."""

    name: str
    data: bytes
    postings: int
    rejections: tuple[tuple[int, str, str], ...] = ()


MESSY_FILES: dict[str, MessyFile] = {
    DAYS[3]: MessyFile(
        "legacy-export.csv",
        (
            ",".join(CSV_COLUMNS)
            + "\nLEG-1,Caf\xe9 Barista,Caf\xe9 Bleu,Denver,$17/hr,11/21/2026,,Espresso & r\xe9sum\xe9s\n"
        ).encode("cp1252"),
        postings=1,
    ),
    DAYS[4]: MessyFile(
        "craigslist-west-retry.json",
        b'[\n{"title": "Line Cook", "description": "Busy kitchen"},\n{"title": "Barista", "desc',
        postings=1,
        rejections=((3, "invalid JSON", "a retry run killed mid-write: the last row is cut off"),),
    ),
}


def build(out: Path) -> dict[str, object]:
    """Write every day under ``out`` and return the manifest."""
    rng = random.Random(SEED)
    factory = Factory(rng)
    seen: list[tuple[Row, str]] = []  # (row, day) of fresh craigslist postings, for reposts
    long_plan = {
        (DAYS[0], JSON_FILE, False),
        (DAYS[1], JSONL_FILE, True),
        (DAYS[3], JSON_FILE, False),
    }
    junk_kinds = len(junk_rows(factory.job(JSONL_FILE, date(2026, 11, 1), False)))
    manifest_days: dict[str, dict[str, object]] = {}
    for index, day in enumerate(DAYS):
        writer = Writer(day)
        when = date.fromisoformat(day)
        fresh: list[Row] = []
        for file, count in FRESH_PER_DAY.items():
            for _ in range(count):
                job = factory.job(file, when, rng.random() < LEAD_SHARE)
                fresh.append(writer.add(file, Row(None, job=job, note="fresh")))
        for d, file, lead in sorted(long_plan):
            if d == day:
                fresh.append(
                    writer.add(
                        file, Row(None, job=factory.job(file, when, lead, long=True), note="long")
                    )
                )
        reposts = _reposts(writer, seen, rng) if index else ([], [])
        duplicates = _duplicates(writer, fresh, rng)
        sample_job = rng.choice(fresh).job
        assert sample_job is not None
        kinds = junk_rows(sample_job)
        chosen = [k for k in range(junk_kinds) if k % len(DAYS) == index] + rng.sample(
            range(junk_kinds), 2
        )
        for k in chosen:
            file, row = kinds[k]
            rows = writer.rows[file]
            rows.insert(rng.randint(1, len(rows) - 1), replace(row))
        folder = out / day
        writer.write(folder)
        bad = BAD_FILES.get(day)
        if bad:
            (folder / bad[0]).write_bytes(bad[1])
        messy = MESSY_FILES.get(day)
        if messy:
            (folder / messy.name).write_bytes(messy.data)
        # Reposts copy rows that survive the merge: a superseded first capture is not a posting.
        superseded = {id(first) for first, _ in duplicates}
        seen += [
            (r, day)
            for r in fresh
            if r.job and r.job.file != CSV_FILE and r.note == "fresh" and id(r) not in superseded
        ]
        manifest_days[day] = _day_manifest(day, writer, reposts, duplicates, bad, messy)
    return {"seed": SEED, "days": manifest_days}


def _ref(day: str, file: str, row: Row) -> str:
    return f"{day}/{file}:{row.line}"


def _reposts(
    writer: Writer, seen: list[tuple[Row, str]], rng: random.Random
) -> tuple[list[Repost], list[Repost]]:
    """Earlier postings seen again: the same listing (same id), and a renewal under a new id."""
    picks = rng.sample(seen, 8)
    same_id = []
    for n, (original, day) in enumerate(picks[:6]):
        job = original.job
        assert job is not None
        if n < 2:
            job = whitespace_variant(job, rng)
        elif n < 4 and job.url:
            job = replace(
                job, url=job.url + rng.choice(["?utm_source=rss&utm_medium=feed", "#map", "/"])
            )
        same_id.append(
            (original, day, writer.add(job.file, Row(None, job=job, note="repost, same id")))
        )
    new_id = []
    for original, day in picks[6:]:
        job = original.job
        assert job is not None
        source_id, url = renewed_identity(job, rng)
        # The posted date is kept: the ad reads exactly as before, so the engine can reuse the answer.
        renewed = replace(job, source_id=source_id, url=url)
        new_id.append(
            (original, day, writer.add(job.file, Row(None, job=renewed, note="repost, new id")))
        )
    return same_id, new_id


def renewed_identity(job: Job, rng: random.Random) -> tuple[str, str | None]:
    """A renewed craigslist ad: a new id, the URL rebuilt around it."""
    assert job.source_id is not None
    new_id = str(int(job.source_id) + rng.randint(1_000_000, 2_000_000))
    url = job.url.replace(job.source_id, new_id) if job.url else None
    return new_id, url


def _duplicates(writer: Writer, fresh: list[Row], rng: random.Random) -> list[tuple[Row, Row]]:
    """A listing caught twice in one night, edited in between: the later capture must win."""
    pairs = []
    candidates = [r for r in fresh if r.job and r.job.source_id and r.note == "fresh"]
    for first in rng.sample(candidates, 2):
        job = first.job
        assert job is not None
        edited = replace(
            job, description=job.description + "\n\nUPDATE: still hiring, interviews this week."
        )
        pairs.append((first, writer.add(job.file, Row(None, job=edited, note="duplicate, edited"))))
    return pairs


def _day_manifest(
    day: str,
    writer: Writer,
    reposts: tuple[list[Repost], list[Repost]],
    duplicates: list[tuple[Row, Row]],
    bad: tuple[str, bytes, str] | None,
    messy: MessyFile | None,
) -> dict[str, object]:
    good = [(file, r) for file, rows in writer.rows.items() for r in rows if r.reason is None]
    rejected = [
        (file, r) for file, rows in writer.rows.items() for r in rows if r.reason is not None
    ]
    keys = {r.job.key() for _, r in good if r.job}
    same_id, new_id = reposts
    files = sorted(writer.rows) + ([bad[0]] if bad else []) + ([messy.name] if messy else [])
    messy_rejections = [
        {"file": f"{day}/{messy.name}", "line": line, "reason": reason, "why": why}
        for line, reason, why in (messy.rejections if messy else ())
    ]
    messy_postings = messy.postings if messy else 0
    return {
        "files": sorted(f"{day}/{f}" for f in files),
        "rows": len(good) + len(rejected) + messy_postings + len(messy_rejections),
        "postings": len(keys) + messy_postings,
        "duplicates_merged": len(good) - len(keys),
        "rejected_rows": len(rejected) + len(messy_rejections),
        "rejected_files": [{"file": f"{day}/{bad[0]}", "reason": bad[2]}] if bad else [],
        "rejections": sorted(
            [
                *(
                    {"file": f"{day}/{file}", "line": r.line, "reason": r.reason, "why": r.note}
                    for file, r in rejected
                ),
                *messy_rejections,
            ],
            key=lambda x: (x["file"], x["line"]),
        ),
        "reposts_same_id": [
            {"original": _ref(d, o.job.file, o), "repost": _ref(day, r.job.file, r)}
            for o, d, r in same_id
        ],
        "reposts_new_id": [
            {"original": _ref(d, o.job.file, o), "repost": _ref(day, r.job.file, r)}
            for o, d, r in new_id
        ],
        "duplicates": [
            {"first": _ref(day, a.job.file, a), "last": _ref(day, b.job.file, b)}
            for a, b in duplicates
        ],
        "long_descriptions": [_ref(day, f, r) for f, r in good if r.note == "long"],
        "html_descriptions": sum(1 for _, r in good if r.job and "</" in r.job.description),
        "leads": sum(1 for _, r in good if r.job and r.job.lead and r.note == "fresh"),
    }


def readme(manifest: dict[str, object]) -> str:
    """README.md, its tables written from the manifest so the numbers cannot drift from the data."""
    days: dict[str, dict[str, object]] = manifest["days"]  # type: ignore[assignment]
    head = "| day | rows | postings | rejected rows | rejected files | merged duplicates | reposts (same id) | reposts (new id) | fresh leads | HTML descriptions | long descriptions |"
    table = [head, "|" + "---|" * (head.count("|") - 1)]
    totals = [0] * 10
    for day, e in days.items():
        cells = [
            e["rows"],
            e["postings"],
            e["rejected_rows"],
            len(e["rejected_files"]),
            e["duplicates_merged"],
            len(e["reposts_same_id"]),
            len(e["reposts_new_id"]),
            e["leads"],
            e["html_descriptions"],
            len(e["long_descriptions"]),
        ]
        totals = [t + c for t, c in zip(totals, cells, strict=True)]
        table.append(f"| {day} | " + " | ".join(map(str, cells)) + " |")
    table.append("| **total** | " + " | ".join(f"**{t}**" for t in totals) + " |")
    junk = ["| file:line | reason the reader gives | why it is junk |", "|---|---|---|"]
    for e in days.values():
        junk += [
            f"| {r['file']}:{r['line']} | {r['reason']} | {r['why']} |" for r in e["rejections"]
        ]
        junk += [
            f"| {r['file']} (whole file) | {r['reason']} | {BAD_FILE_WHY[r['file'].split('/')[1]]} |"
            for r in e["rejected_files"]
        ]
    return README.format(table="\n".join(table), junk="\n".join(junk), seed=SEED)


BAD_FILE_WHY = {
    "scraper.log.txt": "a scraper log left in the drop folder: not a data format",
}
README = """# Sample scraper output

Five scrape days (2026-11-18 .. 2026-11-22) of invented job postings, as three scrapers would drop
them into `data/incoming/<day>/`. The demo copies these folders there; the tests read them in place.
Regenerate with `python data/sample/generate.py` (seed {seed}, stdlib only, byte-for-byte
deterministic); the tests check that the committed files are what the generator writes.

## Files per day
- `craigslist-east.jsonl` - JSON Lines from New York, Chicago, Boston, Atlanta and Austin; dates as
  ISO timestamps.
- `craigslist-west.json` - a JSON array, one element a line, from the SF bay area, Seattle, Portland,
  Denver and Los Angeles; dates like `Nov 18, 2026`; a few pay values parsed into bare numbers.
- `jobboard-export.csv` - a job board's CSV export from all ten cities; dates like `11/18/2026`;
  about one row in eight has neither id nor URL, so its id is a content hash.
- `generate.py`, `catalog.py` - the generator (formats, reposts, junk, bookkeeping) and its word banks
  (cities, employers, job families, the manual chores of the lead businesses).
- `manifest.json` - what the reader must make of every row: the counts below, each rejection with its
  file, line and reason, the reposts and duplicates by `file:line`. The tests read it.

## What is in it
About a quarter of the fresh postings are the leads the pipeline hunts for: small businesses hiring
someone to do manual, repetitive work by hand (re-typing orders into QuickBooks, keying PDF
invoices, copying contacts into a CRM, building the weekly Excel report), with urgency from "ASAP,
we are three weeks behind" to "no rush". The rest is everything else a job board carries: senior and
staff engineers at large tech companies, nurses, drivers, cooks, retail, warehouse, teachers,
trades, office and care jobs. Pay comes as `$18-22/hr`, `$55,000 - $65,000 a year`, `DOE`,
`competitive`, `$0.62-$0.70 per mile`, or not at all. About a quarter of descriptions are HTML copied
from the page (paragraphs, lists, entities, now and then a `<script>` or `<style>`), the rest plain
text. Three descriptions are longer than 12,000 characters (benefits boilerplate, a pasted order
list) to exercise truncation.

- **Reposts, same id**: a listing seen again on a later day, same id and content (two of them
  re-captured with other spacing, two with tracking parameters, a fragment or a trailing slash on the
  URL): same job id, same fingerprint, so `last_seen` moves and nothing is sent again.
- **Reposts, new id**: a renewed ad, new id and URL, identical content (and posted date): a new job
  id, the same fingerprint, so the engine reuses the answer.
- **Merged duplicates**: a listing caught twice in one night, edited in between; the later capture
  wins.
- **Junk**: every kind of bad row, a few a day, and a file in no data format (a scraper log).
  None of it stops the rest of its file.
- **Messy files**: an export in Windows-1252 (Caf\u00e9), read with a warning; a retry run killed
  mid-write (the array never closes), whose complete row is read and whose cut-off row is refused.

{table}

"rows" counts rows in readable files (postings before merging plus rejected rows); "postings" is
after merging duplicates. Reposts are counted in the day they reappear.

## Junk rows and files

{junk}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the days into")
    args = parser.parse_args()
    for day in DAYS:
        shutil.rmtree(args.out / day, ignore_errors=True)
    manifest = build(args.out)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    (args.out / "README.md").write_text(readme(manifest), encoding="utf-8")
    print(f"wrote {len(DAYS)} days to {args.out}")


if __name__ == "__main__":
    main()
