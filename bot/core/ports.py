"""The ports the core depends on. Storage and adapters implement them.

Every repository method takes the team id: no read or write crosses teams, and an id
from another team is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from bot.core.batch_reads import BatchReads
from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Contact,
    Customer,
    Direction,
    MapEntry,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
    TouchpointEdit,
)
from bot.core.outbox_ports import DeliveryRepository, ProcessedEventRepository
from bot.core.values import (
    CalendarFeed,
    DifferenceCount,
    Grouping,
    PlaceFigures,
    PromiseTally,
    Scope,
    TouchpointGroup,
)


@dataclass(frozen=True)
class Window:
    """Part of an ordered list: skip ``offset`` items, then take at most ``limit``."""

    offset: int = 0
    limit: int = 0


@dataclass(frozen=True)
class Revision:
    """What a calendar feed needs of a promise's history: when it last changed and how
    often its due date moved (the event's SEQUENCE; an undone move moves it back, so it
    counts too: a calendar takes a changed task only with a higher sequence)."""

    last_changed: datetime
    reschedules: int

    @classmethod
    def of(cls, promise: Promise) -> Revision:
        return cls(
            max((e.at for e in promise.history), default=promise.made_at),
            sum(
                e.action == "rescheduled" or (e.action, e.detail) == ("undone", "rescheduled")
                for e in promise.history
            ),
        )


@dataclass(frozen=True)
class LastChange:
    """Someone's last change: when, and every item it touched (one command can change
    several: ``kept P12 P13``)."""

    at: datetime
    item_ids: tuple[int, ...]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class TeamRepository(Protocol):
    def get(self, team_id: str) -> Team | None: ...
    def get_for_update(self, team_id: str) -> Team | None:
        """The team, locked against other writers until this unit of work ends."""
        ...

    def get_many(self, team_ids: Sequence[str]) -> dict[str, Team]:
        """The stored teams among ``team_ids``, by id, in one query (the reminder scan)."""
        ...

    def add(self, team: Team) -> bool:
        """Store a new team unless one with its id exists; True if this call stored it."""
        ...

    def save(self, team: Team) -> None: ...
    def list_all(self) -> list[Team]: ...


class CustomerRepository(Protocol):
    def get(self, team_id: str, customer_id: int) -> Customer | None: ...
    def get_many(self, team_id: str, customer_ids: Sequence[int]) -> dict[int, Customer]: ...
    def by_slug(self, team_id: str, slug: str) -> Customer | None:
        """The customer whose slug, or one of whose aliases' slug, is ``slug``."""
        ...

    def search(self, team_id: str, text: str, limit: int = 10) -> list[Customer]:
        """Customers whose name, slug or alias contains ``text`` (case-insensitive),
        best matches (prefix first) then by name."""
        ...

    def list(self, team_id: str) -> list[Customer]: ...
    def add(self, customer: Customer) -> Customer:
        """Store a new customer; returns it with its id set."""
        ...

    def save(self, customer: Customer) -> None: ...
    def add_alias(self, customer: Customer, alias: str) -> Customer:
        """Add one alias row (other aliases are not touched, so concurrent additions all
        stay); UserError if the name is taken. Returns the customer as now stored."""
        ...


