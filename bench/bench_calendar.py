"""The team calendar feed of 10,000 open promises (200 customers), over real HTTP on SQLite.

* building it: the data read and the document written, once per change of the data;
* a GET once built (the version checked, the kept document sent, 11 MB);
* a GET with the ETag (``304 Not Modified``);
* 20 GETs at once on a fresh server: one build, and how much the process's peak RSS grew.

The aim: a GET of the built feed p50 < 200 ms.

    .venv/bin/python -m bench.bench_calendar [small|large]
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.harness import Figure, measure
from bot.bootstrap import build
from bot.config import load_settings
from bot.core.calendar import issue_feed
from bot.core.clock import ManualClock
from bot.core.model import Customer, Direction, Promise, Team, Touchpoint
from bot.web.feeds import TokenRateLimit
from bot.web.server import make_web_app, serve_web

NOW = datetime(2026, 11, 19, 10, tzinfo=UTC)
TEAM = "bench:T1"
AIM_P50_MS = 200.0


def _seed(database: Path, promises: int) -> tuple[object, str]:
    settings = load_settings({"DATABASE_URL": f"sqlite:///{database}"}, dotenv=None)
    container = build(settings, clock=ManualClock(NOW))
    customers = 200
    with container.uow_factory() as uow:
        uow.teams.add(Team(id=TEAM, name="Bench", created_at=NOW))
        for c in range(customers):
            customer = uow.customers.add(Customer(TEAM, f"Customer {c}", f"customer-{c}"))
            assert customer.id is not None
            uow.touchpoints.add(
                Touchpoint(
                    TEAM,
                    customer.id,
                    "U1",
                    NOW,
                    promises=[
                        Promise(
                            TEAM,
                            customer.id,
                            Direction.OURS,
                            f"send the revised quote {n}",
                            f"U{n % 7}",
                            "U1",
                            NOW,
                            due_at=NOW + timedelta(hours=n + 1),
                        )
                        for n in range(promises // customers)
                    ],
                )
            )
        uow.commit()
    token = issue_feed(TEAM, None, uow=container.uow_factory(), clock=container.clock)
    return container, f"/calendar/{token}.ics"


def run(size: str = "small") -> list[Figure]:
    samples = 20 if size == "small" else 100
    with tempfile.TemporaryDirectory() as tmp:
        container, path = _seed(Path(tmp) / "bench.db", 10_000)
        try:
            return asyncio.run(_measure(container, path, samples))
        finally:
            container.close()  # type: ignore[attr-defined]


async def _measure(container: object, path: str, samples: int) -> list[Figure]:
    figures: list[Figure] = []
    loop = asyncio.get_running_loop()

    async def serve() -> tuple[aiohttp.ClientSession, object]:
        # No rate limit: the samples ask for one link far more often than an app may.
        unlimited = TokenRateLimit(burst=1_000_000)
        app = make_web_app(container.core, feed_limit=unlimited)  # type: ignore[attr-defined]
        runner = await serve_web(app, "127.0.0.1", 0)
        host, port = runner.addresses[0][:2]
        return aiohttp.ClientSession(f"http://{host}:{port}"), runner

    async def get(session: aiohttp.ClientSession, headers: dict[str, str]) -> tuple[int, str]:
        async with session.get(path, headers=headers) as response:
            await response.read()
            return response.status, response.headers.get("ETag", "")

    # Twenty at once on a fresh server: the first build, shared.
    session, runner = await serve()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    answers = await asyncio.gather(*(get(session, {}) for _ in range(20)))
    burst_ms = (time.perf_counter() - started) * 1000
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert all(status == 200 for status, _ in answers), answers
    etag = answers[0][1]
    figures.append(
        Figure(
            "20 concurrent GETs, cold (one build)",
            1,
            burst_ms,
            burst_ms,
            peak_mib=grown,
            note="all 20 answered; peak MiB: how much the process's peak RSS grew",
        )
    )
    await session.close()
    await runner.cleanup()  # type: ignore[attr-defined]

    # Building alone, on fresh servers (nothing kept). The CPU the process spent is the
    # build's cost whatever else the machine runs; the wall time is what the app waits.
    builds: list[float] = []
    cpu: list[float] = []
    for _ in range(5):
        session, runner = await serve()
        started, cpu_started = time.perf_counter(), time.process_time()
        await get(session, {})
        builds.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        await session.close()
        await runner.cleanup()  # type: ignore[attr-defined]
    builds.sort()
    cpu.sort()
    figures.append(
        Figure("first GET: build 10,000 promises", 5, builds[2], builds[-1], note="11 MB")
    )
    figures.append(
        Figure(
            "first GET: CPU of the process (read, write, serve)",
            5,
            cpu[2],
            cpu[-1],
            note="process CPU time, not wall time: steady on a busy machine",
        )
    )

    session, runner = await serve()
    await get(session, {})

    def timed(headers: dict[str, str]) -> None:
        # measure() calls synchronously; each call runs one GET to completion on this
        # loop's own thread pool worker (the server runs on this loop).
        future = asyncio.run_coroutine_threadsafe(get(session, headers), loop)
        status, _ = future.result()
        assert status in (200, 304)

    # measure() blocks, so it runs in a thread while this loop serves.
    figures.append(
        await asyncio.to_thread(
            measure,
            "GET once built (10,000 promises, 11 MB)",
            lambda _: timed({}),
            samples,
            warmup=2,
            aim_p50_ms=AIM_P50_MS,
        )
    )
    figures.append(
        await asyncio.to_thread(
            measure,
            "GET with the ETag (304)",
            lambda _: timed({"If-None-Match": etag}),
            samples,
            warmup=2,
        )
    )
    await session.close()
    await runner.cleanup()  # type: ignore[attr-defined]
    return figures


if __name__ == "__main__":
    for figure in run(sys.argv[1] if len(sys.argv) > 1 else "small"):
        print(figure)
