"""Claiming the outbox: which worker sends which delivery, and to which channel.

A platform paces posts per channel (Slack: about one a second), and only the sender can
keep a pace. So a channel is held by one worker at a time: from its first claimed
delivery until its deliveries' outcomes are recorded, and then until the pace after the
last post has passed. The worker holding a channel paces its posts (``ChannelPacer``);
another worker leaves that channel's deliveries alone and claims other channels', so a
channel that must wait never holds up another team's.

A hold is a row per channel, taken in the claim's transaction and counting the
deliveries claimed with it; recording outcomes counts them down and lets the channel go
when none is left (``releases``). A worker that dies holds its channels until their lease
runs out, as it holds its deliveries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.core.delivery import LEASE, ChannelKey, ChannelRelease, Delivery
from bot.core.ports import Clock, UnitOfWork

# The default share of the outbox one claim takes. The engine claims only as much as it
# can start sending soon (its concurrency), so a burst (the 09:00 digests) is spread over
# every instance rather than hoarded by the first one to look.
CLAIM_LIMIT = 10
# Reads of one claim: a second (and third) only when another worker took some of the
# channels read in the meantime.
CLAIM_ROUNDS = 3
# Seconds another worker waits after a post to a team's channel: the platform's pace per
# channel, by team id.
Pace = Callable[[str], float]


def claim_deliveries(
    worker: str, *, uow: UnitOfWork, clock: Clock, limit: int = CLAIM_LIMIT
) -> list[Delivery]:
    """Claim pending deliveries (and ones whose claimant's lease ran out) for this worker,
    with their channels. Deliveries to a channel another worker holds are left to it."""
    now = clock.now()
    claimed: list[Delivery] = []
    with uow:
        for _ in range(CLAIM_ROUNDS):
            found = uow.deliveries.claimable(now, limit - len(claimed), worker)
            wanted = Counter((d.team_id, d.channel) for d in found)
            held = uow.deliveries.hold_channels(worker, wanted, now, now + LEASE)
            mine = [d for d in found if (d.team_id, d.channel) in held]
            for delivery in mine:
                delivery.claim(worker, now)
            uow.deliveries.save_all(mine)  # one statement: a save each was a quarter of the CPU
            claimed += mine
            if len(mine) == len(found):
                break
            # Another worker took some of these channels between our read and our hold (on
            # PostgreSQL claims run side by side): look again, past the channels it holds,
            # so that a short claim still means nothing more is claimable now.
        uow.commit()
    return claimed


def releases(
    deliveries: Sequence[Delivery], now: datetime, pace: Pace | None
) -> dict[str, dict[ChannelKey, ChannelRelease]]:
    """Per claimant and channel: how many outcomes are being recorded, and when the
    channel is free for another worker if that was its last claimed one (``pace`` after
    now: the last post to it began before its outcome was known)."""
    counts: Counter[tuple[str, str, str]] = Counter(
        (d.claimed_by, d.team_id, d.channel) for d in deliveries
    )
    out: dict[str, dict[ChannelKey, ChannelRelease]] = defaultdict(dict)
    for (worker, team_id, channel), count in sorted(counts.items()):
        wait = timedelta(seconds=pace(team_id) if pace is not None else 0.0)
        out[worker][(team_id, channel)] = ChannelRelease(count, now + wait)
    return out
