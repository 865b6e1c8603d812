"""The reminder engine, driven by a manual clock against fakes: no sleeping, no I/O."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core import corrections, reminders, services
from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryFailed, DeliveryStatus, Outgoing
from bot.core.model import Team
from bot.core.replies import Reply, Strong, Text
from bot.core.services import TeamDefaults
from bot.scheduling.engine import ReminderEngine
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "console:test"
# Thu 19 Nov 2026 10:00 London (UTC+0)
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


class FakeNotifier:
    """A platform that records what it was sent, and can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.failures: list[DeliveryFailed] = []
        self.updates: list[tuple[str, Reply]] = []

    async def send(self, message: Outgoing) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"ref-{len(self.sent)}"

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        for number, sent in enumerate(self.sent, start=1):
            if sent.key == message.key:
                return f"ref-{number}"
        return None

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        self.updates.append((ref, reply))

    def texts(self) -> list[str]:
        return [flatten(m.reply) for m in self.sent]


def flatten(reply: Reply) -> str:
    parts = [reply.title]
    for section in reply.sections:
        for line in section.lines:
            parts.append("".join(s.text for s in line.spans if isinstance(s, Text | Strong)))
    return "\n".join(parts)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def store(clock: ManualClock) -> FakeStore:
    store = FakeStore()
    uow = FakeUnitOfWork(store)
    services.ensure_team(TEAM, "Test", defaults=TeamDefaults("Europe/London"), uow=uow, clock=clock)
    services.configure_team(TEAM, "channel", "#customers", uow=uow, clock=clock)
    # Before the working day starts, so these tests see reminders as messages of their own
    # (tests/unit/test_morning_channel.py covers a digest that carries them).
    services.configure_team(TEAM, "digest", "08:30", uow=uow, clock=clock)
    return store


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def engine(store: FakeStore, clock: ManualClock, notifier: FakeNotifier) -> ReminderEngine:
    return ReminderEngine(lambda: FakeUnitOfWork(store), clock, {"console": notifier}, worker="w1")


def record(store: FakeStore, clock: ManualClock, text: str, team: str = TEAM) -> services.Recorded:
    return services.record_quick_entry(team, "U1", text, uow=FakeUnitOfWork(store), clock=clock)


def scan(engine: ReminderEngine) -> None:
    asyncio.run(engine.scan())


