"""The way in over in-memory fakes, for the tests of commands and requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.commands import Commands
from bot.core.interactions import Interactions
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

# Thu 2026-11-19 10:00 in London (UTC+0 in November)
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def way_in(store: FakeStore, clock: ManualClock) -> Interactions:
    def uow() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    commands = Commands(uow, clock, TeamDefaults("Europe/London"), public_url="https://tp.test")
    return Interactions(commands, uow, clock)
