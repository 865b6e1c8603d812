"""The fake outbox answers as the SQLAlchemy one does, for the methods concurrent sending
relies on: planning many deliveries at once, claiming, recording outcomes in batches, the
dead letter (given-up deliveries, their reasons, retrying them) and the in-doubt lookup
(a claim whose worker died comes back once its lease runs out, counted as an attempt).

One outbox story is played on a fake unit of work and on the real one (SQLite and
PostgreSQL), with the same questions asked at each step; the answers must match. Ids
differ between them, so deliveries are compared by key and promises by text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core import services
from bot.core.clock import ManualClock
from bot.core.delivery import LEASE, ChannelRelease, Delivery, DeliveryKind, DeliveryStatus
from bot.core.ports import UnitOfWork
from bot.core.services import TeamDefaults
from bot.storage.uow import SqlAlchemyUnitOfWork
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "slack:T1"
OTHER = "slack:T2"
NOW = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
EVERY_STATE = tuple(DeliveryStatus)

Factory = Callable[[], UnitOfWork]


class Outbox:
    """Plays the story on one unit of work factory and writes down every answer."""

    def __init__(self, uow: Factory) -> None:
        self.uow = uow
        self.answers: dict[str, Any] = {}
        self.texts: dict[int, str] = {}  # promise id -> text

    def setup(self) -> dict[str, int]:
        clock = ManualClock(NOW - timedelta(days=1))
        for team in (TEAM, OTHER):
            services.ensure_team(
                team, "", defaults=TeamDefaults("Europe/London"), uow=self.uow(), clock=clock
            )
        services.record_quick_entry(
            TEAM,
            "U1",
            "acme call | we: send quote by fri; call back mon | they: sign contract by tue",
            uow=self.uow(),
            clock=clock,
        )
        with self.uow() as w:
            for customer in w.customers.list(TEAM):
                assert customer.id is not None
                for p in w.promises.for_customer(TEAM, customer.id):
                    assert p.id is not None
                    self.texts[p.id] = p.text
        return {text: pid for pid, text in self.texts.items()}

    def view(self, d: Delivery | None) -> Any:
        if d is None:
            return None
        return (
            d.key,
            d.team_id,
            d.kind.value,
            d.channel,
            d.due_at,
            tuple(self.texts[p] for p in d.promise_ids),
            d.day,
            d.status.value,
            d.attempts,
            d.next_attempt_at,
            d.claimed_by,
            d.lease_until,
            d.message_ref,
            d.sent_at,
            d.last_error,
            d.created_at is not None,
        )

    def views(self, found: Sequence[Delivery]) -> list[Any]:
        return [self.view(d) for d in found]

    def ask(self, step: str, at: datetime) -> None:
        """The same read-only questions, at every step of the story."""
        with self.uow() as w:
            depth = w.deliveries.outbox_depth(at)
            self.answers[f"{step}: outbox_depth"] = depth
            self.answers[f"{step}: claimable"] = self.views(w.deliveries.claimable(at, 10))
            self.answers[f"{step}: of_team open"] = self.views(w.deliveries.of_team(TEAM, OPEN, 10))
            self.answers[f"{step}: of_team all, 2"] = self.views(
                w.deliveries.of_team(TEAM, EVERY_STATE, 2)
            )
            self.answers[f"{step}: of_team other"] = self.views(
                w.deliveries.of_team(OTHER, EVERY_STATE, 10)
            )
            self.answers[f"{step}: given_up_since"] = w.deliveries.given_up_since(
                TEAM, at - timedelta(days=1)
            )
            self.answers[f"{step}: given_up_since later"] = w.deliveries.given_up_since(
                TEAM, at + timedelta(days=1)
            )

    def claim(self, worker: str, at: datetime, limit: int) -> list[Delivery]:
        with self.uow() as w:
            claimed = w.deliveries.claimable(at, limit)
            for d in claimed:
                d.claim(worker, at)
            w.deliveries.save_all(claimed)
            w.commit()
        return claimed

    def record(self, deliveries: Sequence[Delivery]) -> None:
        with self.uow() as w:
            w.deliveries.save_all(deliveries)
            w.commit()


def _delivery(
    key: str, minutes: int, *, team: str = TEAM, channel: str = "C1", **fields: Any
) -> Delivery:
    kind = DeliveryKind(key.partition(":")[0])
    return Delivery(team, kind, key, channel, NOW + timedelta(minutes=minutes), **fields)


def play(uow: Factory) -> dict[str, Any]:
    box = Outbox(uow)
    ids = box.setup()
    quote, call, sign = ids["send quote"], ids["call back"], ids["sign contract"]
    a = box.answers

    # Planning: one delivery already stored, then a batch that repeats its key, repeats a
    # key of its own (the first one counts) and lists a promise twice.
    with uow() as w:
        a["add_if_absent"] = w.deliveries.add_if_absent(
            _delivery("digest:T1:2026-11-19", -60, day="2026-11-19")
        )
        planned = [
            _delivery("reminder:T1:a", -50, promise_ids=(call, quote, call)),
            _delivery("reminder:T1:b", -40, promise_ids=(quote,)),
            _delivery("nudge:T1:c", -30, channel="C2", promise_ids=(sign,)),
            _delivery("reminder:T2:d", -20, team=OTHER),
            _delivery("digest:T1:2026-11-19", -10),
            _delivery("reminder:T1:b", -5, channel="C9"),
            _delivery("reminder:T1:later", 60, promise_ids=(quote,)),
        ]
        a["add_all_if_absent"] = w.deliveries.add_all_if_absent(planned)
        a["ids and created_at set on the stored ones"] = [
            (d.key, d.id is not None, d.created_at is not None) for d in planned
        ]
        a["add_all_if_absent nothing"] = w.deliveries.add_all_if_absent([])
        w.commit()
    box.ask("planned", NOW)

    # Claims: oldest due first, never one not yet due, never one another worker holds.
    first = box.claim("w1", NOW, 3)
    a["claimed by w1"] = box.views(first)
    second = box.claim("w2", NOW, 10)
    a["claimed by w2"] = box.views(second)
    a["claimed again at once"] = box.views(box.claim("w3", NOW, 10))
    box.ask("claimed", NOW)

    # Outcomes, recorded together: sent, given up for good, retried after a rate limit.
    sent, dead, limited = first
    sent.sent("C1:100", NOW + timedelta(seconds=1))
    dead.failed("channel_not_found", NOW + timedelta(seconds=1), None, permanent=True)
    limited.failed("ratelimited", NOW + timedelta(seconds=2), 30.0, permanent=False)
    box.record(first)
    box.ask("recorded", NOW + timedelta(seconds=3))
    with uow() as w:
        a["by_message_ref"] = box.view(w.deliveries.by_message_ref(TEAM, "C1:100"))
        a["by_message_ref other team"] = box.view(w.deliveries.by_message_ref(OTHER, "C1:100"))
        a["by_message_ref unsent"] = box.view(w.deliveries.by_message_ref(TEAM, ""))
        a["sent_for_promise"] = box.views(w.deliveries.sent_for_promise(TEAM, quote))
        a["sent_for_promise none sent"] = box.views(w.deliveries.sent_for_promise(TEAM, sign))
        assert sent.id is not None
        a["get"] = box.view(w.deliveries.get(sent.id))
        a["get unknown"] = box.view(w.deliveries.get(10**6))
        a["by_key"] = box.view(w.deliveries.by_key("reminder:T1:b"))

    # In doubt: w2 died holding its claims. They come back only once the lease has run
    # out, still counting the attempt, so the next claim looks before it sends.
    a["claimable within the lease"] = box.views(
        box.claim("w4", NOW + LEASE - timedelta(seconds=1), 10)
    )
    retaken = box.claim("w5", NOW + LEASE, 10)
    a["retaken after the lease"] = box.views(retaken)
    a["retaken are in doubt"] = [(d.key, d.in_doubt) for d in retaken]
    for d in retaken:
        d.sent(f"{d.channel}:200", NOW + LEASE)
    box.record(retaken)
    box.ask("in doubt settled", NOW + LEASE + timedelta(seconds=1))

    # The dead letter: an operator resends the team's given-up deliveries after a fix.
    later = NOW + timedelta(minutes=30)
    with uow() as w:
        a["retry_given_up"] = w.deliveries.retry_given_up(TEAM, later)
        a["retry_given_up other team"] = w.deliveries.retry_given_up(OTHER, later)
        w.commit()
    box.ask("retried", later)
    a["claimed after the retry"] = box.views(box.claim("w6", later, 10))

    # Channel holds: a channel held by one worker is left out of another's claims until
    # its holder has recorded every delivery it claimed there and the pace has passed.
    with uow() as w:
        w.deliveries.add_all_if_absent(
            [
                _delivery("nudge:T1:h1", 31, channel="C1"),
                _delivery("nudge:T1:h2", 32, channel="C2"),
                _delivery("nudge:T2:h3", 33, team=OTHER, channel="C1"),
            ]
        )
        a["hold by w7"] = w.deliveries.hold_channels(
            "w7", {(TEAM, "C1"): 2, (TEAM, "C2"): 1}, later, later + LEASE
        )
        w.commit()
    with uow() as w:
        a["hold by w8"] = w.deliveries.hold_channels(
            "w8", {(TEAM, "C1"): 1, (OTHER, "C1"): 1}, later, later + LEASE
        )
        a["claimable by w8 while w7 holds"] = box.views(w.deliveries.claimable(later, 10, "w8"))
        a["claimable by w7"] = box.views(w.deliveries.claimable(later, 10, "w7"))
        free_at = later + timedelta(seconds=1)
        one = ChannelRelease(1, free_at)
        w.deliveries.release_channels("w7", {(TEAM, "C1"): one, (TEAM, "C2"): one})
        w.deliveries.release_channels("w8", {(TEAM, "C2"): ChannelRelease(1, later)})
        w.commit()
    with uow() as w:
        for seconds in (0, 1):
            a[f"claimable by w8, {seconds} s after w7 let go"] = box.views(
                w.deliveries.claimable(free_at + timedelta(seconds=seconds), 10, "w8")
            )
        a["hold by w8 once C2 is free"] = w.deliveries.hold_channels(
            "w8", {(TEAM, "C1"): 1, (TEAM, "C2"): 1}, free_at, free_at + LEASE
        )
    return a


def test_the_fake_outbox_answers_as_the_database_does(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork],
) -> None:
    store = FakeStore()
    expected = play(uow_factory)
    got = play(lambda: FakeUnitOfWork(store))
    assert expected["add_all_if_absent"] == 5
    assert expected["retaken are in doubt"] and all(d for _, d in expected["retaken are in doubt"])
    assert expected["retry_given_up"] == 1
    assert expected["hold by w7"] == {(TEAM, "C1"), (TEAM, "C2")}
    assert expected["hold by w8"] == {(OTHER, "C1")}
    assert [v[0] for v in expected["claimable by w8 while w7 holds"]] == ["nudge:T2:h3"]
    assert expected["hold by w8 once C2 is free"] == {(TEAM, "C2")}  # C1: one left claimed
    mismatched = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    assert mismatched == {}


def _save_refused(uow: Factory, delivery: Delivery) -> str:
    with uow() as w:
        try:
            w.deliveries.save(delivery)
        except (LookupError, ValueError) as exc:
            return type(exc).__name__
    return "stored"


def test_saving_a_delivery_that_is_not_stored_is_refused_by_both(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork],
) -> None:
    store = FakeStore()
    for factory in (uow_factory, lambda: FakeUnitOfWork(store)):
        never_added = _delivery("reminder:T1:x", 0)
        assert _save_refused(factory, never_added) == "ValueError"
        never_added.id = 10**6
        assert _save_refused(factory, never_added) == "LookupError"
        with factory() as w, pytest.raises(ValueError):
            w.deliveries.save_all([_delivery("reminder:T1:y", 0)])
