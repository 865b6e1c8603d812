"""Slack acknowledgement latency over loopback HTTP, with the real Bolt app and SQLite.

Measured from sending a correctly signed request to receiving the HTTP acknowledgement, by
a load generator in its own process (as Slack is), for many users in many workspaces:
requests arriving open-loop at a steady rate (the aim), then as fast as the bot answers
(the throughput ceiling, no aim):

* ``/touchpoint acme``: acknowledged at once; the modal opens afterwards (its time to
  ``views.open`` at the fake Slack is reported too, as what the person waits for).
* a modal submission saving a touchpoint with five items and three due dates, and the
  form's optional map part filled (map entry, contacts, CSAT, NPS, CES): the
  acknowledgement is the answer (errors or close), so it includes parsing and the commit.

Slack itself is the local fake from the tests, in its own process as the load generator is:
Slack's work (answering the bot's ``views.open`` and ``chat.postEphemeral``) is not the
bot's, and must not compete with it for the interpreter. ``python -m bench.bench_slack
[large]``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp

from bench.harness import Figure, percentile
from bot.adapters.slack import views
from bot.adapters.slack.web import EVENTS_PATH, HEALTH_PATH
from bot.bootstrap import build, slack_adapter
from bot.config import load_settings
from bot.core.catalogue import DEFAULT_MAP, STANDARD_STAGES
from bot.core.clock import ManualClock
from bot.core.model import DEFAULT_COMPLETION_CODES, Kind
from bot.runtime import settle_memory
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack

AIM_P99_MS = 50.0
WORKSPACES = 8
RATE = 50.0  # requests/s arriving open-loop: 180,000 an hour, far beyond a busy day
SATURATING = 16  # senders back to back, to find the throughput ceiling
WARM_CONNECTIONS = 16  # opened by the load generator before it starts timing
CUSTOMERS = 100
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
FIVE_ITEMS = {
    "challenges": "slow internet\nbilling confusing",
    "our_promises": "send fibre quote by fri\ncall back tomorrow 10am",
    "their_promises": "read brochure before next tue",
    "difference": "needs fibre",
    "code": "meeting booked",
}
# The form's optional map part, all of it filled: the entry on the team's default map, who
# took part, and the three scores.
MAP_PART = {
    "map_entry": "onboarding call",
    "contacts": "Jane Smith (CFO); Raj",
    "satisfaction": "4",
    "promoter": "9",
    "effort": "6",
}


class TimedFakeSlack(FakeSlack):
    """Notes when each modal was opened, by trigger id (``perf_counter`` is the system's
    monotonic clock: comparable with the load generator's in another process)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.opened_at: dict[str, float] = {}

    def _views_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        self.opened_at[str(args.get("trigger_id"))] = time.perf_counter()
        return super()._views_open(args, token)


def _serve_slack(now: float, pipe: Connection) -> None:
    """The fake Slack's process: serves until told to stop; answers "opened" with the
    modals' opening times."""

    async def serve() -> None:
        fake = TimedFakeSlack(now=lambda: now, keep_arguments=False, enforce_limits=False)
        fake.tokens["xoxb-bench"] = "T0"
        await fake.start()
        pipe.send(fake.port)
        try:
            while (asked := await asyncio.to_thread(pipe.recv)) != "stop":
                assert asked == "opened", asked
                pipe.send(dict(fake.opened_at))
        finally:
            await fake.stop()

    asyncio.run(serve())
    pipe.close()


class SlackProcess:
    """The fake Slack in its own process."""

    def __init__(self, now: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(target=_serve_slack, args=(now, theirs), daemon=True)
        self._process.start()
        theirs.close()
        self.base = f"http://127.0.0.1:{self._pipe.recv()}"
        self.api_url = f"{self.base}/api/"

    def response_url(self) -> str:
        return f"{self.base}/respond/1"

    def opened_at(self) -> dict[str, float]:
        self._pipe.send("opened")
        return self._pipe.recv()  # type: ignore[no-any-return]

    def stop(self) -> None:
        self._pipe.send("stop")
        self._process.join(30)


def submission(i: int) -> str:
    team, user = f"T{i % WORKSPACES}", f"U{i % 97}"
    view = views.record_modal(
        customer=f"+cust{i % CUSTOMERS:04d}",
        kind=Kind.CALL,
        notes="",
        codes=DEFAULT_COMPLETION_CODES,
        owner=user,
        channel="C1",
        places=tuple(entry[0] for entry in DEFAULT_MAP),
        stages=STANDARD_STAGES,
    )
    filled = payloads.fill(view, **FIVE_ITEMS, **MAP_PART)
    return payloads.interactive(payloads.view_submission(filled, team=team, user=user))


def command(i: int, response_url: str) -> str:
    fields = payloads.slash_command(
        "acme",
        team=f"T{i % WORKSPACES}",
        user=f"U{i % 97}",
        response_url=response_url,
        trigger_id=f"trigger-{i}",
    )
    return payloads.form(fields)


async def fire(
    url: str, bodies: list[str], *, rate: float | None = None
) -> tuple[list[float], dict[int, float], float, int]:
    """Send every body and time each acknowledgement (ms). With ``rate``, requests arrive
    open-loop at that many per second on average (Poisson, seeded), however many are in
    flight; without it, SATURATING senders each send the next as soon as one is answered.
    Returns latencies, send instants, elapsed seconds and the most requests in flight."""
    latencies: list[float] = []
    sent_at: dict[int, float] = {}
    in_flight = peak = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        # The sender's own start-up is not the bot's latency: its connections are opened,
        # and its first requests made, before the timed ones (a sender that has been
        # sending all along has them). Without this the first half-dozen requests of a run
        # took 45-60 ms, most of a thousand-request run's slowest percent.
        health = url.replace(EVENTS_PATH, HEALTH_PATH)

        async def warm() -> None:
            async with session.get(health) as resp:
                await resp.read()

        await asyncio.gather(*(warm() for _ in range(WARM_CONNECTIONS)))

        async def send(index: int) -> None:
            nonlocal in_flight, peak
            body = bodies[index]
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            headers |= payloads.signature_headers(body)
            in_flight += 1
            peak = max(peak, in_flight)
            started = sent_at[index] = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                text = await resp.text()
            latencies.append((time.perf_counter() - started) * 1000)
            in_flight -= 1
            if resp.status != 200 or text:
                raise AssertionError(f"unexpected acknowledgement {resp.status}: {text[:300]}")

        began = time.perf_counter()
        if rate is None:
            queue = iter(range(len(bodies)))

            async def sender() -> None:
                for index in queue:
                    await send(index)

            await asyncio.gather(*(sender() for _ in range(SATURATING)))
        else:
            arrivals = random.Random(4).expovariate
            due, tasks = began, []
            for index in range(len(bodies)):
                due += arrivals(rate)
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                tasks.append(asyncio.ensure_future(send(index)))
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - began
    return latencies, sent_at, elapsed, peak


def _client(url: str, bodies: list[str], rate: float | None, pipe: Connection) -> None:
    pipe.send(asyncio.run(fire(url, bodies, rate=rate)))
    pipe.close()


def in_process(url: str, bodies: list[str], rate: float | None) -> Any:
    """Run the load generator in its own process, as Slack is not inside the bot: the
    server's latency is not inflated by the client's work competing for the same GIL."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_client, args=(url, bodies, rate, sender))
    process.start()
    sender.close()
    try:
        return receiver.recv()
    except EOFError:
        raise RuntimeError("the load generator failed; see its traceback above") from None
    finally:
        process.join()


def figure(
    name: str, latencies: list[float], elapsed: float, *, aim_ms: float | None, note: str
) -> Figure:
    ordered = sorted(latencies)
    p99 = percentile(ordered, 0.99)
    return Figure(
        name=name,
        samples=len(ordered),
        p50_ms=percentile(ordered, 0.5),
        p99_ms=p99,
        throughput_per_s=len(ordered) / elapsed if elapsed else None,
        aim="" if aim_ms is None else f"p99 < {aim_ms:g} ms",
        met=None if aim_ms is None else p99 < aim_ms,
        note=note,
    )


class Bench:
    """The adapter on a fresh SQLite database, the fake Slack, and the load generator."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.figures: list[Figure] = []
        self.cpu_ms = 0.0

    async def __aenter__(self) -> Bench:
        clock = ManualClock(NOW)
        self.fake = await asyncio.to_thread(SlackProcess, NOW.timestamp())
        env = {
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.db'}",
            "SLACK_API_URL": self.fake.api_url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": payloads.SECRET,
        }
        settings = replace(load_settings(env, dotenv=None), http_port=0)
        self.container = build(settings, clock=clock)
        self.adapter = slack_adapter(self.container, settings)
        await self.adapter.start()
        settle_memory()  # as the bot does once started (bot.runtime.serve)
        self.url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.adapter.stop()
        await asyncio.to_thread(self.fake.stop)
        self.container.close()

    async def send(
        self, bodies: list[str], rate: float | None
    ) -> tuple[list[float], dict[int, float], float, int]:
        cpu = time.process_time()
        result = await asyncio.to_thread(in_process, self.url, bodies, rate)
        await self.adapter.idle()
        # The bot's own CPU per request (the load generator runs in another process): on a
        # busy machine the latencies are mostly waiting for a core, this is not.
        self.cpu_ms = (time.process_time() - cpu) * 1000 / max(1, len(bodies))
        return result  # type: ignore[no-any-return]

    async def commands(self, first: int, samples: int, rate: float | None, load: str) -> None:
        bodies = [command(i, self.fake.response_url()) for i in range(first, first + samples)]
        acks, sent_at, elapsed, peak = await self.send(bodies, rate)
        opened_at = await asyncio.to_thread(self.fake.opened_at)
        opened = [
            (opened_at[f"trigger-{i}"] - sent_at[i - first]) * 1000
            for i in range(first, first + samples)
        ]
        note = f"{load}, up to {peak} in flight; bot CPU {self.cpu_ms:.1f} ms a request"
        self.figures.append(
            figure(
                "Slack /touchpoint acme: request -> HTTP ack",
                acks,
                elapsed,
                aim_ms=AIM_P99_MS if rate else None,
                note=note,
            )
        )
        if rate:
            self.figures.append(
                figure(
                    "Slack /touchpoint acme: request -> views.open reaches Slack",
                    opened,
                    elapsed,
                    aim_ms=None,
                    note="the modal opening; " + note,
                )
            )

    async def saves(self, first: int, samples: int, rate: float | None, load: str) -> None:
        bodies = [submission(i) for i in range(first, first + samples)]
        acks, _, elapsed, peak = await self.send(bodies, rate)
        self.figures.append(
            figure(
                "Slack modal submit, 5 items + 3 due dates + map part saved: request -> ack",
                acks,
                elapsed,
                aim_ms=AIM_P99_MS if rate else None,
                note=f"SQLite; {load}, up to {peak} in flight; "
                f"bot CPU {self.cpu_ms:.1f} ms a request",
            )
        )


async def measure_all(tmp: Path, samples: int) -> list[Figure]:
    async with Bench(tmp) as bench:
        # Warm-up: every workspace and customer exists, Bolt has called auth.test.
        await bench.send([submission(i) for i in range(CUSTOMERS * WORKSPACES // 4)], None)
        steady = f"open loop, {RATE:g} requests/s from {WORKSPACES} workspaces"
        await bench.commands(0, samples, RATE, steady)
        await bench.saves(0, samples, RATE, steady)
        flat_out = f"saturation: {SATURATING} senders back to back"
        await bench.commands(samples, samples, None, flat_out)
        await bench.saves(samples, samples, None, flat_out)
        return bench.figures


def run(size: str = "small") -> list[Figure]:
    samples = 1000 if size == "small" else 10000
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(measure_all(Path(tmp), samples))


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("slack", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
