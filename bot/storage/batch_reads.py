"""SQLAlchemy implementation of ``bot.core.batch_reads``: one query per kind for a batch's
teams. Lists cut per team use a row number and a count over the team's partition, so the
first items and the total come back together; a per-team bound (a day's start, an instant,
a limit) is a CASE on the team id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select, tuple_

from bot.core.batch_reads import DueWindow, Section
from bot.core.model import Challenge, ChallengeStatus, Customer, Direction, Promise, PromiseStatus
from bot.storage.item_readers import ReadsItems
from bot.storage.mapping import to_customer
from bot.storage.orm import (
    ChallengeRow,
    CustomerAliasRow,
    CustomerRow,
    PromiseRow,
    UTCDateTime,
)
from bot.storage.sqlhelpers import chunks

_OPEN_CHALLENGE = (ChallengeStatus.OPEN.value, ChallengeStatus.PASSED_ON.value)


def _per_team(values: Mapping[str, Any], team: Any, type_: Any = None) -> Any:
    """A CASE giving each team its own value (a bound parameter each)."""
    return case(*[(team == t, literal(v, type_)) for t, v in values.items()])


class SqlBatchReads(ReadsItems):
    def due_promises(
        self, windows: Sequence[DueWindow], limit: int
    ) -> dict[tuple[str, Section], tuple[list[Promise], int]]:
        if not windows or limit <= 0:
            return {}
        p = PromiseRow
        start = _per_team({w.team_id: w.day_start for w in windows}, p.team_id, UTCDateTime())
        end = _per_team({w.team_id: w.day_end for w in windows}, p.team_id, UTCDateTime())
        ours = p.direction == Direction.OURS.value
        section = case(
            (and_(ours, p.due_at < start), Section.OURS_OVERDUE.value),
            (ours, Section.OURS_TODAY.value),
            else_=Section.THEIRS.value,
        )
        ranked = (
            select(
                p.id,
                p.team_id,
                section.label("section"),
                func.row_number()
                .over(partition_by=(p.team_id, section), order_by=(p.due_at, p.id))
                .label("n"),
                func.count().over(partition_by=(p.team_id, section)).label("total"),
            )
            .where(
                p.team_id.in_([w.team_id for w in windows]),
                p.status == PromiseStatus.OPEN.value,
                # The latest end bounds the index range; each team's own end cuts after.
                p.due_at < max(w.day_end for w in windows),
                p.due_at < end,
            )
            .subquery()
        )
        picked = self._session.execute(
            select(ranked.c.id, ranked.c.team_id, ranked.c.section, ranked.c.total).where(
                ranked.c.n <= limit
            )
        ).all()
        found = self._promises_by_id([row.id for row in picked])
        out: dict[tuple[str, Section], tuple[list[Promise], int]] = {}
        for row in picked:
            key = (row.team_id, Section(row.section))
            out.setdefault(key, ([], int(row.total)))[0].append(found[row.id])
        for items, _ in out.values():
            items.sort(key=lambda item: (item.due_at, item.id or 0))
        return out

    def _promises_by_id(self, ids: Sequence[int]) -> dict[int, Promise]:
        found: dict[int, Promise] = {}
        for chunk in chunks(list(dict.fromkeys(ids))):
            for promise in self._promises.fetch(select(PromiseRow).where(PromiseRow.id.in_(chunk))):
                assert promise.id is not None
                found[promise.id] = promise
        return found

    def promises(self, wanted: Mapping[str, Sequence[int]]) -> dict[str, dict[int, Promise]]:
        out: dict[str, dict[int, Promise]] = {team_id: {} for team_id in wanted}
        for promise in self._promises_by_id([i for ids in wanted.values() for i in ids]).values():
            # Ids are asked for by team: one of another team's is not found, as alone.
            if promise.team_id in out and promise.id in wanted[promise.team_id]:
                out[promise.team_id][promise.id] = promise  # type: ignore[index]
        return out

    def customers(self, wanted: Mapping[str, Sequence[int]]) -> dict[str, dict[int, Customer]]:
        out: dict[str, dict[int, Customer]] = {team_id: {} for team_id in wanted}
        ids = list(dict.fromkeys(i for values in wanted.values() for i in values))
        rows: list[CustomerRow] = []
        aliases: dict[int, list[str]] = defaultdict(list)
        for chunk in chunks(ids):
            rows += self._session.scalars(
                select(CustomerRow).where(
                    CustomerRow.team_id.in_(list(wanted)), CustomerRow.id.in_(chunk)
                )
            )
            for customer_id, alias in self._session.execute(
                select(CustomerAliasRow.customer_id, CustomerAliasRow.alias)
                .where(CustomerAliasRow.customer_id.in_(chunk))
                .order_by(CustomerAliasRow.id)
            ):
                aliases[customer_id].append(alias)
        for row in rows:
            if row.id in wanted[row.team_id]:
                out[row.team_id][row.id] = to_customer(row, aliases.get(row.id, ()))
        return out

    def open_challenge_counts(self, team_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        if not team_ids:
            return {}
        c = ChallengeRow
        rows = self._session.execute(
            select(c.team_id, func.count(), func.count(distinct(c.customer_id)))
            .where(c.team_id.in_(list(team_ids)), c.status.in_(_OPEN_CHALLENGE))
            .group_by(c.team_id)
        )
        return {team_id: (int(total), int(customers)) for team_id, total, customers in rows}

    def open_raised_since(
        self, since: Mapping[str, datetime], limit: int
    ) -> dict[str, tuple[list[Challenge], int]]:
        if not since:
            return {}
        c = ChallengeRow
        firsts = self._first_challenges(
            (
                c.team_id.in_(list(since)),
                c.raised_at >= _per_team(since, c.team_id, UTCDateTime()),
            ),
            (c.team_id,),
            literal(limit),
        )
        return {key[0]: found for key, found in firsts.items()}

    def open_passed_to(
        self, areas: Sequence[tuple[str, str]], limit: int
    ) -> dict[tuple[str, str], tuple[list[Challenge], int]]:
        if not areas:
            return {}
        c = ChallengeRow
        firsts = self._first_challenges(
            (tuple_(c.team_id, c.passed_to).in_(list(areas)),),
            (c.team_id, c.passed_to),
            literal(limit),
        )
        return {(key[0], key[1]): found for key, found in firsts.items()}

    def oldest_open(self, limits: Mapping[str, int]) -> dict[str, list[Challenge]]:
        if not limits:
            return {}
        c = ChallengeRow
        firsts = self._first_challenges(
            (c.team_id.in_(list(limits)),), (c.team_id,), _per_team(limits, c.team_id)
        )
        return {key[0]: items for key, (items, _) in firsts.items()}

    def _first_challenges(
        self,
        where: tuple[ColumnElement[bool], ...],
        partition: tuple[Any, ...],
        limit: Any,
    ) -> dict[tuple[str, ...], tuple[list[Challenge], int]]:
        """The first open challenges of each partition (oldest raised first), as many as
        ``limit`` (which may depend on the row's team), and each partition's total."""
        c = ChallengeRow
        order = (c.raised_at, c.id)
        ranked = (
            select(
                c.id,
                *partition,
                func.row_number().over(partition_by=partition, order_by=order).label("n"),
                func.count().over(partition_by=partition).label("total"),
                limit.label("wanted"),
            )
            .where(*where, c.status.in_(_OPEN_CHALLENGE))
            .subquery()
        )
        keys = [ranked.c[column.key] for column in partition]
        picked = self._session.execute(
            select(ranked.c.id, ranked.c.total, *keys).where(ranked.c.n <= ranked.c.wanted)
        ).all()
        totals: dict[tuple[str, ...], int] = {}
        ids: dict[int, tuple[str, ...]] = {}
        for row in picked:
            key = tuple(row[2:])
            totals[key] = int(row.total)
            ids[row.id] = key
        out: dict[tuple[str, ...], tuple[list[Challenge], int]] = {
            key: ([], total) for key, total in totals.items()
        }
        for chunk in chunks(list(ids)):
            for challenge in self._challenges.fetch(
                select(ChallengeRow).where(ChallengeRow.id.in_(chunk)).order_by(*order)
            ):
                assert challenge.id is not None
                out[ids[challenge.id]][0].append(challenge)
        for items, _ in out.values():
            items.sort(key=lambda item: (item.raised_at, item.id or 0))
        return out
