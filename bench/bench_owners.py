"""The owners' weekly summary for the biggest team, on the data set of `stats map`
(``bench.dataset``: 10,000 customers, 120,000 touchpoints, two in three against the map).

In the big team one person owns every live entry but the first (the longest summary there
is, and the most rows read), another owns that first one alone; in every other team an
area owns them all. Measured on SQLite and on PostgreSQL:

- building one owner's summary, data and content, as the engine prepares it before sending
  (``owner_summaries.build_owner_summary`` + ``owner_content.owner_summary``), for each
  of the two owners. Aim: p50 < 500 ms, as for `stats map`;
- one planning pass over every team once the week's summaries are planned (what each
  instance does every minute for the rest of the week). The first pass, which plans them
  all, is in the note.

    .venv/bin/python -m bench.bench_owners [small|large]
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bench import dataset
from bench.bench_digest import collector_as_in_the_bot
from bench.harness import Figure, on_each_backend, percentile
from bot.core import owner_content, owner_summaries
from bot.core.clock import ManualClock
from bot.storage.engine import make_engine
from bot.storage.orm import MapEntryRow, TeamRow
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

AIM_MS = 500.0
PLAN_AIM_MS = 200.0
SAMPLES = {"small": 5, "large": 10}
OWNER = "UOWNER01"  # every live entry of the big team's map but one
ONE_OWNER = "UOWNER02"  # that one


def give_owners(factory: sessionmaker[Session]) -> None:
    """The big team's entries are OWNER's but its first live one, ONE_OWNER's; every other
    team's belong to its area "care", owned by a person of that team."""
    big = MapEntryRow.team_id == dataset.BIG_TEAM
    with factory() as session:
        session.execute(update(MapEntryRow).where(big).values(owner=OWNER, owner_is_person=True))
        first = session.scalars(
            select(func.min(MapEntryRow.id)).where(big, MapEntryRow.retired_at.is_(None))
        ).one()
        session.execute(update(MapEntryRow).where(MapEntryRow.id == first).values(owner=ONE_OWNER))
        session.execute(
            update(MapEntryRow)
            .where(MapEntryRow.team_id != dataset.BIG_TEAM)
            .values(owner="care", owner_is_person=False)
        )
        session.execute(update(TeamRow).values(area_owners={"care": "UCARE"}))
        session.commit()


def backend_figures(backend: str, url: str, samples: int) -> list[Figure]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    clock = ManualClock(dataset.NOW)
    give_owners(factory)
    figures = [
        _summary_figure(factory, clock, owner, f"{what}, big team ({backend})", samples)
        for owner, what in (
            (OWNER, "owner's weekly summary, most of the map"),
            (ONE_OWNER, "owner's weekly summary, one touchpoint"),
        )
    ]
    started = time.perf_counter()
    planned = owner_summaries.plan_owner_summaries(uow=SqlAlchemyUnitOfWork(factory), clock=clock)
    first_ms = (time.perf_counter() - started) * 1000
    passes: list[float] = []
    for _ in range(samples):
        started = time.perf_counter()
        again = owner_summaries.plan_owner_summaries(uow=SqlAlchemyUnitOfWork(factory), clock=clock)
        passes.append((time.perf_counter() - started) * 1000)
        assert again == 0
    planning = _figure(
        f"owners' summaries planning pass, every team ({backend})",
        passes,
        PLAN_AIM_MS,
        f"the first pass planned {planned:,} summaries in {first_ms:.0f} ms",
    )
    engine.dispose()
    return [*figures, planning]


def _summary_figure(
    factory: sessionmaker[Session], clock: ManualClock, owner: str, name: str, samples: int
) -> Figure:
    times: list[float] = []
    cpu: list[float] = []
    shape = ""
    for i in range(samples + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        with SqlAlchemyUnitOfWork(factory) as uow:
            team = uow.teams.get(dataset.BIG_TEAM)
            assert team is not None
            summary = owner_summaries.build_owner_summary(
                uow, team, owner, clock.now(), clock.now()
            )
        owner_content.owner_summary(summary)
        elapsed = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu_started) * 1000
        if i == 0:  # warm-up
            week = sum(p.week.touchpoints for p in summary.places)
            shape = f"{len(summary.places)} places, {week:,} touchpoints in the week"
            continue
        times.append(elapsed)
        cpu.append(cpu_ms)
    # This process's CPU (SQLite runs in it; PostgreSQL's own work is not counted): on a
    # busy machine the wall time is mostly waiting for a core.
    shape += f"; this process's CPU p50 {percentile(sorted(cpu), 0.5):.0f} ms"
    return _figure(name, times, AIM_MS, shape)


def _figure(name: str, times_ms: list[float], aim_ms: float, note: str) -> Figure:
    ordered = sorted(times_ms)
    p50 = percentile(ordered, 0.5)
    aim = f"p50 < {aim_ms:g} ms"
    return Figure(
        name, len(ordered), p50, percentile(ordered, 0.99), aim=aim, met=p50 < aim_ms, note=note
    )


def run(size: str = "small") -> list[Figure]:
    with collector_as_in_the_bot():
        return on_each_backend(
            dataset.backends(size),
            "owner's weekly summary",
            lambda backend, url: backend_figures(backend, url, SAMPLES[size]),
        )


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("owners", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
