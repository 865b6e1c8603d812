"""The 09:00 burst: every team's digest, reminder and nudge due at once.

2,000 teams on Slack (small size; 500 with ``--size tiny`` for a quick look), each with a
reminder and a nudge due at 08:55 and a digest at 09:00: 6,000 posts. The platform answers each post
in 200 ms, and 1% of the teams' channels refuse every post for good (archived). All is
planned first (the digest planning timed on its own); then reminder workers, separate
processes running the real ``ReminderEngine.deliver`` with its default concurrency and
Slack's pacing, are released together and timed until the outbox holds nothing sendable.

Aims (each checked and marked met / not met):

* one instance delivers every deliverable post at >= 100 posts/s (SQLite and PostgreSQL);
* three instances on PostgreSQL >= 2.5x one instance;
* no post sent twice, none lost (every deliverable one sent, every refused one given up);
* never more than one post a second to one Slack channel (whichever instance sends it);
* planning 2,000 digests < 1 s;
* CPU per delivery < 3 ms (the instance's process time over the posts it handled).

    .venv/bin/python -m bench.bench_burst [small|tiny]
    .venv/bin/python -m bench.bench_burst worker DB_URL LOG NOW LATENCY_MS READY GO DEAD
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEAMS = {"small": 2000, "large": 2000, "tiny": 500}
LATENCY_MS = 200.0
DEAD_EVERY = 100  # 1% of the teams' channels refuse every post
NINE = datetime(2027, 6, 29, 9, 0, tzinfo=UTC)  # a Tuesday
NOW = NINE + timedelta(seconds=30)
# The reminders come just before the digest, at a time of their own: one due at the start
# of the day or at the digest time would go in the digest instead of beside it.
REMINDERS_DUE = NINE - timedelta(minutes=5)
RATE_AIM = 100.0
SCALE_AIM = 2.5
PLANNING_AIM_S = 1.0
CPU_AIM_MS = 3.0
PACE_S = 1.0


def _team_id(n: int) -> str:
    return f"slack:T{n:05d}"


def _channel(n: int) -> str:
    return f"C{n:05d}"


def seed(db_url: str, teams: int) -> float:
    """The teams, one customer each with one of our promises and one of theirs due at
    09:00; then every reminder and digest planned. Returns the digest planning's seconds."""
    from bot.bootstrap import build
    from bot.config import load_settings
    from bot.core import reminders
    from bot.core.clock import ManualClock
    from bot.core.model import Customer, Direction, Promise, Team, Touchpoint, slugify

    clock = ManualClock(NINE - timedelta(days=1))
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=clock)
    with container.uow_factory() as uow:
        for n in range(teams):
            uow.teams.add(
                Team(id=_team_id(n), name=f"Team {n}", channel=_channel(n), created_at=clock.now())
            )
        uow.commit()
    with container.uow_factory() as uow:
        customers = [
            uow.customers.add(
                Customer(
                    _team_id(n), f"Customer {n}", slugify(f"Customer {n}"), created_at=clock.now()
                )
            )
            for n in range(teams)
        ]
        touchpoints = []
        for customer in customers:
            assert customer.id is not None
            touchpoints.append(
                Touchpoint(
                    customer.team_id,
                    customer.id,
                    "U1",
                    clock.now(),
                    promises=[
                        Promise(
                            customer.team_id,
                            customer.id,
                            direction,
                            what,
                            "U1",
                            "U1",
                            clock.now(),
                            due_at=REMINDERS_DUE,
                        )
                        for direction, what in (
                            (Direction.OURS, "send the quote"),
                            (Direction.THEIRS, "sign the form"),
                        )
                    ],
                )
            )
        uow.exchange.add_touchpoints(touchpoints)
        uow.commit()
    clock.set(NOW)
    while reminders.plan_reminders(uow=container.uow_factory(), clock=clock):
        pass
    started = time.perf_counter()
    planned = reminders.plan_digests(uow=container.uow_factory(), clock=clock)
    planning = time.perf_counter() - started
    assert planned == teams, planned
    container.close()
    return planning


