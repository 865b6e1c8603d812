"""The owners' weekly summary: planned once per owner and week on the team's day, built
from the owner's touchpoints on the map, sent to their direct messages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import help_content, owner_content, owner_summaries, reminders, services, touchmap
from bot.core.clock import ManualClock
from bot.core.delivery import LEASE, DeliveryStatus, Outgoing
from bot.core.errors import UserError
from bot.core.model import MAX_ITEM_CHARS, Kind, MapEntry, MapNote, Team
from bot.core.owner_summaries import NOTES_LISTED, OwnedPlace, OwnerSummary
from bot.core.ports import UnitOfWork
from bot.core.services import TeamDefaults
from bot.core.values import PlaceFigures, PromiseTally
from bot.scheduling.engine import ReminderEngine
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_reminders import FakeNotifier, flatten

TEAM = "console:local"
# Mon 30 Nov 2026: the team starts on a Monday a week before its first summary.
JOINED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # the digest time (09:00 UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

Factory = Callable[[], UnitOfWork]


def start_team(factory: Factory, clock: ManualClock) -> None:
    services.ensure_team(TEAM, "Northwind", defaults=TeamDefaults(), uow=factory(), clock=clock)
    services.configure_team(TEAM, "channel", "#customers", uow=factory(), clock=clock)
    for command in (
        'owner "first invoice" @jane',
        'owner "onboarding call" @jane',
        'owner "sales call" sales',
    ):
        touchmap.change_map(TEAM, command, "admin", can_manage=True, uow=factory(), clock=clock)
    services.configure_team(TEAM, "owner", "sales @raj", uow=factory(), clock=clock)


def record(factory: Factory, clock: ManualClock, entry: str) -> None:
    services.record_quick_entry(TEAM, "U1", entry, uow=factory(), clock=clock)


def a_week_of_touchpoints(factory: Factory, clock: ManualClock) -> None:
    """Jane's first invoice: three touchpoints this week, one the week before."""
    clock.set(JOINED + HOUR)
    record(factory, clock, "acme | tp: first invoice | csat: 4 | nps: 9")
    clock.set(MONDAY - 5 * DAY)
    record(factory, clock, "acme | tp: first invoice | ch: VAT missing | csat: 2 | nps: 3")
    record(factory, clock, "globex | tp: first invoice | we: send credit note by tomorrow")
    record(factory, clock, "initech | tp: first invoice | csat: 3 | ces: 6")
    touchmap.change_map(
        TEAM, 'note "first invoice" VAT shown wrong for EU customers', "jane",
        can_manage=False, uow=factory(), clock=clock,
    )  # fmt: skip


def engine_for(store: FakeStore, clock: ManualClock, notifier: FakeNotifier, worker: str):
    return ReminderEngine(
        lambda: FakeUnitOfWork(store), clock, {"console": notifier}, worker=worker
    )


def owner_messages(notifier: FakeNotifier) -> list[Outgoing]:
    return [m for m in notifier.sent if m.key.startswith("owners:")]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(JOINED)


def test_each_owner_gets_their_own_touchpoints_privately_on_monday(store, clock) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    a_week_of_touchpoints(factory, clock)
    notifier = FakeNotifier()
    clock.set(MONDAY - HOUR)
    asyncio.run(engine_for(store, clock, notifier, "a").digests())
    assert owner_messages(notifier) == []  # not before the digest time
    clock.set(MONDAY)
    asyncio.run(engine_for(store, clock, notifier, "a").digests())
    (message,) = owner_messages(notifier)  # Raj's sales call had no week: nothing for him
    assert message.channel == "dm:jane" and message.key == f"owners:{TEAM}:2026-W50:jane"
    text = flatten(message.reply)
    assert message.reply.mentions == ("jane",)
    assert (
        "★ first invoice (purchase) — 3 touchpoints (1 in the 4 weeks before) · CSAT 2.5/5 ↓ · "
        "NPS -100 ↓ · CES 6.0/7 · promises: 1 made, kept on time 0 of 1 due · "
        "challenges still open: 1 of 1"
    ) in text
    assert "VAT shown wrong for EU customers" in text
    assert "★ onboarding call (purchase) — 0 touchpoints (0 in the 4 weeks before)" in text


