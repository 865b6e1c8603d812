"""SQLAlchemy implementations of the repository ports in ``bot.core.ports``.

Reads select rows and turn them into domain objects; writes are explicit INSERT/UPDATE
statements built from the domain objects, so no ORM object ever leaves this package. Every
query is scoped to a team except those the ports define across teams (``due_for_reminder``
and the outbox's ``claimable``, ``get`` and ``by_key``).
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    distinct,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Contact,
    Direction,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
)
from bot.core.ports import LastChange, Window
from bot.storage.customers import SqlCustomerRepository
from bot.storage.deliveries import SqlDeliveryRepository
from bot.storage.history import History, HistoryLedger
from bot.storage.locking import lock_for_claiming
from bot.storage.mapping import (
    challenge_values,
    promise_values,
    team_values,
    to_challenge,
    to_promise,
    to_team,
    to_touchpoint,
    touchpoint_values,
)
from bot.storage.orm import (
    OPEN_PROMISE_SQL,
    ChallengeEventRow,
    ChallengeRow,
    PromiseEventRow,
    PromiseRow,
    TeamRow,
    TouchpointRow,
    table_of,
)
from bot.storage.sqlhelpers import CHUNK, chunks, rowcount
from bot.storage.touchmap import contacts_for_customer, insert_contacts, load_contacts

__all__ = [
    "SqlChallengeRepository",
    "SqlCustomerRepository",
    "SqlDeliveryRepository",
    "SqlPromiseRepository",
    "SqlTeamRepository",
    "SqlTouchpointRepository",
]

# Built once: on the record path, building a statement costs more than running it.
_TOUCHPOINTS, _CHALLENGES, _PROMISES = (
    table_of(row) for row in (TouchpointRow, ChallengeRow, PromiseRow)
)
_INSERT_TOUCHPOINT = insert(_TOUCHPOINTS).returning(_TOUCHPOINTS.c.id)
_INSERT_CHALLENGES = insert(_CHALLENGES).returning(_CHALLENGES.c.id, sort_by_parameter_order=True)
_INSERT_PROMISES = insert(_PROMISES).returning(_PROMISES.c.id, sort_by_parameter_order=True)
_ADVANCE_REMINDER = (
    update(_PROMISES)
    .where(_PROMISES.c.id == bindparam("b_id"), sql_text(OPEN_PROMISE_SQL))
    .values(remind_at=bindparam("b_remind_at"), reminders_sent=bindparam("b_sent"))
)
# Rows read as plain tuples with named fields: a SQLAlchemy Row's attribute lookup costs
# ten times a namedtuple's, and a digest reads 100,000 rows of ten fields.
_ChallengeFields = namedtuple("_ChallengeFields", _CHALLENGES.c.keys())  # type: ignore[misc]
_PromiseFields = namedtuple("_PromiseFields", _PROMISES.c.keys())  # type: ignore[misc]
# The arrays travel as three parameters, so the statement is compiled once. (S608: the
# only interpolation is the constant OPEN_PROMISE_SQL.)
_ADVANCE_REMINDERS_PG = sql_text(
    "UPDATE promises SET remind_at = v.remind_at, reminders_sent = v.sent"  # noqa: S608
    " FROM unnest(CAST(:ids AS integer[]), CAST(:remind_ats AS timestamptz[]),"
    " CAST(:sents AS integer[])) AS v(id, remind_at, sent)"
    f" WHERE promises.id = v.id AND promises.{OPEN_PROMISE_SQL}"
)
_OPEN_CHALLENGE = (ChallengeStatus.OPEN.value, ChallengeStatus.PASSED_ON.value)
_PASSED_ON = ChallengeStatus.PASSED_ON.value
_SETTLED_PROMISE = tuple(s.value for s in PromiseStatus if s is not PromiseStatus.OPEN)
# Rendered as a literal so both databases can match the partial index's predicate.
_OPEN_PROMISE_LITERAL = PromiseRow.status == literal_column(f"'{PromiseStatus.OPEN.value}'")


class SqlTeamRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, team_id: str) -> Team | None:
        row = self._session.scalar(select(TeamRow).where(TeamRow.id == team_id))
        return to_team(row) if row else None

    def get_for_update(self, team_id: str) -> Team | None:
        """The team, locked until the transaction ends: settings are read, changed and saved
        whole, so two changes at once must not both start from the same copy."""
        lock_for_claiming(self._session)
        self._session.execute(select(TeamRow.id).where(TeamRow.id == team_id).with_for_update())
        return self.get(team_id)

    def get_many(self, team_ids: Sequence[str]) -> dict[str, Team]:
        wanted = list(dict.fromkeys(team_ids))
        found: dict[str, Team] = {}
        for start in range(0, len(wanted), CHUNK):
            for row in self._session.scalars(
                select(TeamRow).where(TeamRow.id.in_(wanted[start : start + CHUNK]))
            ):
                found[row.id] = to_team(row)
        return found

    def add(self, team: Team) -> bool:
        """Insert unless the team exists (two first requests from a new workspace may race,
        even across instances); returns whether this call created it."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # RETURNING, not the row count: psycopg reports no count for this statement.
        created = self._session.execute(
            upsert(TeamRow)
            .values(id=team.id, **team_values(team))
            .on_conflict_do_nothing(index_elements=[TeamRow.id])
            .returning(TeamRow.id)
        ).scalar_one_or_none()
        return created is not None

    def save(self, team: Team) -> None:
        result = self._session.execute(
            update(TeamRow).where(TeamRow.id == team.id).values(**team_values(team))
        )
        if rowcount(result) != 1:
            raise LookupError(f"team {team.id} is not stored; add() it first")

    def list_all(self) -> list[Team]:
        return [to_team(row) for row in self._session.scalars(select(TeamRow).order_by(TeamRow.id))]


