"""One worker at a time sends to a channel, on both databases: a claim leaves the
deliveries to a channel another worker holds, takes every other channel's, and a channel
is free for another worker only once its holder has recorded every delivery it claimed
there and the platform's pace has passed. Two claims racing for one channel give it to
one of them; a dead worker's channels come back with its leases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta

from sqlalchemy import Engine

from bot.core import claims, reminders
from bot.core.clock import ManualClock
from bot.core.delivery import LEASE, Delivery, DeliveryKind, DeliveryStatus

from .conftest import Seed, UowFactory, at

NOW = at(1)
TEAM = "slack:T1"


def _outbox(seed: Seed, uow_factory: UowFactory, per_channel: dict[str, int]) -> None:
    """Pending nudges to each channel, due oldest first in the order given."""
    seed.team(TEAM)
    with uow_factory() as uow:
        n = 0
        for channel, count in per_channel.items():
            for k in range(count):
                n += 1
                uow.deliveries.add_if_absent(
                    Delivery(TEAM, DeliveryKind.NUDGE, f"{channel}-{k}", channel, at(n / 100))
                )
        uow.commit()


def _claim(uow_factory: UowFactory, worker: str, clock: ManualClock, limit: int = 10) -> list[str]:
    return [
        d.key for d in claims.claim_deliveries(worker, uow=uow_factory(), clock=clock, limit=limit)
    ]


def _record_sent(uow_factory: UowFactory, clock: ManualClock, keys: list[str], pace: float) -> None:
    with uow_factory() as uow:
        done = [uow.deliveries.by_key(k) for k in keys]
    sent = [d for d in done if d is not None]
    for delivery in sent:
        delivery.sent(f"ref-{delivery.key}", clock.now())
    reminders.record_outcomes(sent, uow=uow_factory(), clock=clock, pace=lambda _: pace)


def test_a_channel_another_worker_holds_is_left_to_it_and_the_others_are_claimed(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _outbox(seed, uow_factory, {"C1": 3, "C2": 2})
    clock = ManualClock(NOW)

    assert _claim(uow_factory, "w1", clock, limit=1) == ["C1-0"]
    assert _claim(uow_factory, "w2", clock) == ["C2-0", "C2-1"]
    # The holder goes on with its channel.
    assert _claim(uow_factory, "w1", clock) == ["C1-1", "C1-2"]


def test_a_channel_is_free_for_another_worker_a_pace_after_its_last_outcome(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _outbox(seed, uow_factory, {"C1": 3})
    clock = ManualClock(NOW)
    first, second = _claim(uow_factory, "w1", clock, limit=2)
    with uow_factory() as uow:  # a third, planned since, waits with the others
        later = uow.deliveries.by_key("C1-2")
        assert later is not None and later.status is DeliveryStatus.PENDING

    _record_sent(uow_factory, clock, [first], pace=1.0)
    clock.advance(timedelta(seconds=5))
    assert _claim(uow_factory, "w2", clock) == []  # w1 still has one claimed there

    _record_sent(uow_factory, clock, [second], pace=1.0)
    clock.advance(timedelta(seconds=0.9))
    assert _claim(uow_factory, "w2", clock) == []  # within the pace of w1's last post
    clock.advance(timedelta(seconds=0.1))
    assert _claim(uow_factory, "w2", clock) == ["C1-2"]


def test_a_dead_workers_channels_come_back_with_its_leases(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _outbox(seed, uow_factory, {"C1": 2})
    clock = ManualClock(NOW)
    assert _claim(uow_factory, "dead", clock, limit=1) == ["C1-0"]

    clock.advance(LEASE - timedelta(seconds=1))
    assert _claim(uow_factory, "w2", clock) == []
    clock.advance(timedelta(seconds=1))
    retaken = claims.claim_deliveries("w2", uow=uow_factory(), clock=clock)
    assert [(d.key, d.in_doubt) for d in retaken] == [("C1-0", True), ("C1-1", False)]


def test_two_claims_racing_for_one_channel_give_it_to_one_worker(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    """The first claim has read and holds C1 but not committed yet when the second
    claims: PostgreSQL's second waits on the hold's row, SQLite's on the write lock; then
    it sees the hold and takes the other channel only."""
    _outbox(seed, uow_factory, {"C1": 3, "C2": 1})
    clock = ManualClock(NOW)
    first = uow_factory()
    with first, ThreadPoolExecutor(1) as pool:
        mine = first.deliveries.claimable(NOW, 1, "w1")
        assert first.deliveries.hold_channels("w1", {("slack:T1", "C1"): 1}, NOW, NOW + LEASE)
        for delivery in mine:
            delivery.claim("w1", NOW)
        first.deliveries.save_all(mine)

        theirs = pool.submit(_claim, uow_factory, "w2", clock)
        wait([theirs], timeout=0.3)
        assert not theirs.done()  # it waits for the first claim's transaction
        first.commit()
        assert theirs.result(timeout=30) == ["C2-0"]
    assert [d.key for d in mine] == ["C1-0"]
    assert _claim(uow_factory, "w1", clock) == ["C1-1", "C1-2"]
