"""What the Slack replay check costs a request, on SQLite (the default database).

* the check as it was on every request: old keys swept, the new key written, committed;
* a request that could change something (a command, a button): the key written, with the
  sweep only once a minute;
* a replay this instance has seen: answered from memory;
* a request that only reads (opening the Home tab, a reaction that is not a check mark):
  no check at all.

Timed through ``ReplayGuard.first_time`` as the adapter calls it (a worker thread for the
database), after 2,000 keys are already remembered.

    .venv/bin/python -m bench.bench_replays
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from bench.harness import Figure, measure
from bot.adapters.slack.replays import ReplayGuard, needs_check
from bot.bootstrap import build
from bot.config import load_settings
from bot.core.clock import ManualClock

NOW = datetime(2026, 11, 19, 10, tzinfo=UTC)
HOME = {"type": "event_callback", "event": {"type": "app_home_opened", "user": "U1"}}


def run(size: str = "small") -> list[Figure]:
    samples = 300 if size == "small" else 1000
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"DATABASE_URL": f"sqlite:///{Path(tmp) / 'b.db'}"}, dotenv=None)
        container = build(settings, clock=ManualClock(NOW))
        try:
            return _measure(container.core.interactions.first_signed_request, samples)
        finally:
            container.close()


def _measure(first_seen: Callable[[str, bool], bool], samples: int) -> list[Figure]:
    keys = count()
    loop = asyncio.new_event_loop()
    try:
        for _ in range(2000):
            first_seen(f"seed-{next(keys)}", False)

        def every_time(_: int) -> None:  # as it was: the sweep and the write, each request
            assert loop.run_until_complete(asyncio.to_thread(first_seen, f"k{next(keys)}", True))

        guard = ReplayGuard(first_seen)

        def changing(_: int) -> None:
            assert loop.run_until_complete(guard.first_time(f"k{next(keys)}"))

        loop.run_until_complete(guard.first_time("seen"))

        def replayed(_: int) -> None:
            assert not loop.run_until_complete(guard.first_time("seen"))

        def reading(_: int) -> None:
            assert not needs_check(HOME)

        return [
            measure("replay check as it was: sweep + write, every request", every_time, samples),
            measure(
                "replay check: a command or button (write; sweep once a minute)", changing, samples
            ),
            measure("replay check: a replay this instance has seen (memory)", replayed, samples),
            measure("replay check: Home tab opened, other reactions (none)", reading, samples),
        ]
    finally:
        loop.close()


if __name__ == "__main__":
    for figure in run(sys.argv[1] if len(sys.argv) > 1 else "small"):
        print(figure)
