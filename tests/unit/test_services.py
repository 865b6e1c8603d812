"""The use cases, against in-memory fakes: no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core import queries, services
from bot.core.clock import ManualClock
from bot.core.drafts import FormFields
from bot.core.errors import AmbiguousCustomer, NotFound, ParseError, UserError
from bot.core.help_content import team_settings
from bot.core.model import ChallengeStatus, Direction, Kind, PromiseStatus
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.conftest import NOW  # Thu 2026-11-19 10:00

TEAM = "console:test"


@pytest.fixture
def uow(store: FakeStore, clock: ManualClock) -> FakeUnitOfWork:
    services.ensure_team(
        TEAM, "Test", defaults=TeamDefaults("Europe/London"), uow=FakeUnitOfWork(store), clock=clock
    )
    return FakeUnitOfWork(store)


def record(
    uow: FakeUnitOfWork, clock: ManualClock, text: str, author: str = "U1"
) -> services.Recorded:
    return services.record_quick_entry(TEAM, author, text, uow=uow, clock=clock)


def test_quick_entry_records_every_field_with_resolved_due_dates(uow, clock, store) -> None:
    result = record(
        uow,
        clock,
        "acme call | ch: slow internet; disconnects daily | we: send fibre quote by fri | "
        "they: read brochure | diff: needs fibre | code: meeting booked",
    )
    tp = result.touchpoint
    assert result.customer_created and result.customer.name == "acme"
    assert tp.kind is Kind.CALL and tp.code == "meeting booked" and tp.difference == "needs fibre"
    assert [c.text for c in tp.challenges] == ["slow internet", "disconnects daily"]
    ours = [p for p in tp.promises if p.direction is Direction.OURS]
    theirs = [p for p in tp.promises if p.direction is Direction.THEIRS]
    assert [p.text for p in ours] == ["send fibre quote"]
    assert ours[0].due_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert ours[0].remind_at == ours[0].due_at and ours[0].owner == "U1"
    assert [p.text for p in theirs] == ["read brochure"] and theirs[0].due_at is None
    assert len(store.touchpoints) == 1 and len(store.challenges) == 2 and len(store.promises) == 2


def test_a_touchpoint_with_only_a_completion_code_is_valid(uow, clock) -> None:
    result = record(uow, clock, "acme code: No Answer")
    assert result.touchpoint.code == "no answer"  # matched to the team's spelling


def test_an_unknown_completion_code_saves_nothing_and_says_how_to_add_it(uow, clock, store) -> None:
    with pytest.raises(ParseError) as caught:
        record(uow, clock, "acme call | ch: slow | code: went swimming")
    assert "went swimming" in caught.value.message and "config codes add" in caught.value.message
    assert store.touchpoints == {} and store.customers == {}


def test_a_near_miss_of_an_existing_customer_asks_instead_of_creating(uow, clock, store) -> None:
    record(uow, clock, "Acme Corp call | ch: slow internet")
    with pytest.raises(AmbiguousCustomer) as caught:
        record(uow, clock, "acme call | ch: billing confusing")
    assert [c.name for c in caught.value.candidates] == ["Acme Corp"]
    assert "+acme" in caught.value.message
    assert len(store.customers) == 1 and len(store.touchpoints) == 1


def test_a_plus_prefix_creates_the_new_customer_anyway(uow, clock, store) -> None:
    record(uow, clock, "Acme Corp call | ch: slow internet")
    result = record(uow, clock, "+acme call | ch: billing confusing")
    assert result.customer_created and result.customer.name == "acme"
    assert len(store.customers) == 2


def test_customers_match_case_insensitively_on_name_slug_and_alias(uow, clock) -> None:
    first = record(uow, clock, "Acme Corp call | ch: slow internet")
    services.add_alias(TEAM, "acme corp", "ACME Ltd", uow=uow)
    for typed in ("ACME CORP", "acme-corp", "acme ltd"):
        again = record(uow, clock, f"{typed} | ch: another")
        assert again.customer.id == first.customer.id and not again.customer_created


def test_form_fields_record_the_same_as_quick_entry(uow, clock) -> None:
    fields = FormFields(
        kind="video",
        code="",
        challenges="slow internet\ndisconnects daily",
        our_promises="send quote by fri\ncall back tomorrow 10am",
        their_promises="ask finance",
        difference="needs fibre",
        notes="friendly",
    )
    result = services.record_form(TEAM, "U2", "Globex", fields, owner="U9", uow=uow, clock=clock)
    tp = result.touchpoint
    assert tp.kind is Kind.VIDEO and tp.notes == "friendly"
    ours = [p for p in tp.promises if p.direction is Direction.OURS]
    assert {p.owner for p in ours} == {"U9"}
    assert ours[1].due_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_form_errors_name_each_field_and_save_nothing(uow, clock, store) -> None:
    fields = FormFields(difference=" ".join(["word"] * 13), our_promises="pay by yesterday")
    with pytest.raises(ParseError) as caught:
        services.record_form(TEAM, "U2", "", fields, uow=uow, clock=clock)
    fields_with_errors = caught.value.by_field()
    assert {"difference", "our_promises", "customer"} <= set(fields_with_errors)
    assert store.touchpoints == {} and store.customers == {}


def test_keeping_a_promise_records_who_and_when_and_stops_reminders(uow, clock) -> None:
    tp = record(uow, clock, "acme | we: send quote by fri").touchpoint
    pid = tp.promises[0].id
    assert pid is not None
    clock.advance(timedelta(hours=2))
    changed = services.settle_promise(TEAM, pid, "kept", "U7", uow=uow, clock=clock)
    assert changed.promise.status is PromiseStatus.KEPT and changed.promise.remind_at is None
    settled = changed.promise.settled()
    assert settled is not None and settled.actor == "U7" and settled.at == clock.now()
    with pytest.raises(UserError, match="already kept by U7"):
        services.settle_promise(TEAM, pid, "not_kept", "U8", uow=uow, clock=clock)


def test_snooze_moves_the_next_reminder_but_not_the_due_date(uow, clock) -> None:
    tp = record(uow, clock, "acme | we: send quote by fri").touchpoint
    pid = tp.promises[0].id
    assert pid is not None
    changed = services.snooze_promise(TEAM, pid, "1h", "U1", uow=uow, clock=clock)
    assert changed.promise.remind_at == NOW + timedelta(hours=1)
    assert changed.promise.due_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert [e.action for e in changed.promise.history] == ["snoozed"]


def test_reschedule_moves_the_due_date_and_keeps_the_history(uow, clock) -> None:
    tp = record(uow, clock, "acme | we: send quote by fri").touchpoint
    pid = tp.promises[0].id
    assert pid is not None
    changed = services.reschedule_promise(TEAM, pid, "3 dec", "U1", uow=uow, clock=clock)
    assert changed.promise.due_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert changed.promise.remind_at == changed.promise.due_at
    assert changed.promise.history[-1].action == "rescheduled"


def test_a_promise_of_another_team_is_not_found(uow, clock, store) -> None:
    tp = record(uow, clock, "acme | we: send quote by fri").touchpoint
    pid = tp.promises[0].id
    assert pid is not None
    services.ensure_team("other", "Other", defaults=TeamDefaults(), uow=uow, clock=clock)
    with pytest.raises(NotFound):
        services.settle_promise("other", pid, "kept", "U1", uow=uow, clock=clock)
    assert store.promises[pid].status is PromiseStatus.OPEN


def test_challenge_passes_on_is_addressed_and_reopens_with_full_history(uow, clock) -> None:
    tp = record(uow, clock, "acme | ch: billing confusing").touchpoint
    cid = tp.challenges[0].id
    assert cid is not None
    services.change_challenge(TEAM, cid, "passed_on", "U1", to="billing team", uow=uow, clock=clock)
    clock.advance(timedelta(days=1))
    services.change_challenge(TEAM, cid, "addressed", "U2", uow=uow, clock=clock)
    clock.advance(timedelta(days=1))
    result = services.change_challenge(TEAM, cid, "reopened", "U3", uow=uow, clock=clock)
    challenge = result.challenge
    assert challenge.status is ChallengeStatus.PASSED_ON and challenge.passed_to == "billing team"
    assert [(e.action, e.actor) for e in challenge.history] == [
        ("passed_on", "U1"),
        ("addressed", "U2"),
        ("reopened", "U3"),
    ]


def test_customer_record_shows_everything_ever_raised(uow, clock) -> None:
    first = record(
        uow, clock, "acme call | ch: slow internet | we: send quote by fri | diff: needs fibre"
    )
    clock.advance(timedelta(days=2))
    services.change_challenge(
        TEAM, first.touchpoint.challenges[0].id or 0, "addressed", "U2", uow=uow, clock=clock
    )
    record(uow, clock, "acme email-out | ch: invoice late | they: pay invoice | diff: cheaper plan")
    result = queries.customer_record(TEAM, "ACME", uow=uow, clock=clock)
    assert [c.text for c in result.challenges] == ["invoice late", "slow internet"]  # open first
    assert result.challenges[1].status is ChallengeStatus.ADDRESSED
    assert (result.page, result.pages) == (1, 1)
    assert {p.direction for p in result.promises} == {Direction.OURS, Direction.THEIRS}
    assert [d.text for d in result.differences] == ["needs fibre", "cheaper plan"]
    assert result.headline == "cheaper plan" and result.touchpoint_count == 2
    assert result.recent[0].kind is Kind.EMAIL_OUT


def test_unknown_customer_in_record_suggests_near_names(uow, clock) -> None:
    record(uow, clock, "Acme Corp | ch: slow")
    with pytest.raises(NotFound, match="Did you mean “Acme Corp”"):
        queries.customer_record(TEAM, "acme", uow=uow, clock=clock)


def test_digest_lists_new_challenges_and_due_promises(uow, clock) -> None:
    record(uow, clock, "acme | ch: slow internet | we: send quote tomorrow | diff: needs fibre")
    record(uow, clock, "globex | ch: billing confusing | they: sign contract by tomorrow 5pm")
    clock.advance(timedelta(days=1, hours=-1))  # Fri 09:00 London
    result = queries.digest(TEAM, uow=uow, clock=clock)
    assert result.day == date(2026, 11, 20)
    assert [c.text for c in result.new_challenges.items] == ["slow internet", "billing confusing"]
    assert (result.open_challenges, result.customers_with_open) == (2, 2)
    assert [text for _, text in result.differences] == ["needs fibre"]  # named since then
    assert [p.text for p in result.ours_due_today.items] == ["send quote"]
    assert [p.text for p in result.theirs_due.items] == ["sign contract"]
    clock.advance(timedelta(days=1))
    later = queries.digest(TEAM, uow=uow, clock=clock)
    assert [p.text for p in later.ours_overdue.items] == ["send quote"]
    assert not later.ours_due_today.total
    # Not new a day on: counted, and named as waiting longest rather than listed again.
    assert not later.new_challenges.total and later.open_challenges == 2
    assert later.differences == ()  # said once, not every morning
    assert [c.text for c in later.oldest] == ["slow internet", "billing confusing"]


def test_an_empty_digest_is_empty(uow, clock) -> None:
    assert queries.digest(TEAM, uow=uow, clock=clock).is_empty()


def test_open_promises_for_a_person_only_lists_theirs(uow, clock) -> None:
    record(uow, clock, "acme | we: send quote", author="U1")
    record(uow, clock, "acme | we: call back", author="U2")
    mine = queries.open_promises(TEAM, owner="U2", uow=uow, clock=clock)
    assert [p.text for p in mine.promises] == ["call back"]


@pytest.mark.parametrize(
    ("setting", "value", "check"),
    [
        ("channel", "#customers", lambda t: t.channel == "#customers"),
        ("timezone", "America/New_York", lambda t: t.timezone == "America/New_York"),
        ("digest", "8:30am", lambda t: t.digest_time == time(8, 30)),
        ("daystart", "10:00", lambda t: t.day_start == time(10, 0)),
        ("days", "mon-fri", lambda t: t.digest_days == (0, 1, 2, 3, 4)),
        ("days", "sun,mon", lambda t: t.digest_days == (0, 6)),
        ("codes", 'add "Callback booked"', lambda t: "Callback booked" in t.completion_codes),
        ("codes", "remove no answer", lambda t: "no answer" not in t.completion_codes),
        ("overdue", "off", lambda t: t.remind_overdue is False),
        ("dates", "mdy", lambda t: t.date_order == "mdy"),
        ("dates", "d/m/y", lambda t: t.date_order == "dmy"),
        ("dates", "auto", lambda t: t.date_order is None),
    ],
)
def test_team_configuration_changes_one_setting(uow, clock, setting, value, check) -> None:
    result = services.configure_team(TEAM, setting, value, uow=uow, clock=clock)
    assert check(result.team)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("timezone", "Mars/Base", "IANA name"),
        ("digest", "25:00", "09:00"),
        ("days", "someday", "mon-fri"),
        ("codes", "add no answer", "already"),
        ("colour", "blue", "Settings:"),
        ("dates", "ymd", "config dates mdy"),
    ],
)
def test_bad_configuration_is_refused_with_a_hint(
    uow, clock, store, setting, value, message
) -> None:
    before = store.teams[TEAM]
    with pytest.raises(UserError, match=message):
        services.configure_team(TEAM, setting, value, uow=uow, clock=clock)
    assert store.teams[TEAM] == before


def test_the_first_channel_used_becomes_the_team_channel_once(uow) -> None:
    assert services.claim_channel_if_unset(TEAM, "C1", uow=uow)
    assert not services.claim_channel_if_unset(TEAM, "C2", uow=uow)
    with uow:
        team = uow.teams.get(TEAM)
    assert team is not None and team.channel == "C1"


def test_a_month_first_team_records_numeric_due_dates_month_first(uow, clock) -> None:
    services.configure_team(TEAM, "dates", "mdy", uow=uow, clock=clock)
    recorded = record(uow, clock, "acme | we: book QBR 12/10")
    assert recorded.touchpoint.promises[0].due_at == datetime(2026, 12, 10, 9, tzinfo=UTC)


def test_snooze_and_a_new_due_date_follow_the_teams_date_order(uow, clock) -> None:
    services.configure_team(TEAM, "dates", "mdy", uow=uow, clock=clock)
    pid = record(uow, clock, "acme | we: send quote by fri").touchpoint.promises[0].id
    assert pid is not None
    snoozed = services.snooze_promise(TEAM, pid, "12/1", "U1", uow=uow, clock=clock)
    assert snoozed.promise.remind_at == datetime(2026, 12, 1, 9, tzinfo=UTC)
    moved = services.reschedule_promise(TEAM, pid, "12/3 2pm", "U1", uow=uow, clock=clock)
    assert moved.promise.due_at == datetime(2026, 12, 3, 14, tzinfo=UTC)


def test_the_settings_say_how_numeric_dates_are_read(uow, clock) -> None:
    def shown() -> str:
        with uow:
            team = uow.teams.get(TEAM)
        assert team is not None
        return str(team_settings(team))

    assert "day first (3/12 is 3 Dec), from the time zone" in shown()
    services.configure_team(TEAM, "dates", "mdy", uow=uow, clock=clock)
    assert "month first (12/3 is 3 Dec)" in shown()
