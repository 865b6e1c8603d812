"""What one client may hold of the HTTP server: how long an idle or slow connection stays,
how long a body may take, how many connections are served at once.

aiohttp's defaults keep an idle connection about an hour and never time out a slow request
head or body, so silent clients alone could take every file descriptor. Its keep-alive
timer also runs while a request's head is still arriving (the handler waits for a whole
message), so one timeout bounds idle connections and slow heads alike; bodies are read
under their own deadline. Over the connection cap a new connection is closed at once,
leaving descriptors for the database and the platforms. When descriptors do run out,
asyncio pauses accepting for a second at a time, and the log filter in ``bot.logs`` lets
its complaint through once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerLimits:
    # An idle keep-alive connection, or one whose request head is still arriving, is
    # closed after this long.
    idle_s: float = 15.0
    # A request body must have arrived this long after its handler starts reading it.
    body_s: float = 10.0
    # Connections served at once; more are closed as they arrive. Well under the usual
    # limit of 1,024 open files, which the database and the platforms share.
    max_connections: int = 500
    # How often, at most, a refusal over the cap is logged.
    warn_every_s: float = 60.0
    # After answering a request whose body was not read to the end, how long the rest is
    # read and dropped before closing (aiohttp's default, 10 s, is a slow client's gift).
    linger_s: float = 1.0

    def runner_options(self) -> dict[str, Any]:
        return {"keepalive_timeout": self.idle_s, "lingering_time": self.linger_s}


class BodyTooSlow(Exception):
    """The client did not send its body within ``ServerLimits.body_s``."""


async def read_body(request: web.Request, limits: ServerLimits) -> bytes:
    try:
        async with asyncio.timeout(limits.body_s):
            return await request.read()
    except TimeoutError:
        raise BodyTooSlow from None


def cap_connections(runner: web.AppRunner, limits: ServerLimits) -> None:
    """Close connections over ``limits.max_connections`` as they arrive (call after
    ``runner.setup()``)."""
    server = runner.server
    assert server is not None, "set the runner up first"
    admit = server.connection_made
    last_warning = [float("-inf")]
    refused = [0]

    def connection_made(handler: RequestHandler, transport: asyncio.Transport) -> None:
        admit(handler, transport)
        if len(server.connections) <= limits.max_connections:
            return
        transport.abort()  # connection_lost follows and forgets it
        refused[0] += 1
        now = time.monotonic()
        if now - last_warning[0] >= limits.warn_every_s:
            last_warning[0] = now
            log.warning(
                "HTTP server at its cap of %d connections: refused %d since the last warning",
                limits.max_connections,
                refused[0],
            )
            refused[0] = 0

    server.connection_made = connection_made  # type: ignore[method-assign]


DEFAULT_LIMITS = ServerLimits()
