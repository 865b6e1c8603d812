"""Outbound messages (reminders, nudges, digests) as durable delivery records.

A delivery is written to the database in the same transaction that decides it is due
(the outbox), then claimed, sent and marked sent. The platform never sees a message the
database does not know about, and a message the database knows about is sent until the
platform confirms it — at most once, because an in-doubt delivery (claimed, then the
process died) is looked up on the platform by its key before it is ever sent again.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.model import Team
from bot.core.replies import Reply

log = logging.getLogger(__name__)


class DeliveryKind(enum.StrEnum):
    REMINDER = "reminder"  # our promises falling due (and overdue repeats)
    NUDGE = "nudge"  # their promises falling due: follow up with the customer
    DIGEST = "digest"
    NOTICE = "notice"  # one-off notices, e.g. a challenge passed on to an owner
    SUMMARY = "summary"  # the weekly measures, with a chart
    OWNER_SUMMARY = "owner_summary"  # a touchpoint owner's own week, by direct message


# The messages about promises: updated in place as their promises are settled, and a
# check mark on one that carries a single promise keeps it. A digest is neither.
REMINDING = (DeliveryKind.REMINDER, DeliveryKind.NUDGE)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (or retried at next_attempt_at)
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    SKIPPED = "skipped"  # nothing left to say (empty digest, promises settled meanwhile)
    FAILED = "failed"  # gave up after MAX_ATTEMPTS or a permanent platform error


MAX_ATTEMPTS = 12
# What claiming, sending and recording change on a planned delivery; the rest (key, team,
# channel, due time, promises) stays as planned.
CHANGING_FIELDS = (
    "status",
    "attempts",
    "next_attempt_at",
    "claimed_by",
    "lease_until",
    "message_ref",
    "sent_at",
    "last_error",
)
LEASE = timedelta(minutes=2)
DELAYED_AFTER = timedelta(minutes=10)


@dataclass
class Delivery:
    team_id: str
    kind: DeliveryKind
    key: str  # unique: the idempotency key ("digest:slack:T1:2026-11-20")
    channel: str
    due_at: datetime  # when it should have gone out (labels late ones "delayed")
    promise_ids: tuple[int, ...] = ()
    day: str = ""  # digests: the team's local date, ISO
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_by: str = ""
    lease_until: datetime | None = None
    message_ref: str = ""
    sent_at: datetime | None = None
    last_error: str = ""
    created_at: datetime | None = None
    id: int | None = None

    def claim(self, worker: str, now: datetime) -> None:
        self.status = DeliveryStatus.SENDING
        self.claimed_by = worker
        self.lease_until = now + LEASE
        self.attempts += 1

    @property
    def in_doubt(self) -> bool:
        """A previous attempt may have reached the platform without being recorded."""
        return self.attempts > 1

    def sent(self, ref: str, now: datetime) -> None:
        self.status = DeliveryStatus.SENT
        self.message_ref = ref
        self.sent_at = now
        self.lease_until = None
        self.last_error = ""

    def skip(self, why: str) -> None:
        self.status = DeliveryStatus.SKIPPED
        self.lease_until = None
        self.last_error = why

    def failed(self, error: str, now: datetime, retry_after: float | None, permanent: bool) -> None:
        self.last_error = error[:500]
        self.lease_until = None
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self.status = DeliveryStatus.FAILED
            return
        self.status = DeliveryStatus.PENDING
        self.next_attempt_at = now + backoff(self.attempts, retry_after)

    def postpone(self, until: datetime) -> None:
        """Give a claimed delivery back untried (its channel is rate-limited)."""
        self.status = DeliveryStatus.PENDING
        self.attempts = max(0, self.attempts - 1)
        self.next_attempt_at = until
        self.lease_until = None

    def is_delayed(self, now: datetime) -> bool:
        return now - self.due_at > DELAYED_AFTER


# A channel as the platform paces it: (team id, channel).
ChannelKey = tuple[str, str]


@dataclass(frozen=True)
class ChannelRelease:
    """Outcomes a worker recorded for its claimed deliveries to one channel: ``count`` of
    them; once none is left claimed, another worker may post there from ``free_at`` on."""

    count: int
    free_at: datetime


@dataclass(frozen=True)
class OutboxDepth:
    """The outbox at one instant: ``due`` waits for its first or next attempt and its time
    has come, ``waiting`` retries later, ``sending`` is claimed by a worker; ``oldest_due``
    is the due time of the oldest delivery due and not yet sent (None: nothing late)."""

    due: int
    waiting: int
    sending: int
    oldest_due: datetime | None


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential from 15 s, capped at 30 min; a platform's Retry-After wins if longer."""
    delay = min(15.0 * 2 ** max(0, attempts - 1), 1800.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)


