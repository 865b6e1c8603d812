"""Soak: the real bot under steady load for minutes, while reminders fire, on loopback.

    .venv/bin/python -m bench.soak --minutes 5 [--rate 20] [--workspaces 20] [--users 200]

``python -m bot run`` runs as its own process (SQLite, many Slack workspaces installed,
HTTP mode), against the fake Slack from the tests, which runs here. A load generator in a
third process sends signed requests open-loop (Poisson arrivals at ``--rate`` per second)
from many people of many workspaces: modal submissions that save a touchpoint with five
items (one promise due in a minute), ``/touchpoint acme`` (opens the form) and
``/touchpoint promises`` (a private list). Reminders fire all along: some promises were
seeded due every few seconds of the run, and every saved form adds one due a minute later.

Afterwards, with the load stopped and what fell due during the run delivered, the bot gets
SIGTERM, and everything is accounted for: touchpoints saved = submissions acknowledged;
every promise due during the run reminded exactly once; every delivery posted exactly once
on the fake Slack. Reported: requests handled, ack time (p50/p99/max, as the load generator
saw it), errors, and the bot's resident memory after warm-up and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import Engine, create_engine, text

from bench.harness import percentile
from bot.bootstrap import build
from bot.config import load_settings
from bot.core import services
from bot.core.clock import ManualClock
from bot.core.commands import Context
from tests.adapters.slack.fake_slack import FakeSlack
from tests.faults.process import (
    CHANNEL,
    BotProcess,
    command,
    install,
    post,
    start_bot,
    submission,
    workspace,
)

ITEMS = {
    "challenges": "slow internet\nbilling confusing",
    "our_promises": "send fibre quote in 1 minute\ncall back tomorrow 10am",
    "their_promises": "read brochure before next tue",
    "difference": "needs fibre",
}
MIX = (("save", 0.45), ("form", 0.35), ("list", 0.20))
# Each person's own open promises: the answer's size stays steady while the run adds data.
# ``--list "promises"`` lists the whole team's, which grows all run long (nobody keeps a
# promise here), and the bot's memory with it: a working set, not a leak (docs/reliability.md).
LIST_COMMAND = "promises mine"
SEED_EVERY = 3.0  # seconds between seeded due times
SEED_TEAMS = 3  # workspaces with a promise falling due at each of them
DRAIN_SECONDS = 120.0  # at most, after the load, for what fell due to go out
GENERIC_ERROR = "Something went wrong"


class SoakSlack(FakeSlack):
    """The fake Slack, counting what the people would see instead of keeping it all."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.replies: Counter[str] = Counter()  # response_url answers by url name
        self.generic_errors = 0
        self.opened = 0

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.replies[request.match_info["id"].partition("-")[0]] += 1
        self.generic_errors += GENERIC_ERROR in body
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.StreamResponse:
        response = await super()._api(request)
        self.calls.clear()  # nobody waits on them here; a soak would pile them up
        return response

    def _chat_postEphemeral(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        self.generic_errors += GENERIC_ERROR in json.dumps(args)
        return super()._chat_postEphemeral(args, token)

    def _views_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        self.opened += 1
        return super()._views_open(args, token)

    def posted_keys(self) -> list[str]:
        return [
            str(m["metadata"]["event_payload"]["key"])
            for messages in self.messages.values()
            for m in messages
            if m.get("metadata")
        ]


# -- the load generator (its own process) -------------------------------------------------


@dataclass
class LoadResult:
    sent: Counter[str] = field(default_factory=Counter)
    acked: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    peak_in_flight: int = 0
    seconds: float = 0.0


def body_for(
    i: int, kind: str, workspaces: int, users: int, respond_base: str, list_command: str
) -> str:
    user = i % users
    team, user_id = workspace(user % workspaces), f"U{user}"
    if kind == "save":
        return submission(team, user_id, f"soak customer {i}", ITEMS)
    text_ = "acme" if kind == "form" else list_command
    return command(team, user_id, text_, f"{respond_base}{kind}-{i}", f"trigger-{i}")


async def generate(
    url: str,
    respond_base: str,
    rate: float,
    seconds: float,
    workspaces: int,
    users: int,
    list_command: str,
) -> LoadResult:
    result = LoadResult()
    rng = random.Random(7)
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    in_flight = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(i: int, kind: str) -> None:
            nonlocal in_flight
            body = body_for(i, kind, workspaces, users, respond_base, list_command)
            in_flight += 1
            result.peak_in_flight = max(result.peak_in_flight, in_flight)
            answer = await post(session, url, body)
            in_flight -= 1
            result.sent[kind] += 1
            result.latencies_ms.append(answer.ms)
            if answer.status == 200 and answer.text == "":
                result.acked[kind] += 1
            else:
                result.errors[f"{kind}: {answer.status} {answer.text[:120]}"] += 1

        began = due = time.perf_counter()
        tasks: set[asyncio.Task[None]] = set()
        i = 0
        while due - began < seconds:
            due += rng.expovariate(rate)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.ensure_future(send(i, rng.choices(kinds, weights)[0]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            i += 1
        if tasks:
            await asyncio.wait(set(tasks), timeout=60)
        result.seconds = time.perf_counter() - began
    return result


def _load_process(args: tuple[Any, ...], pipe: Connection) -> None:
    pipe.send(asyncio.run(generate(*args)))
    pipe.close()


def run_load(*args: Any) -> LoadResult:
    """The load generator in its own process, as Slack is not inside the bot."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_load_process, args=(args, sender))
    process.start()
    sender.close()
    try:
        result: LoadResult = receiver.recv()
        return result
    except EOFError:
        raise RuntimeError("the load generator failed; see its traceback above") from None
    finally:
        process.join(timeout=30)


# -- the bot's memory ---------------------------------------------------------------------


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def sample_rss(pid: int, samples: list[tuple[float, float]], every: float = 1.0) -> None:
    started = time.perf_counter()
    while True:
        value = rss_mib(pid)
        if value is not None:
            samples.append((time.perf_counter() - started, value))
        await asyncio.sleep(every)


# -- seeding and accounting -----------------------------------------------------------------


def seed_reminders_during(
    db_url: str, workspaces: list[str], start: datetime, seconds: float
) -> int:
    """Promises falling due every SEED_EVERY seconds of the run, each in a few workspaces
    (recorded an hour before, "in 1 hour"). Returns how many touchpoints were seeded."""
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None))
    for team in workspaces:
        team_id = f"slack:{team}"
        container.commands.ensure_team(Context(team_id, "U1", CHANNEL, team_id))
        services.configure_team(
            team_id, "channel", CHANNEL, uow=container.uow_factory(), clock=container.clock
        )
    seeded, slot = 0, 0
    while slot * SEED_EVERY < seconds:
        due = start + timedelta(seconds=slot * SEED_EVERY)
        clock = ManualClock(due - timedelta(hours=1))
        for k in range(SEED_TEAMS):
            team = workspaces[(slot * SEED_TEAMS + k) % len(workspaces)]
            services.record_quick_entry(
                f"slack:{team}",
                "U1",
                f"+seeded {slot} | we: send quote in 1 hour | they: sign the form in 1 hour",
                uow=container.uow_factory(),
                clock=clock,
            )
            seeded += 1
        slot += 1
    container.close()
    return seeded


def count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def reminded(engine: Engine, cutoff: datetime) -> Counter[int]:
    """Promises due by ``cutoff`` -> how many sent reminders or nudges carry them."""
    with engine.connect() as connection:
        due = [
            row[0]
            for row in connection.execute(
                text("SELECT id, due_at FROM promises WHERE due_at IS NOT NULL")
            )
            if _aware(row[1]) <= cutoff
        ]
        carried = Counter(
            row[0]
            for row in connection.execute(
                text(
                    "SELECT dp.promise_id FROM delivery_promises dp"
                    " JOIN deliveries d ON d.id = dp.delivery_id"
                    " WHERE d.status = 'sent' AND d.kind IN ('reminder', 'nudge')"
                )
            )
        )
    return Counter({pid: carried.get(pid, 0) for pid in due})


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def outbox(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {
            str(k): str(s)
            for k, s in connection.execute(text("SELECT key, status FROM deliveries"))
        }


# -- the report ---------------------------------------------------------------------------


@dataclass
class SoakReport:
    seconds: float
    rate: float
    workspaces: int
    users: int
    list_command: str
    requests: int
    by_kind: dict[str, int]
    acked: int
    errors: int
    error_samples: list[str]
    p50_ms: float
    p99_ms: float
    max_ms: float
    peak_in_flight: int
    rss_after_warmup_mib: float
    rss_end_mib: float
    rss_max_mib: float
    rss_slope_mib_per_min: float
    rss_by_minute_mib: list[float]
    submissions_acked: int
    touchpoints_saved: int
    forms_acked: int
    forms_opened: int
    lists_acked: int
    lists_answered: int
    generic_error_replies: int
    due_promises: int
    reminded_exactly_once: int
    deliveries: int
    deliveries_sent: int
    posted_messages: int
    posted_twice: int
    never_posted: int
    bot_errors_logged: int
    stop_seconds: float
    bot_exit_code: int | None

    def problems(self) -> list[str]:
        found = []
        if self.errors:
            found.append(f"{self.errors} requests failed: {self.error_samples[:3]}")
        if self.touchpoints_saved != self.submissions_acked:
            found.append(
                f"{self.touchpoints_saved} touchpoints saved for "
                f"{self.submissions_acked} acknowledged submissions"
            )
        if self.forms_opened != self.forms_acked:
            found.append(f"{self.forms_opened} forms opened for {self.forms_acked} commands")
        if self.lists_answered != self.lists_acked:
            found.append(f"{self.lists_answered} lists shown for {self.lists_acked} commands")
        if self.generic_error_replies:
            found.append(f"{self.generic_error_replies} 'something went wrong' replies")
        if self.reminded_exactly_once != self.due_promises:
            found.append(
                f"{self.due_promises - self.reminded_exactly_once} of {self.due_promises} due "
                "promises not reminded exactly once"
            )
        if self.deliveries_sent != self.deliveries or self.posted_twice or self.never_posted:
            found.append(
                f"deliveries: {self.deliveries_sent}/{self.deliveries} sent, "
                f"{self.posted_twice} posted twice, {self.never_posted} never posted"
            )
        if self.bot_errors_logged:
            found.append(f"{self.bot_errors_logged} errors in the bot's log")
        if self.bot_exit_code != 0:
            found.append(f"the bot exited with {self.bot_exit_code} on SIGTERM")
        return found

    def markdown(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.by_kind.items()))
        return "\n".join(
            [
                f"| soak: {self.seconds:.0f} s at {self.rate:g} requests/s | |",
                "|---|---|",
                f"| requests handled | {self.acked} of {self.requests} ({kinds}; list = "
                f"`/touchpoint {self.list_command}`) |",
                f"| errors | {self.errors} |",
                f"| ack time p50 / p99 / max | {self.p50_ms:.1f} / {self.p99_ms:.1f} / "
                f"{self.max_ms:.0f} ms (up to {self.peak_in_flight} in flight) |",
                f"| bot RSS after warm-up → end (max) | {self.rss_after_warmup_mib:.1f} → "
                f"{self.rss_end_mib:.1f} MiB ({self.rss_max_mib:.1f}); slope after warm-up "
                f"{self.rss_slope_mib_per_min:+.2f} MiB/min |",
                "| bot RSS at each minute | "
                + " → ".join(f"{v:.0f}" for v in self.rss_by_minute_mib)
                + " MiB |",
                f"| touchpoints saved / submissions acknowledged | {self.touchpoints_saved} / "
                f"{self.submissions_acked} |",
                f"| forms opened / lists shown | {self.forms_opened} of {self.forms_acked} / "
                f"{self.lists_answered} of {self.lists_acked} |",
                f"| promises due during the run, reminded exactly once | "
                f"{self.reminded_exactly_once} of {self.due_promises} |",
                f"| deliveries sent / posted twice / never posted | {self.deliveries_sent} of "
                f"{self.deliveries} / {self.posted_twice} / {self.never_posted} |",
                f"| errors in the bot's log; SIGTERM → exit | {self.bot_errors_logged}; "
                f"{self.stop_seconds:.1f} s, code {self.bot_exit_code} |",
            ]
        )


def slope_per_minute(samples: list[tuple[float, float]]) -> float:
    if len(samples) < 3:
        return 0.0
    xs, ys = [t for t, _ in samples], [v for _, v in samples]
    return statistics.linear_regression(xs, ys).slope * 60


async def soak(
    tmp: Path, *, seconds: float, rate: float, workspaces: int, users: int, list_command: str
) -> SoakReport:
    db_url = f"sqlite:///{tmp / 'soak.db'}"
    teams = [workspace(n) for n in range(workspaces)]
    fake = SoakSlack(keep_arguments=False)
    await fake.start()
    bot: BotProcess | None = None
    sampler: asyncio.Task[None] | None = None
    try:
        install(db_url, fake, teams)
        start = datetime.now(UTC) + timedelta(seconds=5)
        seed_reminders_during(db_url, teams, start, seconds)
        engine = create_engine(db_url)
        seeded_touchpoints = count(engine, "SELECT count(*) FROM touchpoints")
        bot = await start_bot(tmp, fake, db_url, name="soak-bot", TOUCHPOINT_SCAN_SECONDS="1")
        samples: list[tuple[float, float]] = []
        sampler = asyncio.ensure_future(sample_rss(bot.process.pid, samples))
        load = await asyncio.to_thread(
            run_load,
            bot.url,
            fake.response_url(""),
            rate,
            seconds,
            workspaces,
            users,
            list_command,
        )
        rss_during = list(samples)
        cutoff = datetime.now(UTC)
        for _ in range(int(DRAIN_SECONDS / 0.5)):  # what fell due by now goes out
            counts = reminded(engine, cutoff)
            pending = [k for k, s in outbox(engine).items() if s in {"pending", "sending"}]
            if all(n >= 1 for n in counts.values()) and not pending:
                break
            await asyncio.sleep(0.5)
        sampler.cancel()
        stopped = time.perf_counter()
        exit_code: int | None = await bot.stop(signal.SIGTERM, timeout=60)
        stop_seconds = time.perf_counter() - stopped
    finally:
        if sampler is not None:
            sampler.cancel()
        if bot is not None and bot.process.returncode is None:
            await bot.stop(signal.SIGKILL)
        await fake.stop()

    counts = reminded(engine, cutoff)
    stored = outbox(engine)
    posted = Counter(fake.posted_keys())
    touchpoints = count(engine, "SELECT count(*) FROM touchpoints") - seeded_touchpoints
    engine.dispose()
    log = bot.output()
    warm = [v for t, v in rss_during if t >= max(10.0, seconds * 0.2)] or [0.0]
    after_warmup = [(t, v) for t, v in rss_during if t >= max(10.0, seconds * 0.2)]
    ordered = sorted(load.latencies_ms)
    return SoakReport(
        seconds=load.seconds,
        rate=rate,
        workspaces=workspaces,
        users=users,
        list_command=list_command,
        requests=sum(load.sent.values()),
        by_kind=dict(load.sent),
        acked=sum(load.acked.values()),
        errors=sum(load.errors.values()),
        error_samples=[f"{n} x {e}" for e, n in load.errors.most_common(5)],
        p50_ms=percentile(ordered, 0.5),
        p99_ms=percentile(ordered, 0.99),
        max_ms=ordered[-1] if ordered else float("nan"),
        peak_in_flight=load.peak_in_flight,
        rss_after_warmup_mib=warm[0],
        rss_end_mib=warm[-1],
        rss_max_mib=max(v for _, v in rss_during) if rss_during else 0.0,
        rss_slope_mib_per_min=slope_per_minute(after_warmup),
        rss_by_minute_mib=[round(v, 1) for t, v in rss_during if t % 60 < 1.0],
        submissions_acked=load.acked["save"],
        touchpoints_saved=touchpoints,
        forms_acked=load.acked["form"],
        forms_opened=fake.opened,
        lists_acked=load.acked["list"],
        lists_answered=fake.replies["list"],
        generic_error_replies=fake.generic_errors,
        due_promises=len(counts),
        reminded_exactly_once=sum(1 for n in counts.values() if n == 1),
        deliveries=len(stored),
        deliveries_sent=sum(1 for s in stored.values() if s == "sent"),
        posted_messages=sum(posted.values()),
        posted_twice=sum(1 for n in posted.values() if n > 1),
        never_posted=sum(1 for k, s in stored.items() if s == "sent" and k not in posted),
        bot_errors_logged=sum(
            1 for line in log.splitlines() if " ERROR " in line or line.startswith("Traceback")
        ),
        stop_seconds=stop_seconds,
        bot_exit_code=exit_code,
    )


def run(
    seconds: float,
    *,
    rate: float = 20.0,
    workspaces: int = 20,
    users: int = 200,
    list_command: str = LIST_COMMAND,
) -> SoakReport:
    with tempfile.TemporaryDirectory(prefix="touchpoint-soak-") as tmp:
        return asyncio.run(
            soak(
                Path(tmp),
                seconds=seconds,
                rate=rate,
                workspaces=workspaces,
                users=users,
                list_command=list_command,
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument(
        "--list", default=LIST_COMMAND, help=f"the list command sent (default: {LIST_COMMAND!r})"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    report = run(
        args.minutes * 60,
        rate=args.rate,
        workspaces=args.workspaces,
        users=args.users,
        list_command=args.list,
    )
    print(report.markdown())
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    problems = report.problems()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