class TouchpointRepository(Protocol):
    def add(self, touchpoint: Touchpoint) -> Touchpoint:
        """Store a touchpoint with its challenges and promises (and their history);
        sets the ids on the touchpoint, its challenges and promises."""
        ...

    def get(self, team_id: str, touchpoint_id: int) -> Touchpoint | None: ...
    def delete(self, team_id: str, touchpoint_id: int) -> bool:
        """Remove the touchpoint with its challenges and promises, their histories and
        reminder links; False when the team has no such touchpoint."""
        ...

    def recent_for_customer(
        self, team_id: str, customer_id: int, limit: int = 10, offset: int = 0
    ) -> list[Touchpoint]:
        """Newest first, the ``offset`` newest skipped; children (challenges, promises)
        are not loaded."""
        ...

    def count_for_customer(self, team_id: str, customer_id: int) -> int: ...
    def differences_for_customer(
        self, team_id: str, customer_id: int
    ) -> list[tuple[datetime, str, str]]:
        """(occurred_at, author, difference) of every touchpoint that named one, oldest first."""
        ...

    def latest_differences(self, team_id: str, customer_ids: Sequence[int]) -> dict[int, str]:
        """Each customer's latest biggest difference (the customer's headline)."""
        ...

    def save_details(self, touchpoint: Touchpoint, added: Sequence[Contact]) -> None:
        """Persist a stored touchpoint's map entry, stage and scores, and add ``added``
        to its contacts."""
        ...

    def contacts_for_customer(
        self, team_id: str, customer_id: int, limit: int = 500
    ) -> list[tuple[Contact, datetime]]:
        """The contacts named on the customer's ``limit`` most recent contact mentions,
        each with when its touchpoint happened, newest first."""
        ...

    def save_edit(self, touchpoint: Touchpoint) -> None:
        """Persist a stored touchpoint's own fields (not its challenges and promises),
        replacing its contacts."""
        ...

    def add_items(
        self, touchpoint: Touchpoint, challenges: Sequence[Challenge], promises: Sequence[Promise]
    ) -> None:
        """Store new challenges and promises on a stored touchpoint; sets their ids."""
        ...

    def remove_items(
        self, team_id: str, challenge_ids: Sequence[int], promise_ids: Sequence[int]
    ) -> None:
        """Remove challenges and promises with their histories and reminder links."""
        ...

    def add_edit(self, edit: TouchpointEdit) -> None:
        """Keep an edit (sets its id)."""
        ...

    def edits_of(self, team_id: str, touchpoint_id: int) -> list[TouchpointEdit]:
        """The touchpoint's edits, oldest first."""
        ...

    def last_edit_by(self, team_id: str, actor: str, since: datetime) -> TouchpointEdit | None:
        """``actor``'s newest edit of one of the team's touchpoints at or after ``since``."""
        ...

    def mark_undone(self, edit: TouchpointEdit) -> None:
        """Persist that ``edit`` was undone (its ``undone_at``)."""
        ...

    def last_edits(self, team_id: str, touchpoint_ids: Sequence[int]) -> dict[int, TouchpointEdit]:
        """Each touchpoint's newest edit that was not undone (those never edited absent)."""
        ...


class ChallengeRepository(Protocol):
    def get(self, team_id: str, challenge_id: int) -> Challenge | None: ...
    def last_change_by(self, team_id: str, actor: str, since: datetime) -> LastChange | None:
        """When ``actor`` last changed one of the team's challenges at or after ``since``,
        and which one."""
        ...

    def save(self, challenge: Challenge) -> None:
        """Persist status fields and append history events not yet stored."""
        ...

    def for_customer(self, team_id: str, customer_id: int) -> list[Challenge]:
        """Every challenge ever raised for the customer, oldest first, with history."""
        ...

    def tally_for_customer(self, team_id: str, customer_id: int) -> dict[ChallengeStatus, int]:
        """How many of the customer's challenges have each status (a status none has is
        absent)."""
        ...

    def page_for_customer(
        self, team_id: str, customer_id: int, open_: Window, addressed: Window
    ) -> tuple[list[Challenge], list[Challenge]]:
        """A window of the customer's open (and passed-on) challenges, oldest raised
        first, and one of its addressed challenges, newest raised first; with history."""
        ...

    def open_for_team(
        self,
        team_id: str,
        customer_id: int | None = None,
        limit: int | None = None,
        with_history: bool = True,
    ) -> list[Challenge]:
        """Open and passed-on challenges, oldest raised first; without ``with_history``
        their histories are left empty."""
        ...

    def open_customers(self, team_id: str, limit: int) -> tuple[list[tuple[int, int]], int, int]:
        """The ``limit`` customers whose oldest open challenge was raised first, each with
        its number of open challenges; then the team's open challenges and the customers
        that have any."""
        ...

    def open_for_customers(
        self, team_id: str, customer_ids: Sequence[int], per_customer: int
    ) -> list[Challenge]:
        """At most ``per_customer`` open challenges of each customer, oldest raised first."""
        ...

    def open_raised_since(
        self, team_id: str, since: datetime, limit: int
    ) -> tuple[list[Challenge], int]:
        """The first ``limit`` open challenges raised at or after ``since`` (oldest raised
        first), and how many there are."""
        ...

    def open_passed_to(self, team_id: str, area: str, limit: int) -> tuple[list[Challenge], int]:
        """The first ``limit`` open challenges passed on to ``area`` (oldest raised first),
        and how many there are."""
        ...

    def route_to_area(self, team_id: str, area: str) -> int:
        """Open challenges passed on to ``area`` written in another case or spacing
        ("Billing  Team") now name the area exactly, so its owner's list shows them.
        Returns how many changed."""
        ...


