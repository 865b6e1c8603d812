"""Slack's retries and replays acted on once, in HTTP mode and in Socket Mode alike.

Slack delivers again what it thinks was not received: an HTTP request with the same
signature (and anyone who captured a signed request can replay it for five minutes), a
Socket Mode envelope with the same ``envelope_id`` after a reconnect, an event with the
same ``event_id`` and a retry number. Each must change nothing the second time.

Remembering a key costs a database write, so only deliveries that change something pay it:

* a command, a button, a form submission, a shortcut, and any event this module does not
  know to be safe: their key (the signature, or the envelope id) is remembered;
* a check-mark reaction is remembered by its ``event_id`` inside the very transaction that
  keeps the promise (``keep_from_reaction``), so a replay or retry of it, on any instance,
  is already a no-op: no second write here. Every other reaction changes nothing;
* opening the Home tab, loading a menu's options, closing a modal and the URL check only
  read: a replay shows the same thing again.

A key already seen by this process is answered from memory without the database; a new
key goes to the database, where instances share what they have seen. Old keys are swept
at most once a minute, not on every request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# Payload types that only read, or that dedupe in their own transaction.
_SAFE_PAYLOADS = frozenset({"url_verification", "block_suggestion", "view_closed"})
_SAFE_EVENTS = frozenset({"reaction_added", "app_home_opened"})
REMEMBERED_S = 600.0  # a signature is good for five minutes; kept twice as long
SWEEP_EVERY_S = 60.0
MAX_REMEMBERED = 20_000  # keys held in memory; older ones are still in the database

FirstSeen = Callable[[str, bool], bool]  # (key, sweep old keys too) -> first time?


def needs_check(body: Mapping[str, Any]) -> bool:
    """Whether acting on ``body`` twice could change something (unknown kinds: yes)."""
    kind = body.get("type")
    if kind in _SAFE_PAYLOADS:
        return False
    if kind == "event_callback":
        event = body.get("event")
        return not (isinstance(event, dict) and event.get("type") in _SAFE_EVENTS)
    return True


def signed_key(timestamp: str, signature: str) -> str:
    return f"{timestamp}:{signature}"


def envelope_key(envelope_id: str) -> str:
    return f"envelope:{envelope_id}"


class ReplayGuard:
    """``first_time(key)``: True once per key across every instance sharing the database."""

    def __init__(self, first_seen: FirstSeen, clock: Callable[[], float] = time.monotonic) -> None:
        """``first_seen`` records a key in the database (it runs in a worker thread)."""
        self._first_seen = first_seen
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> when first seen
        self._swept = -SWEEP_EVERY_S
        self.database_checks = 0  # how many keys went to the database (tests, benchmarks)

    async def first_time(self, key: str) -> bool:
        now = self._clock()
        self._forget_before(now - REMEMBERED_S)
        if key in self._seen:
            return False  # this process has it already: a replay, no database needed
        sweep = now - self._swept >= SWEEP_EVERY_S
        try:
            fresh = await asyncio.to_thread(self._first_seen, key, sweep)
        except Exception as exc:  # the store is away (the database down): fail open
            # Refusing would turn every command into a failure during an outage; handled,
            # the request fails cleanly with its error id, and a replay cannot save then.
            log.warning("could not check a Slack request for a replay (%s); handling it", exc)
            return True
        self.database_checks += 1
        if sweep:
            self._swept = now
        self._seen[key] = now
        while len(self._seen) > MAX_REMEMBERED:
            self._seen.popitem(last=False)
        return fresh

    def _forget_before(self, cutoff: float) -> None:
        while self._seen:
            key, at = next(iter(self._seen.items()))
            if at >= cutoff:
                return
            del self._seen[key]
