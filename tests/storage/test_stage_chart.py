"""The weekly chart of one journey stage on SQLite and PostgreSQL: the database narrows
the weeks' promises and challenges to the stage's touchpoints as the fakes do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import measures, services
from bot.core.clock import ManualClock
from bot.core.errors import UserError
from bot.core.measures import WeeklySeries
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.storage.conftest import T0, UowFactory
from tests.storage.test_touchmap import Factory

TEAM = "slack:T1"
ENTRIES = (
    "acme | stage: purchase | ch: invoice unclear; VAT missing | we: send credit note by tomorrow",
    "globex | stage: post | ch: slow support | we: call back tomorrow 10am",
    "initech | ch: no stage here | we: send brochure by tomorrow",
)


def charts_of(factory: Factory) -> dict[str, WeeklySeries]:
    clock = ManualClock(T0)
    services.ensure_team(TEAM, "T", defaults=TeamDefaults(), uow=factory(), clock=clock)
    for entry in ENTRIES:
        services.record_quick_entry(TEAM, "U1", entry, uow=factory(), clock=clock)
    clock.advance(timedelta(hours=2))
    with factory() as uow:
        ids = {p.text: p.id or 0 for p in uow.promises.open_for_team(TEAM)}
    services.settle_promise(TEAM, ids["send credit note"], "kept", "U1", uow=factory(), clock=clock)
    clock.advance(timedelta(days=3))
    return {
        text: measures.weekly_chart(TEAM, text, uow=factory(), clock=clock)
        for text in ("", "purchase", "stage post", "pre")
    }


def test_the_database_narrows_the_weekly_chart_to_a_stage_as_the_fakes_do(
    uow_factory: UowFactory,
) -> None:
    store = FakeStore()
    sql = charts_of(uow_factory)
    assert sql == charts_of(lambda: FakeUnitOfWork(store))
    last = {text: series.points[-1] for text, series in sql.items()}
    assert (last[""].counted, last[""].open_challenges) == (3, 4)
    assert (last["purchase"].on_time, last["purchase"].counted) == (1, 1)
    assert last["purchase"].open_challenges == 2
    assert (last["stage post"].counted, last["stage post"].open_challenges) == (1, 1)
    assert sql["stage post"].stage == "post-purchase" and sql["pre"].stage == "pre-purchase"
    assert last["pre"].counted == 0


def test_an_unknown_stage_is_refused_with_the_teams_stages(uow_factory: UowFactory) -> None:
    clock = ManualClock(T0)
    services.ensure_team(TEAM, "T", defaults=TeamDefaults(), uow=uow_factory(), clock=clock)
    with pytest.raises(UserError, match="pre-purchase, purchase, post-purchase"):
        measures.weekly_chart(TEAM, "onboarding", uow=uow_factory(), clock=clock)
