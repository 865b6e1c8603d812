"""Measures over the in-memory fakes: the definitions, at their boundaries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core import measures, measures_content
from bot.core.clock import ManualClock
from bot.core.errors import UserError
from bot.core.model import (
    Challenge,
    Customer,
    Direction,
    JourneyStage,
    Kind,
    Promise,
    Team,
    Touchpoint,
    slugify,
)
from bot.core.ports import UnitOfWork
from bot.core.values import PromiseTally, Scope
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_reminders import flatten

TEAM = "console:test"
OTHER = "console:other"
# Thu 19 Nov 2026 10:00 UTC (London is on UTC in November)
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


class Builder:
    """Writes teams, customers, touchpoints, promises and challenges through the
    repositories (one unit of work per call), so fakes and SQL get the same data."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork]) -> None:
        self.uow = uow_factory

    def team(
        self, team_id: str = TEAM, tz: str = "Europe/London", created: datetime | None = None
    ) -> Team:
        team = Team(team_id, team_id, timezone=tz, channel="#c", created_at=created or NOW)
        with self.uow() as uow:
            uow.teams.add(team)
            uow.commit()
        return team

    def customer(self, name: str, team_id: str = TEAM) -> int:
        with self.uow() as uow:
            customer = uow.customers.add(Customer(team_id, name, slugify(name), created_at=NOW))
            uow.commit()
        assert customer.id is not None
        return customer.id

    def touchpoint(
        self,
        customer_id: int,
        at: datetime = NOW,
        *,
        team_id: str = TEAM,
        author: str = "U1",
        kind: Kind = Kind.CALL,
        difference: str | None = None,
        stage: JourneyStage | None = None,
        csat: int | None = None,
        ces: int | None = None,
        promises: tuple[Promise, ...] = (),
        challenges: tuple[Challenge, ...] = (),
    ) -> Touchpoint:
        touchpoint = Touchpoint(
            team_id,
            customer_id,
            author,
            at,
            kind=kind,
            difference=difference,
            stage=stage,
            satisfaction=csat,
            effort=ces,
            promises=list(promises),
            challenges=list(challenges),
        )
        with self.uow() as uow:
            uow.touchpoints.add(touchpoint)
            uow.commit()
        return touchpoint

    def promise(
        self,
        customer_id: int,
        due: datetime | None,
        *,
        made: datetime | None = None,
        owner: str = "U1",
        direction: Direction = Direction.OURS,
        team_id: str = TEAM,
        keep_by: datetime | None = None,
    ) -> int:
        made = made or (due - 3 * DAY if due else NOW - 30 * DAY)
        promise = Promise(team_id, customer_id, direction, "do it", owner, owner, made, due)
        promise.keep_by = keep_by or due
        self.touchpoint(customer_id, made, team_id=team_id, author=owner, promises=(promise,))
        assert promise.id is not None
        return promise.id

    def challenge(
        self, customer_id: int, raised: datetime, *, by: str = "U1", team_id: str = TEAM
    ) -> int:
        challenge = Challenge(team_id, customer_id, "slow internet", by, raised)
        self.touchpoint(customer_id, raised, team_id=team_id, author=by, challenges=(challenge,))
        assert challenge.id is not None
        return challenge.id

    def settle(
        self, promise_id: int, verb: str, at: datetime, actor: str = "U1", team_id: str = TEAM
    ) -> None:
        with self.uow() as uow:
            promise = uow.promises.get(team_id, promise_id)
            assert promise is not None
            {
                "kept": promise.keep,
                "not_kept": promise.not_keep,
                "cancelled": promise.cancel,
                "reopened": promise.reopen,
            }[verb](actor, at)
            uow.promises.save(promise)
            uow.commit()

    def change(
        self, challenge_id: int, verb: str, at: datetime, actor: str = "U1", team_id: str = TEAM
    ) -> None:
        with self.uow() as uow:
            challenge = uow.challenges.get(team_id, challenge_id)
            assert challenge is not None
            if verb == "passed_on":
                challenge.pass_on("billing", actor, at)
            else:
                {"addressed": challenge.address, "reopened": challenge.reopen}[verb](actor, at)
            uow.challenges.save(challenge)
            uow.commit()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def build(store: FakeStore) -> Builder:
    builder = Builder(lambda: FakeUnitOfWork(store))
    builder.team()
    builder.team(OTHER)
    return builder


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def team_measures(store: FakeStore, since: datetime | None = None) -> measures.Measures:
    return measures.team_measures(
        TEAM, since=since, uow=FakeUnitOfWork(store), clock=ManualClock(NOW)
    )