class BurstPlatform:
    """Slack as the engine sees it: 200 ms a post; channels in ``dead`` refuse for good.
    Posts are kept in memory (key, channel, when the post began) and written out at the
    end: the benchmark measures the engine, not this file."""

    def __init__(self, latency: float, dead: set[str]) -> None:
        self.latency = latency
        self.dead = dead
        self.posts: list[dict[str, Any]] = []

    async def send(self, message: Any) -> str:
        from bot.core.delivery import DeliveryFailed

        began = time.time()
        await asyncio.sleep(self.latency)
        if message.channel in self.dead:
            raise DeliveryFailed(
                "the team channel is archived (is_archived) — unarchive it", permanent=True
            )
        self.posts.append({"key": message.key, "channel": message.channel, "at": began})
        return f"{message.channel}:{len(self.posts)}"

    async def find_sent(self, message: Any, since: datetime) -> str | None:
        return None  # nothing is in doubt: no worker dies here

    async def update(self, team: Any, channel: str, ref: str, reply: Any) -> None:
        return None


def worker(argv: list[str]) -> None:
    db_url, log_path, now, latency_ms, ready, go, dead = argv
    from bot.bootstrap import build
    from bot.config import load_settings
    from bot.core.clock import ManualClock
    from bot.scheduling.engine import ReminderEngine

    clock = ManualClock(datetime.fromisoformat(now))
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=clock)
    platform = BurstPlatform(float(latency_ms) / 1000, set(dead.split(",")))
    engine = ReminderEngine(
        container.uow_factory,
        clock,
        {"slack": platform},  # type: ignore[dict-item]
        worker=f"burst-{os.getpid()}",
    )
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.002)
    started, cpu = time.time(), time.process_time()
    result = asyncio.run(engine.deliver())
    ended, cpu = time.time(), time.process_time() - cpu
    Path(log_path).write_text("".join(json.dumps(p) + "\n" for p in platform.posts))
    handled = result.sent + result.failed + result.skipped
    print(
        json.dumps(
            {
                "started": started,
                "ended": ended,
                "sent": result.sent,
                "failed": result.failed,
                "postponed": result.postponed,
                "cpu": cpu,
                "handled": handled,
            }
        ),
        flush=True,
    )
    container.close()


@dataclass(frozen=True)
class Run:
    seconds: float
    sent: int
    failed: int
    cpu_ms_per_delivery: float
    posts: list[dict[str, Any]]
    by_worker: list[int]

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


QUIET_LOGS = {"LOG_LEVEL": "ERROR"}


def run_workers(db_url: str, workers: int, dead: set[str], tmp: Path) -> Run:
    from bench.instances import run_together

    tmp.mkdir(parents=True, exist_ok=True)
    go = tmp / f"go-{workers}"
    ready = [tmp / f"ready-{workers}-{n}" for n in range(workers)]
    logs = [tmp / f"posts-{workers}-{n}.jsonl" for n in range(workers)]
    args = [
        [
            db_url,
            str(log),
            NOW.isoformat(),
            str(LATENCY_MS),
            str(flag),
            str(go),
            ",".join(sorted(dead)),
        ]
        for flag, log in zip(ready, logs, strict=True)
    ]
    go_at, results = run_together(
        "bench.bench_burst",
        args,
        ready,
        go,
        timeout=600,
        ready_timeout=120,
        env={"LOG_LEVEL": "ERROR"},
    )
    posts = [json.loads(line) for log in logs for line in log.read_text().splitlines()]
    handled = sum(r["handled"] for r in results)
    return Run(
        seconds=max(r["ended"] for r in results) - go_at,
        sent=sum(r["sent"] for r in results),
        failed=sum(r["failed"] for r in results),
        cpu_ms_per_delivery=1000 * sum(r["cpu"] for r in results) / max(1, handled),
        posts=posts,
        by_worker=[r["sent"] for r in results],
    )


def pacing_breaches(posts: list[dict[str, Any]]) -> int:
    """Posts that began less than a second after the previous one to the same channel."""
    by_channel: dict[str, list[float]] = defaultdict(list)
    for post in posts:
        by_channel[post["channel"]].append(post["at"])
    breaches = 0
    for starts in by_channel.values():
        starts.sort()
        breaches += sum(b - a < PACE_S - 0.005 for a, b in itertools.pairwise(starts))
    return breaches


