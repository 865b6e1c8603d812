"""Calendar feeds: our promises with due dates, per person or per team, at a secret URL.

A feed is reached by a random token in its URL. Only the token's SHA-256 is stored, so a
leaked database does not leak working links, and a lookup is by hash: an equality match
on a unique index, which tells nothing about how close a guess came. Issuing a new token
for the same person (or the team) revokes the old one; revoked rows stay, so a token can
never come back to life.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.errors import UserError
from bot.core.model import Customer, Direction, Promise, Team
from bot.core.ports import Clock, Revision, UnitOfWork
from bot.core.replies import Link, Reply, Section, line
from bot.core.services import load_team
from bot.core.values import CalendarFeed

# 256 bits, written in hex (64 characters). Not token_urlsafe: its "-" and "_" are markdown
# to Discord, whose renderer escapes them with a backslash, and a backslash inside a URL
# breaks the link; they also stop a double-click from selecting the whole token.
TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 100  # longer "tokens" are not ours: refuse before hashing them
FEED_PATH = "/calendar/{token}.ics"
# What a feed shows: promises due from a month ago to a year ahead. Older overdue ones are
# for the digest; the bound keeps a feed (and its cost) the size of a team's real horizon.
WINDOW_BEFORE = timedelta(days=30)
WINDOW_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class FeedContent:
    """What a feed shows: the open promises of ours that have a due date, soonest first."""

    team: Team
    owner: str | None  # None: everyone's promises (the team feed)
    now: datetime
    promises: tuple[Promise, ...]  # histories not loaded: ``revisions`` says what is needed
    customers: dict[int, Customer]
    revisions: Mapping[int, Revision] = field(default_factory=dict)

    def revision(self, promise: Promise) -> Revision:
        """When ``promise`` last changed (never before it was made) and its reschedules."""
        found = self.revisions.get(promise.id or 0) or Revision.of(promise)
        return Revision(max(found.last_changed, promise.made_at), found.reschedules)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + FEED_PATH.format(token=token)


# -- use cases ---------------------------------------------------------------------------


def issue_feed(team_id: str, owner: str | None, *, uow: UnitOfWork, clock: Clock) -> str:
    """A new secret token for ``owner``'s feed (None: the team's); the previous one stops
    working. Only the token's hash is stored: this is the one time the token is seen."""
    token = secrets.token_hex(TOKEN_BYTES)
    now = clock.now()
    with uow:
        load_team(uow, team_id)
        uow.calendar_feeds.revoke(team_id, owner, now)
        uow.calendar_feeds.add(CalendarFeed(team_id, owner, hash_token(token), now))
        uow.commit()
    return token


def revoke_feeds(team_id: str, owner: str | None, *, uow: UnitOfWork, clock: Clock) -> int:
    """Revoke ``owner``'s feed links (None: the team's); returns how many were active."""
    with uow:
        revoked = uow.calendar_feeds.revoke(team_id, owner, clock.now())
        uow.commit()
    return revoked


@dataclass(frozen=True)
class FeedState:
    """Which feed a token opens and the version of what it would show: the same version
    means the same document, so a built one can be served again."""

    feed_id: int
    version: str


