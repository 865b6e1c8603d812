"""Touchpoint owners, completion-code follow-ups, journey stage and scores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import queries, services
from bot.core.clock import ManualClock
from bot.core.content import challenge_changed, confirmation
from bot.core.delivery import Delivery, DeliveryKind
from bot.core.digest_content import digest
from bot.core.errors import UserError
from bot.core.model import Direction, JourneyStage
from bot.core.services import TeamDefaults
from bot.scheduling.engine import ReminderEngine
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_reminders import FakeNotifier, flatten

TEAM = "console:test"
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # Friday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def store(clock: ManualClock) -> FakeStore:
    store = FakeStore()
    uow = FakeUnitOfWork(store)
    services.ensure_team(TEAM, "T", defaults=TeamDefaults("Europe/London"), uow=uow, clock=clock)
    services.configure_team(TEAM, "channel", "#c", uow=uow, clock=clock)
    return store


def configure(store: FakeStore, clock: ManualClock, setting: str, value: str) -> None:
    services.configure_team(TEAM, setting, value, uow=FakeUnitOfWork(store), clock=clock)


def record(store: FakeStore, clock: ManualClock, text: str) -> services.Recorded:
    return services.record_quick_entry(TEAM, "U1", text, uow=FakeUnitOfWork(store), clock=clock)


def test_a_code_with_a_follow_up_creates_the_promise_visibly(store, clock) -> None:
    configure(store, clock, "followup", '"No answer" = call back next working day')
    recorded = record(store, clock, "acme call | code: no answer")
    (followup,) = recorded.followups
    assert followup.direction is Direction.OURS and followup.text == "call back"
    assert followup.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 09:00
    assert followup in recorded.touchpoint.promises and followup.id is not None
    reply = confirmation(recorded)
    headings = [section.heading for section in reply.sections]
    assert "Follow-up added for “no answer”" in headings and "We promised" not in headings
    assert flatten(reply).count("call back") == 1


def test_a_follow_up_rule_can_use_any_due_phrase_and_be_removed(store, clock) -> None:
    configure(store, clock, "followup", '"left message" = chase reply in 2 days')
    first = record(store, clock, "acme | code: left message")
    assert first.followups[0].text == "chase reply"
    assert first.followups[0].due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday
    configure(store, clock, "followup", '"left message" = none')
    assert record(store, clock, "acme | code: left message").followups == ()


@pytest.mark.parametrize(
    ("rule", "due"),
    [
        ("try again in 2 days", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),  # Fri -> Tue
        ("try again in one working day", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        ("try again tomorrow", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),  # not Saturday
        ("try again by sat", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),  # a day off moves on
        ("try again tue 3pm", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)),
    ],
)
def test_follow_ups_from_codes_count_working_days(store, clock, rule, due) -> None:
    configure(store, clock, "followup", f'"no answer" = {rule}')
    (followup,) = record(store, clock, "acme | code: no answer").followups
    assert followup.text == "try again" and followup.due_at == due


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"went swimming" = call back', "not one of this team's completion codes"),
        ('"no answer" = call back by 31 feb', "Can't read the due date"),
        ("no answer call back", "config followup"),
    ],
)
def test_a_bad_follow_up_rule_is_refused_when_configured(store, clock, value, message) -> None:
    with pytest.raises(UserError, match=message):
        configure(store, clock, "followup", value)


def test_passing_a_challenge_to_an_owned_area_notifies_its_owner_once(store, clock) -> None:
    configure(store, clock, "owner", "billing <@U77>")
    cid = record(store, clock, "acme | ch: invoice wrong").touchpoint.challenges[0].id
    assert cid is not None
    services.change_challenge(
        TEAM, cid, "passed_on", "U1", to="Billing", uow=FakeUnitOfWork(store), clock=clock
    )
    (notice,) = [d for d in store.deliveries.values() if d.kind is DeliveryKind.NOTICE]
    notifier = FakeNotifier()
    engine = ReminderEngine(lambda: FakeUnitOfWork(store), clock, {"console": notifier})
    asyncio.run(engine.deliver())
    asyncio.run(engine.deliver())
    (sent,) = notifier.sent
    assert sent.key == notice.key and sent.reply.mentions == ("U77",)
    assert "acme's challenge" in flatten(sent.reply) and "passed on to billing" in flatten(
        sent.reply
    )


def test_the_owners_digest_section_lists_what_was_passed_to_them(store, clock) -> None:
    configure(store, clock, "owner", "billing @U77")
    tp = record(store, clock, "acme | ch: invoice wrong; slow internet").touchpoint
    cid = tp.challenges[0].id
    assert cid is not None
    services.change_challenge(
        TEAM, cid, "passed_on", "U1", to="billing", uow=FakeUnitOfWork(store), clock=clock
    )
    reply = digest(queries.digest(TEAM, uow=FakeUnitOfWork(store), clock=clock))
    assert reply is not None and reply.mentions == ("U77",)
    (area,) = [t for t in flatten(reply).splitlines() if t.startswith("Passed on to billing")]
    assert area.startswith("Passed on to billing (1), owner") and "invoice wrong" in area
    assert "slow internet" not in area  # not passed on: listed as new, not under the area


def test_owners_are_configured_and_removed(store, clock) -> None:
    configure(store, clock, "owner", "field visits @U5")
    with FakeUnitOfWork(store) as uow:
        team = uow.teams.get(TEAM)
    assert team is not None and team.area_owners == {"field visits": "U5"}
    configure(store, clock, "owner", "field visits none")
    with pytest.raises(UserError, match="config owner"):
        configure(store, clock, "owner", "billing")


def test_stage_and_scores_are_recorded_and_confirmed(store, clock) -> None:
    recorded = record(store, clock, "acme visit | stage: post | csat: 4 | ces: 2 | ch: noisy")
    tp = recorded.touchpoint
    assert (tp.stage, tp.satisfaction, tp.effort) == (JourneyStage.POST_PURCHASE, 4, 2)
    assert "Stage: post-purchase · satisfaction 4/5 · ease (CES) 2/7" in flatten(
        confirmation(recorded)
    )
    clock.advance(timedelta(hours=1))


def pass_on(store: FakeStore, clock: ManualClock, cid: int, to: str, actor: str = "U1") -> str:
    changed = services.change_challenge(
        TEAM, cid, "passed_on", actor, to=to, uow=FakeUnitOfWork(store), clock=clock
    )
    return flatten(challenge_changed(changed, actor))


def notices(store: FakeStore) -> list[Delivery]:
    return [d for d in store.deliveries.values() if d.kind is DeliveryKind.NOTICE]


def test_passing_on_to_an_area_with_no_owner_says_so_and_offers_to_name_one(store, clock) -> None:
    cid = record(store, clock, "acme | ch: invoice wrong").touchpoint.challenges[0].id
    assert cid is not None
    said = pass_on(store, clock, cid, "Billing  Team")
    assert "Nobody owns “Billing  Team” yet, so nobody was told" in said
    assert "/touchpoint config owner Billing  Team @someone" in said and not notices(store)
    configure(store, clock, "owner", "billing team @U77")  # the offer taken up
    reply = digest(queries.digest(TEAM, uow=FakeUnitOfWork(store), clock=clock))
    assert reply is not None and reply.mentions == ("U77",)
    (area,) = [t for t in flatten(reply).splitlines() if t.startswith("Passed on to billing team")]
    assert "invoice wrong" in area


def test_passing_on_to_your_own_area_does_not_notify_yourself(store, clock) -> None:
    configure(store, clock, "owner", "billing @U1")
    cid = record(store, clock, "acme | ch: invoice wrong").touchpoint.challenges[0].id
    assert cid is not None
    said = pass_on(store, clock, cid, "billing", actor="U1")
    assert "You own “billing”" in said and not notices(store)
    said = pass_on(store, clock, cid, "billing", actor="U2")
    assert "has been told" in said and len(notices(store)) == 1
