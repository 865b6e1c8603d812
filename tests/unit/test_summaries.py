"""The weekly summary through the reminder engine, with a manual clock and fakes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import charts
from bot.core import measures, reminders, summaries
from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryKind, DeliveryStatus, Outgoing
from bot.scheduling.engine import ReminderEngine
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_charts import chunks
from tests.unit.test_measures import DAY, TEAM, Builder
from tests.unit.test_reminders import FakeNotifier, flatten

LONDON = ZoneInfo("Europe/London")
# Thu 15 Oct 2026 10:00 UTC (11:00 BST); London leaves summer time on Sun 25 Oct.
START = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def build(store: FakeStore) -> Builder:
    return Builder(lambda: FakeUnitOfWork(store))


def with_history(build: Builder, joined: datetime = START - 7 * DAY) -> None:
    """A team that joined before the first Monday, with something to measure."""
    build.team(created=joined)
    acme = build.customer("Acme")
    due = START - 2 * DAY
    kept = build.promise(acme, due)
    build.settle(kept, "kept", due - DAY)
    build.promise(acme, due)  # overdue
    build.challenge(acme, START - 3 * DAY)


def engine_for(store: FakeStore, clock: ManualClock, notifier: FakeNotifier, worker: str):
    return ReminderEngine(
        lambda: FakeUnitOfWork(store), clock, {"console": notifier}, worker=worker
    )


async def tick(engines: Iterable[ReminderEngine]) -> None:
    for engine in engines:
        await engine.digests()


def summaries_sent(notifier: FakeNotifier) -> list[Outgoing]:
    return [m for m in notifier.sent if m.key.startswith("summary:")]


def test_one_summary_per_week_at_monday_digest_time_across_restarts_and_dst(
    store, build, clock
) -> None:
    with_history(build, joined=START)  # a Thursday: its first summary is Monday's
    notifier = FakeNotifier()
    sent_at: list[str] = []
    while clock.now() < datetime(2026, 11, 10, 10, 0, tzinfo=UTC):
        before = len(summaries_sent(notifier))
        # Every tick is a fresh process (a restart), and two instances share the database.
        asyncio.run(tick(engine_for(store, clock, notifier, w) for w in ("a", "b")))
        if len(summaries_sent(notifier)) > before:
            sent_at.append(clock.now().astimezone(LONDON).strftime("%a %d %b %H:%M %Z"))
        # Hourly around Monday mornings (either side of the DST change), else every 6 h.
        weekend_or_monday = clock.now().astimezone(LONDON).weekday() in (0, 6)
        clock.advance(HOUR if weekend_or_monday else 6 * HOUR)
    assert [m.key for m in summaries_sent(notifier)] == [
        f"summary:{TEAM}:2026-W43",
        f"summary:{TEAM}:2026-W44",
        f"summary:{TEAM}:2026-W45",
        f"summary:{TEAM}:2026-W46",
    ]
    assert sent_at == [
        "Mon 19 Oct 09:00 BST",
        "Mon 26 Oct 09:00 GMT",
        "Mon 02 Nov 09:00 GMT",
        "Mon 09 Nov 09:00 GMT",
    ]
    with FakeUnitOfWork(store) as uow:
        planned = [d for d in uow.store.deliveries.values() if d.kind is DeliveryKind.SUMMARY]
    assert len(planned) == 4


def test_the_summary_says_last_weeks_figures_and_carries_the_chart(store, build, clock) -> None:
    with_history(build)
    clock.set(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))  # Mon 19 Oct 09:00 BST
    notifier = FakeNotifier()
    asyncio.run(engine_for(store, clock, notifier, "w1").digests())
    (message,) = summaries_sent(notifier)
    reply = message.reply
    text = flatten(reply)
    assert reply.title == "Weekly summary — week 42 (12 Oct – 18 Oct)" and not reply.private
    assert "50% of our promises due last week were kept on time (1 of 2)." in text
    assert "Open challenges at the end of the week: 1." in text
    assert "W42 (12 Oct): 50% kept on time (1 of 2) · 1 open challenge" in text
    assert "W35 (24 Aug): no promises due · 0 open challenges" in text
    image = reply.image
    assert image is not None and image.filename == "touchpoint-2026-W42.png"
    assert image.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "2026-W42: 50% kept on time (1 of 2), 1 open challenge" in image.alt_text
    series = measures.weekly_series(
        TEAM, last_day=date(2026, 10, 18), uow=FakeUnitOfWork(store), clock=clock
    )
    found = json.loads(dict(chunks(image.png)["tEXt"])[charts.SERIES_KEY])
    assert found["kept_on_time_rate"] == series.rates
    assert found["kept_on_time_rate"][-1] == 0.5
    assert found["open_challenges"] == series.open_challenges


def test_a_team_with_nothing_to_measure_gets_no_summary(store, build, clock) -> None:
    build.team(created=START - 7 * DAY)
    clock.set(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))
    notifier = FakeNotifier()
    result = asyncio.run(engine_for(store, clock, notifier, "w1").digests())
    assert summaries_sent(notifier) == [] and result.skipped >= 1
    with FakeUnitOfWork(store) as uow:
        delivery = uow.deliveries.by_key(f"summary:{TEAM}:2026-W43")
    assert delivery is not None and delivery.status is DeliveryStatus.SKIPPED


def test_a_team_without_a_channel_or_that_joined_after_mondays_time_waits(
    store, build, clock
) -> None:
    build.team(created=datetime(2026, 10, 19, 8, 30, tzinfo=UTC))  # after Monday's 09:00 BST
    build.team("console:quiet", created=START - 30 * DAY)
    with FakeUnitOfWork(store) as uow:
        quiet = uow.teams.get("console:quiet")
        assert quiet is not None
        quiet.channel = None
        uow.teams.save(quiet)
        uow.commit()
    clock.set(datetime(2026, 10, 21, 12, 0, tzinfo=UTC))
    assert summaries.plan_summaries(uow=FakeUnitOfWork(store), clock=clock) == 0
    clock.set(datetime(2026, 10, 26, 9, 0, tzinfo=UTC))  # the next Monday, 09:00 GMT
    assert summaries.plan_summaries(uow=FakeUnitOfWork(store), clock=clock) == 1


def test_a_summary_missed_on_monday_goes_out_later_that_week_marked_delayed(
    store, build, clock
) -> None:
    with_history(build)
    clock.set(datetime(2026, 10, 21, 15, 0, tzinfo=UTC))  # Wednesday: the bot was down
    notifier = FakeNotifier()
    asyncio.run(engine_for(store, clock, notifier, "w1").digests())
    (message,) = summaries_sent(notifier)
    assert "Delayed: this should have been posted at" in flatten(message.reply)
    assert message.reply.image is not None  # still with its chart


def test_without_a_chart_drawer_the_summary_is_text_only(store, build, clock) -> None:
    with_history(build)
    clock.set(datetime(2026, 10, 19, 8, 0, tzinfo=UTC))
    summaries.plan_summaries(uow=FakeUnitOfWork(store), clock=clock)
    (claimed,) = reminders.claim_deliveries("w1", uow=FakeUnitOfWork(store), clock=clock)
    prepared = reminders.prepare(claimed, uow=FakeUnitOfWork(store), clock=clock)
    assert prepared.message is not None and prepared.message.reply.image is None
    assert "Weekly summary" in prepared.message.reply.title
    claimed.sent("ref-1", clock.now())
    reminders.record_outcome(claimed, uow=FakeUnitOfWork(store), clock=clock)
    assert (  # a posted summary is never rebuilt as a reminder
        reminders.reminder_for_message(TEAM, "ref-1", uow=FakeUnitOfWork(store), clock=clock)
        is None
    )