def test_a_promise_due_tomorrow_is_reminded_exactly_once_at_its_due_time(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send quote tomorrow 10am")
    scan(engine)
    clock.advance(timedelta(hours=23, minutes=59))
    scan(engine)
    assert notifier.sent == []
    clock.advance(timedelta(minutes=1))
    scan(engine)
    scan(engine)
    clock.advance(timedelta(hours=2))
    scan(engine)
    assert len(notifier.sent) == 1
    message = notifier.sent[0]
    assert message.channel == "#customers" and message.reply.mentions == ("U1",)
    assert "acme: send quote" in notifier.texts()[0]
    assert [a.custom_id for a in message.reply.sections[0].lines[0].actions][:2] == [
        "tp:kept:3",
        "tp:snooze:3:1h",
    ]


def test_snooze_moves_the_reminder_and_kept_stops_it(store, clock, engine, notifier) -> None:
    pid = record(store, clock, "acme | we: send quote in 1 hour").touchpoint.promises[0].id
    assert pid is not None
    services.snooze_promise(TEAM, pid, "tomorrow", "U1", uow=FakeUnitOfWork(store), clock=clock)
    clock.advance(timedelta(hours=2))
    scan(engine)
    assert notifier.sent == []
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    scan(engine)
    assert len(notifier.sent) == 1
    services.settle_promise(TEAM, pid, "kept", "U1", uow=FakeUnitOfWork(store), clock=clock)
    for _ in range(5):
        clock.advance(timedelta(days=1))
        scan(engine)
    assert len(notifier.sent) == 1


def test_an_overdue_promise_is_reminded_once_each_working_day(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send quote tomorrow 10am")  # Fri 20 Nov 10:00
    times = []
    for _ in range(24 * 7):  # hourly scans until Thu 26 Nov 10:00
        clock.advance(timedelta(hours=1))
        before = len(notifier.sent)
        scan(engine)
        if len(notifier.sent) > before:
            times.append(clock.now())
    days = [t.astimezone(ZoneInfo("Europe/London")).strftime("%a %H:%M") for t in times]
    assert days == ["Fri 10:00", "Mon 09:00", "Tue 09:00", "Wed 09:00", "Thu 09:00"]
    assert "overdue 2 days" in notifier.texts()[1]  # Fri 10:00 -> Mon 09:00 (2 days 23 h)


def test_overdue_repeats_can_be_turned_off(store, clock, engine, notifier) -> None:
    with FakeUnitOfWork(store) as uow:
        team = uow.teams.get(TEAM)
        assert team is not None
        team.remind_overdue = False
        uow.teams.save(team)
        uow.commit()
    record(store, clock, "acme | we: send quote tomorrow 10am")
    for _ in range(5):
        clock.advance(timedelta(days=1))
        scan(engine)
    assert len(notifier.sent) == 1


def test_their_promise_nudges_the_team_to_follow_up(store, clock, engine, notifier) -> None:
    record(store, clock, "acme | they: sign contract tomorrow")
    clock.advance(timedelta(days=1))
    scan(engine)
    assert len(notifier.sent) == 1
    assert notifier.sent[0].reply.title.startswith("Follow up")
    assert "acme said they would: sign contract" in notifier.texts()[0]


def test_promises_falling_due_together_are_sent_as_one_message(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send quote tomorrow; call back tomorrow")
    record(store, clock, "globex | we: book demo tomorrow")
    clock.advance(timedelta(days=1))
    scan(engine)
    assert len(notifier.sent) == 1
    reply = notifier.sent[0].reply
    assert reply.title == "Reminder: 3 promises are due"
    assert [len(line.actions) for line in reply.sections[0].lines] == [5, 5, 5]


def test_after_an_outage_missed_reminders_go_out_once_labelled_delayed(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send quote tomorrow 10am")
    clock.advance(timedelta(days=1, hours=3))  # the bot was down at the due time
    scan(engine)
    scan(engine)
    assert len(notifier.sent) == 1
    assert "Delayed: this should have reached you at" in notifier.texts()[0]


def test_a_rate_limited_send_waits_for_retry_after_and_is_not_lost(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send quote tomorrow 10am")
    clock.advance(timedelta(days=1))
    notifier.failures.append(DeliveryFailed("rate limited", retry_after=120))
    scan(engine)
    assert notifier.sent == []
    clock.advance(timedelta(seconds=100))
    scan(engine)
    assert notifier.sent == []
    clock.advance(timedelta(seconds=30))
    scan(engine)
    assert len(notifier.sent) == 1


def test_a_failing_platform_is_retried_with_backoff_until_it_recovers(
    store, clock, engine, notifier
) -> None:
    record(store, clock, "acme | we: send quote tomorrow 10am")
    clock.advance(timedelta(days=1))
    notifier.failures.extend(DeliveryFailed("HTTP 503") for _ in range(3))
    for _ in range(20):
        scan(engine)
        clock.advance(timedelta(seconds=30))
    assert len(notifier.sent) == 1
    (delivery,) = store.deliveries.values()
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 4


def test_an_in_doubt_delivery_is_looked_up_not_sent_again(store, clock, engine, notifier) -> None:
    """The process died after the platform accepted the message but before it was recorded."""
    record(store, clock, "acme | we: send quote tomorrow 10am")
    clock.advance(timedelta(days=1))
    uow = FakeUnitOfWork(store)
    reminders.plan_reminders(uow=uow, clock=clock)
    (claimed,) = reminders.claim_deliveries("dead-worker", uow=uow, clock=clock)
    prepared = reminders.prepare(claimed, uow=uow, clock=clock)
    assert prepared.message is not None
    asyncio.run(notifier.send(prepared.message))  # reached the platform; then the crash
    scan(engine)
    assert len(notifier.sent) == 1  # lease still held by the dead worker
    clock.advance(timedelta(minutes=3))
    scan(engine)
    assert len(notifier.sent) == 1
    (delivery,) = store.deliveries.values()
    assert delivery.status is DeliveryStatus.SENT and delivery.message_ref == "ref-1"


def test_a_team_without_a_channel_gets_no_reminders_until_it_has_one(
    store, clock, notifier
) -> None:
    uow = FakeUnitOfWork(store)
    services.ensure_team("console:quiet", "Quiet", defaults=TeamDefaults(), uow=uow, clock=clock)
    engine = ReminderEngine(lambda: FakeUnitOfWork(store), clock, {"console": notifier})
    record(store, clock, "acme | we: send quote tomorrow 10am", team="console:quiet")
    clock.advance(timedelta(days=1))
    scan(engine)
    assert notifier.sent == []
    services.configure_team("console:quiet", "channel", "#q", uow=uow, clock=clock)
    clock.advance(timedelta(days=1))
    scan(engine)
    assert len(notifier.sent) == 1


def test_the_digest_is_posted_once_a_day_at_the_teams_local_time(
    store, clock, engine, notifier
) -> None:
    services.configure_team(TEAM, "digest", "09:00", uow=FakeUnitOfWork(store), clock=clock)
    record(store, clock, "acme | ch: slow internet | diff: needs fibre")
    clock.set(datetime(2026, 11, 20, 8, 59, tzinfo=UTC))
    asyncio.run(engine.digests())
    assert notifier.sent == []
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    for _ in range(3):
        asyncio.run(engine.digests())
        clock.advance(timedelta(minutes=30))
    assert len(notifier.sent) == 1
    assert notifier.sent[0].reply.kind == "digest" and "slow internet" in notifier.texts()[0]


def test_no_digest_on_weekends_and_none_when_empty(store, clock, engine, notifier) -> None:
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # Monday, nothing open
    asyncio.run(engine.digests())
    assert notifier.sent == []
    record(store, clock, "acme | ch: slow internet")
    clock.set(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))  # Saturday
    asyncio.run(engine.digests())
    assert notifier.sent == []


def test_the_digest_stays_at_local_time_across_a_dst_change(store, clock, notifier) -> None:
    uow = FakeUnitOfWork(store)
    team = "console:ny"
    services.ensure_team(
        team, "NY", defaults=TeamDefaults("America/New_York"), uow=uow, clock=clock
    )
    services.configure_team(team, "channel", "#ny", uow=uow, clock=clock)
    services.configure_team(team, "days", "daily", uow=uow, clock=clock)
    clock.set(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    record(store, clock, "acme | ch: slow internet", team=team)
    engine = ReminderEngine(lambda: FakeUnitOfWork(store), clock, {"console": notifier})
    posted = []
    for _ in range(4 * 24 * 4):  # every 15 minutes, Fri 6 Mar to Tue 10 Mar
        before = len(notifier.sent)
        asyncio.run(engine.digests())
        if len(notifier.sent) > before:
            posted.append(clock.now())
        clock.advance(timedelta(minutes=15))
    local = [p.astimezone(ZoneInfo("America/New_York")).strftime("%a %H:%M") for p in posted]
    assert local == ["Fri 09:00", "Sat 09:00", "Sun 09:00", "Mon 09:00"]
    assert [p.hour for p in posted] == [14, 14, 13, 13]  # EST, then EDT from Sun 8 Mar


def queued_while_the_platform_fails(store, clock, engine, notifier) -> int:
    """A promise due tomorrow 10:00 whose reminder is planned then, and waits in the outbox
    for a platform that refuses it."""
    pid = record(store, clock, "acme | we: send quote tomorrow 10am").touchpoint.promises[0].id
    assert pid is not None
    clock.advance(timedelta(days=1))
    notifier.failures.append(DeliveryFailed("HTTP 503"))
    scan(engine)
    (queued,) = store.deliveries.values()
    assert queued.status is DeliveryStatus.PENDING and notifier.sent == []
    clock.advance(timedelta(seconds=5))
    return pid


def sent_by_retries_then_at(engine, clock, notifier, then: datetime | None = None) -> int:
    """How many messages an hour and a half of the queued reminder's retries send (and
    with ``then``, the scan at that instant too)."""
    for _ in range(20):
        clock.advance(timedelta(minutes=5))
        scan(engine)
    before = len(notifier.sent)
    if then is not None:
        clock.set(then)
        scan(engine)
    return before


def test_a_reminder_queued_before_its_date_changed_is_not_sent_for_the_old_date(
    store, clock, engine, notifier
) -> None:
    pid = queued_while_the_platform_fails(store, clock, engine, notifier)
    uow = FakeUnitOfWork(store)
    services.reschedule_promise(TEAM, pid, "mon 10am", "U1", uow=uow, clock=clock)
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the new date
    old_ones = [d.id for d in store.deliveries.values()]
    assert sent_by_retries_then_at(engine, clock, notifier, monday) == 0
    assert {store.deliveries[i].status for i in old_ones} == {DeliveryStatus.SKIPPED}
    assert len(notifier.sent) == 1 and "send quote" in notifier.texts()[0]


def test_undoing_a_date_change_does_not_send_the_replaced_dates_queued_reminder(
    store, clock, engine, notifier
) -> None:
    pid = record(store, clock, "acme | we: send quote mon 10am").touchpoint.promises[0].id
    assert pid is not None
    clock.advance(timedelta(hours=23, minutes=50))  # Friday 09:50
    uow = FakeUnitOfWork(store)
    services.reschedule_promise(TEAM, pid, "in 10 minutes", "U1", uow=uow, clock=clock)
    clock.advance(timedelta(minutes=10))  # Friday 10:00, the new date: its reminder is queued
    notifier.failures.append(DeliveryFailed("HTTP 503"))
    scan(engine)
    clock.advance(timedelta(seconds=5))
    corrections.undo_last(TEAM, "U1", uow=FakeUnitOfWork(store), clock=clock)
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert store.promises[pid].due_at == monday
    # Nothing about Friday, which no longer holds; Monday's reminder comes.
    assert sent_by_retries_then_at(engine, clock, notifier, monday) == 0
    assert len(notifier.sent) == 1


def test_a_reminder_queued_before_a_snooze_waits_for_the_snooze(
    store, clock, engine, notifier
) -> None:
    pid = queued_while_the_platform_fails(store, clock, engine, notifier)
    uow = FakeUnitOfWork(store)
    services.snooze_promise(TEAM, pid, "tomorrow", "U1", uow=uow, clock=clock)
    next_day = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the next working day's start
    assert sent_by_retries_then_at(engine, clock, notifier, next_day) == 0
    assert len(notifier.sent) == 1


def test_a_queued_reminder_still_goes_out_after_a_kept_by_mistake_is_undone(
    store, clock, engine, notifier
) -> None:
    pid = queued_while_the_platform_fails(store, clock, engine, notifier)
    services.settle_promise(TEAM, pid, "kept", "U1", uow=FakeUnitOfWork(store), clock=clock)
    clock.advance(timedelta(seconds=5))
    corrections.undo_last(TEAM, "U1", uow=FakeUnitOfWork(store), clock=clock)
    assert sent_by_retries_then_at(engine, clock, notifier) == 1
    assert "send quote" in notifier.texts()[0]