# -- promises -------------------------------------------------------------------------------


def test_a_promise_kept_at_its_due_instant_is_on_time_and_a_second_later_is_late(
    store, build
) -> None:
    acme = build.customer("acme")
    due = NOW - 2 * DAY
    exactly, late = build.promise(acme, due), build.promise(acme, due)
    build.settle(exactly, "kept", due)
    build.settle(late, "kept", due + timedelta(seconds=1))
    ours = team_measures(store).ours
    assert (ours.on_time, ours.late, ours.counted, ours.rate) == (1, 1, 2, 0.5)


def test_a_promise_kept_early_counts_before_it_falls_due(store, build) -> None:
    acme = build.customer("acme")
    early = build.promise(acme, NOW + 5 * DAY)
    build.promise(acme, NOW + 5 * DAY)  # open, not due yet: counts for nothing
    build.settle(early, "kept", NOW - DAY)
    assert team_measures(store).ours == PromiseTally(on_time=1)


def test_on_time_uses_the_last_keeping_after_a_reopening(store, build) -> None:
    acme = build.customer("acme")
    due = NOW - 5 * DAY
    pid = build.promise(acme, due)
    build.settle(pid, "kept", due - DAY)
    build.settle(pid, "reopened", due - DAY + timedelta(hours=1))
    build.settle(pid, "kept", due + DAY)
    assert team_measures(store).ours == PromiseTally(late=1)


def test_undated_promises_are_counted_as_kept_but_not_for_on_time(store, build) -> None:
    acme = build.customer("acme")
    kept, dropped = build.promise(acme, None), build.promise(acme, None)
    build.promise(acme, None)  # open and undated: never overdue
    build.settle(kept, "kept", NOW - DAY)
    build.settle(dropped, "not_kept", NOW - DAY)
    ours = team_measures(store).ours
    assert ours == PromiseTally(kept_undated=1, not_kept_undated=1)
    assert ours.counted == 0 and ours.rate is None and ours.kept == 1 and ours.not_kept == 1


def test_overdue_and_not_kept_count_against_on_time_and_cancelled_not_at_all(store, build) -> None:
    acme = build.customer("acme")
    build.promise(acme, NOW)  # due this very instant: overdue
    build.promise(acme, NOW + timedelta(seconds=1))  # not yet due
    missed = build.promise(acme, NOW - 3 * DAY)
    cancelled = build.promise(acme, NOW - 3 * DAY)
    build.settle(missed, "not_kept", NOW - 2 * DAY)
    build.settle(cancelled, "cancelled", NOW - 2 * DAY)
    ours = team_measures(store).ours
    assert ours == PromiseTally(missed=1, overdue=1)
    assert ours.rate == 0.0 and ours.not_on_time == 2


def test_promises_are_measured_per_owner_and_customer(store, build, clock) -> None:
    acme, globex = build.customer("Acme"), build.customer("Globex")
    due = NOW - 2 * DAY
    for owner, customer, kept_on_time in [
        ("U1", acme, True),
        ("U1", acme, True),
        ("U2", acme, False),
        ("U2", globex, True),
        ("U2", globex, False),
        ("U2", globex, False),
    ]:
        pid = build.promise(customer, due, owner=owner)
        build.settle(pid, "kept", due if kept_on_time else due + DAY, actor=owner)
    team = team_measures(store)
    assert dict(team.by_person) == {
        "U1": PromiseTally(on_time=2),
        "U2": PromiseTally(on_time=1, late=3),
    }
    assert [(c.name, t.not_on_time) for c, t in team.attention] == [("Globex", 2), ("Acme", 1)]
    mine = measures.person_measures(TEAM, "U2", uow=FakeUnitOfWork(store), clock=clock)
    assert mine.ours == PromiseTally(on_time=1, late=3) and mine.scope.person == "U2"
    theirs = measures.customer_measures(TEAM, "acme", uow=FakeUnitOfWork(store), clock=clock)
    assert theirs.customer is not None and theirs.customer.name == "Acme"
    assert theirs.ours == PromiseTally(on_time=2, late=1) and theirs.attention == ()


def test_their_promises_are_measured_apart_from_ours(store, build) -> None:
    acme = build.customer("acme")
    pid = build.promise(acme, NOW - DAY, direction=Direction.THEIRS)
    build.settle(pid, "kept", NOW - 2 * DAY)
    found = team_measures(store)
    assert found.theirs == PromiseTally(on_time=1) and found.ours == PromiseTally()


