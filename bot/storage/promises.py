"""SQLAlchemy implementation of the promise repository port in ``bot.core.ports``.

Reads select rows and turn them into domain objects; writes are explicit INSERT/UPDATE
statements built from the domain objects. Every query is scoped to a team except
``due_for_reminder``, which the port defines across teams.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from bot.core.model import Direction, Promise, PromiseStatus
from bot.core.ports import LastChange, Revision, Window
from bot.storage.history import History, HistoryLedger, last_change_by
from bot.storage.locking import lock_for_claiming
from bot.storage.mapping import promise_values, to_promise
from bot.storage.orm import OPEN_PROMISE_SQL, PromiseEventRow, PromiseRow, table_of
from bot.storage.sqlhelpers import RowsInserter, chunks, rowcount
from bot.storage.windows import any_of, in_window

# Built once: on the record path, building a statement costs more than running it.
_PROMISES = table_of(PromiseRow)
_INSERT_PROMISES = RowsInserter(_PROMISES)
_ADVANCE_REMINDER = (
    update(_PROMISES)
    .where(_PROMISES.c.id == bindparam("b_id"), sql_text(OPEN_PROMISE_SQL))
    .values(remind_at=bindparam("b_remind_at"), reminders_sent=bindparam("b_sent"))
)
# Rows read as plain tuples with named fields: a SQLAlchemy Row's attribute lookup costs
# ten times a namedtuple's, and a digest reads 100,000 rows of ten fields.
_PromiseFields = namedtuple("_PromiseFields", _PROMISES.c.keys())  # type: ignore[misc]
# The arrays travel as three parameters, so the statement is compiled once. (S608: the
# only interpolation is the constant OPEN_PROMISE_SQL.)
_ADVANCE_REMINDERS_PG = sql_text(
    "UPDATE promises SET remind_at = v.remind_at, reminders_sent = v.sent"  # noqa: S608
    " FROM unnest(CAST(:ids AS integer[]), CAST(:remind_ats AS timestamptz[]),"
    " CAST(:sents AS integer[])) AS v(id, remind_at, sent)"
    f" WHERE promises.id = v.id AND promises.{OPEN_PROMISE_SQL}"
)
# A customer's open promises of one direction, oldest first: read on every recording.
_OPEN_OF_CUSTOMER = (
    select(*_PROMISES.c)
    .where(
        _PROMISES.c.team_id == bindparam("team_id"),
        _PROMISES.c.customer_id == bindparam("customer_id"),
        _PROMISES.c.direction == bindparam("direction"),
        _PROMISES.c.status == PromiseStatus.OPEN.value,
    )
    .order_by(_PROMISES.c.made_at, _PROMISES.c.id)
    .limit(bindparam("limit"))
)
_SETTLED_PROMISE = tuple(s.value for s in PromiseStatus if s is not PromiseStatus.OPEN)
# Rendered as a literal so both databases can match the partial index's predicate.
_OPEN_PROMISE_LITERAL = PromiseRow.status == literal_column(f"'{PromiseStatus.OPEN.value}'")


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
        return last_change_by(
            self._session, PromiseRow.team_id, PromiseRow.id,
            event.promise_id, event.actor, event.at,
            team_id, actor, since,
        )  # fmt: skip

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
            chosen.append(in_window(ordered, window))
        found: dict[tuple[Direction, bool], list[Promise]] = {key: [] for key in windows}
        if not chosen:
            return found
        promises = self.fetch(select(PromiseRow).where(PromiseRow.id.in_(any_of(chosen))))
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
        with_history: bool = True,
    ) -> list[Promise]:
        """Open promises, soonest due first (undated last). ``due_before`` is exclusive,
        ``due_from`` inclusive; either leaves out undated promises."""
        return self.fetch(
            select(PromiseRow)
            .where(*_open_promises(team_id, owner, direction, due_before, due_from))
            .order_by(PromiseRow.due_at.asc().nulls_last(), PromiseRow.id)
            .limit(limit),
            with_history=with_history,
        )

    def open_for_customer(
        self, team_id: str, customer_id: int, direction: Direction, limit: int
    ) -> list[Promise]:
        params = {
            "team_id": team_id,
            "customer_id": customer_id,
            "direction": direction.value,
            "limit": limit,
        }
        found = _plain(self._session.execute(_OPEN_OF_CUSTOMER, params))
        return [to_promise(row, []) for row in found]

    def revisions(self, promise_ids: Sequence[int]) -> dict[int, Revision]:
        """One grouped query per chunk of ids (10,000 promises' feed: about a tenth of
        loading their histories)."""
        e = PromiseEventRow
        undone = and_(e.action == "undone", e.detail == "rescheduled")
        rescheduled = func.count(case((or_(e.action == "rescheduled", undone), 1)))
        found: dict[int, Revision] = {}
        for chunk in chunks(list(promise_ids)):
            rows = self._session.execute(
                select(e.promise_id, func.max(e.at), rescheduled)
                .where(e.promise_id.in_(chunk))
                .group_by(e.promise_id)
            )
            for promise_id, last, count in rows:
                found[promise_id] = Revision(last, int(count))
        return found

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
        )
        return [to_promise(cast(PromiseRow, _PromiseFields._make(row)), []) for row in rows]

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
        ids = _INSERT_PROMISES.ids(self._session, [promise_values(p) for p in promises])
        for promise, promise_id in zip(promises, ids, strict=True):
            promise.id = promise_id
        self._history.append([(p.id, p.history) for p in promises if p.id], new=True)

    def fetch(self, stmt: Select[PromiseRow], *, with_history: bool = True) -> list[Promise]:
        """The promises ``stmt`` selects, with their histories (one more query)."""
        rows = _plain(self._session.execute(stmt.with_only_columns(*_PROMISES.c)))
        if not with_history:
            return [to_promise(row, []) for row in rows]
        history = self._history.load(
            [row.id for row in rows], stmt.with_only_columns(_PROMISES.c.id)
        )
        return [to_promise(row, history[row.id]) for row in rows]


def _plain(rows: Iterable[Sequence[Any]]) -> list[PromiseRow]:
    """Rows as plain tuples with the columns' names, typed as the mapped row they mirror."""
    return cast("list[PromiseRow]", [_PromiseFields._make(row) for row in rows])


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
