"""The composition root: the one place that builds the engine, unit of work, clock and
services, and hands them to the adapters. No module creates these at import time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from bot import charts
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.commands import Commands
from bot.core.interactions import Core, Interactions
from bot.core.ports import Clock, UnitOfWork
from bot.scheduling.metrics import EngineMetrics
from bot.storage.engine import make_engine, redact
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory
from bot.web.metrics import OutboxCollector

if TYPE_CHECKING:
    from aiohttp import web

    from bot.adapters.discord.client import DiscordAdapter
    from bot.adapters.slack.app import SlackAdapter

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    uow_factory: Callable[[], UnitOfWork]
    commands: Commands
    core: Core
    # What the reminder engine counts, served at GET /metrics by whichever HTTP server runs.
    metrics: EngineMetrics = field(default_factory=EngineMetrics)

    def close(self) -> None:
        self.engine.dispose()


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached within the configured wait."""


def wait_for_database(
    engine: Engine,
    url: str,
    *,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Apply migrations, retrying with backoff while the database is unreachable (a
    database that starts after the bot is normal in a deployment), then give up clearly."""
    waited, delay, attempt = 0.0, 1.0, 1
    while True:
        try:
            upgrade(engine)
            return
        except (OperationalError, InterfaceError) as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0][:200]
            if waited + delay > wait_seconds:
                raise DatabaseUnavailable(
                    f"The database at {redact(url)} is unreachable ({reason}). Waited "
                    f"{waited:.0f} s over {attempt} attempts. Check DATABASE_URL and that the "
                    "server is running, or raise TOUCHPOINT_DB_WAIT_SECONDS."
                ) from exc
            log.warning(
                "database at %s unavailable (%s); retrying in %.0f s (attempt %d)",
                redact(url),
                reason,
                delay,
                attempt,
            )
            sleep(delay)
            waited += delay
            delay, attempt = min(delay * 2, 30.0), attempt + 1


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> Container:
    """Wire everything for ``settings``; applies migrations first unless told not to."""
    engine = make_engine(settings.database_url)
    log.info("database: %s", redact(settings.database_url))
    if migrate:
        wait_for_database(
            engine, settings.database_url, wait_seconds=settings.db_wait_seconds, sleep=sleep
        )
    session_factory = make_session_factory(engine)
    chosen_clock = clock or SystemClock()

    def uow_factory() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory)

    commands = Commands(
        uow_factory,
        chosen_clock,
        settings.team_defaults,
        public_url=settings.public_url,
        draw_chart=charts.weekly_chart,
    )
    core = Core(Interactions(commands, uow_factory, chosen_clock), uow_factory, chosen_clock)
    container = Container(settings, engine, chosen_clock, uow_factory, commands, core)
    container.metrics.watch(lambda: OutboxCollector(uow_factory, chosen_clock))
    return container


def metrics_routes(container: Container) -> list[web.RouteDef]:
    """``GET /metrics`` for whichever HTTP server runs (the bot's own, or Slack's)."""
    from bot.web.metrics import metrics_routes as routes

    return routes(container.metrics.registry)


# -- the platform adapters: each gets the core's bundle, never this container ---------------


def slack_adapter(container: Container, settings: Settings, **kwargs: Any) -> SlackAdapter:
    """The Slack adapter, with its installation store (multi-workspace) built here, over
    the bot's own database, and the calendar feed and metrics routes for its HTTP server."""
    from bot.adapters.slack.app import SlackAdapter, slack_mode
    from bot.adapters.slack.installations import DatabaseInstallationStore
    from bot.web.server import calendar_routes

    store = None
    if slack_mode(settings).oauth:
        store = DatabaseInstallationStore(settings.slack_client_id, container.engine)
    return SlackAdapter(
        container.core,
        settings,
        installation_store=store,
        extra_routes=[*calendar_routes(container.core), *metrics_routes(container)],
        **kwargs,
    )


def discord_adapter(container: Container, settings: Settings, **kwargs: Any) -> DiscordAdapter:
    from bot.adapters.discord.client import DiscordAdapter

    return DiscordAdapter(container.core, settings, **kwargs)