class PromiseRepository(Protocol):
    def get(self, team_id: str, promise_id: int) -> Promise | None: ...
    def get_for_update(self, team_id: str, promise_id: int) -> Promise | None:
        """The promise, locked against other writers until this unit of work ends."""
        ...

    def get_many(self, team_id: str, promise_ids: Sequence[int]) -> dict[int, Promise]:
        """The team's stored promises among ``promise_ids``, by id."""
        ...

    def last_change_by(self, team_id: str, actor: str, since: datetime) -> LastChange | None:
        """When ``actor`` last changed one of the team's promises at or after ``since``,
        and which one."""
        ...

    def save(self, promise: Promise) -> None:
        """Persist status fields and append history events not yet stored."""
        ...

    def for_customer(self, team_id: str, customer_id: int) -> list[Promise]:
        """Every promise made to or by the customer, oldest first, with history."""
        ...

    def tally_for_customer(
        self, team_id: str, customer_id: int
    ) -> dict[tuple[Direction, PromiseStatus], int]:
        """How many of the customer's promises each direction has in each status (absent:
        none)."""
        ...

    def page_for_customer(
        self, team_id: str, customer_id: int, windows: Mapping[tuple[Direction, bool], Window]
    ) -> dict[tuple[Direction, bool], list[Promise]]:
        """For each (direction, open?) key a window of the customer's promises of that
        direction, open ones oldest made first, settled ones newest made first; with
        history. Every key of ``windows`` is in the answer."""
        ...

    def open_for_team(
        self,
        team_id: str,
        owner: str | None = None,
        direction: Direction | None = None,
        due_before: datetime | None = None,
        due_from: datetime | None = None,
        limit: int | None = None,
        with_history: bool = True,
    ) -> list[Promise]:
        """Open promises, soonest due first (undated last); ``due_before`` (exclusive) and
        ``due_from`` (inclusive) leave out undated ones. Without ``with_history`` their
        histories are left empty (a third of the read, for a caller that needs none)."""
        ...

    def open_for_customer(
        self, team_id: str, customer_id: int, direction: Direction, limit: int
    ) -> list[Promise]:
        """The customer's open promises of ``direction``, oldest made first, at most
        ``limit``, with their histories left empty."""
        ...

    def revisions(self, promise_ids: Sequence[int]) -> dict[int, Revision]:
        """``Revision.of`` each promise, worked out by the database without loading the
        histories; a promise with no history is left out."""
        ...

    def count_open_for_team(
        self,
        team_id: str,
        direction: Direction | None = None,
        due_before: datetime | None = None,
        due_from: datetime | None = None,
    ) -> int:
        """How many ``open_for_team`` would list, without a limit."""
        ...

    def due_for_reminder(self, now: datetime, limit: int = 500) -> list[Promise]:
        """Open promises of any team whose ``remind_at`` is at or before ``now``,
        earliest first, locked for this transaction where the database can (PostgreSQL:
        ``FOR UPDATE SKIP LOCKED``, so concurrent instances take disjoint sets). Their
        histories are not loaded (the scan never needs them)."""
        ...

    def advance_reminders(self, changes: Sequence[tuple[int, datetime | None, int]]) -> None:
        """Set (promise id, next remind_at, reminders_sent) for many promises at once: the
        reminder scan's bulk write, with no history entry (nobody acted on them)."""
        ...


class ExchangeRepository(Protocol):
    """Whole-team reads and bulk writes, for export and import (``bot.core.exchange``)."""

    def hold_snapshot(self) -> None:
        """Make every later read of this unit of work see one consistent state of the
        database. Call it first, before any other repository."""
        ...

    def lock_team(self, team_id: str) -> None:
        """Hold off other imports into the team until this unit of work ends, and ready
        it for bulk writes. Call it first, before any other repository."""
        ...

    def touchpoint_batches(self, team_id: str) -> Iterator[list[Touchpoint]]:
        """Every touchpoint of the team, oldest first (ties by id), with its challenges
        and promises (by id) and their histories; a bounded number of queries per batch."""
        ...

    def add_touchpoints(self, touchpoints: Sequence[Touchpoint]) -> None:
        """``TouchpointRepository.add`` for many new touchpoints, in batches."""
        ...


