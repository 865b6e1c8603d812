"""A calendar feed costs one build per change of its data: later GETs are served from the
cache (or answered 304 with the ETag), twenty at once build it once, it only shows a
window around today, and one token cannot hammer the server."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp

from bot.bootstrap import Container
from bot.core import services
from bot.core.clock import ManualClock
from bot.web.feeds import FeedCache, TokenRateLimit
from bot.web.server import make_web_app, serve_web

from .test_calendar_http import NOW, TEAM, container, path_of, seed, token

__all__ = ["container"]  # the fixture, shared


async def _get_many(
    container: Container, path: str, count: int, headers: dict[str, str] | None = None
) -> list[tuple[int, dict[str, str], bytes]]:
    runner = await serve_web(make_web_app(container.core), "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession(f"http://{host}:{port}") as session:

            async def one() -> tuple[int, dict[str, str], bytes]:
                async with session.get(path, headers=headers or {}) as r:
                    return r.status, {k.lower(): v for k, v in r.headers.items()}, await r.read()

            return list(await asyncio.gather(*(one() for _ in range(count))))
    finally:
        await runner.cleanup()


def test_the_feed_is_served_with_an_etag_and_a_304_when_unchanged(container) -> None:
    seed(container, "Acme", ("send quote", NOW + timedelta(days=2), "U1"))
    path = path_of(token(container, None))

    ((status, headers, body),) = asyncio.run(_get_many(container, path, 1))
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    etag = headers["etag"]
    ((again, again_headers, empty),) = asyncio.run(
        _get_many(container, path, 1, {"If-None-Match": etag})
    )
    assert again == 304 and empty == b"", again_headers
    assert again_headers["etag"] == etag

    seed(container, "Acme", ("call back", NOW + timedelta(days=3), "U1"))  # a change
    ((changed, changed_headers, new_body),) = asyncio.run(
        _get_many(container, path, 1, {"If-None-Match": etag})
    )
    assert changed == 200 and changed_headers["etag"] != etag and b"call back" in new_body


def test_a_settled_promise_changes_the_version(container) -> None:
    (promise,) = seed(container, "Acme", ("send quote", NOW + timedelta(days=2), "U1"))
    path = path_of(token(container, None))
    ((_, _, before),) = asyncio.run(_get_many(container, path, 1))
    assert promise.id is not None
    services.settle_promise(
        TEAM, promise.id, "kept", "U1", uow=container.uow_factory(), clock=container.clock
    )
    ((_, _, after),) = asyncio.run(_get_many(container, path, 1))
    assert b"send quote" in before and b"send quote" not in after


def test_twenty_concurrent_gets_build_the_feed_once() -> None:
    cache = FeedCache()
    started = asyncio.Event()

    async def build() -> bytes:
        started.set()
        await asyncio.sleep(0)  # let the others arrive while it builds
        return b"BEGIN:VCALENDAR..."

    async def scenario() -> list[bytes]:
        found = await asyncio.gather(*(cache.get(1, "v1", build) for _ in range(20)))
        return [f.body for f in found if f is not None]

    assert asyncio.run(scenario()) == [b"BEGIN:VCALENDAR..."] * 20
    assert cache.builds == 1


def test_the_cache_stays_within_its_size() -> None:
    cache = FeedCache(max_bytes=1000)

    async def fill() -> None:
        for feed_id in range(10):
            await cache.get(feed_id, "v", lambda: _bytes(300))

    asyncio.run(fill())
    assert cache._bytes <= 1000


async def _bytes(size: int) -> bytes:
    return b"x" * size


def test_the_feed_shows_only_a_window_around_today(container) -> None:
    seed(
        container,
        "Acme",
        ("long overdue", NOW - timedelta(days=45), "U1"),
        ("recently due", NOW - timedelta(days=5), "U1"),
        ("next year", NOW + timedelta(days=300), "U1"),
        ("far ahead", NOW + timedelta(days=400), "U1"),
    )
    ((_, _, body),) = asyncio.run(_get_many(container, path_of(token(container, None)), 1))
    assert b"recently due" in body and b"next year" in body
    assert b"long overdue" not in body and b"far ahead" not in body


def test_one_token_is_rate_limited_and_told_when_to_come_back(container) -> None:
    path = path_of(token(container, None))
    answers = asyncio.run(_get_many(container, path, 25))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses.count(200) == 20 and statuses.count(429) == 5
    refused = next(headers for status, headers, _ in answers if status == 429)
    assert 0 < int(refused["retry-after"]) <= 30


def test_a_bucket_refills_with_time() -> None:
    now = [0.0]
    limit = TokenRateLimit(burst=2, refill_s=30, clock=lambda: now[0])
    assert [limit.wait_s("t") for _ in range(3)] == [0.0, 0.0, 30.0]
    assert limit.wait_s("other") == 0.0
    now[0] = 30.0
    assert limit.wait_s("t") == 0.0


def test_a_ten_thousand_promise_feed_is_served_fast_once_built(container) -> None:
    clock = container.clock
    assert isinstance(clock, ManualClock)
    for batch in range(20):
        seed(
            container,
            f"Customer {batch}",
            *((f"promise {batch}-{n}", NOW + timedelta(hours=n + 1), "U1") for n in range(500)),
        )
    path = path_of(token(container, None))

    async def scenario() -> tuple[float, float, int]:
        runner = await serve_web(make_web_app(container.core), "127.0.0.1", 0)
        host, port = runner.addresses[0][:2]
        try:
            async with aiohttp.ClientSession(f"http://{host}:{port}") as session:
                started = time.perf_counter()
                async with session.get(path) as first:
                    body = await first.read()
                built = time.perf_counter() - started
                started = time.perf_counter()
                async with session.get(path) as again:
                    assert again.status == 200 and len(await again.read()) == len(body)
                served = time.perf_counter() - started
                return built, served, body.count(b"BEGIN:VTODO")
        finally:
            await runner.cleanup()

    built, served, todos = asyncio.run(scenario())
    assert todos == 10_000
    assert served < 0.2  # the aim; building it (once) took `built`
    assert built < 10  # was 20-30 s through the icalendar package
