"""Whole-team reads and bulk writes for export and import (``bot.core.exchange``).

A team's touchpoints are read in batches: one query for the ordered ids, then a constant
number of queries per batch of ``CHUNK`` touchpoints (the touchpoints, their challenges,
their promises, and each kind's history), so 100,000 touchpoints take about 1,000 queries
and only one batch is held in memory at a time. Imports insert in batches the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import cast

from sqlalchemy import func, insert, select

from bot.core.model import Challenge, Promise, Touchpoint
from bot.storage.item_readers import ReadsItems
from bot.storage.locking import lock_for_claiming
from bot.storage.mapping import to_touchpoint, touchpoint_values
from bot.storage.orm import ChallengeRow, PromiseRow, TouchpointRow, table_of
from bot.storage.sqlhelpers import chunks
from bot.storage.touchmap import insert_contacts, load_contacts

_TOUCHPOINTS = table_of(TouchpointRow)
_INSERT_TOUCHPOINTS = insert(_TOUCHPOINTS).returning(
    _TOUCHPOINTS.c.id, sort_by_parameter_order=True
)


class SqlExchangeRepository(ReadsItems):
    def hold_snapshot(self) -> None:
        """Every later read of this transaction sees the same committed state.

        PostgreSQL: REPEATABLE READ, set before the transaction's first statement.
        SQLite: an explicit BEGIN (the driver otherwise runs each SELECT on its own, and
        in WAL mode a read transaction keeps the snapshot its first read took).
        """
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            return
        connection = self._session.connection()
        dbapi = cast("sqlite3.Connection", connection.connection.dbapi_connection)
        if not dbapi.in_transaction:
            connection.exec_driver_sql("BEGIN")

    def lock_team(self, team_id: str) -> None:
        """Serialise imports into the team until this transaction ends, so two imports of
        the same document cannot both find it absent. SQLite takes its write lock
        (BEGIN IMMEDIATE); PostgreSQL a transaction-scoped advisory lock on the team."""
        if self._session.get_bind().dialect.name != "postgresql":
            lock_for_claiming(self._session)
            return
        # psycopg parses every statement of over 50 parameters anew (its cache stops
        # there), so the bulk inserts' usual 1,000-row pages are CPU-bound in the client;
        # 4-row pages measured 1.5-3x faster for 10,000 touchpoints.
        self._session.connection(execution_options={"insertmanyvalues_page_size": 4})
        key = func.hashtextextended(f"touchpoint-import:{team_id}", 0)
        self._session.execute(select(func.pg_advisory_xact_lock(key)))

    def touchpoint_batches(self, team_id: str) -> Iterator[list[Touchpoint]]:
        """The team's touchpoints, oldest first (ties by id), with their challenges and
        promises (ordered by id) and their histories, in batches."""
        ids = self._session.scalars(
            select(TouchpointRow.id)
            .where(TouchpointRow.team_id == team_id)
            .order_by(TouchpointRow.occurred_at, TouchpointRow.id)
        ).all()
        for chunk in chunks(ids):
            yield self._batch(team_id, chunk)

    def _batch(self, team_id: str, ids: Sequence[int]) -> list[Touchpoint]:
        rows = self._session.execute(select(_TOUCHPOINTS).where(_TOUCHPOINTS.c.id.in_(ids)))
        touchpoints = {row.id: to_touchpoint(cast(TouchpointRow, row)) for row in rows}
        for challenge in self._challenges.fetch(
            select(ChallengeRow)
            .where(ChallengeRow.team_id == team_id, ChallengeRow.touchpoint_id.in_(ids))
            .order_by(ChallengeRow.id)
        ):
            touchpoints[challenge.touchpoint_id or 0].challenges.append(challenge)
        for promise in self._promises.fetch(
            select(PromiseRow)
            .where(PromiseRow.team_id == team_id, PromiseRow.touchpoint_id.in_(ids))
            .order_by(PromiseRow.id)
        ):
            touchpoints[promise.touchpoint_id or 0].promises.append(promise)
        load_contacts(self._session, team_id, list(touchpoints.values()))
        return [touchpoints[i] for i in ids]

    def add_touchpoints(self, touchpoints: Sequence[Touchpoint]) -> None:
        """Insert new touchpoints with their challenges, promises and histories, a batch
        of them per statement; sets every id."""
        for touchpoint in touchpoints:
            _check_new(touchpoint)
        for start in range(0, len(touchpoints), 500):
            batch = touchpoints[start : start + 500]
            ids = self._session.scalars(
                _INSERT_TOUCHPOINTS, [touchpoint_values(t) for t in batch]
            ).all()
            for touchpoint, touchpoint_id in zip(batch, ids, strict=True):
                touchpoint.id = touchpoint_id
                items: list[Challenge | Promise] = [*touchpoint.challenges, *touchpoint.promises]
                for item in items:
                    item.touchpoint_id = touchpoint_id
            self._challenges.insert_new([c for t in batch for c in t.challenges])
            self._promises.insert_new([p for t in batch for p in t.promises])
            insert_contacts(self._session, batch)


def _check_new(touchpoint: Touchpoint) -> None:
    items: list[Challenge | Promise] = [*touchpoint.challenges, *touchpoint.promises]
    if touchpoint.id is not None:
        raise ValueError(f"touchpoint #{touchpoint.id} is already stored")
    for item in items:
        if (item.team_id, item.customer_id) != (touchpoint.team_id, touchpoint.customer_id):
            raise ValueError("a touchpoint's challenges and promises share its customer")
        if item.id is not None:
            raise ValueError(f"{type(item).__name__} #{item.id} is already stored")
