"""Serving calendar feeds cheaply: each feed is built once per change of its data and
kept, served with an ETag so an app that has it gets ``304 Not Modified``, and each token
may ask only so often.

A feed's version (``bot.core.calendar.feed_state``) is a few indexed counts; only when it
moves is the feed read and written again, by one request while others for the same feed
wait for that result (twenty apps polling at once cost one build, not twenty). Kept
documents are bounded in total size, least recently used dropped first.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_CACHED_BYTES = 64 * 1024 * 1024
# Per token: a burst of 20, then one request every 30 s. Calendar apps poll every few
# minutes to hours; more is a script, or a leaked link being hammered.
BURST = 20
REFILL_S = 30.0
MAX_TRACKED_TOKENS = 10_000


@dataclass(frozen=True)
class Built:
    version: str
    body: bytes
    etag: str


class FeedCache:
    def __init__(self, max_bytes: int = MAX_CACHED_BYTES) -> None:
        self._max_bytes = max_bytes
        self._entries: OrderedDict[int, Built] = OrderedDict()
        self._bytes = 0
        self._locks: dict[int, asyncio.Lock] = {}
        self.builds = 0  # how many documents were built (tests and benchmarks)

    async def get(
        self, feed_id: int, version: str, build: Callable[[], Awaitable[bytes | None]]
    ) -> Built | None:
        """The document of ``feed_id`` at ``version``, built by ``build`` only if it is not
        kept already; None when ``build`` finds nothing (the feed was revoked meanwhile)."""
        found = self._fresh(feed_id, version)
        if found is not None:
            return found
        lock = self._locks.setdefault(feed_id, asyncio.Lock())
        async with lock:
            found = self._fresh(feed_id, version)
            if found is not None:
                return found
            body = await build()
            self.builds += 1
            if body is None:
                self._drop(feed_id)
                return None
            built = Built(version, body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
            self._keep(feed_id, built)
            return built

    def _fresh(self, feed_id: int, version: str) -> Built | None:
        found = self._entries.get(feed_id)
        if found is None or found.version != version:
            return None
        self._entries.move_to_end(feed_id)
        return found

    def _keep(self, feed_id: int, built: Built) -> None:
        self._drop(feed_id)
        if len(built.body) > self._max_bytes:
            return
        self._entries[feed_id] = built
        self._bytes += len(built.body)
        while self._bytes > self._max_bytes:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body)

    def _drop(self, feed_id: int) -> None:
        old = self._entries.pop(feed_id, None)
        if old is not None:
            self._bytes -= len(old.body)


class TokenRateLimit:
    """A token bucket per calendar token (keyed by its hash, never the token itself)."""

    def __init__(
        self,
        burst: int = BURST,
        refill_s: float = REFILL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = burst
        self._refill_s = refill_s
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def wait_s(self, token: str) -> float:
        """0 when the request may go ahead (and is counted); else seconds until it may."""
        key = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        now = self._clock()
        tokens, then = self._buckets.pop(key, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - then) / self._refill_s)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > MAX_TRACKED_TOKENS:
            self._buckets.popitem(last=False)  # the longest quiet: its bucket is full again
        return 0.0 if allowed else (1.0 - tokens) * self._refill_s
