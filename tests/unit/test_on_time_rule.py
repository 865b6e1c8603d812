"""A fair "kept on time": a date without a time is on time until that day ends, while its
reminder still comes at the start of the working day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import measures, services
from bot.core.clock import ManualClock
from bot.core.model import Promise, Team
from bot.core.services import TeamDefaults
from bot.core.workdays import keep_by
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "console:test"
# Mon 7 Dec 2026 10:00 in London (UTC+0 in December)
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
THURSDAY_9 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def store(clock: ManualClock) -> FakeStore:
    store = FakeStore()
    services.ensure_team(
        TEAM, "Test", defaults=TeamDefaults("Europe/London"), uow=FakeUnitOfWork(store), clock=clock
    )
    return store


def promise_of(store: FakeStore, clock: ManualClock, entry: str) -> Promise:
    recorded = services.record_quick_entry(
        TEAM, "U1", entry, uow=FakeUnitOfWork(store), clock=clock
    )
    return recorded.touchpoint.promises[0]


def keep_at(store: FakeStore, clock: ManualClock, promise: Promise, at: datetime) -> None:
    clock.set(at)
    assert promise.id is not None
    services.settle_promise(TEAM, promise.id, "kept", "U1", uow=FakeUnitOfWork(store), clock=clock)


def on_time_figures(store: FakeStore, clock: ManualClock) -> tuple[int, int]:
    report = measures.team_measures(TEAM, uow=FakeUnitOfWork(store), clock=clock)
    tally = report.ours
    return tally.on_time, tally.counted


def test_a_promise_by_thursday_kept_on_thursday_morning_is_on_time(store, clock) -> None:
    promise = promise_of(store, clock, "acme call | we: send the quote by thu")
    assert promise.due_at == THURSDAY_9 and promise.remind_at == THURSDAY_9
    keep_at(store, clock, promise, THURSDAY_9 + timedelta(minutes=10))
    assert on_time_figures(store, clock) == (1, 1)


def test_a_dated_promise_kept_the_next_morning_is_late(store, clock) -> None:
    promise = promise_of(store, clock, "acme call | we: send the quote by thu")
    keep_at(store, clock, promise, THURSDAY_9 + timedelta(days=1))
    assert on_time_figures(store, clock) == (0, 1)


def test_a_promise_given_a_time_is_late_a_minute_after_it(store, clock) -> None:
    promise = promise_of(store, clock, "acme call | we: call back thu 3pm")
    keep_at(store, clock, promise, THURSDAY_9 + timedelta(hours=6, minutes=1))
    assert on_time_figures(store, clock) == (0, 1)


def test_an_open_dated_promise_is_not_overdue_until_its_day_ends(store, clock) -> None:
    promise = promise_of(store, clock, "acme call | we: send the quote by thu")
    clock.set(THURSDAY_9 + timedelta(hours=8))
    assert not promise.is_overdue(clock.now()) and on_time_figures(store, clock) == (0, 0)
    clock.set(datetime(2026, 12, 11, 0, 0, tzinfo=UTC))
    assert promise.is_overdue(clock.now()) and on_time_figures(store, clock) == (0, 1)


def test_moving_a_promise_to_a_date_keeps_the_rule(store, clock) -> None:
    promise = promise_of(store, clock, "acme call | we: call back thu 3pm")
    assert promise.id is not None
    changed = services.reschedule_promise(
        TEAM, promise.id, "fri", "U1", uow=FakeUnitOfWork(store), clock=clock
    )
    assert changed.promise.keep_by == datetime(2026, 12, 12, 0, 0, tzinfo=UTC)


def test_the_day_ends_at_local_midnight_in_the_teams_zone() -> None:
    team = Team(TEAM, "t", timezone="America/New_York")
    due = datetime(2026, 7, 2, 13, 0, tzinfo=UTC)  # 09:00 in New York (UTC-4 in July)
    assert keep_by(team, due) == datetime(2026, 7, 3, 4, 0, tzinfo=UTC)
    timed = datetime(2026, 7, 2, 19, 0, tzinfo=UTC)
    assert keep_by(team, timed) == timed and keep_by(team, None) is None