def feed_state(token: str, *, uow: UnitOfWork, clock: Clock) -> FeedState | None:
    """The feed's current state, or None for a token that is unknown or revoked. A few
    indexed reads: far cheaper than building the feed."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    with uow:
        feed = uow.calendar_feeds.by_token_hash(hash_token(token))
        if feed is None or not feed.is_active or feed.id is None:
            return None
        team = uow.teams.get(feed.team_id)
        if team is None:
            return None
        data = uow.calendar_feeds.data_version(feed.team_id)
    # The window moves with the day, and the team's name and zone are in the text.
    day = clock.now().date().isoformat()
    return FeedState(feed.id, "|".join((data, day, team.name, team.timezone)))


def feed_for_token(token: str, *, uow: UnitOfWork, clock: Clock) -> FeedContent | None:
    """The feed's content, or None for a token that is unknown or revoked (the caller
    must not say which)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    with uow:
        feed = uow.calendar_feeds.by_token_hash(hash_token(token))
        if feed is None or not feed.is_active:
            return None
        team = uow.teams.get(feed.team_id)
        if team is None:
            return None
        promises = _dated_promises(uow, feed, clock.now())
        customers = uow.customers.get_many(
            feed.team_id, list(dict.fromkeys(p.customer_id for p in promises))
        )
        # The feed needs two facts of each history, not the events: the database works
        # them out (loading 10,000 histories was a third of a big team's first build).
        revisions = uow.promises.revisions([p.id for p in promises if p.id is not None])
    return FeedContent(team, feed.owner, clock.now(), promises, customers, revisions)


def _dated_promises(uow: UnitOfWork, feed: CalendarFeed, now: datetime) -> tuple[Promise, ...]:
    found = uow.promises.open_for_team(
        feed.team_id,
        owner=feed.owner,
        direction=Direction.OURS,
        due_from=now - WINDOW_BEFORE,
        due_before=now + WINDOW_AFTER,
        with_history=False,
    )
    return tuple(p for p in found if p.due_at is not None)


# -- replies -----------------------------------------------------------------------------

SUBSCRIBE_HOW = (
    "Google Calendar: Other calendars → + → “From URL”. "
    "Outlook: Add calendar → “Subscribe from web”. "
    "Apple Calendar: File → “New Calendar Subscription”."
)


def no_public_url() -> UserError:
    return UserError(
        "Calendar feeds are not available here: this bot has no public web address. "
        "Ask whoever runs it to set TOUCHPOINT_PUBLIC_URL."
    )


def feed_link_reply(url: str, *, team: bool) -> Reply:
    """The private message carrying a new feed link and how to use it."""
    whose = "the whole team's open promises" if team else "your open promises"
    revoke = "/touchpoint calendar team revoke" if team else "/touchpoint calendar revoke"
    replaces = (
        "It replaces the previous team link for everyone: colleagues subscribed to the old "
        "one need this one."
        if team
        else "It replaces any link you had before."
    )
    lines = (
        line(
            f"Subscribe to this address in your calendar app to see {whose} that have a "
            "due date, as tasks and events that follow changes:"
        ),
        line(Link(url)),  # on its own line: every platform links it, nothing escapes it
        line(SUBSCRIBE_HOW),
        line(
            "Calendar apps refresh subscriptions on their own schedule (Google: every few "
            "hours), so a change can take a while to show."
        ),
        line(
            "Anyone with this link can read these promises: keep it private. ",
            f"{replaces} To stop it working, use `{revoke}`.",
        ),
    )
    title = "Team calendar feed" if team else "Your calendar feed"
    return Reply(title, (Section(None, lines),), private=True)


def revoked_reply(count: int, *, team: bool) -> Reply:
    whose = "The team's calendar link" if team else "Your calendar link"
    if count == 0:
        text = f"{whose} was not active; there was nothing to revoke."
    else:
        text = f"{whose} no longer works. Calendars subscribed to it will stop updating."
    again = "/touchpoint calendar team" if team else "/touchpoint calendar"
    return Reply(
        "Calendar feed revoked",
        (Section(None, (line(text), line(f"Get a new link with `{again}`."))),),
        private=True,
    )


def parse_request(rest: str) -> tuple[bool, bool]:
    """`/touchpoint calendar [team] [revoke]` -> (team feed?, revoke?)."""
    words = rest.lower().split()
    if len(words) != len(set(words)) or not set(words) <= {"team", "revoke"}:
        raise UserError(
            "Write `/touchpoint calendar` (your promises), `/touchpoint calendar team` "
            "(the team's), or add `revoke` to stop a link working: "
            "`/touchpoint calendar revoke`."
        )
    return "team" in words, "revoke" in words
