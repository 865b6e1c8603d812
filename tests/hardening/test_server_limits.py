"""The HTTP server lets no client hold it: idle and slow connections are closed, a body
must arrive in time, connections over the cap are closed at once, and running out of file
descriptors is reported once a minute instead of a traceback per retry."""

from __future__ import annotations

import asyncio
import errno
import io
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.http_limits import BodyTooSlow, ServerLimits, read_body
from bot.logs import ACCEPT_STORMS, EveryMinuteAtMost
from bot.web.server import serve_web

LIMITS = ServerLimits(idle_s=0.3, body_s=0.3, max_connections=3, linger_s=0.3)
PATIENCE_S = 5.0  # far beyond the limits: a connection still open by then was kept


async def _ok(_: web.Request) -> web.Response:
    return web.Response(text="ok")


async def _echo(request: web.Request) -> web.Response:
    try:
        body = await read_body(request, LIMITS)
    except BodyTooSlow:
        return web.Response(status=408, text="too slow")
    return web.Response(body=body)


@asynccontextmanager
async def serving() -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_get("/", _ok)
    app.router.add_post("/echo", _echo)
    runner = await serve_web(app, "127.0.0.1", 0, LIMITS)
    try:
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def _closed_after(reader: asyncio.StreamReader) -> tuple[bytes, float]:
    """What the server sent before closing, and how long it took to close."""
    started = time.perf_counter()
    received = await asyncio.wait_for(reader.read(), PATIENCE_S)
    return received, time.perf_counter() - started


async def test_a_silent_connection_is_closed_after_the_idle_limit() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        received, seconds = await _closed_after(reader)
        writer.close()
    assert received == b"" and seconds < 2.0


async def test_a_request_head_that_never_ends_is_cut_off() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        await writer.drain()
        received, seconds = await _closed_after(reader)
        writer.close()
    assert b"200" not in received and seconds < 2.0


async def test_a_kept_alive_connection_is_closed_when_idle() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        received, seconds = await _closed_after(reader)
        writer.close()
    assert received.startswith(b"HTTP/1.1 200") and seconds < 2.0


async def test_a_body_that_never_arrives_is_refused_in_time() -> None:
    async with serving() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        await writer.drain()
        received, seconds = await _closed_after(reader)
        writer.close()
    assert received.startswith(b"HTTP/1.1 408") and seconds < 3.0  # body_s, then linger_s


async def test_connections_over_the_cap_are_closed_at_once_and_served_again_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serving() as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
        extra = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
        for reader, _ in extra:
            received, seconds = await _closed_after(reader)
            assert received == b"" and seconds < 0.25  # long before the idle limit
        for _, writer in [*held, *extra]:
            writer.close()
        await asyncio.sleep(0.1)  # the server sees the closes (nothing to wait on)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert (await _closed_after(reader))[0].startswith(b"HTTP/1.1 200")
        writer.close()
    warnings = [r for r in caplog.records if "cap of 3 connections" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once per refusal


def test_running_out_of_file_descriptors_is_logged_once_a_minute() -> None:
    now = [0.0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(EveryMinuteAtMost(ACCEPT_STORMS, clock=lambda: now[0]))
    logger = logging.getLogger("test.asyncio.storm")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        error = OSError(errno.EMFILE, "Too many open files")
        for second in range(120):  # asyncio retries accept() every second
            now[0] = float(second)
            for _ in range(50):
                logger.error(
                    "socket.accept() out of system resource\nsocket: <socket>",
                    exc_info=(OSError, error, None),
                )
            logger.error("something else")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    storms = [line for line in lines if "out of system resource" in line]
    assert len(storms) == 2  # seconds 0 and 60
    assert "2999 more like it held back" in storms[1]
    assert "Traceback" not in stream.getvalue()
    assert lines.count("something else") == 120
