from __future__ import annotations

from datetime import datetime

import pytest

from bot.core import reminders
from bot.core.clock import ManualClock
from bot.core.delivery import Delivery, DeliveryKind, DeliveryStatus
from bot.core.model import Promise
from bot.core.replies import Text

from .conftest import Seed, UowFactory, at


def _delivery(key: str, due_at: datetime, team_id: str = "t1", **fields: object) -> Delivery:
    delivery = Delivery(team_id, DeliveryKind.REMINDER, key, "C1", due_at)
    for name, value in fields.items():
        setattr(delivery, name, value)
    return delivery


def _add(uow_factory: UowFactory, *deliveries: Delivery) -> list[bool]:
    with uow_factory() as uow:
        added = [uow.deliveries.add_if_absent(d) for d in deliveries]
        uow.commit()
    return added


def _two_promises(seed: Seed) -> tuple[Promise, Promise]:
    """Promises "a" and "b" of Acme in team t1, stored (their ids set)."""
    seed.team("t1")
    (a, b) = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("a", at(1)), ("b", at(1)))
    ).promises
    assert a.id is not None and b.id is not None
    return a, b


def test_a_delivery_is_added_once_per_key_and_round_trips(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    promises = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("a", at(1)), ("b", at(1)))
    ).promises
    ids = tuple(sorted(p.id for p in promises if p.id))
    first = _delivery("reminder:t1:1", at(1), promise_ids=ids, created_at=at(0))
    assert _add(uow_factory, first, _delivery("reminder:t1:1", at(2))) == [True, False]
    assert first.id is not None
    with uow_factory() as uow:
        assert uow.deliveries.get(first.id) == first
        assert uow.deliveries.by_key("reminder:t1:1") == first
        assert uow.deliveries.by_key("nope") is None


