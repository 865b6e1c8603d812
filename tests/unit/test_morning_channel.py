"""A calm morning channel: reminders that fall at the start of a digest day go in the
digest instead of beside it, "delayed" is said only of what is late, `overdue off` works at
once, and people who asked for them get their reminders by direct message."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import outbox, reminders, services
from bot.core.clock import ManualClock
from bot.core.delivery import (
    DeliveryFailed,
    DeliveryKind,
    DeliveryStatus,
    Outgoing,
    direct_recipient,
    send_or_fall_back,
)
from bot.core.services import TeamDefaults
from bot.scheduling.engine import ReminderEngine
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_reminders import FakeNotifier, flatten

TEAM = "console:test"
# Mon 7 Dec 2026 16:00 in London (UTC+0); digest and working day both start at 09:00
MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def store(clock: ManualClock) -> FakeStore:
    store = FakeStore()
    uow = FakeUnitOfWork(store)
    services.ensure_team(TEAM, "T", defaults=TeamDefaults("Europe/London"), uow=uow, clock=clock)
    services.configure_team(TEAM, "channel", "#customers", uow=uow, clock=clock)
    return store


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def engine(store: FakeStore, clock: ManualClock, notifier: FakeNotifier) -> ReminderEngine:
    return ReminderEngine(lambda: FakeUnitOfWork(store), clock, {"console": notifier}, worker="w")


def configure(store: FakeStore, clock: ManualClock, setting: str, value: str) -> None:
    services.configure_team(TEAM, setting, value, uow=FakeUnitOfWork(store), clock=clock)


def record(store: FakeStore, clock: ManualClock, text: str, author: str = "U1") -> int:
    recorded = services.record_quick_entry(
        TEAM, author, text, uow=FakeUnitOfWork(store), clock=clock
    )
    pid = recorded.touchpoint.promises[0].id
    assert pid is not None
    return pid


def run_until(engine: ReminderEngine, clock: ManualClock, end: datetime) -> None:
    """The engine's two loops, every 5 minutes of the clock, up to ``end``."""

    async def ticks() -> None:
        while clock.now() < end:
            clock.advance(min(timedelta(minutes=5), end - clock.now()))
            await engine.tick()

    asyncio.run(ticks())


def test_the_morning_reminders_come_inside_the_digest_not_beside_it(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send the quote by tue", author="U1")
    record(store, clock, "globex | they: sign the contract by tue", author="U2")
    record(store, clock, "initech | we: call back tue", author="U3")
    record(store, clock, "hooli | we: book the visit tue 2pm", author="U4")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=5))
    (digest,) = notifier.sent
    text = flatten(digest.reply)
    assert digest.reply.kind == "digest" and "Delayed" not in text
    for item in ("send the quote", "sign the contract", "call back", "book the visit"):
        assert text.count(item) == 1
    assert set(digest.reply.mentions) == {"U1", "U2", "U3", "U4"}
    run_until(engine, clock, TUESDAY_9 + timedelta(hours=5, minutes=1))
    assert [m.reply.kind for m in notifier.sent] == ["digest", "reminder"]  # the 2pm one
    assert "book the visit" in flatten(notifier.sent[1].reply)


def test_an_overdue_promise_is_carried_by_each_days_digest_only(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send the quote by tue")
    run_until(engine, clock, TUESDAY_9 + timedelta(days=2, minutes=1))  # to Thursday
    kinds = [m.reply.kind for m in notifier.sent]
    assert kinds == ["digest", "digest", "digest"]
    assert "(overdue" in flatten(notifier.sent[-1].reply)


def test_a_later_digest_waits_for_the_reminders_of_the_days_start(
    store, clock, engine, notifier
) -> None:
    configure(store, clock, "digest", "10:00")
    record(store, clock, "acme | we: send the quote by tue")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=59))
    assert notifier.sent == []
    run_until(engine, clock, TUESDAY_9 + timedelta(hours=1, minutes=1))
    (digest,) = notifier.sent
    assert digest.reply.kind == "digest" and "send the quote" in flatten(digest.reply)


def test_a_digest_long_before_the_day_starts_leaves_the_reminder_on_its_own(
    store, clock, engine, notifier
) -> None:
    configure(store, clock, "digest", "06:00")
    record(store, clock, "acme | we: send the quote by tue")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=1))
    assert [m.reply.kind for m in notifier.sent] == ["digest", "reminder"]


def test_a_snooze_ends_with_a_reminder_of_its_own(store, clock, engine, notifier) -> None:
    pid = record(store, clock, "acme | we: send the quote by tue")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=1))
    services.snooze_promise(TEAM, pid, "1h", "U1", uow=FakeUnitOfWork(store), clock=clock)
    run_until(engine, clock, TUESDAY_9 + timedelta(hours=1, minutes=2))
    assert [m.reply.kind for m in notifier.sent] == ["digest", "reminder"]