def test_since_keeps_promises_due_since_then_and_undated_ones_made_since(store, build) -> None:
    acme = build.customer("acme")
    old, recent = build.promise(acme, NOW - 20 * DAY), build.promise(acme, NOW - 2 * DAY)
    undated = build.promise(acme, None, made=NOW - 3 * DAY)
    for pid in (old, recent, undated):
        build.settle(pid, "kept", NOW - 2 * DAY)
    assert team_measures(store, since=NOW - 7 * DAY).ours == PromiseTally(on_time=1, kept_undated=1)
    assert team_measures(store).ours == PromiseTally(on_time=1, late=1, kept_undated=1)


# -- challenges -----------------------------------------------------------------------------


def test_open_challenges_age_from_when_they_last_became_open(store, build) -> None:
    acme = build.customer("acme")
    build.challenge(acme, NOW - 10 * DAY)
    passed = build.challenge(acme, NOW - 4 * DAY)
    build.change(passed, "passed_on", NOW - 3 * DAY)  # passed on is still open
    reopened = build.challenge(acme, NOW - 30 * DAY)
    build.change(reopened, "addressed", NOW - 20 * DAY)
    build.change(reopened, "reopened", NOW - 2 * DAY)
    done = build.challenge(acme, NOW - 50 * DAY)
    build.change(done, "addressed", NOW - 40 * DAY)
    found = team_measures(store).challenges
    assert found.open == 3
    assert found.median_open_age == 4 * DAY  # ages 10, 4 and 2 days
    assert found.oldest_open_age == 10 * DAY


def test_time_to_address_runs_from_raised_or_reopened_to_each_addressing(store, build) -> None:
    acme = build.customer("acme")
    quick = build.challenge(acme, NOW - 10 * DAY)
    build.change(quick, "addressed", NOW - 9 * DAY)  # 1 day
    twice = build.challenge(acme, NOW - 30 * DAY)
    build.change(twice, "addressed", NOW - 25 * DAY)  # 5 days
    build.change(twice, "reopened", NOW - 6 * DAY)
    build.change(twice, "addressed", NOW - 3 * DAY)  # 3 days from the reopening
    build.challenge(acme, NOW - DAY)  # still open: no time to address yet
    found = team_measures(store).challenges
    assert found.addressed == 3 and found.median_time_to_address == 3 * DAY
    recent = team_measures(store, since=NOW - 8 * DAY).challenges
    assert recent.addressed == 1 and recent.median_time_to_address == 3 * DAY
    assert recent.open == 1  # the backlog is a state: since does not narrow it


def test_a_person_sees_the_challenges_they_raised_and_addressed(store, build, clock) -> None:
    acme = build.customer("acme")
    build.challenge(acme, NOW - 2 * DAY, by="U2")
    theirs = build.challenge(acme, NOW - 6 * DAY, by="U1")
    build.change(theirs, "addressed", NOW - 2 * DAY, actor="U2")
    mine = measures.person_measures(TEAM, "U2", uow=FakeUnitOfWork(store), clock=clock)
    assert mine.challenges.open == 1 and mine.challenges.median_open_age == 2 * DAY
    assert mine.challenges.addressed == 1 and mine.challenges.median_time_to_address == 4 * DAY


def test_medians_of_an_even_count_are_the_mean_of_the_middle_two() -> None:
    assert measures.median([DAY, 3 * DAY, 2 * DAY, 10 * DAY]) == timedelta(days=2.5)
    assert measures.median([]) is None


# -- differences and scores ---------------------------------------------------------------


def test_recurring_differences_count_customers_ignoring_case_and_spaces(store, build) -> None:
    acme, globex, initech = (build.customer(n) for n in ("acme", "globex", "initech"))
    build.touchpoint(acme, difference="Needs fibre")
    build.touchpoint(acme, difference="needs fibre")  # the same customer again
    build.touchpoint(globex, difference="  NEEDS   fibre. ")
    build.touchpoint(initech, difference="Cheaper plan")
    build.touchpoint(globex, difference="cheaper  plan")
    build.touchpoint(initech, difference="A named account manager")  # once: not recurring
    found = team_measures(store).differences
    assert [(d.text, d.customers, d.touchpoints) for d in found] == [
        ("Needs fibre", 2, 3),
        ("Cheaper plan", 2, 2),
    ]


