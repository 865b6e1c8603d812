"""Parsing speed: quick entries, forms and when-phrases, cold and warm.

Warm figures time repeated calls in this process. Cold figures start a fresh interpreter
per sample and time ``import bot.core.parsing`` plus the first parse, which is what a bot
that has just started pays on its first command. Like an installed bot, those interpreters
read compiled bytecode (a private pycache, primed by one unmeasured run), even where the
environment sets PYTHONDONTWRITEBYTECODE. The long-tail figures go through dateparser (the
first one also imports it); the common phrases never load it.

    .venv/bin/python -m bench.bench_parse [small|large]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta

from bench.harness import Figure, measure, percentile
from bot.core.drafts import FormFields
from bot.core.parsing import parse_due, parse_form, parse_quick_entry

BASE = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
TZ = "Europe/London"
DAY_START = time(9, 0)
AIM_P50_MS = 3.0

THREE_DATES = (
    "acme call | ch: slow internet; disconnects daily | we: send fibre quote by fri; "
    "call back tomorrow 10am | they: read brochure before next tue | diff: needs fibre | "
    "code: meeting booked"
)
LONG_TAIL = "acme call | we: pay deposit by 2 weeks and 3 days | diff: needs fibre"
AIM_PHRASE_P50_MS = 1.0
AIM_TAIL_MS = 3.0
# One promise each, cycled: the phrases people type most, read by our own rules.
COMMON_PHRASES = (
    "by fri",
    "tomorrow 10am",
    "3 Dec",
    "in 2 weeks",
    "end of month",
    "next tue",
    "tomorrow eod",
    "10/12",
    "thursday next week",
    "by 16.12.",
)
# The longest phrases of each family, and two that go on to dateparser.
TAIL_PHRASES = (
    "second tuesday of next month",
    "monday of next week at 10am",
    "tomorrow half past 6 in the evening",
    "last working day of december",
    "in a quarter of an hour",
    "w/c 14 Dec",
    "this time next week",
    "by december 3rd at 5:45 in the afternoon",
    "by 2 weeks and 3 days",
    "by 1 year and 2 months",
)
FORM = FormFields(
    kind="call",
    code="meeting booked",
    challenges="slow internet\ndisconnects daily",
    our_promises="send fibre quote by fri\ncall back tomorrow 10am",
    their_promises="read brochure before next tue",
    difference="needs fibre",
)
FULL = "acme call | " + " | ".join(
    f"{label}: " + "; ".join(f"item {n} to do by fri 2pm" for n in range(50))
    for label in ("ch", "we", "they")
)

# The baseline (the package, bot.core.model and drafts) is shared with every other module.
_COLD_SCRIPT = """
import json, time
from datetime import UTC, datetime, time as clock
t0 = time.perf_counter()
import bot.core.drafts
t1 = time.perf_counter()
from bot.core.parsing import parse_quick_entry
t2 = time.perf_counter()
parse_quick_entry({text!r}, now=datetime(2026, 11, 25, 14, tzinfo=UTC),
                  tz="Europe/London", day_start=clock(9))
t3 = time.perf_counter()
print(json.dumps({{"base_ms": (t1 - t0) * 1000, "import_ms": (t2 - t1) * 1000,
                   "parse_ms": (t3 - t2) * 1000}}))
"""
_COLD_LABELS = {
    "base_ms": "import bot.core.model/drafts",
    "import_ms": "then import parsing",
    "parse_ms": "first parse",
}


def _now(i: int) -> datetime:
    # A different instant each call, so nothing can be answered from a cache of the last one.
    return BASE + timedelta(minutes=i % 10_000)


def _cold_samples(text: str, runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {key: [] for key in _COLD_LABELS}
    script = _COLD_SCRIPT.format(text=text)
    with tempfile.TemporaryDirectory() as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for run_index in range(runs + 1):
            out = subprocess.run(
                [sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env
            )
            if run_index == 0:
                continue  # it compiled the sources into the pycache
            for key, value in json.loads(out.stdout).items():
                samples[key].append(value)
    return samples


def _one(phrases: tuple[str, ...], i: int) -> object:
    item = f"send quote {phrases[i % len(phrases)]}"
    return parse_form(FormFields(our_promises=item), now=_now(i), tz=TZ, day_start=DAY_START)


def _cold(name: str, text: str, runs: int, note: str) -> list[Figure]:
    samples = _cold_samples(text, runs)
    figures = []
    for key, label in _COLD_LABELS.items():
        values = sorted(samples[key])
        figures.append(
            Figure(
                name=f"cold {name}: {label}",
                samples=runs,
                p50_ms=statistics.median(values),
                p99_ms=percentile(values, 0.99),
                note=note,
            )
        )
    return figures


def run(size: str = "small") -> list[Figure]:
    samples = 2_000 if size == "small" else 20_000
    cold_runs = 5 if size == "small" else 20
    return [
        *_cold("common phrases", THREE_DATES, cold_runs, "three due dates; no dateparser"),
        *_cold("long tail", LONG_TAIL, cold_runs, "imports dateparser and builds its parser"),
        measure(
            "warm quick entry, three due dates",
            lambda i: parse_quick_entry(THREE_DATES, now=_now(i), tz=TZ, day_start=DAY_START),
            samples,
            aim_p50_ms=AIM_P50_MS,
            note="our own date rules",
        ),
        measure(
            "warm form, three due dates",
            lambda i: parse_form(FORM, now=_now(i), tz=TZ, day_start=DAY_START),
            samples,
            aim_p50_ms=AIM_P50_MS,
        ),
        measure(
            "warm quick entry, long-tail date",
            lambda i: parse_quick_entry(LONG_TAIL, now=_now(i), tz=TZ, day_start=DAY_START),
            samples,
            aim_p50_ms=AIM_P50_MS,
            note="“by 2 weeks and 3 days” goes to dateparser",
        ),
        measure(
            "warm one promise, common due phrases",
            lambda i: _one(COMMON_PHRASES, i),
            samples,
            aim_p50_ms=AIM_PHRASE_P50_MS,
            note=f"{len(COMMON_PHRASES)} phrases in turn (“by fri”, “10/12”, “tomorrow eod”...)",
        ),
        measure(
            "warm one promise, long-tail due phrases",
            lambda i: _one(TAIL_PHRASES, i),
            samples,
            aim_p50_ms=AIM_TAIL_MS,
            note=f"{len(TAIL_PHRASES)} phrases in turn, 2 of them read by dateparser",
        ),
        measure(
            "warm when-phrase “fri 2pm”",
            lambda i: parse_due("fri 2pm", now=_now(i), tz=TZ, day_start=DAY_START),
            samples,
        ),
        measure(
            "warm quick entry, 150 items with dates",
            lambda i: parse_quick_entry(FULL, now=_now(i), tz=TZ, day_start=DAY_START),
            max(50, samples // 20),
            note="the largest valid entry: 50 items in each list",
        ),
    ]


def _print(figures: list[Figure]) -> None:
    print(f"{'figure':<48} {'n':>6} {'p50 ms':>9} {'p99 ms':>9}  aim")
    for f in figures:
        aim = f"{f.aim} {'met' if f.met else 'MISSED'}" if f.aim else ""
        print(f"{f.name:<48} {f.samples:>6} {f.p50_ms:>9.3f} {f.p99_ms:>9.3f}  {aim}")


if __name__ == "__main__":
    _print(run(sys.argv[1] if len(sys.argv) > 1 else "small"))