class SqlChallengeRepository:
    def __init__(self, session: Session, ledger: HistoryLedger) -> None:
        self._session = session
        self._history = History(session, ledger, ChallengeEventRow, ChallengeEventRow.challenge_id)

    def get(self, team_id: str, challenge_id: int) -> Challenge | None:
        found = self.fetch(
            select(ChallengeRow).where(
                ChallengeRow.team_id == team_id, ChallengeRow.id == challenge_id
            )
        )
        return found[0] if found else None

    def last_change_by(self, team_id: str, actor: str, since: datetime) -> LastChange | None:
        event = ChallengeEventRow
        mine = and_(ChallengeRow.team_id == team_id, event.actor == actor)
        latest = self._session.scalar(
            select(func.max(event.at))
            .join(ChallengeRow, ChallengeRow.id == event.challenge_id)
            .where(mine, event.at >= since)
        )
        if latest is None:
            return None
        ids = self._session.scalars(
            select(event.challenge_id)
            .join(ChallengeRow, ChallengeRow.id == event.challenge_id)
            .where(mine, event.at == latest)
            .distinct()
        ).all()
        return LastChange(latest, tuple(sorted(ids)))

    def save(self, challenge: Challenge) -> None:
        if challenge.id is None:
            raise ValueError("save() stores changes to a stored challenge; add its touchpoint")
        result = self._session.execute(
            update(ChallengeRow)
            .where(ChallengeRow.team_id == challenge.team_id, ChallengeRow.id == challenge.id)
            .values(status=challenge.status.value, passed_to=challenge.passed_to)
        )
        if rowcount(result) != 1:
            raise LookupError(f"challenge {challenge.id} of team {challenge.team_id} is not stored")
        self._history.append([(challenge.id, challenge.history)])

    def for_customer(self, team_id: str, customer_id: int) -> list[Challenge]:
        return self.fetch(
            select(ChallengeRow)
            .where(ChallengeRow.team_id == team_id, ChallengeRow.customer_id == customer_id)
            .order_by(ChallengeRow.raised_at, ChallengeRow.id)
        )

    def tally_for_customer(self, team_id: str, customer_id: int) -> dict[ChallengeStatus, int]:
        rows = self._session.execute(
            select(ChallengeRow.status, func.count())
            .where(ChallengeRow.team_id == team_id, ChallengeRow.customer_id == customer_id)
            .group_by(ChallengeRow.status)
        )
        return {ChallengeStatus(status): count for status, count in rows}

    def page_for_customer(
        self, team_id: str, customer_id: int, open_: Window, addressed: Window
    ) -> tuple[list[Challenge], list[Challenge]]:
        """One query for both windows (their ids picked through the customer's index,
        then their rows), one for the histories."""
        c = _CHALLENGES.c
        mine = (c.team_id == team_id, c.customer_id == customer_id)
        windows = []
        if open_.limit > 0:
            windows.append(
                _window(
                    select(c.id)
                    .where(*mine, c.status.in_(_OPEN_CHALLENGE))
                    .order_by(c.raised_at, c.id),
                    open_,
                )
            )
        if addressed.limit > 0:
            windows.append(
                _window(
                    select(c.id)
                    .where(*mine, c.status == ChallengeStatus.ADDRESSED.value)
                    .order_by(c.raised_at.desc(), c.id.desc()),
                    addressed,
                )
            )
        if not windows:
            return [], []
        found = self.fetch(select(ChallengeRow).where(ChallengeRow.id.in_(_any_of(windows))))
        oldest_first = sorted(found, key=lambda item: (item.raised_at, item.id or 0))
        return (
            [item for item in oldest_first if item.is_open],
            [item for item in reversed(oldest_first) if not item.is_open],
        )

    def open_for_team(
        self, team_id: str, customer_id: int | None = None, limit: int | None = None
    ) -> list[Challenge]:
        stmt = select(ChallengeRow).where(
            ChallengeRow.team_id == team_id, ChallengeRow.status.in_(_OPEN_CHALLENGE)
        )
        if customer_id is not None:
            stmt = stmt.where(ChallengeRow.customer_id == customer_id)
        return self.fetch(stmt.order_by(ChallengeRow.raised_at, ChallengeRow.id).limit(limit))

    def open_customers(self, team_id: str, limit: int) -> tuple[list[tuple[int, int]], int, int]:
        c = _CHALLENGES.c
        mine = (c.team_id == team_id, c.status.in_(_OPEN_CHALLENGE))
        total, customers = self._session.execute(
            select(func.count(), func.count(distinct(c.customer_id))).where(*mine)
        ).one()
        oldest = self._session.execute(
            select(c.customer_id, func.count())
            .where(*mine)
            .group_by(c.customer_id)
            .order_by(func.min(c.raised_at), c.customer_id)
            .limit(limit)
        )
        return [(int(cid), int(n)) for cid, n in oldest], int(total), int(customers)

    def open_for_customers(
        self, team_id: str, customer_ids: Sequence[int], per_customer: int
    ) -> list[Challenge]:
        """One query picks the ids (a row number per customer), one reads them, one their
        histories."""
        if not customer_ids or per_customer <= 0:
            return []
        c = _CHALLENGES.c
        ranked = (
            select(
                c.id,
                func.row_number()
                .over(partition_by=c.customer_id, order_by=(c.raised_at, c.id))
                .label("n"),
            )
            .where(
                c.team_id == team_id,
                c.customer_id.in_(list(customer_ids)),
                c.status.in_(_OPEN_CHALLENGE),
            )
            .subquery()
        )
        return self.fetch(
            select(ChallengeRow)
            .where(ChallengeRow.id.in_(select(ranked.c.id).where(ranked.c.n <= per_customer)))
            .order_by(ChallengeRow.raised_at, ChallengeRow.id)
        )

    def open_passed_to(self, team_id: str, area: str, limit: int) -> tuple[list[Challenge], int]:
        where = (
            ChallengeRow.team_id == team_id,
            ChallengeRow.status.in_(_OPEN_CHALLENGE),
            ChallengeRow.passed_to == area,
        )
        total = self._session.scalar(select(func.count()).select_from(ChallengeRow).where(*where))
        found = self.fetch(
            select(ChallengeRow)
            .where(*where)
            .order_by(ChallengeRow.raised_at, ChallengeRow.id)
            .limit(limit)
        )
        return found, int(total or 0)

    def route_to_area(self, team_id: str, area: str) -> int:
        # Case folding in SQL is ASCII-only on SQLite: match candidates loosely there, then
        # decide in Python, so both databases agree.
        rows = self._session.execute(
            select(ChallengeRow.id, ChallengeRow.passed_to).where(
                ChallengeRow.team_id == team_id,
                ChallengeRow.status == _PASSED_ON,
                ChallengeRow.passed_to != area,
            )
        ).all()
        ids = [i for i, to in rows if to and " ".join(to.split()).lower() == area]
        if ids:
            self._session.execute(
                update(ChallengeRow)
                .where(ChallengeRow.team_id == team_id, ChallengeRow.id.in_(ids))
                .values(passed_to=area)
            )
        return len(ids)

    def insert_new(self, challenges: Sequence[Challenge]) -> None:
        """Insert challenges that have no id yet (with their history) and set their ids."""
        if not challenges:
            return
        ids = self._session.scalars(
            _INSERT_CHALLENGES, [challenge_values(c) for c in challenges]
        ).all()
        for challenge, challenge_id in zip(challenges, ids, strict=True):
            challenge.id = challenge_id
        self._history.append([(c.id, c.history) for c in challenges if c.id], new=True)

    def fetch(self, stmt: Select[ChallengeRow]) -> list[Challenge]:
        """The challenges ``stmt`` selects, with their histories (one more query)."""
        # Plain rows, not ORM entities: a team's open challenges can be 100,000 rows, and
        # building ORM entities took longer than the query (100,000: 2.4 -> 1.1 s of CPU).
        rows = cast(
            "list[ChallengeRow]",
            [
                _ChallengeFields._make(row)
                for row in self._session.execute(stmt.with_only_columns(*_CHALLENGES.c))
            ],
        )
        history = self._history.load(
            [row.id for row in rows], stmt.with_only_columns(_CHALLENGES.c.id)
        )
        return [to_challenge(row, history[row.id]) for row in rows]


