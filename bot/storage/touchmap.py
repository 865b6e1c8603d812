"""The touchpoint map's storage: entries with their notes, the team's journey stages, and
the contacts named on touchpoints (``bot.core.ports.MapRepository`` and the contact part of
the touchpoint repository)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from bot.core.model import (
    ChallengeStatus,
    Contact,
    Direction,
    Kind,
    MapEntry,
    MapNote,
    PromiseStatus,
    Touchpoint,
    map_key,
)
from bot.core.values import DETRACTOR_UP_TO, PROMOTER_FROM, Grouping, PlaceFigures
from bot.storage.measures import _count, _outcome, _tallies
from bot.storage.orm import (
    ChallengeRow,
    JourneyStageRow,
    MapEntryRow,
    MapNoteRow,
    PromiseRow,
    TouchpointContactRow,
    TouchpointRow,
    table_of,
)
from bot.storage.sqlhelpers import chunks, rowcount

_CONTACTS = table_of(TouchpointContactRow)
_ENTRIES = table_of(MapEntryRow)
_NOTES = table_of(MapNoteRow)
_INSERT_CONTACTS = insert(_CONTACTS)
_TEAM_ENTRIES = (
    select(*_ENTRIES.c).where(_ENTRIES.c.team_id == bindparam("team_id")).order_by(_ENTRIES.c.id)
)


def _entry_values(entry: MapEntry) -> dict[str, Any]:
    return {
        "team_id": entry.team_id,
        "key": map_key(entry.name),
        "name": entry.name,
        "channel": entry.channel.value,
        "stage": entry.stage,
        "owner": entry.owner,
        "owner_is_person": entry.owner_is_person,
        "moment_of_truth": entry.moment_of_truth,
        "active": entry.active,
        "retired_at": entry.retired_at,
        "created_at": entry.created_at,
    }


def _to_entry(row: Any, notes: list[MapNote]) -> MapEntry:
    return MapEntry(
        team_id=row.team_id,
        name=row.name,
        channel=Kind(row.channel),
        stage=row.stage,
        owner=row.owner,
        owner_is_person=row.owner_is_person,
        moment_of_truth=row.moment_of_truth,
        active=row.active,
        retired_at=row.retired_at,
        created_at=row.created_at,
        notes=notes,
        id=row.id,
    )


class SqlMapRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        # How many of each entry's notes are stored: save() appends only the new ones.
        self._stored_notes: dict[int, int] = {}

    def entries(self, team_id: str, *, with_notes: bool = True) -> list[MapEntry]:
        # Plain rows, not ORM entities: every recording that names a map entry reads the
        # whole map, and building entities cost more than the query.
        e, n = _ENTRIES.c, _NOTES.c
        rows = self._session.execute(_TEAM_ENTRIES, {"team_id": team_id}).all()
        notes: dict[int, list[MapNote]] = defaultdict(list)
        if not with_notes:  # not counted as stored: saving such an entry adds no notes
            return [_to_entry(row, []) for row in rows]
        if rows:
            for note in self._session.execute(
                select(n.entry_id, n.at, n.author, n.text)
                .join(_ENTRIES, e.id == n.entry_id)
                .where(e.team_id == team_id)
                .order_by(n.id)
            ):
                notes[note.entry_id].append(MapNote(note.at, note.author, note.text))
        for row in rows:
            self._stored_notes[row.id] = len(notes[row.id])
        return [_to_entry(row, notes[row.id]) for row in rows]

    def add(self, entry: MapEntry) -> MapEntry:
        if entry.id is not None:
            raise ValueError(f"map entry #{entry.id} is already stored")
        entry.id = self._session.execute(
            insert(MapEntryRow).returning(MapEntryRow.id), _entry_values(entry)
        ).scalar_one()
        self._stored_notes[entry.id] = 0
        self._append_notes(entry)
        return entry

    def save(self, entry: MapEntry) -> None:
        assert entry.id is not None
        self._session.execute(
            update(MapEntryRow)
            .where(MapEntryRow.id == entry.id, MapEntryRow.team_id == entry.team_id)
            .values(**_entry_values(entry))
        )
        self._append_notes(entry)

    def _append_notes(self, entry: MapEntry) -> None:
        assert entry.id is not None
        new = entry.notes[self._stored_notes.get(entry.id, 0) :]
        if new:
            self._session.execute(
                insert(MapNoteRow),
                [
                    {"entry_id": entry.id, "at": n.at, "author": n.author, "text": n.text}
                    for n in new
                ],
            )
        self._stored_notes[entry.id] = len(entry.notes)

    def remove_unused(self, team_id: str) -> int:
        used = exists().where(TouchpointRow.map_entry_id == MapEntryRow.id)
        return rowcount(
            self._session.execute(delete(MapEntryRow).where(MapEntryRow.team_id == team_id, ~used))
        )

    def stages(self, team_id: str) -> tuple[str, ...]:
        return tuple(
            self._session.scalars(
                select(JourneyStageRow.name)
                .where(JourneyStageRow.team_id == team_id)
                .order_by(JourneyStageRow.position)
            )
        )

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
        return place_figures(
            self._session,
            team_id,
            by,
            since,
            until,
            now,
            state_since,
            last_seen=last_seen,
            entry_ids=entry_ids,
        )

    def owners(self, team_ids: Sequence[str]) -> dict[str, set[tuple[str, bool]]]:
        e = MapEntryRow
        found: dict[str, set[tuple[str, bool]]] = defaultdict(set)
        for chunk in chunks(list(team_ids)):
            for team_id, owner, is_person in self._session.execute(
                select(e.team_id, e.owner, e.owner_is_person)
                .where(e.team_id.in_(chunk), e.owner.is_not(None), e.retired_at.is_(None))
                .distinct()
            ):
                found[team_id].add((str(owner), bool(is_person)))
        return dict(found)

    def set_stages(self, team_id: str, stages: Sequence[str]) -> None:
        self._session.execute(delete(JourneyStageRow).where(JourneyStageRow.team_id == team_id))
        if stages:
            self._session.execute(
                insert(JourneyStageRow),
                [{"team_id": team_id, "position": n, "name": s} for n, s in enumerate(stages)],
            )


def insert_contacts(session: Session, touchpoints: Sequence[Touchpoint]) -> None:
    """The contacts of stored touchpoints (their ids set), in one statement."""
    rows = [
        {
            "team_id": t.team_id,
            "customer_id": t.customer_id,
            "touchpoint_id": t.id,
            "occurred_at": t.occurred_at,
            "name": c.name,
            "role": c.role,
        }
        for t in touchpoints
        for c in t.contacts
    ]
    if rows:
        session.execute(_INSERT_CONTACTS, rows)


def load_contacts(session: Session, team_id: str, touchpoints: Sequence[Touchpoint]) -> None:
    """Fill in the contacts of stored touchpoints, in id order."""
    by_id = {t.id: t for t in touchpoints if t.id is not None}
    found: dict[int, list[Contact]] = defaultdict(list)
    for chunk in chunks(list(by_id)):
        for touchpoint_id, name, role in session.execute(
            select(_CONTACTS.c.touchpoint_id, _CONTACTS.c.name, _CONTACTS.c.role)
            .where(_CONTACTS.c.team_id == team_id, _CONTACTS.c.touchpoint_id.in_(chunk))
            .order_by(_CONTACTS.c.id)
        ):
            found[touchpoint_id].append(Contact(name, role))
    for touchpoint_id, contacts in found.items():
        by_id[touchpoint_id].contacts = tuple(contacts)


def contacts_for_customer(
    session: Session, team_id: str, customer_id: int, limit: int
) -> list[tuple[Contact, datetime]]:
    rows = session.execute(
        select(_CONTACTS.c.name, _CONTACTS.c.role, _CONTACTS.c.occurred_at)
        .where(_CONTACTS.c.team_id == team_id, _CONTACTS.c.customer_id == customer_id)
        .order_by(_CONTACTS.c.occurred_at.desc(), _CONTACTS.c.id.desc())
        .limit(limit)
    )
    return [(Contact(name, role), at) for name, role, at in rows]


def place_figures(
    session: Session,
    team_id: str,
    by: Grouping,
    since: datetime,
    until: datetime,
    now: datetime,
    state_since: datetime | None,
    *,
    last_seen: bool = True,
    entry_ids: Sequence[int] | None = None,
) -> dict[int | str | None, PlaceFigures]:
    """``MapRepository.figures``: up to four grouped queries, a few rows each. Promises and
    challenges are found from the touchpoints of a span (the (team, occurred_at) index),
    never by scanning the team's promises or challenges."""
    t = TouchpointRow
    key = t.map_entry_id if by == "entry" else t.stage
    # The team's touchpoints, or only those of some entries (an owner's): then the
    # (team, entry, occurred_at) index reads just their share.
    ours = [t.team_id == team_id]
    if entry_ids is not None:
        ours.append(t.map_entry_id.in_(list(entry_ids)))
    counts: dict[Any, dict[str, Any]] = defaultdict(dict)
    for place, *numbers in session.execute(
        select(
            key,
            func.count(),
            func.coalesce(func.sum(t.satisfaction), 0),
            func.count(t.satisfaction),
            func.coalesce(func.sum(t.effort), 0),
            func.count(t.effort),
            _count(t.promoter >= PROMOTER_FROM),
            _count(t.promoter <= DETRACTOR_UP_TO),
            func.count(t.promoter),
        )
        .where(*ours, t.occurred_at > since, t.occurred_at <= until)
        .group_by(key)
    ):
        counts[place].update(zip(_SCORE_FIELDS, (int(n or 0) for n in numbers), strict=True))
    if state_since is None:
        return {place: PlaceFigures(**values) for place, values in counts.items()}
    if by == "entry" and last_seen:  # the (team, entry, occurred_at) index answers this alone
        for place, last_at in session.execute(
            select(key, func.max(t.occurred_at)).where(t.team_id == team_id).group_by(key)
        ):
            counts[place]["last_at"] = last_at  # max() keeps the column's type: aware UTC
    p = PromiseRow
    outcome = _outcome(now)
    made_there = (
        select(key, outcome, func.count())
        .select_from(t)
        .join(p, p.touchpoint_id == t.id)
        .where(
            *ours,
            t.occurred_at > since,
            t.occurred_at <= until,
            p.direction == Direction.OURS.value,
            p.status != PromiseStatus.CANCELLED.value,
        )
        .group_by(key, outcome)
    )
    rows = session.execute(made_there).all()
    for place, tally in _tallies(rows).items():
        counts[place]["promises"] = tally
    for place, _, made in rows:
        counts[place]["promises_made"] = counts[place].get("promises_made", 0) + int(made)
    c = ChallengeRow
    for place, raised, still_open in session.execute(
        select(key, func.count(), _count(c.status.in_(_OPEN_CHALLENGE)))
        .select_from(t)
        .join(c, c.touchpoint_id == t.id)
        .where(*ours, t.occurred_at > state_since, t.occurred_at <= until)
        .group_by(key)
    ):
        counts[place].update(challenges_raised=int(raised), challenges_open=int(still_open or 0))
    return {place: PlaceFigures(**values) for place, values in counts.items()}


_SCORE_FIELDS = (
    "touchpoints",
    "satisfaction_sum",
    "satisfaction_count",
    "effort_sum",
    "effort_count",
    "promoters",
    "detractors",
    "answers",
)
_OPEN_CHALLENGE = (ChallengeStatus.OPEN.value, ChallengeStatus.PASSED_ON.value)
