"""SQLAlchemy implementation of the challenge repository port in ``bot.core.ports``.

Reads select rows and turn them into domain objects; writes are explicit INSERT/UPDATE
statements built from the domain objects. Every query is scoped to a team.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, bindparam, distinct, func, select, update
from sqlalchemy.orm import Session

from bot.core.model import Challenge, ChallengeStatus
from bot.core.ports import LastChange, Window
from bot.storage.history import History, HistoryLedger, last_change_by
from bot.storage.mapping import challenge_values, to_challenge
from bot.storage.orm import ChallengeEventRow, ChallengeRow, table_of
from bot.storage.sqlhelpers import RowsInserter, rowcount
from bot.storage.windows import any_of, in_window

# Built once: on the record path, building a statement costs more than running it.
_CHALLENGES = table_of(ChallengeRow)
_INSERT_CHALLENGES = RowsInserter(_CHALLENGES)
# Rows read as plain tuples with named fields: a SQLAlchemy Row's attribute lookup costs
# ten times a namedtuple's, and a digest reads 100,000 rows of ten fields.
_ChallengeFields = namedtuple("_ChallengeFields", _CHALLENGES.c.keys())  # type: ignore[misc]
_OPEN_CHALLENGE = (ChallengeStatus.OPEN.value, ChallengeStatus.PASSED_ON.value)
_PASSED_ON = ChallengeStatus.PASSED_ON.value
# A customer's open challenges, oldest first: read on every recording for its repeats.
_OPEN_OF_CUSTOMER = (
    select(*_CHALLENGES.c)
    .where(
        _CHALLENGES.c.team_id == bindparam("team_id"),
        _CHALLENGES.c.customer_id == bindparam("customer_id"),
        _CHALLENGES.c.status.in_(_OPEN_CHALLENGE),
    )
    .order_by(_CHALLENGES.c.raised_at, _CHALLENGES.c.id)
    .limit(bindparam("limit"))
)


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
        return last_change_by(
            self._session, ChallengeRow.team_id, ChallengeRow.id,
            event.challenge_id, event.actor, event.at,
            team_id, actor, since,
        )  # fmt: skip

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
                in_window(
                    select(c.id)
                    .where(*mine, c.status.in_(_OPEN_CHALLENGE))
                    .order_by(c.raised_at, c.id),
                    open_,
                )
            )
        if addressed.limit > 0:
            windows.append(
                in_window(
                    select(c.id)
                    .where(*mine, c.status == ChallengeStatus.ADDRESSED.value)
                    .order_by(c.raised_at.desc(), c.id.desc()),
                    addressed,
                )
            )
        if not windows:
            return [], []
        found = self.fetch(select(ChallengeRow).where(ChallengeRow.id.in_(any_of(windows))))
        oldest_first = sorted(found, key=lambda item: (item.raised_at, item.id or 0))
        return (
            [item for item in oldest_first if item.is_open],
            [item for item in reversed(oldest_first) if not item.is_open],
        )

    def open_for_team(
        self,
        team_id: str,
        customer_id: int | None = None,
        limit: int | None = None,
        with_history: bool = True,
    ) -> list[Challenge]:
        if customer_id is not None and limit is not None and not with_history:
            params = {"team_id": team_id, "customer_id": customer_id, "limit": limit}
            found = _plain(self._session.execute(_OPEN_OF_CUSTOMER, params))
            return [to_challenge(row, []) for row in found]
        stmt = select(ChallengeRow).where(
            ChallengeRow.team_id == team_id, ChallengeRow.status.in_(_OPEN_CHALLENGE)
        )
        if customer_id is not None:
            stmt = stmt.where(ChallengeRow.customer_id == customer_id)
        ordered = stmt.order_by(ChallengeRow.raised_at, ChallengeRow.id).limit(limit)
        return self.fetch(ordered, with_history=with_history)

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

    def open_raised_since(
        self, team_id: str, since: datetime, limit: int
    ) -> tuple[list[Challenge], int]:
        return self._first_and_count(
            (
                ChallengeRow.team_id == team_id,
                ChallengeRow.status.in_(_OPEN_CHALLENGE),
                ChallengeRow.raised_at >= since,
            ),
            limit,
        )

    def open_passed_to(self, team_id: str, area: str, limit: int) -> tuple[list[Challenge], int]:
        return self._first_and_count(
            (
                ChallengeRow.team_id == team_id,
                ChallengeRow.status.in_(_OPEN_CHALLENGE),
                ChallengeRow.passed_to == area,
            ),
            limit,
        )

    def _first_and_count(
        self, where: tuple[ColumnElement[bool], ...], limit: int
    ) -> tuple[list[Challenge], int]:
        """The first ``limit`` challenges matching ``where``, oldest raised first, and how
        many match."""
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
        ids = _INSERT_CHALLENGES.ids(self._session, [challenge_values(c) for c in challenges])
        for challenge, challenge_id in zip(challenges, ids, strict=True):
            challenge.id = challenge_id
        self._history.append([(c.id, c.history) for c in challenges if c.id], new=True)

    def fetch(self, stmt: Select[ChallengeRow], *, with_history: bool = True) -> list[Challenge]:
        """The challenges ``stmt`` selects, with their histories (one more query)."""
        # Plain rows, not ORM entities: a team's open challenges can be 100,000 rows, and
        # building ORM entities took longer than the query (100,000: 2.4 -> 1.1 s of CPU).
        rows = _plain(self._session.execute(stmt.with_only_columns(*_CHALLENGES.c)))
        if not with_history:
            return [to_challenge(row, []) for row in rows]
        history = self._history.load(
            [row.id for row in rows], stmt.with_only_columns(_CHALLENGES.c.id)
        )
        return [to_challenge(row, history[row.id]) for row in rows]


def _plain(rows: Iterable[Sequence[Any]]) -> list[ChallengeRow]:
    """Rows as plain tuples with the columns' names, typed as the mapped row they mirror."""
    return cast("list[ChallengeRow]", [_ChallengeFields._make(row) for row in rows])
