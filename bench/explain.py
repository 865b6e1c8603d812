"""Query plans of the hot paths on the generated data set, for docs/benchmarks-explain.md.

    .venv/bin/python -m bench.explain [--size small|large] [--write]

Each scenario runs the real code (the reminder scan, the idle outbox poll, the digest of
the big team, the customer record of the biggest customer, recording a touchpoint for it,
and autocomplete) while every statement it sends is captured; each distinct statement is
then explained with the parameters it was sent with: ``EXPLAIN QUERY PLAN`` on SQLite,
``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL inside a transaction that is rolled back.
Writes a scenario made are undone afterwards. ``--write`` replaces the generated part of
docs/benchmarks-explain.md (between the markers); the decisions above it are prose.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bench import dataset
from bench.bench_customer import ENTRY, _max_ids, _remove_since
from bench.bench_scan import Scan
from bot.core import queries, reminders, services
from bot.core.clock import ManualClock
from bot.storage.engine import make_engine
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks-explain.md"
BEGIN, END = "<!-- explain:begin -->", "<!-- explain:end -->"
Captured = tuple[str, Any]


@contextmanager
def capturing(engine: Engine) -> Iterator[list[Captured]]:
    captured: list[Captured] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        # INSERTs have no plan worth reading (one row or one batch into a table).
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            first = many and isinstance(params, list) and params
            captured.append((statement, params[0] if first else params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def _distinct(captured: list[Captured]) -> list[Captured]:
    seen: dict[str, Captured] = {}
    for statement, params in captured:
        # The same query over another chunk of ids is the same plan.
        shape = re.sub(r"__\[POSTCOMPILE_\w+\]|\?(, \?)+|%\(\w+\)s(, %\(\w+\)s)+", "…", statement)
        seen.setdefault(shape, (statement, params))
    return list(seen.values())


def explain(engine: Engine, statement: str, params: Any) -> str:
    if params is None:
        params = ()
    elif isinstance(params, list):
        params = tuple(params)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
            ).all()
            connection.rollback()
            return "\n".join(str(row[0]) for row in rows)
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        connection.rollback()
        return "\n".join(str(row[-1]) for row in rows)


def scenarios(engine: Engine) -> list[tuple[str, Callable[[], None]]]:
    session_factory = make_session_factory(engine)
    clock = ManualClock(dataset.NOW)

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    def scan() -> None:
        reminders.plan_reminders(uow=uow(), clock=clock)

    def outbox() -> None:
        reminders.claim_deliveries("explain", uow=uow(), clock=clock)

    def digest() -> None:
        queries.digest(dataset.BIG_TEAM, uow=uow(), clock=clock)

    def record() -> None:
        queries.customer_record(dataset.BIG_TEAM, dataset.BIG_CUSTOMER, uow=uow(), clock=clock)

    def write() -> None:
        services.record_quick_entry(dataset.BIG_TEAM, "U1", ENTRY, uow=uow(), clock=clock)

    def autocomplete() -> None:
        queries.customer_suggestions(dataset.BIG_TEAM, "tec", uow=uow())

    return [
        ("reminder scan (500 due)", scan),
        ("idle outbox poll", outbox),
        ("digest of the big team", digest),
        ("customer record of the biggest customer", record),
        ("record a touchpoint for the biggest customer", write),
        ("autocomplete “tec” in 10,000 customers", autocomplete),
    ]


def plans(size: str) -> str:
    out: list[str] = []
    for backend, url, summary, note in dataset.backends(size):
        out.append(f"\n### {backend}\n")
        if url is None or summary is None:
            out.append(f"{note}\n")
            continue
        engine = make_engine(url)
        scan = Scan(url, summary.due_now_ids)
        before = _max_ids(engine)
        try:
            for title, run_it in scenarios(engine):
                scan.reset()
                with capturing(engine) as captured:
                    run_it()
                out.append(f"\n#### {title}\n\n")
                for statement, params in _distinct(captured):
                    scan.reset()  # the scan's promises are due again for its EXPLAIN ANALYZE
                    sql = " ".join(statement.split())
                    out.append(f"```sql\n{sql[:700]}{' …' if len(sql) > 700 else ''}\n```\n")
                    out.append(f"```\n{explain(engine, statement, params)}\n```\n\n")
        finally:
            _remove_since(engine, before)
            scan.close()
            engine.dispose()
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explain")
    parser.add_argument("--size", choices=sorted(dataset.SIZES), default="small")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    text = f"Generated by `python -m bench.explain --size {args.size}`.\n" + plans(args.size)
    if not args.write:
        print(text)
        return 0
    doc = DOC.read_text(encoding="utf-8")
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
