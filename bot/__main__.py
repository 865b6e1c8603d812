"""`touchpoint` / `python -m bot`: run the bot, the console, or the migrations."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.bootstrap import DatabaseUnavailable
from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.bootstrap import Container

log = logging.getLogger("bot")

# The running bot keeps a large, stable heap (SQLAlchemy, Bolt, discord.py: about 130,000
# tracked objects) and now and then builds a big, short-lived one (the digest of a team
# with 100,000 open challenges is over a million objects). With CPython's defaults, full
# collections re-scan everything again and again during such a build: 2.3 s of its 5.2 s
# in one measurement. Frozen start-up objects are never scanned again, and a higher
# first threshold makes collections rarer (digest 5.2 -> 3.0 s; a few MB more at most).
GC_THRESHOLDS = (10_000, 10, 10)


def tune_garbage_collector() -> None:
    """Call once the process has built what it keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


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
    _add_exchange_commands(sub)
    outbox = sub.add_parser("outbox", help="a team's pending, failing and given-up deliveries")
    outbox.add_argument("--team", required=True, help="the team id, e.g. slack:T0123")
    outbox.add_argument(
        "--retry", action="store_true", help="send the given-up deliveries again (after a fix)"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"touchpoint: configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secrets, settings.log_format)
    command = args.command or "run"
    if command == "migrate":
        return _migrate(settings)
    if command in {"export", "import"}:
        return _exchange(settings, args)
    if command == "outbox":
        return _outbox(settings, args)
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


def _add_exchange_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export", help="write a team's data as JSON (lossless) or CSV")
    export.add_argument("--team", required=True, help="the team id, e.g. slack:T0123")
    export.add_argument("--format", choices=("json", "csv"), help="default: by --out, else json")
    export.add_argument("--out", type=Path, help="the file to write (default: standard output)")
    imp = sub.add_parser("import", help="import a JSON export, or a spreadsheet's CSV, into a team")
    imp.add_argument("file", type=Path)
    imp.add_argument("--team", required=True, help="the team to import into")
    imp.add_argument("--format", choices=("json", "csv"), help="default: by the file's name")
    imp.add_argument("--dry-run", action="store_true", help="report changes; save nothing")
    imp.add_argument("--author", default="import", help="the author of CSV rows that name none")


def _exchange(settings: Settings, args: argparse.Namespace) -> int:
    """`touchpoint export` / `touchpoint import`: exit 1 when nothing could be done."""
    from bot.bootstrap import build
    from bot.core.errors import UserError

    container = build(settings)
    try:
        return (_export if args.command == "export" else _import)(container, args)
    except UserError as exc:
        print(f"touchpoint: {exc.message}", file=sys.stderr)
        return 1
    finally:
        container.close()


def _outbox(settings: Settings, args: argparse.Namespace) -> int:
    """`touchpoint outbox --team ID [--retry]`: exit 1 when the team is unknown."""
    from bot.bootstrap import build
    from bot.core import outbox

    container = build(settings)
    try:
        with container.uow_factory() as uow:
            known = uow.teams.get(args.team) is not None
        if not known:
            print(
                f"touchpoint: no team {args.team!r}; team ids look like slack:T0123 or "
                "discord:123456789",
                file=sys.stderr,
            )
            return 1
        if args.retry:
            count = outbox.retry_given_up(
                args.team, uow=container.uow_factory(), clock=container.clock
            )
            print(
                f"{count} given-up deliveries of {args.team} will be sent again at the next scan."
            )
            return 0
        found = outbox.listing(args.team, uow=container.uow_factory(), clock=container.clock)
        for text in outbox.listing_lines(found):
            print(text)
        return 0
    finally:
        container.close()


def _export(container: Container, args: argparse.Namespace) -> int:
    from bot.core.exchange import Format, export_team

    out_path: Path | None = args.out
    suffix = out_path.suffix.lower() if out_path else ""
    fmt = Format(args.format or ("csv" if suffix == ".csv" else "json"))
    uow = container.uow_factory()
    if out_path is None:
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:  # UTF-8 whatever the locale; the csv module ends rows
            reconfigure(encoding="utf-8", newline="")
        summary = export_team(args.team, fmt, sys.stdout, uow=uow)
    else:  # written beside the target, then moved over it: never a half-written file
        partial = out_path.with_name(f".{out_path.name}.partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                summary = export_team(args.team, fmt, out, uow=uow)
            partial.replace(out_path)
        finally:
            partial.unlink(missing_ok=True)
    where = f" to {out_path}" if out_path else ""
    print(
        f"Exported {summary.customers} customers and {summary.touchpoints} touchpoints of "
        f"{args.team}{where} ({fmt.value}).",
        file=sys.stderr,
    )
    return 0


def _import(container: Container, args: argparse.Namespace) -> int:
    from bot.core.exchange import Format, decode, detect_format, import_team, report_lines

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"touchpoint: can't read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    text = decode(data, path.name)
    fmt = Format(args.format) if args.format else detect_format(path.name, text)
    report = import_team(
        args.team,
        text,
        fmt,
        dry_run=args.dry_run,
        author=args.author,
        uow=container.uow_factory(),
        clock=container.clock,
    )
    for line in report_lines(report):
        print(line)
    return 1 if report.errors else 0


def _platforms(settings: Settings) -> int:
    import asyncio

    from bot.bootstrap import build
    from bot.runtime import platform_adapters, serve

    container = build(settings)
    try:
        adapters = platform_adapters(container, settings)
        tune_garbage_collector()
        asyncio.run(serve(container, adapters))
    except SettingsError as exc:
        print(f"touchpoint: configuration error: {exc}", file=sys.stderr)
        return 2
    finally:
        container.close()
    return 0


async def _serve_feeds(container: Container) -> None:
    """The console serves calendar feeds too, if its HTTP port is free."""
    from bot.bootstrap import metrics_routes
    from bot.web.server import make_web_app, serve_web

    settings = container.settings
    try:
        app = make_web_app(container.core, metrics_routes(container))
        await serve_web(app, settings.http_host, settings.http_port)
    except OSError as exc:
        log.warning(
            "calendar feeds are not served: %s:%d is unavailable (%s); set TOUCHPOINT_HTTP_PORT",
            settings.http_host,
            settings.http_port,
            exc.strerror or exc,
        )


def _console(settings: Settings) -> int:
    from bot.adapters.console import ConsoleAdapter, ConsoleNotifier
    from bot.bootstrap import build
    from bot.scheduling.engine import ReminderEngine
    from bot.scheduling.runner import scheduler_in_background

    container = build(settings)
    charts_dir = settings.data_dir / "charts"
    engine = ReminderEngine(
        container.uow_factory,
        container.clock,
        {"console": ConsoleNotifier(sys.stdout, charts_dir=charts_dir)},
        concurrency=settings.send_concurrency,
        metrics=container.metrics,
    )
    try:
        adapter = ConsoleAdapter(
            container.core,
            user=settings.console_user,
            stdin=sys.stdin,
            stdout=sys.stdout,
            interactive=sys.stdin.isatty(),
            charts_dir=charts_dir,
        )
        tune_garbage_collector()
        with scheduler_in_background(
            engine,
            container.clock,
            scan_seconds=settings.scan_seconds,
            also=lambda: _serve_feeds(container),
        ):
            return adapter.run()
    except KeyboardInterrupt:
        return 130
    finally:
        container.close()


if __name__ == "__main__":
    sys.exit(main())
