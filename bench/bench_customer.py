"""The customer paths on the generated data set, on SQLite and PostgreSQL.

* the customer record (``/touchpoint show``) of the biggest customer: 1,000 touchpoints,
  about 1,250 challenges and 2,000 promises with their histories, read and turned into
  the neutral reply;
* autocomplete (customer search) in the big team's 10,000 customers, for the kinds of
  text people type: a prefix, a word in the middle, an exact name, nothing matching;
* recording a touchpoint (two challenges, three promises with dates) for the big
  customer, against tables of the full size (the rows written are removed afterwards).

No aims were set for these; the interactive paths' budget is the platforms' (Slack and
Discord want an answer within 3 s, and the adapters acknowledge first).

    .venv/bin/python -m bench.bench_customer [small|large]
"""

from __future__ import annotations

import sys
from datetime import timedelta

from sqlalchemy import Engine, delete, func, select

from bench import dataset
from bench.harness import Figure, measure
from bot.core import queries, record_view, services
from bot.core.clock import ManualClock
from bot.storage.engine import make_engine
from bot.storage.orm import (
    ChallengeEventRow,
    ChallengeRow,
    PromiseEventRow,
    PromiseRow,
    TouchpointRow,
)
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

SEARCHES = ("tec", "northw", "acme foods 3", "logistics", "zzz")
ENTRY = (
    f"{dataset.BIG_CUSTOMER} call | ch: slow internet; disconnects daily | we: send fibre "
    "quote by fri; call back tomorrow 10am | they: read brochure before next tue | "
    "diff: needs fibre"
)
SAMPLES = {"small": 30, "large": 100}


def _max_ids(engine: Engine) -> dict[type, int]:
    rows = (TouchpointRow, ChallengeRow, PromiseRow, ChallengeEventRow, PromiseEventRow)
    with engine.connect() as connection:
        return {row: connection.scalar(select(func.max(row.id))) or 0 for row in rows}


def _remove_since(engine: Engine, before: dict[type, int]) -> None:
    with engine.begin() as connection:
        for row in (ChallengeEventRow, PromiseEventRow, ChallengeRow, PromiseRow, TouchpointRow):
            connection.execute(delete(row).where(row.id > before[row]))


def backend_figures(backend: str, url: str, samples: int) -> list[Figure]:
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    clock = ManualClock(dataset.NOW)

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    def show(_: int) -> object:
        record = queries.customer_record(
            dataset.BIG_TEAM, dataset.BIG_CUSTOMER, uow=uow(), clock=clock
        )
        return record_view.customer_record(record)

    record = queries.customer_record(dataset.BIG_TEAM, dataset.BIG_CUSTOMER, uow=uow(), clock=clock)
    shape = (
        f"{record.touchpoint_count:,} touchpoints, {len(record.challenges):,} challenges, "
        f"{len(record.promises):,} promises"
    )
    figures = [
        measure(
            f"customer record of the biggest customer: data ({backend})",
            lambda _: queries.customer_record(
                dataset.BIG_TEAM, dataset.BIG_CUSTOMER, uow=uow(), clock=clock
            ),
            samples,
            warmup=3,
            note=shape,
        ),
        measure(
            f"customer record of the biggest customer: data + reply ({backend})",
            show,
            samples,
            warmup=3,
        ),
    ]
    for text in SEARCHES:
        found = queries.customer_suggestions(dataset.BIG_TEAM, text, uow=uow())
        figures.append(
            measure(
                f"autocomplete “{text}” in 10,000 customers ({backend})",
                lambda _, text=text: queries.customer_suggestions(  # type: ignore[misc]
                    dataset.BIG_TEAM, text, uow=uow()
                ),
                samples * 3,
                warmup=5,
                note=f"{len(found)} shown",
            )
        )
    before = _max_ids(engine)

    def record_one(i: int) -> None:
        clock.advance(timedelta(seconds=1))
        services.record_quick_entry(dataset.BIG_TEAM, "U1", ENTRY, uow=uow(), clock=clock)

    try:
        figures.append(
            measure(
                f"record a touchpoint for the biggest customer, full-size tables ({backend})",
                record_one,
                samples * 3,
                warmup=5,
                note="2 challenges + 3 promises with dates; one transaction each",
            )
        )
    finally:
        _remove_since(engine, before)
        engine.dispose()
    return figures


def run(size: str = "small") -> list[Figure]:
    figures: list[Figure] = []
    for backend, url, _, note in dataset.backends(size):
        if url is None:
            figures.append(Figure(f"customer paths ({backend})", 0, 0, 0, note=note))
            continue
        figures += backend_figures(backend, url, SAMPLES[size])
    return figures


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("customer", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