class SqlPromiseRepository:
    def __init__(self, session: Session, ledger: HistoryLedger) -> None:
        self._session = session
        self._history = History(session, ledger, PromiseEventRow, PromiseEventRow.promise_id)

    def get(self, team_id: str, promise_id: int) -> Promise | None:
        found = self.fetch(
            select(PromiseRow).where(PromiseRow.team_id == team_id, PromiseRow.id == promise_id)
        )
        return found[0] if found else None

    def get_for_update(self, team_id: str, promise_id: int) -> Promise | None:
        """The promise, locked until the transaction ends: of two people settling it at
        once, the second reads what the first saved (and is told who settled it)."""
        lock_for_claiming(self._session)
        self._session.execute(
            select(PromiseRow.id)
            .where(PromiseRow.team_id == team_id, PromiseRow.id == promise_id)
            .with_for_update()
        )
        return self.get(team_id, promise_id)

    def get_many(self, team_id: str, promise_ids: Sequence[int]) -> dict[int, Promise]:
        found: dict[int, Promise] = {}
        for chunk in chunks(list(dict.fromkeys(promise_ids))):
            for promise in self.fetch(
                select(PromiseRow).where(PromiseRow.team_id == team_id, PromiseRow.id.in_(chunk))
            ):
                assert promise.id is not None
                found[promise.id] = promise
        return found

    def last_change_by(self, team_id: str, actor: str, since: datetime) -> LastChange | None:
        event = PromiseEventRow
        mine = and_(PromiseRow.team_id == team_id, event.actor == actor)
        latest = self._session.scalar(
            select(func.max(event.at))
            .join(PromiseRow, PromiseRow.id == event.promise_id)
            .where(mine, event.at >= since)
        )
        if latest is None:
            return None
        ids = self._session.scalars(
            select(event.promise_id)
            .join(PromiseRow, PromiseRow.id == event.promise_id)
            .where(mine, event.at == latest)
            .distinct()
        ).all()
        return LastChange(latest, tuple(sorted(ids)))

    def save(self, promise: Promise) -> None:
        if promise.id is None:
            raise ValueError("save() stores changes to a stored promise; add its touchpoint")
        values = promise_values(promise)
        for fixed in ("team_id", "customer_id", "touchpoint_id", "made_by", "made_at"):
            del values[fixed]
        result = self._session.execute(
            update(PromiseRow)
            .where(PromiseRow.team_id == promise.team_id, PromiseRow.id == promise.id)
            .values(**values)
        )
        if rowcount(result) != 1:
            raise LookupError(f"promise {promise.id} of team {promise.team_id} is not stored")
        self._history.append([(promise.id, promise.history)])

    def for_customer(self, team_id: str, customer_id: int) -> list[Promise]:
        return self.fetch(
            select(PromiseRow)
            .where(PromiseRow.team_id == team_id, PromiseRow.customer_id == customer_id)
            .order_by(PromiseRow.made_at, PromiseRow.id)
        )

    def tally_for_customer(
        self, team_id: str, customer_id: int
    ) -> dict[tuple[Direction, PromiseStatus], int]:
        rows = self._session.execute(
            select(PromiseRow.direction, PromiseRow.status, func.count())
            .where(PromiseRow.team_id == team_id, PromiseRow.customer_id == customer_id)
            .group_by(PromiseRow.direction, PromiseRow.status)
        )
        return {
            (Direction(direction), PromiseStatus(status)): count
            for direction, status, count in rows
        }

    def page_for_customer(
        self, team_id: str, customer_id: int, windows: Mapping[tuple[Direction, bool], Window]
    ) -> dict[tuple[Direction, bool], list[Promise]]:
        """One query for every window, one for the histories."""
        p = _PROMISES.c
        chosen = []
        for (direction, is_open), window in windows.items():
            if window.limit <= 0:
                continue
            where = [p.team_id == team_id, p.customer_id == customer_id]
            where.append(p.direction == direction.value)
            if is_open:
                where.append(p.status == PromiseStatus.OPEN.value)
                ordered = select(p.id).where(*where).order_by(p.made_at, p.id)
            else:
                where.append(p.status.in_(_SETTLED_PROMISE))
                ordered = select(p.id).where(*where).order_by(p.made_at.desc(), p.id.desc())
            chosen.append(_window(ordered, window))
        found: dict[tuple[Direction, bool], list[Promise]] = {key: [] for key in windows}
        if not chosen:
            return found
        promises = self.fetch(select(PromiseRow).where(PromiseRow.id.in_(_any_of(chosen))))
        promises.sort(key=lambda item: (item.made_at, item.id or 0))
        for promise in promises:
            found[(promise.direction, promise.is_open)].append(promise)
        for (_, is_open), items in found.items():
            if not is_open:
                items.reverse()
        return found

    def open_for_team(
        self,
        team_id: str,
        owner: str | None = None,
        direction: Direction | None = None,
        due_before: datetime | None = None,
        due_from: datetime | None = None,
        limit: int | None = None,
    ) -> list[Promise]:
        """Open promises, soonest due first (undated last). ``due_before`` is exclusive,
        ``due_from`` inclusive; either leaves out undated promises."""
        return self.fetch(
            select(PromiseRow)
            .where(*_open_promises(team_id, owner, direction, due_before, due_from))
            .order_by(PromiseRow.due_at.asc().nulls_last(), PromiseRow.id)
            .limit(limit)
        )

    def count_open_for_team(
        self,
        team_id: str,
        direction: Direction | None = None,
        due_before: datetime | None = None,
        due_from: datetime | None = None,
    ) -> int:
        where = _open_promises(team_id, None, direction, due_before, due_from)
        return int(
            self._session.scalar(select(func.count()).select_from(PromiseRow).where(*where)) or 0
        )

    def due_for_reminder(self, now: datetime, limit: int = 500) -> list[Promise]:
        """Claimed for this transaction: see ``bot.storage.locking``. Histories are not
        loaded: the scan only advances reminders (``advance_reminders``), and skipping the
        second query is a third of the scan's time."""
        lock_for_claiming(self._session)
        # Plain rows, not ORM entities: loading 500 entities costs more than the query.
        rows = self._session.execute(
            select(_PROMISES)
            .where(_OPEN_PROMISE_LITERAL, _PROMISES.c.remind_at <= now)
            .order_by(_PROMISES.c.remind_at, _PROMISES.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [to_promise(cast(PromiseRow, row), []) for row in rows]

    def advance_reminders(self, changes: Sequence[tuple[int, datetime | None, int]]) -> None:
        """One UPDATE; a promise settled meanwhile keeps its cleared remind_at.

        PostgreSQL gets one ``UPDATE ... FROM unnest(arrays)``: an executemany runs a
        statement per promise there (500 due promises: about 60 -> 18 ms; a VALUES list
        took 45 ms, mostly compiling 1,500 parameters). SQLite, in process, runs the
        executemany as fast."""
        if not changes:
            return
        if self._session.get_bind().dialect.name != "postgresql":
            self._session.execute(
                _ADVANCE_REMINDER,
                [{"b_id": i, "b_remind_at": r, "b_sent": n} for i, r, n in changes],
            )
            return
        ids, remind_ats, sents = zip(*changes, strict=True)
        self._session.execute(
            _ADVANCE_REMINDERS_PG,
            {"ids": list(ids), "remind_ats": list(remind_ats), "sents": list(sents)},
        )

    def insert_new(self, promises: Sequence[Promise]) -> None:
        """Insert promises that have no id yet (with their history) and set their ids."""
        if not promises:
            return
        ids = self._session.scalars(_INSERT_PROMISES, [promise_values(p) for p in promises]).all()
        for promise, promise_id in zip(promises, ids, strict=True):
            promise.id = promise_id
        self._history.append([(p.id, p.history) for p in promises if p.id], new=True)

    def fetch(self, stmt: Select[PromiseRow]) -> list[Promise]:
        """The promises ``stmt`` selects, with their histories (one more query)."""
        rows = cast(
            "list[PromiseRow]",
            [
                _PromiseFields._make(row)
                for row in self._session.execute(stmt.with_only_columns(*_PROMISES.c))
            ],
        )
        history = self._history.load(
            [row.id for row in rows], stmt.with_only_columns(_PROMISES.c.id)
        )
        return [to_promise(row, history[row.id]) for row in rows]


class SqlTouchpointRepository:
    def __init__(
        self,
        session: Session,
        challenges: SqlChallengeRepository,
        promises: SqlPromiseRepository,
    ) -> None:
        self._session = session
        self._challenges = challenges
        self._promises = promises

    def add(self, touchpoint: Touchpoint) -> Touchpoint:
        items: list[Challenge | Promise] = [*touchpoint.challenges, *touchpoint.promises]
        for item in items:
            if (item.team_id, item.customer_id) != (touchpoint.team_id, touchpoint.customer_id):
                raise ValueError("a touchpoint's challenges and promises share its customer")
            if item.id is not None:
                raise ValueError(f"{type(item).__name__} #{item.id} is already stored")
        touchpoint.id = self._session.execute(
            _INSERT_TOUCHPOINT, touchpoint_values(touchpoint)
        ).scalar_one()
        for item in items:
            item.touchpoint_id = touchpoint.id
        self._challenges.insert_new(touchpoint.challenges)
        self._promises.insert_new(touchpoint.promises)
        insert_contacts(self._session, [touchpoint])
        return touchpoint

    def get(self, team_id: str, touchpoint_id: int) -> Touchpoint | None:
        row = self._session.scalar(
            select(TouchpointRow).where(
                TouchpointRow.team_id == team_id, TouchpointRow.id == touchpoint_id
            )
        )
        if row is None:
            return None
        touchpoint = to_touchpoint(row)
        touchpoint.challenges = self._challenges.fetch(
            select(ChallengeRow)
            .where(ChallengeRow.team_id == team_id, ChallengeRow.touchpoint_id == row.id)
            .order_by(ChallengeRow.id)
        )
        touchpoint.promises = self._promises.fetch(
            select(PromiseRow)
            .where(PromiseRow.team_id == team_id, PromiseRow.touchpoint_id == row.id)
            .order_by(PromiseRow.id)
        )
        load_contacts(self._session, team_id, [touchpoint])
        return touchpoint

    def delete(self, team_id: str, touchpoint_id: int) -> bool:
        """Histories and reminder links go with the items, by their foreign keys' cascades."""
        for row in (ChallengeRow, PromiseRow):
            self._session.execute(
                delete(row).where(row.team_id == team_id, row.touchpoint_id == touchpoint_id)
            )
        result = self._session.execute(
            delete(TouchpointRow).where(
                TouchpointRow.team_id == team_id, TouchpointRow.id == touchpoint_id
            )
        )
        return rowcount(result) > 0

    def contacts_for_customer(
        self, team_id: str, customer_id: int, limit: int = 500
    ) -> list[tuple[Contact, datetime]]:
        return contacts_for_customer(self._session, team_id, customer_id, limit)

    def save_details(self, touchpoint: Touchpoint, added: Sequence[Contact]) -> None:
        assert touchpoint.id is not None
        self._session.execute(
            update(TouchpointRow)
            .where(TouchpointRow.id == touchpoint.id, TouchpointRow.team_id == touchpoint.team_id)
            .values(
                stage=touchpoint.stage,
                satisfaction=touchpoint.satisfaction,
                effort=touchpoint.effort,
                promoter=touchpoint.promoter,
                map_entry_id=touchpoint.map_entry_id,
            )
        )
        insert_contacts(self._session, [dataclasses.replace(touchpoint, contacts=tuple(added))])

    def recent_for_customer(
        self, team_id: str, customer_id: int, limit: int = 10, offset: int = 0
    ) -> list[Touchpoint]:
        rows = self._session.execute(
            select(*_TOUCHPOINTS.c)
            .where(_TOUCHPOINTS.c.team_id == team_id, _TOUCHPOINTS.c.customer_id == customer_id)
            .order_by(_TOUCHPOINTS.c.occurred_at.desc(), _TOUCHPOINTS.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [to_touchpoint(cast(TouchpointRow, row)) for row in rows]

    def count_for_customer(self, team_id: str, customer_id: int) -> int:
        count = self._session.scalar(
            select(func.count())
            .select_from(TouchpointRow)
            .where(TouchpointRow.team_id == team_id, TouchpointRow.customer_id == customer_id)
        )
        return int(count or 0)

    def differences_for_customer(
        self, team_id: str, customer_id: int
    ) -> list[tuple[datetime, str, str]]:
        rows = self._session.execute(
            select(TouchpointRow.occurred_at, TouchpointRow.author, TouchpointRow.difference)
            .where(
                TouchpointRow.team_id == team_id,
                TouchpointRow.customer_id == customer_id,
                TouchpointRow.difference.is_not(None),
                TouchpointRow.difference != "",
            )
            .order_by(TouchpointRow.occurred_at, TouchpointRow.id)
        )
        return [(at, author, difference or "") for at, author, difference in rows]

    def latest_differences(self, team_id: str, customer_ids: Sequence[int]) -> dict[int, str]:
        latest: dict[int, str] = {}
        for chunk in chunks(list(dict.fromkeys(customer_ids))):
            newest_first = func.row_number().over(
                partition_by=TouchpointRow.customer_id,
                order_by=(TouchpointRow.occurred_at.desc(), TouchpointRow.id.desc()),
            )
            ranked = (
                select(
                    TouchpointRow.customer_id,
                    TouchpointRow.difference,
                    newest_first.label("n"),
                )
                .where(
                    TouchpointRow.team_id == team_id,
                    TouchpointRow.customer_id.in_(chunk),
                    TouchpointRow.difference.is_not(None),
                    TouchpointRow.difference != "",
                )
                .subquery()
            )
            for customer_id, difference in self._session.execute(
                select(ranked.c.customer_id, ranked.c.difference).where(ranked.c.n == 1)
            ):
                latest[customer_id] = difference
        return latest


def _open_promises(
    team_id: str,
    owner: str | None,
    direction: Direction | None,
    due_before: datetime | None,
    due_from: datetime | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        PromiseRow.team_id == team_id,
        PromiseRow.status == PromiseStatus.OPEN.value,
    ]
    if owner is not None:
        where.append(PromiseRow.owner == owner)
    if direction is not None:
        where.append(PromiseRow.direction == direction.value)
    if due_before is not None:
        where.append(PromiseRow.due_at < due_before)
    if due_from is not None:
        where.append(PromiseRow.due_at >= due_from)
    return where


def _window(ordered: Select[tuple[int]], window: Window) -> Select[tuple[int]]:
    return ordered.offset(window.offset).limit(window.limit)


def _any_of(windows: Sequence[Select[tuple[int]]]) -> Select[tuple[int]]:
    """The ids any of ``windows`` picks, as one subquery. Each window is wrapped in a
    subquery of its own: SQLite allows no ORDER BY or LIMIT on a part of a UNION."""
    wrapped = [select(window.subquery().c.id) for window in windows]
    if len(wrapped) == 1:
        return wrapped[0]
    return select(union_all(*wrapped).subquery().c.id)
