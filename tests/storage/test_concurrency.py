"""Concurrent workers claim disjoint sets, and a key is planned once, on both databases.

PostgreSQL skips rows another transaction has locked (FOR UPDATE SKIP LOCKED); SQLite makes
the second claimant wait for the first one's commit (BEGIN IMMEDIATE), after which the
claimed rows are no longer claimable. Either way no row is handed to two workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from sqlalchemy import Engine

from bot.core.delivery import Delivery, DeliveryKind

from .conftest import Seed, UowFactory, at

T = TypeVar("T")


def _while_holding(
    engine_name: str, finish_first: Callable[[], None], second: Callable[[], T]
) -> T:
    """Run ``second`` in another thread while the first transaction is still open, then
    let the first finish. PostgreSQL's second worker does not wait (it skips the locked
    rows); SQLite's waits for the first one's commit."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(second)
        skips_locked_rows = engine_name == "postgresql"
        # Long enough for the second to finish if it does not wait; 0.3 s shows it waits.
        wait([future], timeout=5.0 if skips_locked_rows else 0.3)
        assert future.done() is skips_locked_rows
        finish_first()
        return future.result(timeout=30)


def test_two_workers_claim_disjoint_deliveries(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    seed.team("t1")
    with uow_factory() as uow:
        for n in range(6):
            uow.deliveries.add_if_absent(
                Delivery("t1", DeliveryKind.NUDGE, f"k{n}", "C1", at(n / 10))
            )
        uow.commit()
    now = at(1)

    def claim(worker: str, limit: int) -> list[str]:
        with uow_factory() as uow:
            claimed = uow.deliveries.claimable(now, limit)
            for delivery in claimed:
                delivery.claim(worker, now)
                uow.deliveries.save(delivery)
            uow.commit()
        return [d.key for d in claimed]

    first = uow_factory()
    with first:
        mine = first.deliveries.claimable(now, 2)

        def finish_first() -> None:
            for delivery in mine:
                delivery.claim("w1", now)
                first.deliveries.save(delivery)
            first.commit()

        theirs = _while_holding(engine.dialect.name, finish_first, lambda: claim("w2", 10))
    assert [d.key for d in mine] == ["k0", "k1"]
    assert theirs == ["k2", "k3", "k4", "k5"]


def test_two_reminder_scans_take_disjoint_promises(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    seed.team("t1")
    seed.touchpoint(
        seed.customer("t1", "Acme"), promises=tuple((f"p{n}", at(n / 10)) for n in range(4))
    )
    now = at(1)

    def scan(limit: int) -> list[str]:
        with uow_factory() as uow:
            due = uow.promises.due_for_reminder(now, limit)
            for promise in due:
                promise.remind_at = at(48)
                uow.promises.save(promise)
            uow.commit()
        return [p.text for p in due]

    first = uow_factory()
    with first:
        mine = first.promises.due_for_reminder(now, 2)

        def finish_first() -> None:
            for promise in mine:
                promise.remind_at = at(48)
                first.promises.save(promise)
            first.commit()

        theirs = _while_holding(engine.dialect.name, finish_first, lambda: scan(10))
    assert [p.text for p in mine] == ["p0", "p1"]
    assert theirs == ["p2", "p3"]


def test_concurrent_planners_add_a_key_once(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    barrier = threading.Barrier(2)

    def plan() -> bool:
        with uow_factory() as uow:
            barrier.wait()
            added = uow.deliveries.add_if_absent(
                Delivery("t1", DeliveryKind.DIGEST, "digest:t1:2026-03-02", "C1", at(0))
            )
            uow.commit()
        return added

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(lambda _: plan(), range(2)))
    assert results == [False, True]
