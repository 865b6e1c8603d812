"""The daily digest of the biggest team: 10,000 customers, 100,000 open challenges.

On the generated data set (``bench.dataset``; the big team is in both sizes), on SQLite
and on PostgreSQL: the digest's data (``queries.digest``: the first items of each list
with their histories and the counts of the rest, the customers shown, their latest
differences), its content (``digest_content.digest``, the neutral reply) and both together,
which is what the reminder engine does before it hands a digest to the platform. The aim is on
the sum. Rendering for each platform is reported without an aim. The garbage collector is set as the
running bot sets it (``bot.__main__.tune_garbage_collector``), and restored afterwards.

    .venv/bin/python -m bench.bench_digest [small|large]
"""

from __future__ import annotations

import gc
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bench import dataset
from bench.harness import Figure, on_each_backend, percentile
from bot.__main__ import GC_THRESHOLDS
from bot.core import digest_content, queries
from bot.core.clock import ManualClock
from bot.core.replies import Reply
from bot.storage.engine import make_engine
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

AIM_MS = 500.0
SAMPLES = {"small": 2, "large": 5}


def _renderers() -> list[tuple[str, Callable[[Reply], object]]]:
    with warnings.catch_warnings():  # discord.py imports audioop, deprecated since 3.11
        warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
        from bot.adapters.discord import render as discord_render
    from bot.adapters.slack import render as slack_render

    return [
        ("Slack Block Kit messages", lambda reply: slack_render.to_messages(reply)),
        ("Discord messages", lambda reply: discord_render.render(reply)),
    ]


def _lines(reply: Reply) -> int:
    return sum(len(section.lines) for section in reply.sections)


def _figure(name: str, values: list[float], *, aim: bool = False, note: str = "") -> Figure:
    ordered = sorted(values)
    p50 = percentile(ordered, 0.5)
    return Figure(
        name,
        len(ordered),
        p50,
        percentile(ordered, 0.99),
        aim=f"p50 < {AIM_MS:g} ms" if aim else "",
        met=p50 < AIM_MS if aim else None,
        note=note,
    )


def backend_figures(backend: str, url: str, samples: int, *, render: bool) -> list[Figure]:
    """Each sample builds the digest as the engine does (data, then content) and, on one
    backend, renders it for both platforms; the parts are timed separately."""
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    clock = ManualClock(dataset.NOW)
    renderers = _renderers() if render else []
    times: dict[str, list[float]] = {"data": [], "content": [], "build": []}
    times |= {name: [] for name, _ in renderers}
    shape = ""
    for i in range(samples + 1):
        t0 = time.perf_counter()
        built = queries.digest(
            dataset.BIG_TEAM, uow=SqlAlchemyUnitOfWork(session_factory), clock=clock
        )
        t1 = time.perf_counter()
        reply = digest_content.digest(built)
        t2 = time.perf_counter()
        assert reply is not None
        rendered = {}
        for name, render_one in renderers:
            started = time.perf_counter()
            render_one(reply)
            rendered[name] = (time.perf_counter() - started) * 1000
        if i == 0:  # warm-up
            lists = (built.ours_overdue, built.ours_due_today, built.theirs_due)
            due = sum(shown.total for shown in lists)
            shape = (
                f"{built.customers_with_open:,} customers with {built.open_challenges:,} open "
                f"challenges, {due:,} due promises; {_lines(reply):,} reply lines shown"
            )
            continue
        times["data"].append((t1 - t0) * 1000)
        times["content"].append((t2 - t1) * 1000)
        times["build"].append((t2 - t0) * 1000)
        for name, value in rendered.items():
            times[name].append(value)
    engine.dispose()
    figures = [
        _figure(f"digest data, big team ({backend})", times["data"], note=shape),
        _figure(f"digest content, big team ({backend})", times["content"]),
        _figure(f"digest build = data + content, big team ({backend})", times["build"], aim=True),
    ]
    for name, _ in renderers:
        figures.append(
            _figure(
                f"digest render: {name}, big team",
                times[name],
                note="no aim",
            )
        )
    return figures


@contextmanager
def collector_as_in_the_bot() -> Iterator[None]:
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def run(size: str = "small") -> list[Figure]:
    with collector_as_in_the_bot():
        return on_each_backend(
            dataset.backends(size),
            "digest build, big team",
            lambda backend, url: backend_figures(
                backend, url, SAMPLES[size], render=backend == "SQLite"
            ),
        )


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("digest", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