def test_overdue_off_drops_the_repeats_already_planned(store, clock, engine, notifier) -> None:
    configure(store, clock, "digest", "08:30")  # reminders on their own, to count them
    pid = record(store, clock, "acme | we: send the quote by tue")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=1))
    assert [m.reply.kind for m in notifier.sent] == ["digest", "reminder"]
    with FakeUnitOfWork(store) as uow:
        planned = uow.promises.get(TEAM, pid)
    assert planned is not None and planned.remind_at == TUESDAY_9 + timedelta(days=1)
    configure(store, clock, "overdue", "off")
    run_until(engine, clock, TUESDAY_9 + timedelta(days=2, minutes=1))
    assert [m.reply.kind for m in notifier.sent] == ["digest", "reminder", "digest", "digest"]
    assert notifier.sent[-1].reply.mentions == ()  # overdue: listed, nobody pinged
    with FakeUnitOfWork(store) as uow:
        dropped = uow.promises.get(TEAM, pid)
    assert dropped is not None and dropped.remind_at is None and dropped.is_open


def test_overdue_off_still_keeps_a_snooze_someone_asked_for(store, clock, engine, notifier) -> None:
    configure(store, clock, "digest", "08:30")
    pid = record(store, clock, "acme | we: send the quote by tue")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=1))
    services.snooze_promise(TEAM, pid, "1h", "U1", uow=FakeUnitOfWork(store), clock=clock)
    configure(store, clock, "overdue", "off")
    run_until(engine, clock, TUESDAY_9 + timedelta(hours=1, minutes=2))
    assert [m.reply.kind for m in notifier.sent] == ["digest", "reminder", "reminder"]


def test_a_caught_up_old_promise_does_not_make_the_group_delayed(store, clock) -> None:
    configure(store, clock, "digest", "08:30")
    old = record(store, clock, "acme | we: send the quote today 5pm")  # Mon 17:00
    fresh = record(store, clock, "globex | we: call back tue 10am")
    # The bot was down from Monday 16:00 to Tuesday 10:00: both are due at once.
    clock.set(TUESDAY_9 + timedelta(hours=1))
    reminders.plan_reminders(uow=FakeUnitOfWork(store), clock=clock)
    (delivery,) = [d for d in store.deliveries.values() if d.kind is DeliveryKind.REMINDER]
    assert set(delivery.promise_ids) == {old, fresh}
    assert not delivery.is_delayed(clock.now())
    prepared = reminders.prepare(delivery, uow=FakeUnitOfWork(store), clock=clock)
    assert prepared.message is not None
    text = flatten(prepared.message.reply)
    assert "Delayed" not in text and "(overdue 17 h)" in text


def test_everyones_reminders_can_go_by_direct_message(store, clock, engine, notifier) -> None:
    configure(store, clock, "reminders", "dm")
    record(store, clock, "acme | we: send the quote by tue", author="U1")
    record(store, clock, "globex | they: sign the contract by tue", author="U2")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=1))
    channels = sorted((m.channel, m.reply.kind) for m in notifier.sent)
    assert channels == [("#customers", "digest"), ("dm:U1", "reminder")]
    digest = next(m for m in notifier.sent if m.reply.kind == "digest")
    assert "send the quote" in flatten(digest.reply) and digest.reply.mentions == ("U2",)


def test_one_person_can_take_their_reminders_by_direct_message(
    store, clock, engine, notifier
) -> None:
    services.set_reminder_route(TEAM, "U1", "dm", uow=FakeUnitOfWork(store))
    record(store, clock, "acme | we: send the quote by tue", author="U1")
    record(store, clock, "globex | we: call back by tue", author="U2")
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=1))
    channels = sorted((m.channel, m.reply.kind) for m in notifier.sent)
    assert channels == [("#customers", "digest"), ("dm:U1", "reminder")]
    services.set_reminder_route(TEAM, "U1", "team", uow=FakeUnitOfWork(store))
    with FakeUnitOfWork(store) as uow:
        team = uow.teams.get(TEAM)
    assert team is not None and team.reminder_prefs == {}


def test_a_reminder_for_the_start_of_a_day_off_waits_for_mondays_digest(
    store, clock, engine, notifier
) -> None:
    clock.set(datetime(2026, 12, 11, 16, 0, tzinfo=UTC))  # Friday
    record(store, clock, "acme | we: send the quote tomorrow")  # Saturday, no time
    record(store, clock, "globex | we: ring the depot sat 2pm")
    run_until(engine, clock, datetime(2026, 12, 14, 9, 1, tzinfo=UTC))  # Monday
    sent = [(m.reply.kind, flatten(m.reply)) for m in notifier.sent]
    assert [kind for kind, _ in sent] == ["reminder", "digest", "summary"]  # Monday: weekly
    assert "ring the depot" in sent[0][1] and "send the quote" in sent[1][1]


