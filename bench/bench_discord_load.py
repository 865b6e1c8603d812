"""Discord under concurrent load from many users in many servers.

``bench_discord`` times one user's interactions one after another. Here the bot runs as
deployed, ``python -m bot run`` in its own process on SQLite, connected to the loopback
fake Discord (REST and gateway) that lives in this process and plays 20 servers and 200
people. Each figure is the time from the fake writing INTERACTION_CREATE to the gateway
socket to the bot's interaction callback arriving over HTTP:

* ``/touchpoint record`` (the bot answers with its form), and a form submission saving
  five items with two due dates (answered with the confirmation, after the commit);
* first with interactions arriving open-loop at a steady rate (Poisson, seeded), however
  many are in flight: the aim, p99 under 50 ms; then with 16 senders back to back, the
  throughput ceiling (no aim).

    .venv/bin/python -m bench.bench_discord_load [small|large]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.harness import Figure, percentile

with warnings.catch_warnings():  # discord.py imports audioop, deprecated since 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from tests.adapters.discord.fake_discord import TOKEN, Callback, FakeDiscord, Guild
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[1]
AIM_P99_MS = 50.0
SERVERS = 20
PEOPLE = 200
CUSTOMERS = 5  # per server
RATE = 20.0  # interactions a second, open loop
SATURATING = 16
SAMPLES = {"small": 300, "large": 3000}
FIVE_ITEMS = {
    "challenges": "slow internet\ndisconnects daily",
    "our_promises": "send fibre quote by fri\ncall back tomorrow 10am",
    "their_promises": "read the brochure",
    "difference": "needs fibre",
    "notes": "",
}


def person(n: int) -> int:
    return 2_000_000_000_000_000_100 + n % PEOPLE


@contextlib.asynccontextmanager
async def bot_process(fake: FakeDiscord, tmp: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "ERROR",  # not discord.py's notes about voice support
        "DATABASE_URL": f"sqlite:///{tmp / 'load.db'}",
        "TOUCHPOINT_DATA_DIR": str(tmp),
        "TOUCHPOINT_HTTP_PORT": str(free_port()),
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp
    )
    try:
        deadline = time.monotonic() + 60
        while not fake.identify:
            if process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("the bot did not connect to the fake Discord")
            await asyncio.sleep(0.02)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        await process.wait()


async def fire(
    count: int, send: Callable[[int], Awaitable[Callback]], rate: float | None
) -> tuple[list[float], float, int]:
    """``send(i)`` for every i: open loop at ``rate`` a second, or SATURATING senders back
    to back. Returns the latencies (ms), the elapsed seconds and the most in flight."""
    latencies: list[float] = []
    in_flight = peak = 0

    async def one(index: int) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        callback = await send(index)
        in_flight -= 1
        latencies.append(callback.latency_ms)

    began = time.perf_counter()
    if rate is None:
        queue = iter(range(count))

        async def sender() -> None:
            for index in queue:
                await one(index)

        await asyncio.gather(*(sender() for _ in range(SATURATING)))
    else:
        arrivals = random.Random(8).expovariate
        due, tasks = began, []
        for index in range(count):
            due += arrivals(rate)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.ensure_future(one(index)))
        await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - began, peak


def figure(name: str, result: tuple[list[float], float, int], *, aim: bool, load: str) -> Figure:
    latencies, elapsed, peak = result
    ordered = sorted(latencies)
    p99 = percentile(ordered, 0.99)
    return Figure(
        name,
        len(ordered),
        percentile(ordered, 0.5),
        p99,
        throughput_per_s=len(ordered) / elapsed if elapsed else None,
        aim=f"p99 < {AIM_P99_MS:g} ms" if aim else "",
        met=p99 < AIM_P99_MS if aim else None,
        note=f"{load}; {SERVERS} servers, {PEOPLE} people; up to {peak} in flight",
    )


async def measure(samples: int, tmp: Path) -> list[Figure]:
    fake = FakeDiscord()
    fake.enforce_limits = False  # the tests check payloads; this times answers
    servers: list[Guild] = [fake.add_guild(f"Server {n}") for n in range(SERVERS)]
    await fake.start()
    forms: dict[tuple[int, int], dict[str, Any]] = {}
    try:
        async with bot_process(fake, tmp):
            # Warm-up: every server's team and customers exist, every code path has run.
            for s, server in enumerate(servers):
                for c in range(CUSTOMERS):
                    opened = await fake.slash(server, person(s), "record", customer=f"+Cust {c}")
                    assert opened.type == 9, opened.data
                    forms[(s, c)] = opened.data["data"]
                    await fake.submit(server, person(s), forms[(s, c)], FIVE_ITEMS)

            async def record(i: int) -> Callback:
                server = servers[i % SERVERS]
                callback = await fake.slash(
                    server, person(i), "record", customer=f"Cust {i % CUSTOMERS}", kind="call"
                )
                assert callback.type == 9, callback.data
                return callback

            async def submit(i: int) -> Callback:
                s = i % SERVERS
                callback = await fake.submit(
                    servers[s], person(i), forms[(s, i % CUSTOMERS)], FIVE_ITEMS
                )
                assert callback.type == 4 and "recorded" in str(callback.data), callback.data
                return callback

            steady = f"open loop, {RATE:g}/s"
            flat_out = f"saturation: {SATURATING} senders back to back"
            figures = [
                figure(
                    "Discord /touchpoint record -> form, concurrent users",
                    await fire(samples, record, RATE),
                    aim=True,
                    load=steady,
                ),
                figure(
                    "Discord form submit, 5 items saved -> confirmation, concurrent users",
                    await fire(samples, submit, RATE),
                    aim=True,
                    load=steady + ", SQLite",
                ),
                figure(
                    "Discord /touchpoint record -> form, saturation",
                    await fire(samples, record, None),
                    aim=False,
                    load=flat_out,
                ),
                figure(
                    "Discord form submit -> confirmation, saturation",
                    await fire(samples, submit, None),
                    aim=False,
                    load=flat_out + ", SQLite",
                ),
            ]
    finally:
        await fake.close()
    return figures


def run(size: str = "small") -> list[Figure]:
    logging.getLogger("discord").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="touchpoint-discord-load-") as tmp:
        return asyncio.run(measure(SAMPLES[size], Path(tmp)))


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("discord_load", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