def test_a_customers_recurring_differences_count_touchpoints(store, build, clock) -> None:
    acme = build.customer("acme")
    build.touchpoint(acme, difference="Needs fibre")
    build.touchpoint(acme, difference="needs FIBRE")
    build.touchpoint(acme, difference="faster support")
    found = measures.customer_measures(TEAM, "acme", uow=FakeUnitOfWork(store), clock=clock)
    assert [(d.text, d.touchpoints) for d in found.differences] == [("Needs fibre", 2)]


def test_csat_and_ces_are_averaged_where_recorded_with_kinds_and_stages(store, build) -> None:
    acme = build.customer("acme")
    build.touchpoint(acme, kind=Kind.CALL, stage=JourneyStage.PURCHASE, csat=5, ces=2)
    build.touchpoint(acme, kind=Kind.CALL, stage=JourneyStage.PRE_PURCHASE, csat=4)
    build.touchpoint(acme, kind=Kind.VISIT, ces=5)
    build.touchpoint(acme, kind=Kind.CALL, stage=JourneyStage.PURCHASE)
    found = team_measures(store).touchpoints
    assert found.total == 4
    assert found.by_kind == ((Kind.CALL, 3), (Kind.VISIT, 1))
    assert found.by_stage == (
        (JourneyStage.PRE_PURCHASE, 1),
        (JourneyStage.PURCHASE, 2),
        (None, 1),
    )
    assert found.satisfaction is not None and found.effort is not None
    assert (found.satisfaction.average, found.satisfaction.count) == (4.5, 2)
    assert (found.effort.average, found.effort.count, found.effort.scale) == (3.5, 2, 7)


def test_no_scores_recorded_means_no_average(store, build) -> None:
    build.touchpoint(build.customer("acme"))
    found = team_measures(store).touchpoints
    assert found.satisfaction is None and found.effort is None


# -- tenancy --------------------------------------------------------------------------------


def test_another_teams_records_never_count(store, build, clock) -> None:
    ours, theirs = build.customer("acme"), build.customer("acme", team_id=OTHER)
    for customer, team_id in ((ours, TEAM), (theirs, OTHER)):
        pid = build.promise(customer, NOW - DAY, team_id=team_id)
        build.settle(pid, "kept", NOW - 2 * DAY, team_id=team_id)
        build.challenge(customer, NOW - DAY, team_id=team_id)
        build.touchpoint(customer, team_id=team_id, difference="needs fibre", csat=1)
    other_only = build.customer("globex", team_id=OTHER)
    build.touchpoint(other_only, team_id=OTHER, difference="needs fibre")
    found = team_measures(store)
    assert found.ours == PromiseTally(on_time=1) and found.challenges.open == 1
    assert found.differences == () and found.touchpoints.total == 3
    series = measures.weekly_series(TEAM, uow=FakeUnitOfWork(store), clock=clock)
    assert series.points[-1].open_challenges == 1 and series.points[-1].counted == 1
    with pytest.raises(UserError):
        measures.customer_measures(TEAM, "globex", uow=FakeUnitOfWork(store), clock=clock)


# -- weekly series ----------------------------------------------------------------------------


def test_weeks_are_iso_weeks_in_the_teams_time_zone(store) -> None:
    build = Builder(lambda: FakeUnitOfWork(store))
    build.team(tz="Asia/Tokyo")
    acme = build.customer("acme")
    # Mon 16 Nov 08:00 in Tokyo is Sun 15 Nov 23:00 UTC: week 47 in Tokyo, 46 in UTC.
    monday_morning = datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    pid = build.promise(acme, monday_morning)
    build.settle(pid, "kept", monday_morning)
    series = measures.weekly_series(TEAM, 3, uow=FakeUnitOfWork(store), clock=ManualClock(NOW))
    assert [p.week for p in series.points] == ["2026-W45", "2026-W46", "2026-W47"]
    assert [(p.on_time, p.counted) for p in series.points] == [(0, 0), (0, 0), (1, 1)]
    assert series.points[-1].start == date(2026, 11, 16) and series.rates == [None, None, 1.0]


def test_open_challenges_are_counted_at_each_weeks_end(store, build, clock) -> None:
    acme = build.customer("acme")
    week46 = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)  # Mon 9 Nov
    first = build.challenge(acme, week46)
    build.challenge(acme, week46 + DAY)
    build.change(first, "addressed", week46 + 7 * DAY)  # Mon 16 Nov: week 47
    build.change(first, "reopened", NOW - timedelta(hours=1))  # Thu 19 Nov
    late = build.challenge(acme, NOW - timedelta(minutes=1))
    build.change(late, "addressed", NOW - timedelta(seconds=30))
    series = measures.weekly_series(TEAM, 3, uow=FakeUnitOfWork(store), clock=clock)
    assert series.open_challenges == [0, 2, 2]  # week 47 is this week: counted now
    earlier = measures.weekly_series(
        TEAM, 2, last_day=date(2026, 11, 15), uow=FakeUnitOfWork(store), clock=clock
    )
    assert [p.week for p in earlier.points] == ["2026-W45", "2026-W46"]
    assert earlier.open_challenges == [0, 2]