def test_claimable_deliveries_are_due_pending_ones_and_expired_claims_oldest_first(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    now = at(10)
    sending = DeliveryStatus.SENDING
    _add(
        uow_factory,
        _delivery("pending", at(3)),
        _delivery("retry-due", at(1), next_attempt_at=at(9)),
        _delivery("retry-later", at(0), next_attempt_at=at(11)),
        _delivery("lease-expired", at(2), status=sending, lease_until=at(9)),
        _delivery("lease-live", at(0), status=sending, lease_until=at(11)),
        _delivery("sent", at(0), status=DeliveryStatus.SENT),
        _delivery("failed", at(0), status=DeliveryStatus.FAILED),
        _delivery("skipped", at(0), status=DeliveryStatus.SKIPPED),
    )
    with uow_factory() as uow:
        claimable = [d.key for d in uow.deliveries.claimable(now, limit=10)]
        first = [d.key for d in uow.deliveries.claimable(now, limit=1)]
    assert claimable == ["retry-due", "lease-expired", "pending"]
    assert first == ["retry-due"]


def test_saving_a_delivery_records_its_claim_and_outcome(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    delivery = _delivery("k", at(0))
    _add(uow_factory, delivery)
    with uow_factory() as uow:
        (claimed,) = uow.deliveries.claimable(at(1), limit=5)
        claimed.claim("worker-1", at(1))
        uow.deliveries.save(claimed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.claimable(at(1), limit=5) == []  # leased to worker-1
        claimed.sent("msg-1", at(1.01))
        uow.deliveries.save(claimed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.by_key("k") == claimed
        assert uow.deliveries.by_message_ref("t1", "msg-1") == claimed
        assert uow.deliveries.by_message_ref("t1", "") is None
        assert uow.deliveries.by_message_ref("t2", "msg-1") is None


def test_sent_for_promise_lists_the_sent_deliveries_that_carry_it(
    seed: Seed, uow_factory: UowFactory
) -> None:
    a, b = _two_promises(seed)
    sent = DeliveryStatus.SENT
    _add(
        uow_factory,
        _delivery("both", at(1), promise_ids=(a.id, b.id), status=sent, message_ref="m1"),
        _delivery("only-b", at(2), promise_ids=(b.id,), status=sent, message_ref="m2"),
        _delivery("unsent", at(3), promise_ids=(a.id,)),
    )
    with uow_factory() as uow:
        assert [d.key for d in uow.deliveries.sent_for_promise("t1", a.id)] == ["both"]
        assert [d.key for d in uow.deliveries.sent_for_promise("t1", b.id)] == ["both", "only-b"]
        assert uow.deliveries.sent_for_promise("t2", a.id) == []


def test_a_processed_event_is_remembered_once_and_forgotten_on_rollback(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.events.remember("Ev1", "slack:T1", at(0)) is True
        assert uow.events.remember("Ev1", "slack:T1", at(1)) is False
    with uow_factory() as uow:
        assert uow.events.remember("Ev1", "slack:T1", at(0)) is True  # the first was rolled back
        uow.commit()
    with uow_factory() as uow:
        assert uow.events.remember("Ev1", "slack:T1", at(2)) is False


def test_a_digest_carries_promises_while_it_waits_and_no_more_once_given_up(
    seed: Seed, uow_factory: UowFactory
) -> None:
    a, b = _two_promises(seed)
    digest = Delivery("t1", DeliveryKind.DIGEST, "digest:t1:day", "C1", at(1), promise_ids=(a.id,))
    _add(uow_factory, digest)
    with uow_factory() as uow:
        assert uow.deliveries.carry("digest:t1:day", (a.id, b.id)) is DeliveryStatus.PENDING
        assert uow.deliveries.carry("digest:t1:other", (a.id,)) is None
        uow.commit()
    with uow_factory() as uow:
        stored = uow.deliveries.by_key("digest:t1:day")
        assert stored is not None and stored.promise_ids == (a.id, b.id)
        stored.status = DeliveryStatus.FAILED
        uow.deliveries.save(stored)
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.carry("digest:t1:day", (a.id,)) is DeliveryStatus.FAILED
        # A sent digest is a message of its own: a change to the promise does not edit it.
        assert uow.deliveries.sent_for_promise("t1", a.id) == []


def test_the_team_of_a_reminder_sent_by_direct_message_is_found_by_its_reference(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    sent = DeliveryStatus.SENT
    _add(
        uow_factory,
        _delivery("dm-1", at(1), team_id="t2", channel="dm:U1", status=sent, message_ref="D1:5"),
        _delivery("channel", at(1), team_id="t1", status=sent, message_ref="C1:6"),
    )
    with uow_factory() as uow:
        assert uow.deliveries.team_of_direct_message("dm:U1", "D1:5") == "t2"
        assert uow.deliveries.team_of_direct_message("dm:U2", "D1:5") is None  # not theirs
        assert uow.deliveries.team_of_direct_message("dm:U1", "C1:6") is None
        assert uow.deliveries.team_of_direct_message("dm:U1", "") is None


def test_a_queued_reminder_leaves_out_a_promise_re_dated_after_it_was_planned(
    seed: Seed, uow_factory: UowFactory
) -> None:
    a, b = _two_promises(seed)
    assert a.id is not None and b.id is not None
    queued = _delivery("reminder:t1:ab", at(1), promise_ids=(a.id, b.id), created_at=at(1))
    _add(uow_factory, queued)
    with uow_factory() as uow:
        moved = uow.promises.get("t1", a.id)
        assert moved is not None
        moved.reschedule(at(30), "U1", at(1.5))
        uow.promises.save(moved)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.deliveries.by_key("reminder:t1:ab")
    assert stored is not None
    clock = ManualClock(at(2))
    for prepared in (
        reminders.prepare(stored, uow=uow_factory(), clock=clock),
        *reminders.prepare_many([stored], uow=uow_factory(), clock=clock),
    ):
        assert isinstance(prepared, reminders.Prepared) and prepared.message is not None
        texts = [
            s.text
            for sec in prepared.message.reply.sections
            for ln in sec.lines
            for s in ln.spans
            if isinstance(s, Text)
        ]
        assert any(": b" in t for t in texts) and not any(": a" in t for t in texts)


def test_a_batch_keeps_each_deliverys_planning_time_or_takes_the_databases_clock(
    seed: Seed, uow_factory: UowFactory
) -> None:
    a, b = _two_promises(seed)
    planned = _delivery("reminder:t1:planned", at(1), promise_ids=(a.id, b.id), created_at=at(0))
    unplanned = _delivery("reminder:t1:unplanned", at(2), promise_ids=(b.id,))
    with uow_factory() as uow:
        assert uow.deliveries.add_all_if_absent([planned, unplanned]) == 2
        uow.commit()
    assert planned.created_at == at(0) and unplanned.created_at is not None
    with uow_factory() as uow:
        assert uow.deliveries.by_key("reminder:t1:planned") == planned
        assert uow.deliveries.by_key("reminder:t1:unplanned") == unplanned


def test_a_batch_with_a_naive_instant_is_refused_and_nothing_of_it_is_stored(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    good = _delivery("reminder:t1:good", at(1))
    naive = _delivery("reminder:t1:naive", at(1).replace(tzinfo=None))
    with uow_factory() as uow, pytest.raises(Exception, match="naive datetime"):
        uow.deliveries.add_all_if_absent([good, naive])
    with uow_factory() as uow:
        assert uow.deliveries.by_key("reminder:t1:good") is None
