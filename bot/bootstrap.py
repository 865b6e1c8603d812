"""The composition root: the one place that builds the engine, unit of work, clock and
services, and hands them to the adapters. No module creates these at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.commands import Commands
from bot.core.ports import Clock, UnitOfWork
from bot.storage.engine import make_engine, redact
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    uow_factory: Callable[[], UnitOfWork]
    commands: Commands

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> Container:
    """Wire everything for ``settings``; applies migrations first unless told not to."""
    engine = make_engine(settings.database_url)
    log.info("database: %s", redact(settings.database_url))
    if migrate:
        upgrade(engine)
    session_factory = make_session_factory(engine)
    chosen_clock = clock or SystemClock()

    def uow_factory() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    commands = Commands(uow_factory, chosen_clock, settings.team_defaults)
    return Container(settings, engine, chosen_clock, uow_factory, commands)
