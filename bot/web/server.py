"""The bot's HTTP server: calendar feeds and a health check (``/metrics``: ``bot.web.metrics``).

Feed URLs carry their secret in the path, so nothing here logs a request path (the
runner's access log is off) and an unknown token and a revoked one get the same 404.
The database is synchronous: each lookup runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable

from aiohttp import web

from bot.core import calendar
from bot.core.interactions import Core
from bot.http_limits import DEFAULT_LIMITS, ServerLimits, cap_connections
from bot.web.calendar import feed_ics
from bot.web.feeds import FeedCache, TokenRateLimit

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# Tokens are URL-safe (today: 64 hex characters); anything else is not found.
FEED_ROUTE = calendar.FEED_PATH.replace("{token}", "{token:[A-Za-z0-9_-]{16,100}}")
FEED_HEADERS = {
    # Private: a shared cache must never keep one person's promises. Five minutes spares
    # the database when an app polls eagerly and still shows a change soon.
    "Cache-Control": "private, max-age=300",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
SHUTDOWN_GRACE = 10.0  # seconds a request in flight gets to finish on stop


def calendar_routes(core: Core, limit: TokenRateLimit | None = None) -> list[web.RouteDef]:
    """The calendar feed route, to add to any aiohttp application."""

    cache, limit = FeedCache(), limit or TokenRateLimit()

    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        wait = limit.wait_s(token)
        if wait > 0:
            retry = {"Retry-After": str(math.ceil(wait))}
            return web.Response(status=429, text="too many requests", headers=retry)
        state = await asyncio.to_thread(
            calendar.feed_state, token, uow=core.uow_factory(), clock=core.clock
        )
        if state is None:
            raise web.HTTPNotFound()  # the router's own 404: unknown and revoked look alike

        async def build() -> bytes | None:
            content = await asyncio.to_thread(
                calendar.feed_for_token, token, uow=core.uow_factory(), clock=core.clock
            )
            return None if content is None else await asyncio.to_thread(feed_ics, content)

        built = await cache.get(state.feed_id, state.version, build)
        if built is None:
            raise web.HTTPNotFound()
        headers = {**FEED_HEADERS, "ETag": built.etag}
        if _has(request.headers.get("If-None-Match", ""), built.etag):
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=built.body, content_type="text/calendar", charset="utf-8", headers=headers
        )

    return [web.get(FEED_ROUTE, feed)]


def _has(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weakly compared, as RFC 9110 says
    for this header) or is "*"."""
    tags = {tag.strip().removeprefix("W/") for tag in header[:4096].split(",")}
    return etag in tags or "*" in tags


async def health(_: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def make_web_app(
    core: Core,
    extra_routes: Iterable[web.RouteDef] = (),
    feed_limit: TokenRateLimit | None = None,
) -> web.Application:
    """The application: health check, calendar feeds and any ``extra_routes``."""
    app = web.Application()
    feeds = calendar_routes(core, feed_limit)
    app.add_routes([web.get(HEALTH_PATH, health), *feeds, *extra_routes])
    return app


async def serve_web(
    app: web.Application, host: str, port: int, limits: ServerLimits = DEFAULT_LIMITS
) -> web.AppRunner:
    """Start serving ``app``; port 0 picks a free port (see ``runner.addresses``).
    Stop with ``await runner.cleanup()``."""
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_GRACE,
        **limits.runner_options(),
    )
    await runner.setup()
    cap_connections(runner, limits)
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("HTTP server listening on %s", ", ".join(_addresses(runner)))
    return runner


def _addresses(runner: web.AppRunner) -> list[str]:
    return [f"{a[0]}:{a[1]}" for a in runner.addresses if isinstance(a, tuple)]