class MapRepository(Protocol):
    """The team's touchpoint map (``bot.core.touchmap``) and its journey stages."""

    def entries(self, team_id: str, *, with_notes: bool = True) -> list[MapEntry]:
        """Every entry, retired ones too, in the order they were added, with their notes
        (without them when ``with_notes`` is false: for reading names and places)."""
        ...

    def add(self, entry: MapEntry) -> MapEntry:
        """Store a new entry (its notes too); returns it with its id set."""
        ...

    def save(self, entry: MapEntry) -> None:
        """Persist the entry's fields and append the notes not yet stored."""
        ...

    def remove_unused(self, team_id: str) -> int:
        """Delete the entries no touchpoint names (an import replacing a new team's map);
        how many."""
        ...

    def stages(self, team_id: str) -> tuple[str, ...]:
        """The team's journey stages in order; () when it has not set its own."""
        ...

    def set_stages(self, team_id: str, stages: Sequence[str]) -> None: ...

    def owners(self, team_ids: Sequence[str]) -> dict[str, set[tuple[str, bool]]]:
        """Per team, the owners named on its live (not retired) entries: (owner, whether
        it is a person rather than an area). Teams with none are absent."""
        ...

    def figures(
        self,
        team_id: str,
        by: Grouping,
        since: datetime,
        until: datetime,
        now: datetime,
        state_since: datetime | None = None,
        last_seen: bool = True,
        entry_ids: Sequence[int] | None = None,
    ) -> dict[int | str | None, PlaceFigures]:
        """Per map entry id (``by="entry"``) or stage, None for touchpoints with neither:
        touchpoints and score sums of ``(since, until]``. With ``state_since``, also our
        promises made at those touchpoints (tallied as of ``now``), the challenges raised
        at touchpoints of ``(state_since, until]`` and how many are still open, and (by
        entry, unless not ``last_seen``) the latest touchpoint ever. ``entry_ids`` narrows
        it all to the touchpoints of those entries. Places with none of these are absent."""
        ...


class CalendarFeedRepository(Protocol):
    def add(self, feed: CalendarFeed) -> CalendarFeed:
        """Store a new feed; returns it with its id set."""
        ...

    def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        """The feed with this token hash, revoked or not, of any team (the token is all
        a calendar app brings; the feed says which team it belongs to)."""
        ...

    def revoke(self, team_id: str, owner: str | None, at: datetime) -> int:
        """Revoke the team's active feeds of ``owner`` (None: the team feed); how many."""
        ...

    def data_version(self, team_id: str) -> str:
        """Text that changes whenever a promise or customer of the team is added or a
        promise's history grows: a feed built for one version stays right until it moves."""
        ...


class MeasuresRepository(Protocol):
    """Aggregates for ``bot.core.measures`` (its docstring defines what counts). Every
    method is scoped by ``scope.team_id`` and narrowed by the scope's person and customer."""

    def promise_tallies_by_owner(
        self, scope: Scope, direction: Direction, now: datetime
    ) -> dict[str, PromiseTally]:
        """Promise outcomes per owner, of promises due (undated: made) since ``scope.since``."""
        ...

    def promise_tallies_by_customer(
        self, scope: Scope, direction: Direction, now: datetime, limit: int | None = None
    ) -> dict[int, PromiseTally]:
        """Per customer; with ``limit``, only the customers with the most promises not kept
        on time (and at least one), most first."""
        ...

    def open_challenge_starts(self, scope: Scope) -> list[datetime]:
        """When each open challenge last became open (raised or reopened)."""
        ...

    def times_to_address(self, scope: Scope) -> list[timedelta]:
        """For each "addressed" event since ``scope.since``: how long the challenge had
        been open (since raised, or last reopened)."""
        ...

    def difference_counts(self, scope: Scope) -> list[DifferenceCount]:
        """Touchpoints recorded since ``scope.since`` per customer and biggest difference."""
        ...

    def touchpoint_groups(self, scope: Scope) -> list[TouchpointGroup]:
        """Touchpoints recorded since ``scope.since`` per kind and stage, with score sums."""
        ...

    def weekly_promises(
        self, scope: Scope, direction: Direction, bounds: Sequence[datetime], now: datetime
    ) -> list[tuple[int, int]]:
        """(kept on time, counted) for promises due in each [bounds[i], bounds[i+1]):
        ``len(bounds) - 1`` pairs. Ignores ``scope.since``."""
        ...

    def open_challenges_at(self, scope: Scope, instants: Sequence[datetime]) -> list[int]:
        """How many challenges were open just before each instant (from their histories)."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls back."""

    teams: TeamRepository
    customers: CustomerRepository
    touchpoints: TouchpointRepository
    challenges: ChallengeRepository
    promises: PromiseRepository
    exchange: ExchangeRepository
    deliveries: DeliveryRepository
    events: ProcessedEventRepository
    calendar_feeds: CalendarFeedRepository
    measures: MeasuresRepository
    touchmap: MapRepository
    batch: BatchReads  # many teams' digests and reminders at once

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
