"""The SQL measures, on SQLite and PostgreSQL: the definitions at their boundaries, weeks
across a DST change, and agreement with the fakes on random histories."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.core import measures
from bot.core.clock import ManualClock
from bot.core.measures import StatsReport
from bot.core.model import Direction, JourneyStage, Kind
from bot.core.ports import UnitOfWork
from bot.core.values import PromiseTally, Scope
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_measures import DAY, NOW, OTHER, TEAM, Builder

UowFactory = Callable[[], UnitOfWork]


@pytest.fixture
def build(uow_factory: UowFactory) -> Builder:
    builder = Builder(uow_factory)
    builder.team()
    builder.team(OTHER)
    return builder


def test_kept_at_the_due_microsecond_is_on_time_and_one_later_is_late(uow_factory, build) -> None:
    acme = build.customer("acme")
    due = NOW - 2 * DAY
    exactly, late = build.promise(acme, due), build.promise(acme, due)
    build.settle(exactly, "kept", due)
    build.settle(late, "kept", due + timedelta(microseconds=1))
    missed = build.promise(acme, due)
    build.settle(missed, "not_kept", due)
    build.promise(acme, NOW)  # due now: overdue
    build.promise(acme, NOW + timedelta(microseconds=1))  # not yet
    cancelled = build.promise(acme, due)
    build.settle(cancelled, "cancelled", due)
    undated = build.promise(acme, None)
    build.settle(undated, "kept", due)
    with uow_factory() as uow:
        tallies = uow.measures.promise_tallies_by_owner(Scope(TEAM), Direction.OURS, NOW)
    assert tallies == {"U1": PromiseTally(on_time=1, late=1, missed=1, overdue=1, kept_undated=1)}


def test_customers_most_in_need_of_attention_come_first(uow_factory, build) -> None:
    acme, globex, initech = (build.customer(n) for n in ("acme", "globex", "initech"))
    build.promise(acme, NOW - DAY)
    build.promise(globex, NOW - DAY)
    build.promise(globex, NOW - 2 * DAY)
    kept = build.promise(initech, NOW - DAY)
    build.settle(kept, "kept", NOW - 2 * DAY)  # on time: needs no attention
    with uow_factory() as uow:
        found = uow.measures.promise_tallies_by_customer(Scope(TEAM), Direction.OURS, NOW, limit=5)
        every = uow.measures.promise_tallies_by_customer(Scope(TEAM), Direction.OURS, NOW)
    assert list(found) == [globex, acme] and found[globex] == PromiseTally(overdue=2)
    assert set(every) == {acme, globex, initech}


def test_challenge_ages_and_times_to_address_come_from_the_histories(uow_factory, build) -> None:
    acme = build.customer("acme")
    twice = build.challenge(acme, NOW - 30 * DAY)
    build.change(twice, "addressed", NOW - 25 * DAY)
    build.change(twice, "reopened", NOW - 6 * DAY)
    build.change(twice, "addressed", NOW - 3 * DAY, actor="U2")
    build.change(twice, "reopened", NOW - 2 * DAY)
    build.challenge(acme, NOW - 10 * DAY, by="U2")
    with uow_factory() as uow:
        starts = sorted(uow.measures.open_challenge_starts(Scope(TEAM)))
        times = sorted(uow.measures.times_to_address(Scope(TEAM)))
        by_u2 = uow.measures.times_to_address(Scope(TEAM, person="U2"))
        raised_by_u2 = uow.measures.open_challenge_starts(Scope(TEAM, person="U2"))
    assert starts == [NOW - 10 * DAY, NOW - 2 * DAY]
    assert times == [3 * DAY, 5 * DAY] and by_u2 == [3 * DAY]
    assert raised_by_u2 == [NOW - 10 * DAY]


def test_differences_and_touchpoints_are_grouped_in_the_database(uow_factory, build) -> None:
    acme, globex = build.customer("acme"), build.customer("globex")
    build.touchpoint(acme, difference="Needs fibre", stage=JourneyStage.PURCHASE, csat=5)
    build.touchpoint(acme, difference="Needs fibre", ces=6)
    build.touchpoint(globex, difference="needs  FIBRE", kind=Kind.VISIT, csat=2, ces=1)
    build.touchpoint(globex, difference="")
    build.touchpoint(build.customer("other", team_id=OTHER), team_id=OTHER, csat=1)
    found = measures.team_measures(TEAM, uow=uow_factory(), clock=ManualClock(NOW))
    assert [(d.text, d.customers, d.touchpoints) for d in found.differences] == [
        ("Needs fibre", 2, 3)
    ]
    t = found.touchpoints
    assert t.total == 4 and t.by_kind == ((Kind.CALL, 3), (Kind.VISIT, 1))
    assert t.satisfaction is not None and (t.satisfaction.average, t.satisfaction.count) == (
        3.5,
        2,
    )
    assert t.effort is not None and (t.effort.average, t.effort.count) == (3.5, 2)


def test_weeks_follow_the_teams_clock_across_the_autumn_dst_change(uow_factory) -> None:
    build = Builder(uow_factory)
    build.team()  # Europe/London: BST (UTC+1) until Sun 25 Oct 2026 02:00, then GMT
    acme = build.customer("acme")
    in_week_43 = [
        datetime(2026, 10, 18, 23, 30, tzinfo=UTC),  # Mon 19 Oct 00:30 BST
        datetime(2026, 10, 25, 23, 59, tzinfo=UTC),  # Sun 25 Oct 23:59 GMT
    ]
    in_week_42 = datetime(2026, 10, 18, 22, 59, tzinfo=UTC)  # Sun 18 Oct 23:59 BST
    in_week_44 = datetime(2026, 10, 26, 0, 0, tzinfo=UTC)  # Mon 26 Oct 00:00 GMT
    for due in [*in_week_43, in_week_42, in_week_44]:
        build.settle(build.promise(acme, due), "kept", due)
    raised = build.challenge(acme, datetime(2026, 10, 18, 23, 1, tzinfo=UTC))  # in week 43
    build.change(raised, "addressed", in_week_44)  # still open at the end of week 43
    series = measures.weekly_series(
        TEAM, 3, last_day=date(2026, 10, 26), uow=uow_factory(), clock=ManualClock(NOW)
    )
    assert [p.week for p in series.points] == ["2026-W42", "2026-W43", "2026-W44"]
    assert [(p.on_time, p.counted) for p in series.points] == [(1, 1), (2, 2), (1, 1)]
    assert series.open_challenges == [0, 1, 0]


# -- the SQL agrees with the fakes ------------------------------------------------------------

VOCABULARY = ("Needs fibre", "needs  FIBRE", "cheaper plan", "Cheaper plan.", "a named contact")


def random_history(build: Builder, rng: random.Random) -> None:
    """Customers with promises, challenges and touchpoints in every state, over ten weeks
    up to NOW, in two teams (the other one smaller). All events happen in order and before
    NOW. Small, because the fake unit of work copies its whole store on every use."""
    people = ("U1", "U2", "U3")
    for team_id, size in ((TEAM, 6), (OTHER, 1)):
        customers = [build.customer(f"customer {n}", team_id) for n in range(6)]
        for _ in range(5 * size):
            _random_promise(build, rng, rng.choice(customers), rng.choice(people), team_id)
        for _ in range(3 * size):
            _random_challenge(build, rng, rng.choice(customers), rng.choice(people), team_id)
        for _ in range(3 * size):
            build.touchpoint(
                rng.choice(customers),
                NOW - timedelta(hours=rng.randrange(1, 70 * 24)),
                team_id=team_id,
                author=rng.choice(people),
                kind=rng.choice(list(Kind)),
                difference=rng.choice((*VOCABULARY, None)),
                stage=rng.choice((*JourneyStage, None)),
                csat=rng.choice((None, 1, 3, 5)),
                ces=rng.choice((None, 1, 4, 7)),
            )


def _random_promise(
    build: Builder, rng: random.Random, customer: int, owner: str, team_id: str
) -> None:
    due = None if rng.random() < 0.2 else NOW + timedelta(hours=rng.randrange(-70 * 24, 10 * 24))
    made = (due or NOW) - timedelta(hours=rng.randrange(24, 20 * 24))
    pid = build.promise(
        customer,
        due,
        made=made,
        owner=owner,
        direction=rng.choice(list(Direction)),
        team_id=team_id,
    )
    outcome = rng.choice(("open", "kept", "kept", "not_kept", "cancelled", "kept twice"))
    if outcome == "open":
        return
    at = (due or made + DAY) + timedelta(hours=rng.choice((0, -30, 30, 70)))
    at = min(max(at, made + timedelta(hours=1)), NOW - timedelta(hours=3))
    if outcome == "kept twice":
        build.settle(pid, "kept", at, owner, team_id)
        build.settle(pid, "reopened", at + timedelta(hours=1), owner, team_id)
        at += timedelta(hours=2)
        outcome = "kept"
    build.settle(pid, outcome, at, owner, team_id)


def _random_challenge(
    build: Builder, rng: random.Random, customer: int, person: str, team_id: str
) -> None:
    at = NOW - timedelta(hours=rng.randrange(48, 70 * 24))
    cid = build.challenge(customer, at, by=person, team_id=team_id)
    for verb in ("passed_on", "addressed", "reopened", "addressed")[: rng.randrange(5)]:
        at = min(at + timedelta(hours=rng.randrange(1, 15 * 24)), NOW - timedelta(hours=1))
        build.change(cid, verb, at, rng.choice(("U1", "U2")), team_id)


def comparable(report: StatsReport) -> tuple[Any, ...]:
    """Everything a report measured, with customers named rather than numbered."""
    m = report.measures
    return (
        m.ours,
        m.theirs,
        m.by_person,
        [(c.name, tally) for c, tally in m.attention],
        m.challenges,
        m.differences,
        m.touchpoints,
        report.series.points,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_sql_measures_agree_with_the_fakes_on_random_histories(uow_factory, seed) -> None:
    store = FakeStore()
    for uows in (uow_factory, lambda: FakeUnitOfWork(store)):
        Builder(uows).team()
        Builder(uows).team(OTHER)
        random_history(Builder(uows), random.Random(seed))
    clock = ManualClock(NOW)
    for text, user in [("", "U1"), ("mine", "U2"), ("customer 3", "U1")]:
        sql = measures.stats_report(TEAM, text, user, uow=uow_factory(), clock=clock)
        fake = measures.stats_report(TEAM, text, user, uow=FakeUnitOfWork(store), clock=clock)
        assert comparable(sql) == comparable(fake)
        assert not sql.measures.is_empty()
    since = NOW - 30 * DAY
    sql_since = measures.team_measures(TEAM, since=since, uow=uow_factory(), clock=clock)
    fake_since = measures.team_measures(TEAM, since=since, uow=FakeUnitOfWork(store), clock=clock)
    assert sql_since.ours == fake_since.ours and sql_since.challenges == fake_since.challenges
    assert sql_since.touchpoints == fake_since.touchpoints
    assert sql_since.ours != measures.team_measures(TEAM, uow=uow_factory(), clock=clock).ours


def test_a_date_without_a_time_is_on_time_until_its_day_ends(uow_factory, build) -> None:
    acme = build.customer("acme")
    due = NOW - 2 * DAY  # reminded at the day's start...
    day_end = due + 14 * timedelta(hours=1)  # ...on time until the day ends
    kept_on_the_day = build.promise(acme, due, keep_by=day_end)
    build.settle(kept_on_the_day, "kept", due + timedelta(minutes=10))
    kept_next_day = build.promise(acme, due, keep_by=day_end)
    build.settle(kept_next_day, "kept", day_end + timedelta(minutes=10))
    build.promise(acme, NOW - timedelta(hours=1), keep_by=NOW + timedelta(hours=13))  # today
    build.promise(acme, due, keep_by=day_end)  # open after its day: overdue
    with uow_factory() as uow:
        tallies = uow.measures.promise_tallies_by_owner(Scope(TEAM), Direction.OURS, NOW)
    assert tallies == {"U1": PromiseTally(on_time=1, late=1, overdue=1)}
