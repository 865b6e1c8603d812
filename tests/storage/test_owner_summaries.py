"""The owners' weekly summary on SQLite and PostgreSQL: the database reads an owner's week
as the fakes define it, and plans each owner's summary once, however often it is asked."""

from __future__ import annotations

from datetime import timedelta

from bot.core import owner_summaries
from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryKind
from bot.core.values import PlaceFigures
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.storage.conftest import UowFactory
from tests.unit.test_owner_summaries import (
    JOINED,
    MONDAY,
    TEAM,
    Factory,
    a_week_of_touchpoints,
    record,
    start_team,
)

Place = tuple[str, PlaceFigures, PlaceFigures, PlaceFigures, tuple[str, ...]]


def week_of(factory: Factory) -> tuple[dict[str, set[tuple[str, bool]]], list[Place]]:
    clock = ManualClock(JOINED)
    start_team(factory, clock)
    a_week_of_touchpoints(factory, clock)
    clock.set(MONDAY - timedelta(days=3))
    record(factory, clock, "hooli | tp: sales call | ch: pricing unclear | nps: 10")
    with factory() as uow:
        team = uow.teams.get(TEAM)
        assert team is not None
        owners = uow.touchmap.owners([TEAM, "console:other"])
        jane = owner_summaries.build_owner_summary(uow, team, "jane", MONDAY, MONDAY)
        raj = owner_summaries.build_owner_summary(uow, team, "raj", MONDAY, MONDAY)
    places = [
        (p.entry.name, p.week, p.earlier, p.state, tuple(n.text for n in p.notes))
        for summary in (jane, raj)
        for p in summary.places
    ]
    return owners, places


def test_the_database_reads_an_owners_week_as_the_fakes_do(uow_factory: UowFactory) -> None:
    store = FakeStore()
    sql_owners, sql_places = week_of(uow_factory)
    fake_owners, fake_places = week_of(lambda: FakeUnitOfWork(store))
    assert sql_owners == fake_owners == {TEAM: {("jane", True), ("sales", False)}}
    assert sql_places == fake_places
    invoice = next(p for p in sql_places if p[0] == "first invoice")
    week, state = invoice[1], invoice[3]
    assert week.touchpoints == 3
    assert (state.promises_made, state.challenges_open) == (1, 1)
    assert invoice[4] == ("VAT shown wrong for EU customers",)


def test_each_owners_summary_is_planned_once_however_often_and_by_whomever(
    uow_factory: UowFactory,
) -> None:
    clock = ManualClock(JOINED)
    start_team(uow_factory, clock)
    clock.set(MONDAY)
    planned = [
        owner_summaries.plan_owner_summaries(uow=uow_factory(), clock=clock) for _ in range(3)
    ]
    assert planned == [2, 0, 0]
    clock.set(MONDAY + timedelta(days=3))  # later that week, another instance
    assert owner_summaries.plan_owner_summaries(uow=uow_factory(), clock=clock) == 0
    with uow_factory() as uow:
        found = [uow.deliveries.by_key(f"owners:{TEAM}:2026-W50:{who}") for who in ("jane", "raj")]
    assert all(d is not None and d.kind is DeliveryKind.OWNER_SUMMARY for d in found)
    assert [d.channel for d in found if d is not None] == ["dm:jane", "dm:raj"]
