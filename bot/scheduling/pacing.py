"""Per-channel pacing: at most one post per interval to one channel.

Slack allows about one message per second per channel (bursts are tolerated briefly, then
answered with 429 and ``Retry-After``). Discord is left out: discord.py already follows
its per-route buckets and the global limit per bot token, and waits inside its own call.

Pacing measures real time (``time.monotonic``), not the bot's clock: it is about how fast
requests leave this process, whatever time the business logic thinks it is.

The pace kept here is all a channel gets, whatever the number of instances: one instance at
a time sends to a channel (``bot.core.claims``). Handing a channel over is the one place the
bot's clock counts: the instance letting it go writes when the next may post (recorded
now, plus ``interval``), and the next compares that with its own clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

# Seconds between two posts to one channel, by platform (the team id's prefix). A tenth
# over Slack's second: the pace is marked just before the request is made, and a busy
# event loop may make the first request a little later than the second (bench_burst saw
# one such pair in 5,940 posts at exactly 1.0 s).
PLATFORM_INTERVALS: Mapping[str, float] = {"slack": 1.1}


class ChannelPacer:
    def __init__(
        self,
        intervals: Mapping[str, float] = PLATFORM_INTERVALS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._intervals = dict(intervals)
        self._monotonic = monotonic
        self._next: dict[str, float] = {}

    def interval(self, team_id: str) -> float:
        return self._intervals.get(team_id.partition(":")[0], 0.0)

    def wait(self, team_id: str, channel: str) -> float:
        """Seconds until the channel may be posted to again (0: now)."""
        found = self._next.get(f"{team_id}/{channel}")
        return 0.0 if found is None else max(0.0, found - self._monotonic())

    def posting(self, team_id: str, channel: str) -> None:
        """A post to the channel starts now: the next one waits a full interval from here
        (from the moment the request leaves, which is what the platform counts)."""
        interval = self.interval(team_id)
        if interval <= 0:
            return
        now = self._monotonic()
        self._next[f"{team_id}/{channel}"] = now + interval
        if len(self._next) > 10_000:  # forget channels whose interval is long past
            self._next = {k: t for k, t in self._next.items() if t > now}