class NoDirectMessages(FakeNotifier):
    """A platform where nobody takes direct messages from the bot: each one is refused for
    good, and the notifier falls back to the team channel as the real ones do."""

    async def send(self, message: Outgoing) -> str:
        return await send_or_fall_back(message, self._post)

    async def _post(self, message: Outgoing, channel: str) -> str:
        if direct_recipient(channel) is not None:
            raise DeliveryFailed("cannot_dm_bot", permanent=True)
        return await FakeNotifier.send(self, dataclasses.replace(message, channel=channel))

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        if direct_recipient(message.channel) is not None:
            raise DeliveryFailed("cannot_dm_bot", permanent=True)
        for number, sent in enumerate(self.sent, start=1):
            if sent.key == message.key and sent.channel == message.channel:
                return f"ref-{number}"
        return None


def test_a_refused_direct_message_posted_in_the_channel_before_a_crash_is_not_posted_again(
    store, clock
) -> None:
    configure(store, clock, "reminders", "dm")
    configure(store, clock, "digest", "08:30")
    record(store, clock, "acme | we: send the quote tue 11am", author="U1")
    clock.set(TUESDAY_9 + timedelta(hours=2))
    uow = FakeUnitOfWork(store)
    reminders.plan_reminders(uow=uow, clock=clock)
    (claimed,) = reminders.claim_deliveries("dead-worker", uow=uow, clock=clock)
    assert claimed.channel == "dm:U1"
    prepared = reminders.prepare(claimed, uow=uow, clock=clock)
    assert prepared.message is not None
    platform = NoDirectMessages()
    asyncio.run(platform.send(prepared.message))  # refused, posted in the channel; then the crash
    engine = ReminderEngine(lambda: FakeUnitOfWork(store), clock, {"console": platform}, worker="w")
    clock.advance(timedelta(minutes=3))  # the dead worker's lease runs out
    asyncio.run(engine.scan())
    assert [(m.channel, m.reply.kind) for m in platform.sent] == [("#customers", "reminder")]
    (delivery,) = [d for d in store.deliveries.values() if d.kind is DeliveryKind.REMINDER]
    assert delivery.status is DeliveryStatus.SENT and delivery.message_ref == "ref-1"


def test_the_reminders_a_given_up_digest_carried_go_out_on_their_own(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send the quote by tue", author="U1")
    record(store, clock, "globex | they: sign the contract by tue", author="U2")
    # The digest is refused for good (as plain text too), once.
    notifier.failures.append(DeliveryFailed("msg_too_long", permanent=True))
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=10))
    digest = next(d for d in store.deliveries.values() if d.key.endswith("2026-12-08"))
    assert digest.status is DeliveryStatus.FAILED
    sent = sorted((m.reply.kind, m.reply.mentions) for m in notifier.sent)
    assert sent == [("reminder", ("U1",)), ("reminder", ("U2",))]
    texts = " ".join(flatten(m.reply) for m in notifier.sent)
    assert "send the quote" in texts and "sign the contract" in texts


def test_a_reminder_folded_after_its_digest_was_given_up_goes_out_on_its_own(
    store, clock, notifier
) -> None:
    record(store, clock, "acme | we: send the quote by tue", author="U1")
    clock.set(TUESDAY_9)
    reminders.plan_digests(uow=FakeUnitOfWork(store), clock=clock)  # before the scan
    (digest,) = reminders.claim_deliveries("w", uow=FakeUnitOfWork(store), clock=clock)
    digest.failed("is_archived", clock.now(), None, permanent=True)
    reminders.record_outcomes([digest], uow=FakeUnitOfWork(store), clock=clock)
    reminders.plan_reminders(uow=FakeUnitOfWork(store), clock=clock)
    (reminder,) = [d for d in store.deliveries.values() if d.kind is DeliveryKind.REMINDER]
    assert reminder.status is DeliveryStatus.PENDING and len(reminder.promise_ids) == 1


def test_retrying_a_given_up_digest_and_the_reminders_it_handed_back_mentions_each_owner_once(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send the quote by tue", author="U1")
    record(store, clock, "globex | they: sign the contract by tue", author="U2")
    # The channel is archived: the digest is given up, then the reminders it handed back.
    notifier.failures.extend(DeliveryFailed("is_archived", permanent=True) for _ in range(3))
    run_until(engine, clock, TUESDAY_9 + timedelta(minutes=10))
    assert notifier.sent == []
    failed = [d for d in store.deliveries.values() if d.status is DeliveryStatus.FAILED]
    assert sorted(d.kind for d in failed) == ["digest", "nudge", "reminder"]

    assert outbox.retry_given_up(TEAM, uow=FakeUnitOfWork(store), clock=clock) == 1
    run_until(engine, clock, clock.now() + timedelta(minutes=10))
    assert [m.reply.kind for m in notifier.sent] == ["digest"]
    text = flatten(notifier.sent[0].reply)
    assert "send the quote" in text and "sign the contract" in text
    after = {store.deliveries[d.id].kind: store.deliveries[d.id].status for d in failed}
    assert after == {
        DeliveryKind.DIGEST: DeliveryStatus.SENT,
        DeliveryKind.NUDGE: DeliveryStatus.SKIPPED,
        DeliveryKind.REMINDER: DeliveryStatus.SKIPPED,
    }
