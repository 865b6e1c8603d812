"""Discord: interaction received -> initial response sent, on SQLite.

The real discord.py client runs against the loopback fake Discord the tests use. Each
sample is timed by the fake, from writing the INTERACTION_CREATE frame to the gateway
socket to receiving the bot's interaction callback over HTTP: gateway parsing, command
dispatch, the core use case in a worker thread, rendering and the HTTP request are all
inside the figure. Measured: `/touchpoint record` (opens the modal; no database work
before it), a modal submission that saves five items (two challenges, two of our promises
with due dates, one of theirs) plus the biggest difference, and `/touchpoint show` (reads
a customer's whole record).

    .venv/bin/python -m bench.bench_discord [small|large]
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench.harness import Figure, percentile

with warnings.catch_warnings():  # discord.py imports audioop, deprecated since 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.world import SAM, running

AIM_P99_MS = 50.0
CUSTOMERS = 50
FIVE_ITEMS = {
    "challenges": "slow internet\ndisconnects daily",
    "our_promises": "send fibre quote by fri\ncall back tomorrow 10am",
    "their_promises": "read the brochure before next tue",
    "difference": "needs fibre",
    "notes": "",
}


def figure(name: str, latencies: list[float], elapsed: float, note: str = "") -> Figure:
    ordered = sorted(latencies)
    p99 = percentile(ordered, 0.99)
    return Figure(
        name=name,
        samples=len(ordered),
        p50_ms=statistics.median(ordered),
        p99_ms=p99,
        throughput_per_s=len(ordered) / elapsed if elapsed > 0 else None,
        aim=f"p99 < {AIM_P99_MS:g} ms",
        met=p99 < AIM_P99_MS,
        note=note,
    )


async def measure(samples: int, tmp: Path) -> list[Figure]:
    async with running(tmp) as w:
        fake: FakeDiscord = w.fake
        modals: list[dict[str, Any]] = []
        for i in range(CUSTOMERS):  # warm-up: teams, customers, the parser's first call
            opened = await fake.slash(w.acme, SAM, "record", customer=f"+Customer {i:03d}")
            modals.append(opened.data["data"])
            await fake.submit(w.acme, SAM, opened.data["data"], FIVE_ITEMS)

        command: list[float] = []
        started = time.perf_counter()
        for i in range(samples):
            callback = await fake.slash(
                w.acme, SAM, "record", customer=f"+Customer {i % CUSTOMERS:03d}", kind="call"
            )
            assert callback.type == 9, callback.data
            command.append(callback.latency_ms)
        command_elapsed = time.perf_counter() - started

        submit: list[float] = []
        started = time.perf_counter()
        for i in range(samples):
            w.later(seconds=1)
            callback = await fake.submit(w.acme, SAM, modals[i % CUSTOMERS], FIVE_ITEMS)
            assert callback.type == 4 and "Touchpoint recorded" in str(callback.data), callback.data
            submit.append(callback.latency_ms)
        submit_elapsed = time.perf_counter() - started

        show: list[float] = []
        started = time.perf_counter()
        for i in range(samples):
            callback = await fake.slash(
                w.acme, SAM, "show", customer=f"Customer {i % CUSTOMERS:03d}"
            )
            assert callback.type == 4, callback.data
            show.append(callback.latency_ms)
        show_elapsed = time.perf_counter() - started
    return [
        figure(
            "Discord /touchpoint record -> modal (interaction in -> response out)",
            command,
            command_elapsed,
        ),
        figure(
            "Discord modal submit saving 5 items -> confirmation (SQLite)",
            submit,
            submit_elapsed,
        ),
        figure(
            "Discord /touchpoint show -> customer record (SQLite)",
            show,
            show_elapsed,
            note=f"a record of {samples // CUSTOMERS + 1} touchpoints",
        ),
    ]


def run(size: str = "small") -> list[Figure]:
    samples = 300 if size == "small" else 3000
    logging.getLogger("discord").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(measure(samples, Path(tmp)))


if __name__ == "__main__":
    for fig in run(sys.argv[1] if len(sys.argv) > 1 else "small"):
        print(fig)
