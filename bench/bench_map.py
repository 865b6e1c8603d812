"""`stats map` and `stats stage` for the biggest team: 10,000 customers, 120,000
touchpoints (two in three against its map), 150,000 challenges, 240,000 promises.

On the generated data set (``bench.dataset``), on SQLite and on PostgreSQL: the report's
data (``map_measures.map_report``: two spans of figures per place, the map and its stages)
and its content, together, as `/touchpoint stats map` runs them. Aim: p50 < 500 ms.

    .venv/bin/python -m bench.bench_map [small|large]
"""

from __future__ import annotations

import sys
import time

from bench import dataset
from bench.bench_digest import collector_as_in_the_bot
from bench.harness import Figure, on_each_backend, percentile
from bot.core import map_content, map_measures
from bot.core.clock import ManualClock
from bot.storage.engine import make_engine
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

AIM_MS = 500.0
SAMPLES = {"small": 5, "large": 10}


def backend_figures(backend: str, url: str, samples: int) -> list[Figure]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    clock = ManualClock(dataset.NOW)
    figures = []
    for by, command in (("entry", "stats map"), ("stage", "stats stage")):
        times: list[float] = []
        cpu: list[float] = []
        shape = ""
        for i in range(samples + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            report = map_measures.map_report(
                dataset.BIG_TEAM, by, "", uow=SqlAlchemyUnitOfWork(factory), clock=clock
            )
            map_content.map_stats(report)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu_started) * 1000
            if i == 0:  # warm-up
                shown = sum(p.now.touchpoints for p in report.places)
                shape = f"{len(report.places)} places, {shown:,} touchpoints in 4 weeks"
                continue
            times.append(elapsed)
            cpu.append(cpu_ms)
        ordered = sorted(times)
        # This process's CPU (SQLite runs in it; PostgreSQL's own work is not counted):
        # on a busy machine the wall time is mostly waiting for a core.
        shape += f"; this process's CPU p50 {percentile(sorted(cpu), 0.5):.0f} ms"
        p50 = percentile(ordered, 0.5)
        figures.append(
            Figure(
                f"{command}, big team ({backend})",
                len(ordered),
                p50,
                percentile(ordered, 0.99),
                aim=f"p50 < {AIM_MS:g} ms",
                met=p50 < AIM_MS,
                note=shape,
            )
        )
    engine.dispose()
    return figures


def run(size: str = "small") -> list[Figure]:
    with collector_as_in_the_bot():
        return on_each_backend(
            dataset.backends(size),
            "stats map, big team",
            lambda backend, url: backend_figures(backend, url, SAMPLES[size]),
        )


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("map", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
