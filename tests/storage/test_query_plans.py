"""The hot queries use the indexes made for them, on both databases.

Each repository call's SQL is captured and explained with its own parameters. PostgreSQL
is told to avoid sequential scans, so a small table shows which indexes *can* serve the
query; a partial index only qualifies when the query's predicate matches it literally.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from bot.core.model import Direction, Team, slugify
from bot.core.ports import Window
from bot.storage.orm import CustomerRow
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

from .conftest import Seed, at


@pytest.fixture
def uow_on(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    factory = make_session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(factory)


def _plans(engine: Engine, call: Callable[[SqlAlchemyUnitOfWork], object]) -> list[str]:
    """The query plan of every SELECT that ``call`` runs, as text."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
            call(uow)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        for statement, params in captured:
            rows = connection.exec_driver_sql(explain + statement, params).all()
            plans.append("\n".join(str(row[-1]) for row in rows))
    return plans


@pytest.fixture
def seeded(seed: Seed) -> Iterator[None]:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    seed.touchpoint(acme, challenges=("c",), promises=(("p", at(1)),))
    yield


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("call", "index"),
    [
        (lambda uow: uow.promises.due_for_reminder(at(5)), "ix_promises_remind_at_open"),
        (lambda uow: uow.deliveries.claimable(at(5), 10), "ix_deliveries_active"),
    ],
    ids=["reminder poll", "outbox poll"],
)
def test_the_polls_use_their_partial_indexes(
    engine: Engine, call: Callable[[SqlAlchemyUnitOfWork], object], index: str
) -> None:
    first_plan = _plans(engine, call)[0]
    assert index in first_plan, first_plan


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    "call",
    [
        lambda uow: uow.promises.open_for_team("t1"),
        lambda uow: uow.challenges.open_for_team("t1"),
        lambda uow: uow.touchpoints.recent_for_customer("t1", 1),
        lambda uow: uow.customers.by_slug("t1", "acme"),
        lambda uow: uow.promises.for_customer("t1", 1),
        lambda uow: uow.touchpoints.get("t1", 1),  # its items by touchpoint_id, their history
        lambda uow: uow.deliveries.by_message_ref("t1", "m1"),
        lambda uow: uow.deliveries.sent_for_promise("t1", 1),
        lambda uow: uow.challenges.tally_for_customer("t1", 1),
        lambda uow: uow.challenges.page_for_customer("t1", 1, Window(0, 15), Window(5, 10)),
        lambda uow: uow.promises.tally_for_customer("t1", 1),
        lambda uow: uow.promises.page_for_customer(
            "t1",
            1,
            {(d, is_open): Window(5, 10) for d in Direction for is_open in (True, False)},
        ),
    ],
    ids=[
        "open promises",
        "open challenges",
        "recent touchpoints",
        "by slug",
        "promises of a customer",
        "touchpoint with items",
        "by message ref",
        "sent for promise",
        "challenge counts of a customer",
        "a page of a customer's challenges",
        "promise counts of a customer",
        "a page of a customer's promises",
    ],
)
def test_team_queries_read_through_indexes_not_whole_tables(
    engine: Engine, call: Callable[[SqlAlchemyUnitOfWork], object]
) -> None:
    for plan in _plans(engine, call):
        assert not _reads_a_whole_table(plan, engine.dialect.name), plan


def _reads_a_whole_table(plan: str, dialect: str) -> bool:
    """A sequential scan of a table; SQLite's "SCAN anon_1" reads the rows a subquery
    (here a window of a few ids) made, not a table."""
    if dialect == "postgresql":
        return "Seq Scan" in plan
    return any(
        step.startswith("SCAN ") and not step.startswith(("SCAN anon_", "SCAN (subquery"))
        for step in plan.splitlines()
    )


def test_searching_ten_thousand_customers_stays_fast_and_in_the_team(
    engine: Engine, uow_on: Callable[[], SqlAlchemyUnitOfWork]
) -> None:
    with uow_on() as uow:
        uow.teams.add(Team(id="t1", name="T1"))
        uow.teams.add(Team(id="t2", name="T2"))
        uow.commit()
    words = ("acme", "global", "tech", "north", "river", "stone", "media", "labs", "foods")
    created = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for team_id in ("t1", "t2"):
            names = [
                f"{words[i % 9].title()} {words[i // 9 % 9].title()} {i}" for i in range(10_000)
            ]
            connection.execute(
                insert(CustomerRow),
                [
                    {"team_id": team_id, "name": n, "slug": slugify(n), "created_at": created}
                    for n in names
                ],
            )
    timings = []
    with uow_on() as uow:
        for _ in range(5):
            started = time.perf_counter()
            found = uow.customers.search("t1", "tech labs")
            timings.append(time.perf_counter() - started)
        assert uow.customers.search("t1", "acme global 9")[0].name == "Acme Global 9"
    assert len(found) == 10
    assert {c.team_id for c in found} == {"t1"}
    assert [c.name for c in found] == sorted((c.name for c in found), key=str.lower)
    # A few milliseconds here; the bound only catches a query that went quadratic or global.
    assert statistics.median(timings) < 0.1
