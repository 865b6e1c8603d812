"""The customer record reads as a handover brief."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import queries, services
from bot.core.clock import ManualClock
from bot.core.record_view import customer_record
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_reminders import flatten

TEAM = "console:test"


def test_the_record_shows_history_outcomes_and_a_changed_difference() -> None:
    store, clock = FakeStore(), ManualClock(datetime(2026, 10, 3, 10, 0, tzinfo=UTC))

    def uow() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    services.ensure_team(TEAM, "T", defaults=TeamDefaults(), uow=uow(), clock=clock)
    first = services.record_quick_entry(
        TEAM,
        "U1",
        "acme call | ch: slow internet | we: send quote tomorrow | diff: needs fibre",
        uow=uow(),
        clock=clock,
    ).touchpoint
    clock.advance(timedelta(days=1, hours=-2))  # before the due time
    services.settle_promise(TEAM, first.promises[0].id or 0, "kept", "U2", uow=uow(), clock=clock)
    services.change_challenge(
        TEAM, first.challenges[0].id or 0, "passed_on", "U2", to="tech team", uow=uow(), clock=clock
    )
    clock.advance(timedelta(days=5))
    services.change_challenge(
        TEAM, first.challenges[0].id or 0, "addressed", "U3", uow=uow(), clock=clock
    )
    services.record_quick_entry(
        TEAM, "U3", "acme email-out | diff: needs fibre | csat: 3", uow=uow(), clock=clock
    )
    clock.advance(timedelta(days=30))
    services.record_quick_entry(
        TEAM,
        "U4",
        "acme visit | diff: cheaper plan | note: met the CFO\nlong story",
        uow=uow(),
        clock=clock,
    )
    text = flatten(customer_record(queries.customer_record(TEAM, "acme", uow=uow(), clock=clock)))
    assert "3 touchpoint(s) · 0 open challenge(s)" in text
    assert "Biggest difference: cheaper plan (was: needs fibre since )" in text
    assert "slow internet — addressed" in text
    assert "passed on to tech team by" in text and "addressed by" in text
    assert "send quote — due" in text and "— kept on time" in text
    assert "needs fibre (, said 2 times)" in text and "cheaper plan ( — changed" not in text
    assert "— “met the CFO”" in text and "csat 3/5" in text
