"""Timing helpers shared by the benchmarks.

A benchmark module is ``bench/bench_<name>.py`` with ``run(size: str) -> list[Figure]``;
``size`` is ``"small"`` (default, a few minutes in all) or ``"large"``.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    samples: int
    p50_ms: float
    p99_ms: float
    throughput_per_s: float | None = None
    peak_mib: float | None = None
    aim: str = ""  # e.g. "p50 < 3 ms"
    met: bool | None = None  # None when there is no aim
    note: str = ""


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def measure(
    name: str,
    fn: Callable[[int], object],
    samples: int,
    *,
    warmup: int = 20,
    aim_p50_ms: float | None = None,
    aim_p99_ms: float | None = None,
    track_memory: bool = False,
    note: str = "",
) -> Figure:
    """Call ``fn(i)`` ``samples`` times after ``warmup`` calls; report latency percentiles."""
    for i in range(warmup):
        fn(-1 - i)
    if track_memory:
        tracemalloc.start()
    durations: list[float] = []
    started = time.perf_counter()
    for i in range(samples):
        t0 = time.perf_counter()
        fn(i)
        durations.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    peak = None
    if track_memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    durations.sort()
    p50, p99 = statistics.median(durations), percentile(durations, 0.99)
    aims, met = [], True
    if aim_p50_ms is not None:
        aims.append(f"p50 < {aim_p50_ms:g} ms")
        met = met and p50 < aim_p50_ms
    if aim_p99_ms is not None:
        aims.append(f"p99 < {aim_p99_ms:g} ms")
        met = met and p99 < aim_p99_ms
    return Figure(
        name=name,
        samples=samples,
        p50_ms=p50,
        p99_ms=p99,
        throughput_per_s=samples / elapsed if elapsed > 0 else None,
        peak_mib=peak,
        aim=", ".join(aims),
        met=met if aims else None,
        note=note,
    )


def on_each_backend(
    backends: Iterable[tuple[str, str | None, Any, str]],
    title: str,
    measure: Callable[[str, str], list[Figure]],
) -> list[Figure]:
    """``measure(backend, url)`` on each database of a data set (``dataset.backends``); one
    that is not here gives an empty figure named ``title (backend)`` saying why."""
    figures: list[Figure] = []
    for backend, url, _, note in backends:
        if url is None:
            figures.append(Figure(f"{title} ({backend})", 0, 0, 0, note=note))
        else:
            figures += measure(backend, url)
    return figures