def test_the_weekly_rate_counts_promises_by_the_week_they_were_due(store, build, clock) -> None:
    acme = build.customer("acme")
    week46 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # Tue 10 Nov
    on_time, late = build.promise(acme, week46), build.promise(acme, week46)
    build.promise(acme, week46)  # still open: overdue, missed
    build.settle(on_time, "kept", week46 - DAY)
    build.settle(late, "kept", week46 + 7 * DAY)  # kept in week 47, still week 46's
    build.promise(acme, NOW + DAY)  # due later this week: not counted yet
    series = measures.weekly_series(TEAM, 2, uow=FakeUnitOfWork(store), clock=clock)
    assert [(p.on_time, p.counted) for p in series.points] == [(1, 3), (0, 0)]
    assert series.rates == [1 / 3, None]


# -- the stats command's content ------------------------------------------------------------


def test_stats_reads_mine_team_or_a_customer(store, build, clock) -> None:
    acme = build.customer("Acme")
    pid = build.promise(acme, NOW - DAY, owner="U2")
    build.settle(pid, "kept", NOW - DAY, actor="U2")

    def report(text: str, user: str = "U1") -> measures.StatsReport:
        return measures.stats_report(TEAM, text, user, uow=FakeUnitOfWork(store), clock=clock)

    assert report("").measures.scope == Scope(TEAM)
    assert report("team").measures.scope == Scope(TEAM)
    assert report("mine", "U2").measures.scope == Scope(TEAM, person="U2")
    assert report("  ACME ").measures.scope == Scope(TEAM, customer_id=acme)
    assert report("mine").measures.ours == PromiseTally()
    text = flatten(measures_content.stats(report("")))
    assert "Measures — console:test" in text
    assert "100% kept on time — 1 of 1 with a due date" in text
    with pytest.raises(UserError):
        report("nobody-like-this")


def test_stats_with_nothing_recorded_says_how_to_start(store, build, clock) -> None:
    found = measures.stats_report(TEAM, "", "U1", uow=FakeUnitOfWork(store), clock=clock)
    assert "Nothing to measure yet" in flatten(measures_content.stats(found))


def test_stats_shows_every_measure_in_words(store, build, clock) -> None:
    acme, globex = build.customer("Acme"), build.customer("Globex")
    due = NOW - 2 * DAY
    for owner, customer, delay in [("U1", acme, 0), ("U2", globex, 1), ("U2", globex, 2)]:
        pid = build.promise(customer, due, owner=owner)
        build.settle(pid, "kept", due + delay * DAY, actor=owner)
    build.promise(globex, NOW - DAY, owner="U2")  # overdue
    done = build.challenge(acme, NOW - 6 * DAY)
    build.change(done, "addressed", NOW - 4 * DAY)
    build.challenge(globex, NOW - 3 * DAY)
    build.touchpoint(acme, difference="Needs fibre", stage=JourneyStage.PURCHASE, csat=4, ces=2)
    build.touchpoint(globex, difference="needs fibre", kind=Kind.VISIT)
    found = measures.stats_report(TEAM, "", "U1", uow=FakeUnitOfWork(store), clock=clock)
    text = flatten(measures_content.stats(found))
    for expected in [
        "25% kept on time — 1 of 4 with a due date",
        "Kept late 2 · not kept 0 · overdue now 1",
        ": 0 of 3 on time (0%) · 1 overdue",  # U2 (the mention is not plain text)
        "Globex: 0 of 3 on time (0%) · 1 overdue",
        "Open: 1 — median age 3 days, oldest 3 days",
        "Addressed: 1 — median time to address 2 days",
        "Needs fibre — 2 customers",
        "8 recorded — call 7 · visit 1",
        "Journey stage: purchase 1 · not set 7",
        "Satisfaction (CSAT): 4.0 / 5 from 1 touchpoint (higher is better)",
        "Effort (CES): 2.0 / 7 from 1 touchpoint (higher is easier)",
        "Kept on time: W40 – · W41 – ",
        "W47 25%",
        "Open challenges at week end: W40 0",
    ]:
        assert expected in text, expected
