"""`touchpoint` / `python -m bot`: run the bot, the console, or the migrations."""

from __future__ import annotations

import argparse
import logging
import sys

from bot import __version__
from bot.bootstrap import DatabaseUnavailable
from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except DatabaseUnavailable as exc:
        log.error("%s", exc)
        print(f"touchpoint: {exc}", file=sys.stderr)
        return 3


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="touchpoint", description=__doc__)
    parser.add_argument("--version", action="version", version=f"touchpoint {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Slack/Discord if configured, else open the console")
    sub.add_parser("console", help="the bot in this terminal, no tokens needed")
    sub.add_parser("migrate", help="apply database migrations and exit")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"touchpoint: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets)
    command = args.command or "run"
    if command == "migrate":
        return _migrate(settings)
    if command == "console" or not (settings.slack_enabled or settings.discord_enabled):
        return _console(settings)
    return _platforms(settings)


def _migrate(settings: Settings) -> int:
    from bot.bootstrap import wait_for_database
    from bot.storage.engine import make_engine, redact
    from bot.storage.migrate import current_revision

    engine = make_engine(settings.database_url)
    wait_for_database(engine, settings.database_url, wait_seconds=settings.db_wait_seconds)
    print(f"database {redact(settings.database_url)} is at revision {current_revision(engine)}")
    engine.dispose()
    return 0


def _platforms(settings: Settings) -> int:
    import asyncio

    from bot.bootstrap import build
    from bot.runtime import platform_adapters, serve

    container = build(settings)
    try:
        adapters = platform_adapters(container, settings)
        asyncio.run(serve(container, adapters))
    except SettingsError as exc:
        print(f"touchpoint: configuration error: {exc}", file=sys.stderr)
        return 2
    finally:
        container.close()
    return 0


def _console(settings: Settings) -> int:
    from bot.adapters.console import ConsoleAdapter, ConsoleNotifier
    from bot.bootstrap import build
    from bot.scheduling.engine import ReminderEngine
    from bot.scheduling.runner import scheduler_in_background

    container = build(settings)
    engine = ReminderEngine(
        container.uow_factory, container.clock, {"console": ConsoleNotifier(sys.stdout)}
    )
    try:
        adapter = ConsoleAdapter(
            container.commands,
            uow_factory=container.uow_factory,
            clock=container.clock,
            user=settings.console_user,
            stdin=sys.stdin,
            stdout=sys.stdout,
            interactive=sys.stdin.isatty(),
        )
        with scheduler_in_background(engine, container.clock, scan_seconds=settings.scan_seconds):
            return adapter.run()
    except KeyboardInterrupt:
        return 130
    finally:
        container.close()


if __name__ == "__main__":
    sys.exit(main())