def test_one_summary_per_owner_a_week_across_restarts_and_instances(store, clock) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    a_week_of_touchpoints(factory, clock)
    record(factory, clock, "hooli | tp: sales call | ch: pricing unclear")  # Raj's area
    notifier = FakeNotifier()
    clock.set(MONDAY - HOUR)
    while clock.now() < MONDAY + 8 * DAY:
        # Every tick is a fresh process (a restart), and two instances share the database.
        for worker in ("a", "b"):
            asyncio.run(engine_for(store, clock, notifier, worker).digests())
        clock.advance(3 * HOUR)
    keys = [m.key for m in owner_messages(notifier)]
    assert keys == [
        f"owners:{TEAM}:2026-W50:jane",
        f"owners:{TEAM}:2026-W50:raj",  # the owner of the sales area
        f"owners:{TEAM}:2026-W51:jane",  # an open challenge is still worth a line
        f"owners:{TEAM}:2026-W51:raj",
    ]
    raj = flatten(owner_messages(notifier)[1].reply)
    assert "sales call (pre-purchase) — 1 touchpoint" in raj and "first invoice" not in raj


def test_an_owner_with_a_quiet_week_is_sent_nothing(store, clock) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    notifier = FakeNotifier()
    clock.set(MONDAY)
    result = asyncio.run(engine_for(store, clock, notifier, "a").digests())
    assert owner_messages(notifier) == [] and result.skipped >= 2
    with FakeUnitOfWork(store) as uow:
        jane = uow.deliveries.by_key(f"owners:{TEAM}:2026-W50:jane")
    assert jane is not None and jane.status is DeliveryStatus.SKIPPED


def test_the_team_chooses_the_day_or_turns_the_summaries_off(store, clock) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    a_week_of_touchpoints(factory, clock)
    services.configure_team(TEAM, "owner-summary", "thursday", uow=factory(), clock=clock)
    clock.set(MONDAY)
    assert owner_summaries.plan_owner_summaries(uow=factory(), clock=clock) == 0
    clock.set(MONDAY + 3 * DAY)  # Thursday at the digest time
    assert owner_summaries.plan_owner_summaries(uow=factory(), clock=clock) == 2
    services.configure_team(TEAM, "owner-summary", "off", uow=factory(), clock=clock)
    clock.set(MONDAY + 10 * DAY)
    assert owner_summaries.plan_owner_summaries(uow=factory(), clock=clock) == 0
    with FakeUnitOfWork(store) as uow:
        team = uow.teams.get(TEAM)
    assert team is not None and team.owner_summary_day is None


def test_a_summary_missed_on_its_day_goes_out_later_that_week_for_the_same_week(
    store, clock
) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    a_week_of_touchpoints(factory, clock)
    clock.set(MONDAY + 2 * DAY)  # Wednesday: the bot was down on Monday
    record(factory, clock, "acme | tp: first invoice | csat: 5")  # after the week: not in it
    notifier = FakeNotifier()
    asyncio.run(engine_for(store, clock, notifier, "a").digests())
    (message,) = owner_messages(notifier)
    text = flatten(message.reply)
    assert "first invoice (purchase) — 3 touchpoints" in text
    assert "Delayed: this should have been posted at" in text