def run(size: str = "small") -> list[Any]:
    from bench import dataset
    from bench.harness import Figure

    teams = TEAMS[size]
    dead = {_channel(n) for n in range(0, teams, DEAD_EVERY)}
    deliverable = 3 * (teams - len(dead))
    figures: list[Figure] = []
    single: dict[str, float] = {}
    backends: list[tuple[str, int]] = [("SQLite", 1)]
    cluster = None
    try:
        cluster = dataset.postgres_cluster()
        backends += [("PostgreSQL", 1), ("PostgreSQL", 3)]
    except dataset.Unavailable as exc:
        figures.append(Figure("burst on PostgreSQL", 0, 0, 0, note=f"skipped: {exc}"))
    with tempfile.TemporaryDirectory(prefix="touchpoint-burst-") as tmp_name:
        tmp = Path(tmp_name)
        for backend, workers in backends:
            if backend == "SQLite":
                url = f"sqlite:///{tmp / 'burst.db'}"
            else:
                url = cluster.create_database(f"burst_{size}_{workers}")
            planning = seed(url, teams)
            if workers == 1:
                figures.append(
                    Figure(
                        f"plan {teams:,} digests at 09:00 ({backend})",
                        1,
                        planning * 1000,
                        planning * 1000,
                        throughput_per_s=teams / planning,
                        aim=f"< {PLANNING_AIM_S:g} s",
                        met=planning < PLANNING_AIM_S,
                    )
                )
            result = run_workers(url, workers, dead, tmp / f"{backend}-{workers}")
            figures += _figures(result, backend, workers, deliverable, len(dead), single)
    return figures


def _figures(
    result: Run,
    backend: str,
    workers: int,
    deliverable: int,
    dead: int,
    single: dict[str, float],
) -> list[Any]:
    from bench.harness import Figure

    keys = [p["key"] for p in result.posts]
    twice = len(keys) - len(set(keys))
    lost = deliverable - len(set(keys))
    breaches = pacing_breaches(result.posts)
    label = f"{workers} instance{'s' if workers > 1 else ''}"
    name = f"burst: {label} deliver {deliverable:,} posts at {LATENCY_MS:g} ms ({backend})"
    exact = twice == 0 and lost == 0 and result.failed == 3 * dead
    if workers == 1:
        single[backend] = result.rate
        aim, met = (
            f">= {RATE_AIM:g} posts/s, each once, paced",
            (result.rate >= RATE_AIM and exact and breaches == 0),
        )
    else:
        ratio = result.rate / single[backend] if single.get(backend) else 0.0
        aim, met = (
            f">= {SCALE_AIM:g}x one instance, each once, paced",
            ratio >= SCALE_AIM and exact and breaches == 0,
        )
    note = (
        f"{result.sent:,} sent in {result.seconds:.1f} s, {result.failed} given up "
        f"({dead} dead channels); sent twice {twice}, lost {lost}; "
        f"channel posts < 1 s apart: {breaches}; per instance {result.by_worker}"
    )
    if workers > 1 and single.get(backend):
        note += f"; {result.rate / single[backend]:.2f}x one instance"
    figures = [
        Figure(
            name,
            1,
            result.seconds * 1000,
            result.seconds * 1000,
            throughput_per_s=result.rate,
            aim=aim,
            met=met,
            note=note,
        )
    ]
    if workers == 1:
        figures.append(
            Figure(
                f"burst: CPU per delivery, one instance ({backend})",
                1,
                result.cpu_ms_per_delivery,
                result.cpu_ms_per_delivery,
                aim=f"< {CPU_AIM_MS:g} ms",
                met=result.cpu_ms_per_delivery < CPU_AIM_MS,
                note="process time (claim, prepare, send, record) over deliveries handled",
            )
        )
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2:])
        sys.exit(0)
    from bench.__main__ import table

    size = sys.argv[1] if len(sys.argv) > 1 else "small"
    print(table([("burst", f) for f in run(size)]))
