"""The reminder engine's periodic work on the generated data set, SQLite and PostgreSQL.

``bench_reminders`` times the scan over 1,000,000 synthetic promises on SQLite. This one
runs on the realistic data set (``bench.dataset``: at the large size 2,000,000 promises
in 1,000 teams, most settled, many open and waiting for a later reminder) and on
PostgreSQL too:

* the scan that finds work: the ``due_now`` (500) promises whose reminder fell due are
  claimed, advanced to their next repeat, and grouped into deliveries, in one transaction
  (what ``ReminderEngine.scan`` does before sending). Aim: under 20 ms;
* the due-promise query alone;
* the idle scan (nothing due: most scans), and the idle outbox poll (nothing to send,
  over weeks of sent deliveries), which every instance runs every few seconds.

Each scan's writes are undone before the next sample (not timed).

    .venv/bin/python -m bench.bench_scan [small|large]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, update
from sqlalchemy import text as sql_text

from bench import dataset
from bench.harness import Figure, measure, percentile
from bot.core import reminders
from bot.core.clock import ManualClock
from bot.storage.engine import make_engine
from bot.storage.orm import DeliveryRow, PromiseRow
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

AIM_MS = 20.0
SAMPLES = {"small": 30, "large": 50}


class Scan:
    def __init__(self, url: str, due_ids: list[int]) -> None:
        self.engine: Engine = make_engine(url)
        self.session_factory = make_session_factory(self.engine)
        self.clock = ManualClock(dataset.NOW)
        with self.engine.connect() as connection:
            self.last_delivery = connection.scalar(select(func.max(DeliveryRow.id))) or 0
            self.original: list[dict[str, Any]] = [
                {"b_id": row.id, "b_remind_at": row.remind_at, "b_sent": row.reminders_sent}
                for row in connection.execute(
                    select(PromiseRow.id, PromiseRow.remind_at, PromiseRow.reminders_sent).where(
                        PromiseRow.id.in_(due_ids)
                    )
                )
            ]

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    def reset(self, *, due: bool = True) -> None:
        """Undo a scan: its deliveries go, the promises get their reminder times back."""
        later = dataset.NOW + timedelta(days=30)
        with self.engine.begin() as connection:
            connection.execute(delete(DeliveryRow).where(DeliveryRow.id > self.last_delivery))
            connection.execute(
                update(PromiseRow)
                .where(PromiseRow.id == bindparam("b_id"))
                .values(remind_at=bindparam("b_remind_at"), reminders_sent=bindparam("b_sent")),
                self.original if due else [{**o, "b_remind_at": later} for o in self.original],
            )

    def scan_figure(self, backend: str, samples: int) -> Figure:
        durations: list[float] = []
        cpu: list[float] = []
        created = 0
        server = ServerCpu(self.engine)
        for i in range(samples + 3):
            self.reset()
            if i == 3:
                server.find()
            server_started = server.ticks()
            started, cpu_started = time.perf_counter(), time.process_time()
            created = reminders.plan_reminders(uow=self.uow(), clock=self.clock)
            if i >= 3:  # warm-up
                durations.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                server.spent += server.ticks() - server_started  # the reset not counted
            assert created > 0
        durations.sort()
        p50 = percentile(durations, 0.5)
        # CPU moves less than wall time on a shared machine. SQLite runs in this process;
        # PostgreSQL's server processes are counted apart (a mean: the kernel counts ticks).
        note = f"{created} grouped deliveries written; this process's CPU p50 "
        note += f"{percentile(sorted(cpu), 0.5):.1f} ms"
        server_ms = server.per_sample_ms(samples)
        if server_ms is not None:
            note += f", PostgreSQL's {server_ms:.1f} ms a scan"
        return Figure(
            f"reminder scan: {len(self.original)} due -> claimed, advanced, grouped ({backend})",
            samples,
            p50,
            percentile(durations, 0.99),
            aim=f"p50 < {AIM_MS:g} ms",
            met=p50 < AIM_MS,
            note=note,
        )

    def query_alone(self, backend: str, samples: int) -> Figure:
        self.reset()

        def query(_: int) -> None:
            with self.uow() as uow:
                found = uow.promises.due_for_reminder(dataset.NOW, reminders.SCAN_LIMIT)
                assert len(found) == len(self.original), len(found)

        return measure(f"due-promise query alone ({backend})", query, samples, warmup=3)

    def idle_figures(self, backend: str, samples: int) -> list[Figure]:
        self.reset(due=False)

        def idle_scan(_: int) -> None:
            assert reminders.plan_reminders(uow=self.uow(), clock=self.clock) == 0

        def idle_outbox(_: int) -> None:
            assert not reminders.claim_deliveries("bench", uow=self.uow(), clock=self.clock)

        try:
            return [
                measure(f"idle reminder scan: nothing due ({backend})", idle_scan, samples,
                        warmup=3, aim_p50_ms=AIM_MS),
                measure(f"idle outbox poll: nothing to send ({backend})", idle_outbox,
                        samples, warmup=3, note="over weeks of sent deliveries"),
            ]  # fmt: skip
        finally:
            self.reset()

    def close(self) -> None:
        self.reset()
        self.engine.dispose()


class ServerCpu:
    """The CPU time of PostgreSQL's backends serving this engine, from /proc (the server
    runs on this machine in the benchmarks); nothing on SQLite or without /proc."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pids: list[int] = []
        self.spent = 0  # clock ticks

    def find(self) -> None:
        """The backends the engine's pool holds, this one among them: run one at a time,
        the scans reuse one connection (warmed up, the set stays the same)."""
        if self.engine.dialect.name != "postgresql" or not Path("/proc/self/stat").exists():
            return
        with self.engine.connect() as connection:
            self.pids = list(
                connection.scalars(
                    sql_text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND backend_type = 'client backend'"
                    )
                )
            )

    def per_sample_ms(self, samples: int) -> float | None:
        if not self.pids:
            return None
        return self.spent * 1000 / os.sysconf("SC_CLK_TCK") / samples

    def ticks(self) -> int:
        total = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # not readable, or gone: count what can be counted
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total


def run(size: str = "small") -> list[Figure]:
    figures: list[Figure] = []
    samples = SAMPLES[size]
    for backend, url, summary, note in dataset.backends(size):
        if url is None or summary is None:
            figures.append(Figure(f"reminder scan ({backend})", 0, 0, 0, note=note))
            continue
        promises = summary.rows.get("promises", 0)
        scan = Scan(url, summary.due_now_ids)
        try:
            label = f"{backend}, {promises:,} promises"
            figures += [
                scan.scan_figure(label, samples),
                scan.query_alone(label, samples),
                *scan.idle_figures(label, samples),
            ]
        finally:
            scan.close()
    return figures


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("scan", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
