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


HEADER = (
    "# Benchmarks\n\n"
    "`make bench` runs every benchmark at the small size and rewrites its section below;\n"
    "`make bench BENCH_ARGS='--size large'` rewrites the large section; `--only NAME ...`\n"
    "runs some benchmarks and rewrites a section of their own. Latencies are per operation\n"
    "after a warm-up; figures vary 10-30% from run to run. A table's *aim* column is checked\n"
    "by the benchmark and *met* says whether this run reached it.\n"
)


def write_doc(size: str, only: list[str] | None, table_text: str) -> None:
    """Rewrite this run's section of docs/benchmarks.md, keeping the other sections."""
    name = f"{size}" + (f": {' '.join(only)}" if only else "")
    command = "make bench" + ("" if size == "small" else " BENCH_ARGS='--size large'")
    if only:
        command = f"python -m bench --size {size} --only {' '.join(only)}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"<!-- section {name} -->\n## {name.capitalize()}\n\n"
        f"`{command}` on {stamp}. Machine: {machine()}.\n\n{table_text}\n"
        f"<!-- end {name} -->\n"
    )
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    start, end = old.find(f"<!-- section {name} -->"), old.find(f"<!-- end {name} -->")
    if start >= 0 and end >= 0:
        new = old[:start] + section + old[end + len(f"<!-- end {name} -->\n") :]
    else:
        new = old.rstrip("\n") + "\n\n" + section
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)


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
        write_doc(args.size, args.only, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