def test_an_owner_of_many_touchpoints_gets_the_first_fifteen_and_the_command_for_the_rest(
    store, clock
) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    for n in range(20):
        touchmap.change_map(
            TEAM, f'add "step {n:02d}" call post-purchase @jane', "admin",
            can_manage=True, uow=factory(), clock=clock,
        )  # fmt: skip
    a_week_of_touchpoints(factory, clock)
    with factory() as uow:
        team = uow.teams.get(TEAM)
        assert team is not None
        summary = owner_summaries.build_owner_summary(uow, team, "jane", MONDAY, MONDAY)
    assert len(summary.places) == owner_summaries.LISTED and summary.more == 7
    assert summary.places[0].entry.name == "first invoice"  # moments of truth first


def test_the_setting_is_shown_and_a_bad_day_is_refused_saying_how(store, clock) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    changed = services.configure_team(TEAM, "owner-summary", "Thurs", uow=factory(), clock=clock)
    shown = flatten(help_content.configured(changed))
    assert "Owners' weekly summary: Thursdays at 09:00, by direct message" in shown
    with pytest.raises(UserError, match="config owner-summary mon"):
        services.configure_team(TEAM, "owner-summary", "someday", uow=factory(), clock=clock)
    changed = services.configure_team(TEAM, "owner-summary", "off", uow=factory(), clock=clock)
    assert "Owners' weekly summary: off" in flatten(help_content.configured(changed))


def largest_summary(owner: str, team: Team) -> OwnerSummary:
    """An owner of more touchpoints than a summary lists, each with the longest name, the
    most notes and every figure shown: the most a summary can hold."""
    end = MONDAY
    figures = PlaceFigures(
        touchpoints=999, satisfaction_sum=4000, satisfaction_count=999, effort_sum=5000,
        effort_count=999, promoters=500, detractors=400, answers=999,
        promises=PromiseTally(on_time=900, late=50, missed=40, overdue=9), promises_made=999,
        challenges_raised=999, challenges_open=998,
    )  # fmt: skip
    places = tuple(
        OwnedPlace(
            MapEntry(
                team.id,
                f"{n:02d} " + "é" * (MAX_ITEM_CHARS - 3),
                Kind.EMAIL_OUT,
                "post-purchase",
                owner,
                True,
                moment_of_truth=True,
            ),
            figures,
            figures,
            figures,
            tuple(MapNote(end - HOUR, "U9", "ü" * MAX_ITEM_CHARS) for _ in range(NOTES_LISTED)),
        )
        for n in range(owner_summaries.LISTED)
    )
    return OwnerSummary(team, owner, end - 7 * DAY, end, places, more=40)


def test_the_largest_summary_is_still_one_reply_that_says_what_was_left_out() -> None:
    team = Team(TEAM, "Northwind")
    reply = owner_content.owner_summary(largest_summary("jane", team))
    text = flatten(reply)
    assert "… and 40 more you own: `/touchpoint stats map mine`." in text
    assert text.count("★ ") == owner_summaries.LISTED


def test_a_summary_sent_by_an_instance_that_died_before_recording_it_is_not_sent_again(
    store, clock
) -> None:
    factory = lambda: FakeUnitOfWork(store)  # noqa: E731
    start_team(factory, clock)
    a_week_of_touchpoints(factory, clock)
    clock.set(MONDAY)
    assert owner_summaries.plan_owner_summaries(uow=factory(), clock=clock) == 2
    claimed = reminders.claim_deliveries("dead", uow=factory(), clock=clock, limit=10)
    jane = next(d for d in claimed if d.key.endswith(":jane"))
    prepared = reminders.prepare(jane, uow=factory(), clock=clock)
    assert prepared.message is not None
    notifier = FakeNotifier()
    asyncio.run(notifier.send(prepared.message))  # posted; then the process died
    clock.advance(LEASE + timedelta(minutes=1))  # its claims lapse
    asyncio.run(engine_for(store, clock, notifier, "b").deliver())
    assert [m.key for m in owner_messages(notifier)] == [jane.key]  # found, not resent
    with FakeUnitOfWork(store) as uow:
        again = uow.deliveries.by_key(jane.key)
    assert again is not None and again.status is DeliveryStatus.SENT
