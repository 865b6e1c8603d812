"""Hand-written in-memory fakes of the core's ports, for unit tests with no I/O.

``FakeUnitOfWork`` works on a copy of the store and publishes it only on ``commit()``,
so a use case that fails half-way leaves nothing behind, as a real transaction would.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from bot.core.delivery import (
    CHANGING_FIELDS,
    REMINDING,
    ChannelKey,
    ChannelRelease,
    Delivery,
    DeliveryStatus,
    OutboxDepth,
)
from bot.core.errors import UserError
from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Contact,
    Customer,
    Direction,
    Kind,
    MapEntry,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
    TouchpointEdit,
    map_key,
    slugify,
)
from bot.core.ports import LastChange, Revision, Window
from bot.core.values import (
    CalendarFeed,
    DifferenceCount,
    Grouping,
    PlaceFigures,
    PromiseTally,
    Scope,
    TouchpointGroup,
)
from tests.fake_batch import FakeBatchReads

T = TypeVar("T")


def _cut(items: list[T], window: Window) -> list[T]:
    return items[window.offset : window.offset + window.limit]


@dataclass
class FakeHold:
    """A channel held by a worker (``channel_holds``)."""

    worker: str
    claimed: int
    held_until: datetime


@dataclass
class FakeStore:
    teams: dict[str, Team] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    touchpoints: dict[int, Touchpoint] = field(default_factory=dict)
    challenges: dict[int, Challenge] = field(default_factory=dict)
    promises: dict[int, Promise] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    events: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    calendar_feeds: dict[int, CalendarFeed] = field(default_factory=dict)
    map_entries: dict[int, MapEntry] = field(default_factory=dict)
    stages: dict[str, tuple[str, ...]] = field(default_factory=dict)
    edits: dict[int, TouchpointEdit] = field(default_factory=dict)
    channel_holds: dict[ChannelKey, FakeHold] = field(default_factory=dict)
    next_id: int = 1
    commits: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class _Repo:
    def __init__(self, store: FakeStore) -> None:
        self.store = store


class FakeTeams(_Repo):
    def get(self, team_id: str) -> Team | None:
        return copy.deepcopy(self.store.teams.get(team_id))

    def get_for_update(self, team_id: str) -> Team | None:
        return self.get(team_id)  # one thread, one writer: nothing to lock

    def get_many(self, team_ids: Sequence[str]) -> dict[str, Team]:
        return {t: copy.deepcopy(self.store.teams[t]) for t in team_ids if t in self.store.teams}

    def add(self, team: Team) -> bool:
        if team.id in self.store.teams:
            return False
        self.store.teams[team.id] = copy.deepcopy(team)
        return True

    def save(self, team: Team) -> None:
        self.store.teams[team.id] = copy.deepcopy(team)

    def list_all(self) -> list[Team]:
        return [copy.deepcopy(t) for t in self.store.teams.values()]


class FakeCustomers(_Repo):
    def _of(self, team_id: str) -> list[Customer]:
        return [c for c in self.store.customers.values() if c.team_id == team_id]

    def get(self, team_id: str, customer_id: int) -> Customer | None:
        found = self.store.customers.get(customer_id)
        return copy.deepcopy(found) if found and found.team_id == team_id else None

    def get_many(self, team_id: str, customer_ids: Sequence[int]) -> dict[int, Customer]:
        return {cid: c for cid in customer_ids if (c := self.get(team_id, cid)) is not None}

    def by_slug(self, team_id: str, slug: str) -> Customer | None:
        for c in self._of(team_id):
            if c.slug == slug or slug in {slugify(a) for a in c.aliases}:
                return copy.deepcopy(c)
        return None

    def search(self, team_id: str, text: str, limit: int = 10) -> list[Customer]:
        wanted = text.lower()
        hits = [
            c
            for c in self._of(team_id)
            if any(wanted in n.lower() for n in (c.name, c.slug, *c.aliases))
        ]
        hits.sort(key=lambda c: (not c.name.lower().startswith(wanted), c.name.lower()))
        return [copy.deepcopy(c) for c in hits[:limit]]

    def list(self, team_id: str) -> list[Customer]:
        return [copy.deepcopy(c) for c in sorted(self._of(team_id), key=lambda c: c.name)]

    def add(self, customer: Customer) -> Customer:
        customer.id = self.store.new_id()
        self.store.customers[customer.id] = copy.deepcopy(customer)
        return customer

    def save(self, customer: Customer) -> None:
        assert customer.id is not None
        self.store.customers[customer.id] = copy.deepcopy(customer)

    def add_alias(self, customer: Customer, alias: str) -> Customer:
        assert customer.id is not None
        holder = self.by_slug(customer.team_id, slugify(alias))
        if holder is not None:
            raise UserError(f"“{alias}” already names the customer “{holder.name}”.")
        stored = self.store.customers[customer.id]
        stored.aliases = (*stored.aliases, alias)
        return copy.deepcopy(stored)


class FakeTouchpoints(_Repo):
    def add(self, touchpoint: Touchpoint) -> Touchpoint:
        touchpoint.id = self.store.new_id()
        for item in [*touchpoint.challenges, *touchpoint.promises]:
            item.id = self.store.new_id()
            item.touchpoint_id = touchpoint.id
        for c in touchpoint.challenges:
            self.store.challenges[c.id or 0] = copy.deepcopy(c)
        for p in touchpoint.promises:
            self.store.promises[p.id or 0] = copy.deepcopy(p)
        bare = copy.deepcopy(touchpoint)
        bare.challenges, bare.promises = [], []
        self.store.touchpoints[touchpoint.id] = bare
        return touchpoint

    def get(self, team_id: str, touchpoint_id: int) -> Touchpoint | None:
        t = self.store.touchpoints.get(touchpoint_id)
        if not t or t.team_id != team_id:
            return None
        found = copy.deepcopy(t)
        found.challenges = [
            copy.deepcopy(c) for c in self.store.challenges.values() if c.touchpoint_id == t.id
        ]
        found.promises = [
            copy.deepcopy(p) for p in self.store.promises.values() if p.touchpoint_id == t.id
        ]
        return found

    def delete(self, team_id: str, touchpoint_id: int) -> bool:
        t = self.store.touchpoints.get(touchpoint_id)
        if not t or t.team_id != team_id:
            return False
        for items in (self.store.challenges, self.store.promises):
            for number in [n for n, i in items.items() if i.touchpoint_id == touchpoint_id]:
                del items[number]
        del self.store.touchpoints[touchpoint_id]
        for number in [n for n, e in self.store.edits.items() if e.touchpoint_id == touchpoint_id]:
            del self.store.edits[number]
        return True

    def _of(self, team_id: str, customer_id: int) -> list[Touchpoint]:
        return sorted(
            (
                t
                for t in self.store.touchpoints.values()
                if t.team_id == team_id and t.customer_id == customer_id
            ),
            key=lambda t: (t.occurred_at, t.id or 0),
        )

    def recent_for_customer(
        self, team_id: str, customer_id: int, limit: int = 10, offset: int = 0
    ) -> list[Touchpoint]:
        newest_first = list(reversed(self._of(team_id, customer_id)))
        return [copy.deepcopy(t) for t in newest_first[offset : offset + limit]]

    def count_for_customer(self, team_id: str, customer_id: int) -> int:
        return len(self._of(team_id, customer_id))

    def differences_for_customer(
        self, team_id: str, customer_id: int
    ) -> list[tuple[datetime, str, str]]:
        return [
            (t.occurred_at, t.author, t.difference)
            for t in self._of(team_id, customer_id)
            if t.difference
        ]

    def latest_differences(self, team_id: str, customer_ids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for cid in customer_ids:
            diffs = self.differences_for_customer(team_id, cid)
            if diffs:
                out[cid] = diffs[-1][2]
        return out

    def save_details(self, touchpoint: Touchpoint, added: Sequence[Contact]) -> None:
        assert touchpoint.id is not None
        bare = copy.deepcopy(touchpoint)
        bare.challenges, bare.promises = [], []
        self.store.touchpoints[touchpoint.id] = bare

    def contacts_for_customer(
        self, team_id: str, customer_id: int, limit: int = 500
    ) -> list[tuple[Contact, datetime]]:
        newest_first = reversed(self._of(team_id, customer_id))
        return [(c, t.occurred_at) for t in newest_first for c in t.contacts][:limit]

    def save_edit(self, touchpoint: Touchpoint) -> None:
        self.save_details(touchpoint, ())

    def add_items(
        self, touchpoint: Touchpoint, challenges: Sequence[Challenge], promises: Sequence[Promise]
    ) -> None:
        for c in challenges:
            c.id, c.touchpoint_id = self.store.new_id(), touchpoint.id
            self.store.challenges[c.id] = copy.deepcopy(c)
        for p in promises:
            p.id, p.touchpoint_id = self.store.new_id(), touchpoint.id
            self.store.promises[p.id] = copy.deepcopy(p)

    def remove_items(
        self, team_id: str, challenge_ids: Sequence[int], promise_ids: Sequence[int]
    ) -> None:
        for items, ids in (
            (self.store.challenges, challenge_ids),
            (self.store.promises, promise_ids),
        ):
            for number in ids:
                if number in items and items[number].team_id == team_id:
                    del items[number]

    def add_edit(self, edit: TouchpointEdit) -> None:
        edit.id = self.store.new_id()
        self.store.edits[edit.id] = copy.deepcopy(edit)

    def edits_of(self, team_id: str, touchpoint_id: int) -> list[TouchpointEdit]:
        return [
            copy.deepcopy(e)
            for _, e in sorted(self.store.edits.items())
            if e.team_id == team_id and e.touchpoint_id == touchpoint_id
        ]

    def last_edit_by(self, team_id: str, actor: str, since: datetime) -> TouchpointEdit | None:
        mine = [
            e
            for e in self.store.edits.values()
            if e.team_id == team_id and e.actor == actor and e.at >= since
        ]
        return copy.deepcopy(max(mine, key=lambda e: (e.at, e.id or 0))) if mine else None

    def mark_undone(self, edit: TouchpointEdit) -> None:
        self.store.edits[edit.id or 0].undone_at = edit.undone_at

    def last_edits(self, team_id: str, touchpoint_ids: Sequence[int]) -> dict[int, TouchpointEdit]:
        wanted = set(touchpoint_ids)
        return {
            e.touchpoint_id: copy.deepcopy(e)
            for _, e in sorted(self.store.edits.items())
            if e.team_id == team_id and e.touchpoint_id in wanted and e.undone_at is None
        }


class FakeMap(_Repo):
    def entries(self, team_id: str, *, with_notes: bool = True) -> list[MapEntry]:
        found = [
            copy.deepcopy(e)
            for _, e in sorted(self.store.map_entries.items())
            if e.team_id == team_id
        ]
        if not with_notes:
            for entry in found:
                entry.notes = []
        return found

    def add(self, entry: MapEntry) -> MapEntry:
        if any(
            e.team_id == entry.team_id and map_key(e.name) == map_key(entry.name)
            for e in self.store.map_entries.values()
        ):
            raise ValueError(f"{entry.name} is on the map already")
        # Numbered apart from the shared sequence (its own table), so a team's default map
        # leaves the ids of customers, touchpoints and promises as they were.
        entry.id = max(self.store.map_entries, default=0) + 1
        self.store.map_entries[entry.id] = copy.deepcopy(entry)
        return entry

    def save(self, entry: MapEntry) -> None:
        assert entry.id is not None
        self.store.map_entries[entry.id] = copy.deepcopy(entry)

    def remove_unused(self, team_id: str) -> int:
        used = {t.map_entry_id for t in self.store.touchpoints.values()}
        gone = [
            i for i, e in self.store.map_entries.items() if e.team_id == team_id and i not in used
        ]
        for i in gone:
            del self.store.map_entries[i]
        return len(gone)

    def stages(self, team_id: str) -> tuple[str, ...]:
        return self.store.stages.get(team_id, ())

    def set_stages(self, team_id: str, stages: Sequence[str]) -> None:
        self.store.stages[team_id] = tuple(stages)

    def owners(self, team_ids: Sequence[str]) -> dict[str, set[tuple[str, bool]]]:
        found: dict[str, set[tuple[str, bool]]] = {}
        for e in self.store.map_entries.values():
            if e.team_id in team_ids and e.owner is not None and not e.is_retired:
                found.setdefault(e.team_id, set()).add((e.owner, e.owner_is_person))
        return found

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
        touchpoints = {
            t.id: t
            for t in self.store.touchpoints.values()
            if t.team_id == team_id and (entry_ids is None or t.map_entry_id in entry_ids)
        }

        def key(t: Touchpoint) -> int | str | None:
            return t.map_entry_id if by == "entry" else t.stage

        found: dict[int | str | None, dict[str, Any]] = {}
        for t in touchpoints.values():
            values = found.setdefault(key(t), {"promises": []})
            if state_since is not None and by == "entry" and last_seen:
                values["last_at"] = max(values.get("last_at", t.occurred_at), t.occurred_at)
            if since < t.occurred_at <= until:
                scores = (t.satisfaction, t.effort, t.promoter)
                for name, add in zip(
                    (
                        "touchpoints",
                        "satisfaction_sum",
                        "satisfaction_count",
                        "effort_sum",
                        "effort_count",
                        "promoters",
                        "detractors",
                        "answers",
                    ),
                    (
                        1,
                        t.satisfaction or 0,
                        t.satisfaction is not None,
                        t.effort or 0,
                        t.effort is not None,
                        scores[2] is not None and scores[2] >= 9,
                        scores[2] is not None and scores[2] <= 6,
                        scores[2] is not None,
                    ),
                    strict=True,
                ):
                    values[name] = values.get(name, 0) + int(add)
        for p in self.store.promises.values():
            t = touchpoints.get(p.touchpoint_id)
            if (
                state_since is not None
                and t is not None
                and p.direction is Direction.OURS
                and p.status is not PromiseStatus.CANCELLED
                and since < t.occurred_at <= until
            ):
                found[key(t)]["promises"].append(p)
        for c in self.store.challenges.values():
            t = touchpoints.get(c.touchpoint_id)
            if state_since is not None and t is not None and state_since < t.occurred_at <= until:
                values = found[key(t)]
                values["challenges_raised"] = values.get("challenges_raised", 0) + 1
                values["challenges_open"] = values.get("challenges_open", 0) + c.is_open
        for values in found.values():
            if values["promises"]:
                values["promises_made"] = len(values["promises"])
            values["promises"] = FakeMeasures._tally(values["promises"], now)
        return {
            place: PlaceFigures(**values)
            for place, values in found.items()
            if len(values) > 1 or values["promises"].counted or values["promises"].kept
        }


def _last_change(
    items: Mapping[int, Challenge] | Mapping[int, Promise],
    team_id: str,
    actor: str,
    since: datetime,
) -> LastChange | None:
    changes = [
        (event.at, item.id or 0)
        for item in items.values()
        if item.team_id == team_id
        for event in item.history
        if event.actor == actor and event.at >= since
    ]
    if not changes:
        return None
    latest = max(at for at, _ in changes)
    return LastChange(latest, tuple(sorted({i for at, i in changes if at == latest})))


class FakeChallenges(_Repo):
    def last_change_by(self, team_id: str, actor: str, since: datetime) -> LastChange | None:
        return _last_change(self.store.challenges, team_id, actor, since)

    def get(self, team_id: str, challenge_id: int) -> Challenge | None:
        c = self.store.challenges.get(challenge_id)
        return copy.deepcopy(c) if c and c.team_id == team_id else None

    def save(self, challenge: Challenge) -> None:
        self.store.challenges[challenge.id or 0] = copy.deepcopy(challenge)

    def for_customer(self, team_id: str, customer_id: int) -> list[Challenge]:
        return [
            copy.deepcopy(c)
            for c in sorted(self.store.challenges.values(), key=lambda c: (c.raised_at, c.id or 0))
            if c.team_id == team_id and c.customer_id == customer_id
        ]

    def tally_for_customer(self, team_id: str, customer_id: int) -> dict[ChallengeStatus, int]:
        return dict(Counter(c.status for c in self.for_customer(team_id, customer_id)))

    def page_for_customer(
        self, team_id: str, customer_id: int, open_: Window, addressed: Window
    ) -> tuple[list[Challenge], list[Challenge]]:
        every = self.for_customer(team_id, customer_id)
        opened = [c for c in every if c.is_open]
        closed = [c for c in reversed(every) if not c.is_open]
        return _cut(opened, open_), _cut(closed, addressed)

    def open_for_team(
        self,
        team_id: str,
        customer_id: int | None = None,
        limit: int | None = None,
        with_history: bool = True,
    ) -> list[Challenge]:
        found = [
            copy.deepcopy(c)
            for c in sorted(self.store.challenges.values(), key=lambda c: (c.raised_at, c.id or 0))
            if c.team_id == team_id
            and c.is_open
            and (customer_id is None or c.customer_id == customer_id)
        ]
        found = found[:limit] if limit is not None else found
        if not with_history:
            for challenge in found:
                challenge.history = []
        return found

    def open_customers(self, team_id: str, limit: int) -> tuple[list[tuple[int, int]], int, int]:
        by_customer: dict[int, list[Challenge]] = {}
        for c in self.open_for_team(team_id):
            by_customer.setdefault(c.customer_id, []).append(c)
        oldest = sorted(by_customer.items(), key=lambda kv: (kv[1][0].raised_at, kv[0]))
        total = sum(len(items) for items in by_customer.values())
        return [(cid, len(items)) for cid, items in oldest[:limit]], total, len(by_customer)

    def open_for_customers(
        self, team_id: str, customer_ids: Sequence[int], per_customer: int
    ) -> list[Challenge]:
        taken: dict[int, int] = {}
        found = []
        for c in self.open_for_team(team_id):
            if c.customer_id in customer_ids and taken.get(c.customer_id, 0) < per_customer:
                taken[c.customer_id] = taken.get(c.customer_id, 0) + 1
                found.append(c)
        return found

    def open_raised_since(
        self, team_id: str, since: datetime, limit: int
    ) -> tuple[list[Challenge], int]:
        raised = [c for c in self.open_for_team(team_id) if c.raised_at >= since]
        return raised[:limit], len(raised)

    def open_passed_to(self, team_id: str, area: str, limit: int) -> tuple[list[Challenge], int]:
        passed = [c for c in self.open_for_team(team_id) if c.passed_to == area]
        return passed[:limit], len(passed)

    def route_to_area(self, team_id: str, area: str) -> int:
        changed = 0
        for c in self.store.challenges.values():
            to = c.passed_to or ""
            passed = c.team_id == team_id and c.status is ChallengeStatus.PASSED_ON
            if passed and to != area and " ".join(to.split()).lower() == area:
                c.passed_to, changed = area, changed + 1
        return changed


class FakePromises(_Repo):
    def last_change_by(self, team_id: str, actor: str, since: datetime) -> LastChange | None:
        return _last_change(self.store.promises, team_id, actor, since)

    def get(self, team_id: str, promise_id: int) -> Promise | None:
        p = self.store.promises.get(promise_id)
        return copy.deepcopy(p) if p and p.team_id == team_id else None

    def get_for_update(self, team_id: str, promise_id: int) -> Promise | None:
        return self.get(team_id, promise_id)

    def get_many(self, team_id: str, promise_ids: Sequence[int]) -> dict[int, Promise]:
        found = (self.get(team_id, pid) for pid in promise_ids)
        return {p.id: p for p in found if p is not None and p.id is not None}

    def save(self, promise: Promise) -> None:
        self.store.promises[promise.id or 0] = copy.deepcopy(promise)

    def for_customer(self, team_id: str, customer_id: int) -> list[Promise]:
        return [
            copy.deepcopy(p)
            for p in sorted(self.store.promises.values(), key=lambda p: (p.made_at, p.id or 0))
            if p.team_id == team_id and p.customer_id == customer_id
        ]

    def tally_for_customer(
        self, team_id: str, customer_id: int
    ) -> dict[tuple[Direction, PromiseStatus], int]:
        every = self.for_customer(team_id, customer_id)
        return dict(Counter((p.direction, p.status) for p in every))

    def page_for_customer(
        self, team_id: str, customer_id: int, windows: Mapping[tuple[Direction, bool], Window]
    ) -> dict[tuple[Direction, bool], list[Promise]]:
        every = self.for_customer(team_id, customer_id)
        found = {}
        for (direction, is_open), window in windows.items():
            mine = [p for p in every if p.direction is direction and p.is_open == is_open]
            found[(direction, is_open)] = _cut(mine if is_open else mine[::-1], window)
        return found

    def open_for_customer(
        self, team_id: str, customer_id: int, direction: Direction, limit: int
    ) -> list[Promise]:
        every = self.for_customer(team_id, customer_id)
        found = [p for p in every if p.direction is direction and p.is_open][:limit]
        for promise in found:
            promise.history = []
        return found

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
        found = [
            p
            for p in self.store.promises.values()
            if p.team_id == team_id
            and p.status is PromiseStatus.OPEN
            and (owner is None or p.owner == owner)
            and (direction is None or p.direction is direction)
            and (due_before is None or (p.due_at is not None and p.due_at < due_before))
            and (due_from is None or (p.due_at is not None and p.due_at >= due_from))
        ]
        found.sort(
            key=lambda p: (p.due_at is None, p.due_at.timestamp() if p.due_at else 0.0, p.id or 0)
        )
        copies = [copy.deepcopy(p) for p in found[:limit]]
        if not with_history:
            for promise in copies:
                promise.history = []
        return copies

    def revisions(self, promise_ids: Sequence[int]) -> dict[int, Revision]:
        found = (self.store.promises.get(i) for i in promise_ids)
        return {p.id: Revision.of(p) for p in found if p is not None and p.id and p.history}

    def count_open_for_team(
        self,
        team_id: str,
        direction: Direction | None = None,
        due_before: datetime | None = None,
        due_from: datetime | None = None,
    ) -> int:
        return len(
            self.open_for_team(
                team_id, direction=direction, due_before=due_before, due_from=due_from
            )
        )

    def due_for_reminder(self, now: datetime, limit: int = 500) -> list[Promise]:
        found = [
            p
            for p in self.store.promises.values()
            if p.status is PromiseStatus.OPEN and p.remind_at is not None and p.remind_at <= now
        ]
        found.sort(key=lambda p: (p.remind_at, p.id or 0))
        return [copy.deepcopy(p) for p in found[:limit]]

    def advance_reminders(self, changes: Sequence[tuple[int, datetime | None, int]]) -> None:
        for promise_id, remind_at, sent in changes:
            self.store.promises[promise_id].remind_at = remind_at
            self.store.promises[promise_id].reminders_sent = sent


class FakeExchange(_Repo):
    """Export and import reads and writes; records the locks asked for in ``calls``."""

    batch_size = 3  # small, so tests cross batch boundaries

    def __init__(self, store: FakeStore) -> None:
        super().__init__(store)
        self.calls: list[str] = []

    def hold_snapshot(self) -> None:
        self.calls.append("snapshot")

    def lock_team(self, team_id: str) -> None:
        self.calls.append(f"lock {team_id}")

    def touchpoint_batches(self, team_id: str) -> Iterator[list[Touchpoint]]:
        found = sorted(
            (t for t in self.store.touchpoints.values() if t.team_id == team_id),
            key=lambda t: (t.occurred_at, t.id or 0),
        )
        for start in range(0, len(found), self.batch_size):
            yield [self._with_children(t) for t in found[start : start + self.batch_size]]

    def _with_children(self, touchpoint: Touchpoint) -> Touchpoint:
        full = copy.deepcopy(touchpoint)
        full.challenges = [
            copy.deepcopy(c)
            for _, c in sorted(self.store.challenges.items())
            if c.touchpoint_id == touchpoint.id
        ]
        full.promises = [
            copy.deepcopy(p)
            for _, p in sorted(self.store.promises.items())
            if p.touchpoint_id == touchpoint.id
        ]
        return full

    def add_touchpoints(self, touchpoints: Sequence[Touchpoint]) -> None:
        for touchpoint in touchpoints:
            FakeTouchpoints(self.store).add(touchpoint)


class FakeDeliveries(_Repo):
    def add_if_absent(self, delivery: Delivery) -> bool:
        if any(d.key == delivery.key for d in self.store.deliveries.values()):
            return False
        delivery.id = self.store.new_id()
        if delivery.created_at is None:  # the database's clock fills it in
            delivery.created_at = datetime.now(UTC)
        stored = copy.deepcopy(delivery)
        # A link table: each promise once, read back in id order.
        stored.promise_ids = tuple(sorted(set(delivery.promise_ids)))
        self.store.deliveries[delivery.id] = stored
        return True

    def add_all_if_absent(self, deliveries: Sequence[Delivery]) -> int:
        return sum(self.add_if_absent(d) for d in deliveries)

    def carry(self, key: str, promise_ids: Sequence[int]) -> DeliveryStatus | None:
        found = next((d for d in self.store.deliveries.values() if d.key == key), None)
        if found is None:
            return None
        if found.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            found.promise_ids = tuple(sorted({*found.promise_ids, *promise_ids}))  # id order
        return found.status

    def claimable(self, now: datetime, limit: int, worker: str = "") -> list[Delivery]:
        def held_by_another(d: Delivery) -> bool:
            hold = self.store.channel_holds.get((d.team_id, d.channel))
            return hold is not None and hold.worker != worker and hold.held_until > now

        found = [
            d
            for d in self.store.deliveries.values()
            if not held_by_another(d)
            and (
                (
                    d.status is DeliveryStatus.PENDING
                    and (d.next_attempt_at is None or d.next_attempt_at <= now)
                )
                or (
                    d.status is DeliveryStatus.SENDING
                    and d.lease_until is not None
                    and d.lease_until <= now
                )
            )
        ]
        found.sort(key=lambda d: (d.due_at, d.id or 0))
        return [copy.deepcopy(d) for d in found[:limit]]

    def hold_channels(
        self, worker: str, claimed: Mapping[ChannelKey, int], now: datetime, until: datetime
    ) -> set[ChannelKey]:
        taken = set()
        for key, count in claimed.items():
            hold = self.store.channel_holds.get(key)
            if hold is not None and hold.worker != worker and hold.held_until > now:
                continue  # another worker's
            ours_still = hold is not None and hold.worker == worker and hold.held_until > now
            self.store.channel_holds[key] = FakeHold(
                worker, count + (hold.claimed if ours_still and hold else 0), until
            )
            taken.add(key)
        return taken

    def release_channels(self, worker: str, recorded: Mapping[ChannelKey, ChannelRelease]) -> None:
        for key, release in recorded.items():
            hold = self.store.channel_holds.get(key)
            if hold is None or hold.worker != worker:
                continue
            if hold.claimed > release.count:
                hold.claimed -= release.count
            else:
                hold.claimed, hold.held_until = 0, release.free_at

    def save(self, delivery: Delivery) -> None:
        if delivery.id is None:
            raise ValueError("save() stores changes to a stored delivery; add_if_absent() first")
        stored = self.store.deliveries.get(delivery.id)
        if stored is None or stored.team_id != delivery.team_id:
            raise LookupError(f"delivery {delivery.id} of team {delivery.team_id} is not stored")
        # Only what the delivery's owner may change (the key, channel and promises stay).
        for name in CHANGING_FIELDS:
            setattr(stored, name, copy.deepcopy(getattr(delivery, name)))

    def save_all(self, deliveries: Sequence[Delivery]) -> None:
        if any(d.id is None for d in deliveries):
            raise ValueError("save_all() stores changes to stored deliveries; add them first")
        for delivery in deliveries:
            self.save(delivery)

    def of_team(
        self, team_id: str, statuses: Sequence[DeliveryStatus], limit: int
    ) -> list[Delivery]:
        found = [
            d
            for d in self.store.deliveries.values()
            if d.team_id == team_id and d.status in statuses
        ]
        found.sort(key=lambda d: (d.due_at, d.id or 0), reverse=True)
        return [copy.deepcopy(d) for d in found[:limit]]

    def given_up_since(self, team_id: str, since: datetime) -> list[tuple[str, int]]:
        reasons = Counter(
            d.last_error
            for d in self.store.deliveries.values()
            if d.team_id == team_id and d.status is DeliveryStatus.FAILED and d.due_at >= since
        )
        return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))

    def retry_given_up(self, team_id: str, now: datetime) -> int:
        again = [
            d
            for d in self.store.deliveries.values()
            if d.team_id == team_id and d.status is DeliveryStatus.FAILED
        ]
        for d in again:
            d.status, d.attempts, d.next_attempt_at = DeliveryStatus.PENDING, 0, now
            d.claimed_by, d.lease_until = "", None
        return len(again)

    def outbox_depth(self, now: datetime) -> OutboxDepth:
        active = [
            d
            for d in self.store.deliveries.values()
            if d.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
        ]
        due = [
            d
            for d in active
            if d.status is DeliveryStatus.PENDING
            and (d.next_attempt_at is None or d.next_attempt_at <= now)
        ]
        pending = sum(d.status is DeliveryStatus.PENDING for d in active)
        late = [d.due_at for d in active if d.due_at <= now]
        return OutboxDepth(
            due=len(due),
            waiting=pending - len(due),
            sending=sum(d.status is DeliveryStatus.SENDING for d in active),
            oldest_due=min(late, default=None),
        )

    def get(self, delivery_id: int) -> Delivery | None:
        return copy.deepcopy(self.store.deliveries.get(delivery_id))

    def by_key(self, key: str) -> Delivery | None:
        return next(
            (copy.deepcopy(d) for d in self.store.deliveries.values() if d.key == key), None
        )

    def by_message_ref(self, team_id: str, message_ref: str) -> Delivery | None:
        if not message_ref:
            return None  # every unsent delivery has the empty reference
        found = [
            d
            for d in self.store.deliveries.values()
            if d.team_id == team_id and d.message_ref == message_ref
        ]
        return copy.deepcopy(max(found, key=lambda d: d.id or 0)) if found else None

    def team_of_direct_message(self, channel: str, message_ref: str) -> str | None:
        found = [
            d
            for d in self.store.deliveries.values()
            if message_ref and d.message_ref == message_ref and d.channel == channel
        ]
        return found[-1].team_id if found else None

    def sent_for_promise(self, team_id: str, promise_id: int) -> list[Delivery]:
        return [
            copy.deepcopy(d)
            for d in self.store.deliveries.values()
            if d.team_id == team_id
            and d.status is DeliveryStatus.SENT
            and d.kind in REMINDING
            and promise_id in d.promise_ids
        ]


class FakeEvents(_Repo):
    def remember(self, key: str, team_id: str, at: datetime) -> bool:
        if key in self.store.events:
            return False
        self.store.events[key] = (team_id, at)
        return True

    def forget(self, prefix: str, before: datetime) -> None:
        for key, (_, at) in list(self.store.events.items()):
            if key.startswith(prefix) and at < before:
                del self.store.events[key]


class FakeCalendarFeeds(_Repo):
    def add(self, feed: CalendarFeed) -> CalendarFeed:
        if any(f.token_hash == feed.token_hash for f in self.store.calendar_feeds.values()):
            raise ValueError("token hash already stored")  # the database's unique index
        feed.id = self.store.new_id()
        self.store.calendar_feeds[feed.id] = copy.deepcopy(feed)
        return feed

    def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        return next(
            (
                copy.deepcopy(f)
                for f in self.store.calendar_feeds.values()
                if f.token_hash == token_hash
            ),
            None,
        )

    def revoke(self, team_id: str, owner: str | None, at: datetime) -> int:
        active = [
            f
            for f in self.store.calendar_feeds.values()
            if f.team_id == team_id and f.owner == owner and f.revoked_at is None
        ]
        for feed in active:
            feed.revoked_at = at
        return len(active)

    def data_version(self, team_id: str) -> str:
        promises = [p for p in self.store.promises.values() if p.team_id == team_id]
        customers = [c for c in self.store.customers.values() if c.team_id == team_id]
        return repr(
            (
                len(promises),
                max((p.id or 0 for p in promises), default=0),
                sum(len(p.history) for p in promises),
                len(customers),
                max((c.id or 0 for c in customers), default=0),
            )
        )


class FakeMeasures(_Repo):
    """The measures' definitions (``bot.core.measures``) in plain Python over the domain
    objects; tests/storage/test_measures.py checks the SQL repository agrees."""

    def _promises(self, scope: Scope, direction: Direction) -> list[Promise]:
        return [
            p
            for p in self.store.promises.values()
            if p.team_id == scope.team_id
            and p.direction is direction
            and p.status is not PromiseStatus.CANCELLED
            and (scope.person is None or p.owner == scope.person)
            and (scope.customer_id is None or p.customer_id == scope.customer_id)
            and self._at_stage(scope, p.touchpoint_id)
        ]

    def _at_stage(self, scope: Scope, touchpoint_id: int | None) -> bool:
        if scope.stage is None:
            return True
        touchpoint = self.store.touchpoints.get(touchpoint_id or 0)
        return touchpoint is not None and touchpoint.stage == scope.stage

    @staticmethod
    def _on_time(p: Promise) -> bool:
        settled = p.settled()
        return (
            p.status is PromiseStatus.KEPT
            and p.due_at is not None
            and settled is not None
            and settled.at <= (p.keep_by or p.due_at)
        )

    @classmethod
    def _tally(cls, promises: list[Promise], now: datetime) -> PromiseTally:
        counts = dict.fromkeys(
            ("on_time", "late", "missed", "overdue", "kept_undated", "not_kept_undated"), 0
        )
        for p in promises:
            kept, not_kept = p.status is PromiseStatus.KEPT, p.status is PromiseStatus.NOT_KEPT
            if p.due_at is None:
                counts["kept_undated"] += kept
                counts["not_kept_undated"] += not_kept
            elif kept:
                counts["on_time" if cls._on_time(p) else "late"] += 1
            elif not_kept:
                counts["missed"] += 1
            elif p.is_overdue(now):
                counts["overdue"] += 1
        return PromiseTally(**counts)

    def _grouped(
        self, scope: Scope, direction: Direction, now: datetime, key: str
    ) -> dict[object, PromiseTally]:
        groups: dict[object, list[Promise]] = {}
        for p in self._promises(scope, direction):
            if scope.since is None or (p.due_at or p.made_at) >= scope.since:
                groups.setdefault(getattr(p, key), []).append(p)
        tallies = {k: self._tally(ps, now) for k, ps in groups.items()}
        return {k: t for k, t in tallies.items() if not t.is_empty()}

    def promise_tallies_by_owner(
        self, scope: Scope, direction: Direction, now: datetime
    ) -> dict[str, PromiseTally]:
        return {str(k): t for k, t in self._grouped(scope, direction, now, "owner").items()}

    def promise_tallies_by_customer(
        self, scope: Scope, direction: Direction, now: datetime, limit: int | None = None
    ) -> dict[int, PromiseTally]:
        found = {
            int(str(k)): t for k, t in self._grouped(scope, direction, now, "customer_id").items()
        }
        if limit is None:
            return found
        ranked = sorted(
            ((cid, t) for cid, t in found.items() if t.not_on_time),
            key=lambda item: (-item[1].not_on_time, item[0]),
        )
        return dict(ranked[:limit])

    def _challenges(self, scope: Scope) -> list[Challenge]:
        return [
            c
            for c in self.store.challenges.values()
            if c.team_id == scope.team_id
            and (scope.customer_id is None or c.customer_id == scope.customer_id)
            and self._at_stage(scope, c.touchpoint_id)
        ]

    def open_challenge_starts(self, scope: Scope) -> list[datetime]:
        return [
            c.opened_at()
            for c in self._challenges(scope)
            if c.is_open and (scope.person is None or c.raised_by == scope.person)
        ]

    def times_to_address(self, scope: Scope) -> list[timedelta]:
        found = []
        for challenge in self._challenges(scope):
            opened = challenge.raised_at
            for event in challenge.history:
                if event.action == "reopened":
                    opened = event.at
                elif (
                    event.action == "addressed"
                    and (scope.person is None or event.actor == scope.person)
                    and (scope.since is None or event.at >= scope.since)
                ):
                    found.append(max(timedelta(0), event.at - opened))
        return found

    def open_challenges_at(self, scope: Scope, instants: Sequence[datetime]) -> list[int]:
        mine = [
            c
            for c in self._challenges(scope)
            if scope.person is None or c.raised_by == scope.person
        ]
        return [sum(self._was_open(c, at) for c in mine) for at in instants]

    @staticmethod
    def _was_open(challenge: Challenge, at: datetime) -> bool:
        if challenge.raised_at >= at:
            return False
        open_ = True
        for event in challenge.history:
            if event.at < at and event.action in {"addressed", "reopened"}:
                open_ = event.action == "reopened"
        return open_

    def weekly_promises(
        self, scope: Scope, direction: Direction, bounds: Sequence[datetime], now: datetime
    ) -> list[tuple[int, int]]:
        weeks = [(0, 0)] * max(0, len(bounds) - 1)
        for p in self._promises(scope, direction):
            due = p.due_at
            if due is None or not bounds[0] <= due < bounds[-1]:
                continue
            n = next(i for i in range(len(weeks)) if due < bounds[i + 1])
            deadline = p.keep_by or due
            counted = p.status in {PromiseStatus.KEPT, PromiseStatus.NOT_KEPT} or deadline <= now
            on_time, total = weeks[n]
            weeks[n] = (on_time + self._on_time(p), total + counted)
        return weeks

    def _touchpoints(self, scope: Scope) -> list[Touchpoint]:
        return [
            t
            for t in self.store.touchpoints.values()
            if t.team_id == scope.team_id
            and (scope.customer_id is None or t.customer_id == scope.customer_id)
            and (scope.person is None or t.author == scope.person)
            and (scope.since is None or t.occurred_at >= scope.since)
        ]

    def difference_counts(self, scope: Scope) -> list[DifferenceCount]:
        counts: dict[tuple[int, str], int] = {}
        for t in self._touchpoints(scope):
            if t.difference:
                key = (t.customer_id, t.difference)
                counts[key] = counts.get(key, 0) + 1
        return [DifferenceCount(cid, text, n) for (cid, text), n in counts.items()]

    def touchpoint_groups(self, scope: Scope) -> list[TouchpointGroup]:
        groups: dict[tuple[Kind, str | None], list[Touchpoint]] = {}
        for t in self._touchpoints(scope):
            groups.setdefault((t.kind, t.stage), []).append(t)
        return [
            TouchpointGroup(
                kind,
                stage,
                len(ts),
                sum(t.satisfaction or 0 for t in ts),
                sum(t.satisfaction is not None for t in ts),
                sum(t.effort or 0 for t in ts),
                sum(t.effort is not None for t in ts),
                sum(t.promoter is not None and t.promoter >= 9 for t in ts),
                sum(t.promoter is not None and t.promoter <= 6 for t in ts),
                sum(t.promoter is not None for t in ts),
            )
            for (kind, stage), ts in groups.items()
        ]


class FakeUnitOfWork:
    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.committed = False

    def __enter__(self) -> Self:
        self._work = copy.deepcopy(self.store)
        self.teams = FakeTeams(self._work)
        self.customers = FakeCustomers(self._work)
        self.touchpoints = FakeTouchpoints(self._work)
        self.challenges = FakeChallenges(self._work)
        self.promises = FakePromises(self._work)
        self.exchange = FakeExchange(self._work)
        self.deliveries = FakeDeliveries(self._work)
        self.events = FakeEvents(self._work)
        self.measures = FakeMeasures(self._work)
        self.calendar_feeds = FakeCalendarFeeds(self._work)
        self.touchmap = FakeMap(self._work)
        self.batch = FakeBatchReads(self.challenges, self.promises, self.customers)
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._work.commits += 1
        self.store.__dict__.update(copy.deepcopy(self._work).__dict__)
        self.committed = True

    def rollback(self) -> None:
        # What was not committed is dropped by letting go of the working copy: the next
        # ``with`` copies the store afresh, and a commit without one changes nothing, as
        # before. (Copying the whole store here, at the end of every unit of work, was a
        # third of the time of the longer fake-backed tests.)
        self._work = self.store
