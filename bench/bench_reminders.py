"""The reminder engine at scale, and its design against one APScheduler job per promise.

1. One scan over 1,000,000 stored promises of which 500 are due: the query, the claim (the
   promises advanced to their next repeat) and the grouped deliveries written, in one
   transaction on SQLite. Aim: under 20 ms.
2. Scheduling 100,000 promises: in this design a promise's next reminder is a column
   written with the promise, and start-up reads nothing; against APScheduler's
   SQLAlchemy job store with one job per promise (add them all, then list them as a
   scheduler does at start-up), measured side by side in one run.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, text, update

from bench.harness import Figure, measure
from bot.core import reminders
from bot.core.clock import ManualClock
from bot.storage.engine import make_engine
from bot.storage.migrate import upgrade
from bot.storage.orm import CustomerRow, DeliveryRow, PromiseRow, TeamRow
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TEAMS = 100
DUE = 500
BATCH = 50_000


def remind(promise_id: int) -> None:
    """The job an APScheduler-per-promise design would run (never runs here)."""


def _seed(engine_url: str, promises: int) -> list[int]:
    engine = make_engine(engine_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(TeamRow),
            [
                {
                    "id": f"bench:{t}",
                    "name": f"Team {t}",
                    "timezone": "Europe/London",
                    "channel": f"C{t}",
                    "digest_time": "09:00",
                    "day_start": "09:00",
                    "digest_days": "0,1,2,3,4",
                    "completion_codes": [],
                    "remind_overdue": True,
                    "created_at": NOW,
                }
                for t in range(TEAMS)
            ],
        )
        conn.execute(
            insert(CustomerRow),
            [
                {
                    "id": t + 1,
                    "team_id": f"bench:{t}",
                    "name": f"c{t}",
                    "slug": f"c{t}",
                    "created_at": NOW,
                }
                for t in range(TEAMS)
            ],
        )
    due_every = promises // DUE
    due_ids: list[int] = []
    made = NOW - timedelta(days=30)
    for start in range(0, promises, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, promises)):
            team = (i // 3) % TEAMS  # spreads the due ones over the teams too
            due = i % due_every == 0 and len(due_ids) < DUE
            open_future = i % 3 == 0
            status = "open" if due or open_future else "kept"
            remind_at = NOW - timedelta(minutes=1) if due else NOW + timedelta(days=1 + i % 60)
            rows.append(
                {
                    "id": i + 1,
                    "team_id": f"bench:{team}",
                    "customer_id": team + 1,
                    "direction": "ours",
                    "text": f"promise {i}",
                    "owner": "U1",
                    "made_by": "U1",
                    "made_at": made,
                    "due_at": remind_at,
                    "status": status,
                    "remind_at": remind_at if status == "open" else None,
                    "reminders_sent": 0,
                }
            )
            if due:
                due_ids.append(i + 1)
        with engine.begin() as conn:
            conn.execute(insert(PromiseRow), rows)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return due_ids


def _scan_figure(url: str, due_ids: list[int], promises: int, samples: int) -> list[Figure]:
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    clock = ManualClock(NOW)

    def reset() -> None:
        with engine.begin() as conn:
            conn.execute(delete(DeliveryRow))
            conn.execute(
                update(PromiseRow)
                .where(PromiseRow.id.in_(due_ids))
                .values(remind_at=NOW - timedelta(minutes=1), reminders_sent=0)
            )

    durations: list[float] = []
    for _ in range(samples + 2):
        reset()
        t0 = time.perf_counter()
        created = reminders.plan_reminders(uow=SqlAlchemyUnitOfWork(session_factory), clock=clock)
        durations.append((time.perf_counter() - t0) * 1000)
        assert 0 < created <= TEAMS, created  # one grouped delivery per team
    durations = sorted(durations[2:])
    p50 = durations[len(durations) // 2]
    p99 = durations[min(len(durations) - 1, round(0.99 * (len(durations) - 1)))]

    def query_only(_: int) -> None:
        with SqlAlchemyUnitOfWork(session_factory) as uow:
            assert len(uow.promises.due_for_reminder(NOW, 1000)) == DUE

    reset()
    query = measure(
        f"due-promise query alone ({promises:,} promises, {DUE} due)", query_only, samples, warmup=3
    )
    engine.dispose()
    scan = Figure(
        name=f"reminder scan: query, claim, deliveries ({promises:,} promises, {DUE} due)",
        samples=samples,
        p50_ms=p50,
        p99_ms=p99,
        aim="p50 < 20 ms",
        met=p50 < 20,
    )
    return [scan, query]


def _apscheduler_figures(tmp: Path, count: int) -> list[Figure]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    url = f"sqlite:///{tmp / 'jobs.db'}"
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url)}, timezone="UTC"
    )
    scheduler.start(paused=True)
    t0 = time.perf_counter()
    for i in range(count):
        scheduler.add_job(
            "bench.bench_reminders:remind",
            "date",
            # Far ahead, so no job falls due while the scheduler is up.
            run_date=datetime(2035, 1, 1, tzinfo=UTC) + timedelta(seconds=i),
            args=[i],
            id=f"promise-{i}",
        )
    add_s = time.perf_counter() - t0
    scheduler.shutdown(wait=False)
    # A restarted scheduler loads its jobs: list them all, as it does on start-up.
    store = SQLAlchemyJobStore(url=url)
    tracemalloc.start()
    t0 = time.perf_counter()
    listed = len(store.get_all_jobs())
    list_s = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert listed == count
    return [
        Figure(
            f"APScheduler job store: add {count:,} jobs (one per promise)",
            count,
            add_s * 1000 / count,
            add_s * 1000 / count,
            count / add_s,
            note=f"total {add_s:.1f} s",
        ),
        Figure(
            f"APScheduler job store: list {count:,} jobs at start-up",
            1,
            list_s * 1000,
            list_s * 1000,
            peak_mib=peak,
            note=f"total {list_s:.2f} s",
        ),
    ]


def _our_scheduling_figures(tmp: Path, count: int) -> list[Figure]:
    url = f"sqlite:///{tmp / 'ours.db'}"
    t0 = time.perf_counter()
    _seed(url, count)
    seed_s = time.perf_counter() - t0
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    tracemalloc.start()
    t0 = time.perf_counter()
    with SqlAlchemyUnitOfWork(session_factory) as uow:  # start-up: the first scan
        uow.promises.due_for_reminder(NOW - timedelta(days=365), 1000)
    first_scan = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    engine.dispose()
    return [
        Figure(
            f"this design: store {count:,} promises with their reminder time",
            count,
            seed_s * 1000 / count,
            seed_s * 1000 / count,
            count / seed_s,
            note=f"total {seed_s:.1f} s (bulk insert; the reminder is a column)",
        ),
        Figure(
            f"this design: start-up with {count:,} pending promises (first scan)",
            1,
            first_scan * 1000,
            first_scan * 1000,
            peak_mib=peak,
        ),
    ]


def run(size: str = "small") -> list[Figure]:
    promises = 1_000_000
    scheduled = 100_000 if size == "large" else 20_000
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'scan.db'}"
        due_ids = _seed(url, promises)
        figures = _scan_figure(url, due_ids, promises, samples=30)
        figures += _our_scheduling_figures(tmp, scheduled)
        figures += _apscheduler_figures(tmp, scheduled)
    return figures


if __name__ == "__main__":
    import sys

    for fig in run(sys.argv[1] if len(sys.argv) > 1 else "small"):
        print(fig)
