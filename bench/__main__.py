"""`make bench`: run every benchmark, print a table, rewrite docs/benchmarks.md.

python -m bench [--size small|large] [--only NAME ...] [--no-write]
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import bench
from bench.harness import Figure

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def table(figures: list[tuple[str, Figure]]) -> str:
    rows = [
        "| benchmark | samples | p50 ms | p99 ms | throughput /s | peak MiB | aim | met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for module, f in figures:
        met = "" if f.met is None else ("met" if f.met else "**not met**")
        rows.append(
            f"| {f.name} ({module}) | {f.samples} | {f.p50_ms:.3f} | {f.p99_ms:.3f} | "
            f"{'' if f.throughput_per_s is None else f'{f.throughput_per_s:,.0f}'} | "
            f"{'' if f.peak_mib is None else f'{f.peak_mib:.1f}'} "
            f"| {f.aim} | {met} |"
        )
        if f.note:
            rows[-1] += f" {f.note}"
    return "\n".join(rows)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", choices=("small", "large"), default="small")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    if args.only:
        names = [n for n in names if n in args.only]
    figures: list[tuple[str, Figure]] = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        figures += [(name, f) for f in module.run(args.size)]
    text = table(figures)
    print(text)
    if not args.no_write:
        command = "make bench" + ("" if args.size == "small" else " BENCH_ARGS='--size large'")
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(
            "# Benchmarks\n\n"
            f"Produced by `{command}` on {stamp}.\n\nMachine: {machine()}.\n\n"
            "Latencies are per operation, measured in-process after a warm-up; figures vary "
            "10-30% from run to run.\n\n" + text + "\n",
            encoding="utf-8",
        )
        print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