DIRECT = "dm:"


def direct_channel(user: str) -> str:
    """The ``channel`` of a delivery that goes to ``user``'s direct messages."""
    return f"{DIRECT}{user}"


def direct_recipient(channel: str) -> str | None:
    """The user a direct-message channel is for; None for a team channel."""
    return channel.removeprefix(DIRECT) if channel.startswith(DIRECT) else None


async def send_or_fall_back(
    message: Outgoing, send_to: Callable[[Outgoing, str], Awaitable[str]]
) -> str:
    """Send ``message`` with ``send_to(message, channel)``; a direct message refused for good
    goes to the team channel instead, so its owner still gets the reminder rather than none."""
    try:
        return await send_to(message, message.channel)
    except DeliveryFailed as exc:
        fallback = message.team.channel
        if direct_recipient(message.channel) is None or not exc.permanent or not fallback:
            raise
        log.warning("%s: no direct message possible (%s); posting in the team channel",
                    message.key, exc)  # fmt: skip
        return await send_to(message, fallback)


async def find_sent_or_fallen_back(
    message: Outgoing,
    since: datetime,
    find: Callable[[Outgoing, datetime], Awaitable[str | None]],
) -> str | None:
    """The in-doubt look-up of ``message`` with ``find(message, since)``. A direct message
    may have been refused and posted in the team channel instead (``send_or_fall_back``)
    just before a crash, so where the direct messages hold nothing with its key, or cannot
    be read for good, the team channel is looked through too: never posted twice."""
    fallback = message.team.channel
    direct = direct_recipient(message.channel) is not None and bool(fallback)
    try:
        ref = await find(message, since)
    except DeliveryFailed as exc:
        if not direct or not exc.permanent:
            raise
        ref = None  # no direct messages with this person: it can only be in the channel
    if ref is None and direct and fallback:
        ref = await find(replace(message, channel=fallback), since)
    return ref


def notice_key(team_id: str, what: str, target: int, sequence: int) -> str:
    """The key of a one-off notice; it names what the notice is about, so the message can be
    rebuilt from the database when it is sent: ``notice:<team>:passed_on:<id>:<n>``."""
    return f"notice:{team_id}:{what}:{target}:{sequence}"


def parse_notice_key(key: str) -> tuple[str, int] | None:
    """``notice:slack:T1:passed_on:7:2`` -> ``("passed_on", 7)``."""
    parts = key.rsplit(":", 3)
    if len(parts) != 4 or not parts[0].startswith("notice:") or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


@dataclass(frozen=True)
class Outgoing:
    """A message for a platform to post. ``key`` is stable across retries."""

    key: str
    team: Team
    channel: str
    reply: Reply
    extra: dict[str, str] = field(default_factory=dict)
    # The platform refused the formatted message (too large, invalid blocks): post the same
    # content once more as plain text, split into messages that fit.
    plain: bool = False


class DeliveryFailed(Exception):
    """A platform refused or failed a send. ``retry_after`` in seconds if it said so.

    ``permanent``: retrying will not help (the channel is gone, the token revoked); the
    message should say what to do about it, as the team and the operator read it.
    ``content``: the platform refused the message itself (too long, invalid formatting);
    a plain-text version may still go through."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        content: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent or content
        self.content = content


class Notifier(Protocol):
    """What the reminder engine needs from a platform. Each adapter provides one."""

    async def send(self, message: Outgoing) -> str:
        """Post the message; return the platform's reference to it (for reactions and
        updates). Raises DeliveryFailed."""
        ...

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        """The reference of a message already posted with this key since ``since``, if the
        platform can tell; None if it was not posted. Raises DeliveryFailed when it cannot
        tell now (the engine retries later rather than risk a duplicate)."""
        ...

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        """Replace a posted message's content (a settled reminder). Raises DeliveryFailed."""
        ...
