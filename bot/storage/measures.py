"""SQL aggregates for the measures (``bot.core.measures`` defines what they count).

Counting happens in the database with portable SQL (CASE, GROUP BY, correlated subqueries)
that SQLite and PostgreSQL both run: a team with thousands of customers sends back a
handful of grouped rows. A promise's outcome is one CASE, so the subquery finding when it
was kept runs at most once per promise. Two things come back as narrow per-row values instead,
because portable SQL cannot do them: the instants medians are taken over (differences of
timestamps are not portable, and there is no portable median), and the biggest-difference
texts (case folding and whitespace collapsing are not portable either).

Weekly figures bucket rows with a CASE over week boundaries computed by the core in the
team's time zone, so a week is a team-local ISO week even across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session

from bot.core.model import ChallengeStatus, Direction, Kind, PromiseStatus
from bot.core.values import (
    DETRACTOR_UP_TO,
    PROMOTER_FROM,
    DifferenceCount,
    PromiseTally,
    Scope,
    TouchpointGroup,
)
from bot.storage.orm import (
    ChallengeEventRow,
    ChallengeRow,
    PromiseEventRow,
    PromiseRow,
    TouchpointRow,
    UTCDateTime,
)

_KEPT = PromiseStatus.KEPT.value
_NOT_KEPT = PromiseStatus.NOT_KEPT.value
_OPEN = PromiseStatus.OPEN.value
_OPEN_CHALLENGE = (ChallengeStatus.OPEN.value, ChallengeStatus.PASSED_ON.value)
_ADDRESSED, _REOPENED = "addressed", "reopened"


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _kept_at() -> ColumnElement[datetime]:
    """When the promise was (last) kept: its settling event, since its status is kept."""
    return (
        select(func.max(PromiseEventRow.at))
        .where(PromiseEventRow.promise_id == PromiseRow.id, PromiseEventRow.action == _KEPT)
        .scalar_subquery()
    )


def _deadline() -> ColumnElement[datetime]:
    """Until when keeping counts as on time: ``keep_by`` (the end of the day for a date
    without a time), the due instant for rows that have none."""
    return func.coalesce(PromiseRow.keep_by, PromiseRow.due_at)


def _on_time() -> ColumnElement[bool]:
    return and_(
        PromiseRow.status == _KEPT,
        PromiseRow.due_at.is_not(None),
        _kept_at() <= _deadline(),
    )


def _counted(now: datetime) -> ColumnElement[bool]:
    """Dated, and settled (kept / not kept) or past due while open."""
    return and_(
        PromiseRow.due_at.is_not(None),
        or_(
            PromiseRow.status.in_((_KEPT, _NOT_KEPT)),
            and_(PromiseRow.status == _OPEN, _deadline() <= now),
        ),
    )


# A promise's outcome, named as PromiseTally's fields; NULL when it counts for nothing.
# One CASE, so the "kept at" subquery runs at most once per row.
_OUTCOMES = [field.name for field in fields(PromiseTally)]


def _outcome(now: datetime) -> ColumnElement[str]:
    status, due, deadline = PromiseRow.status, PromiseRow.due_at, _deadline()
    return case(
        (and_(due.is_(None), status == _KEPT), "kept_undated"),
        (and_(due.is_(None), status == _NOT_KEPT), "not_kept_undated"),
        (and_(status == _KEPT, _kept_at() <= deadline), "on_time"),
        (status == _KEPT, "late"),
        (status == _NOT_KEPT, "missed"),
        (deadline <= now, "overdue"),
        else_=None,
    )


def _not_on_time(now: datetime) -> ColumnElement[bool]:
    status, due, deadline = PromiseRow.status, PromiseRow.due_at, _deadline()
    return and_(
        due.is_not(None),
        or_(
            status == _NOT_KEPT,
            and_(status == _OPEN, deadline <= now),
            and_(status == _KEPT, not_(func.coalesce(_kept_at() <= deadline, false()))),
        ),
    )


def _at_stage(scope: Scope) -> Select[int]:
    """The team's touchpoints at ``scope.stage``: what a stage's promises and challenges
    were made and raised at."""
    return select(TouchpointRow.id).where(
        TouchpointRow.team_id == scope.team_id, TouchpointRow.stage == scope.stage
    )


def _tallies(rows: Iterable[Any]) -> dict[Any, PromiseTally]:
    """(key, outcome, count) rows -> a tally per key."""
    counts: dict[Any, dict[str, int]] = {}
    for key, outcome, count in rows:
        if outcome in _OUTCOMES:
            counts.setdefault(key, dict.fromkeys(_OUTCOMES, 0))[outcome] += int(count)
    return {key: PromiseTally(**tally) for key, tally in counts.items()}


class SqlMeasuresRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- promises ----------------------------------------------------------------------------

    def promise_tallies_by_owner(
        self, scope: Scope, direction: Direction, now: datetime
    ) -> dict[str, PromiseTally]:
        return self._grouped(PromiseRow.owner, self._promise_scan(scope, direction, now), now)

    def promise_tallies_by_customer(
        self, scope: Scope, direction: Direction, now: datetime, limit: int | None = None
    ) -> dict[int, PromiseTally]:
        where = self._promise_scan(scope, direction, now)
        if limit is None:
            return self._grouped(PromiseRow.customer_id, where, now)
        # First the customers with most promises not kept on time, then their tallies.
        worst = list(
            self._session.scalars(
                select(PromiseRow.customer_id)
                .where(*where, _not_on_time(now))
                .group_by(PromiseRow.customer_id)
                .order_by(func.count().desc(), PromiseRow.customer_id)
                .limit(limit)
            )
        )
        if not worst:
            return {}
        found = self._grouped(
            PromiseRow.customer_id, [*where, PromiseRow.customer_id.in_(worst)], now
        )
        return {customer_id: found[customer_id] for customer_id in worst}

    def _grouped(
        self, key: Any, where: list[ColumnElement[bool]], now: datetime
    ) -> dict[Any, PromiseTally]:
        outcome = _outcome(now)
        stmt = select(key, outcome, func.count()).where(*where).group_by(key, outcome)
        return _tallies(self._session.execute(stmt))

    def _promise_scan(
        self, scope: Scope, direction: Direction, now: datetime
    ) -> list[ColumnElement[bool]]:
        where = self._promise_filter(scope, direction)
        if scope.since is not None:
            where.append(func.coalesce(PromiseRow.due_at, PromiseRow.made_at) >= scope.since)
        # Open promises not yet due count for nothing: leave them out of the scan.
        where.append(
            not_(
                and_(
                    PromiseRow.status == _OPEN,
                    or_(PromiseRow.due_at.is_(None), PromiseRow.due_at > now),
                )
            )
        )
        return where

    @staticmethod
    def _promise_filter(scope: Scope, direction: Direction) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            PromiseRow.team_id == scope.team_id,
            PromiseRow.direction == direction.value,
            PromiseRow.status != PromiseStatus.CANCELLED.value,
        ]
        if scope.person is not None:
            where.append(PromiseRow.owner == scope.person)
        if scope.customer_id is not None:
            where.append(PromiseRow.customer_id == scope.customer_id)
        if scope.stage is not None:
            where.append(PromiseRow.touchpoint_id.in_(_at_stage(scope)))
        return where

    def weekly_promises(
        self, scope: Scope, direction: Direction, bounds: Sequence[datetime], now: datetime
    ) -> list[tuple[int, int]]:
        buckets = len(bounds) - 1
        if buckets < 1:
            return []
        # The week is a CASE over the boundaries (team-local Mondays, as UTC instants).
        week = case(*((PromiseRow.due_at < bounds[n + 1], n) for n in range(buckets)), else_=None)
        stmt = (
            select(week, _count(_on_time()), _count(_counted(now)))
            .where(
                *self._promise_filter(scope, direction),
                PromiseRow.due_at >= bounds[0],
                PromiseRow.due_at < bounds[-1],
            )
            .group_by(week)
        )
        found = {
            week: (int(on_time), int(counted))
            for week, on_time, counted in self._session.execute(stmt)
        }
        return [found.get(n, (0, 0)) for n in range(buckets)]

    # -- challenges --------------------------------------------------------------------------

    def _challenge_filter(self, scope: Scope) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [ChallengeRow.team_id == scope.team_id]
        if scope.customer_id is not None:
            where.append(ChallengeRow.customer_id == scope.customer_id)
        if scope.stage is not None:
            where.append(ChallengeRow.touchpoint_id.in_(_at_stage(scope)))
        return where

    def open_challenge_starts(self, scope: Scope) -> list[datetime]:
        reopened = (
            select(func.max(ChallengeEventRow.at))
            .where(
                ChallengeEventRow.challenge_id == ChallengeRow.id,
                ChallengeEventRow.action == _REOPENED,
            )
            .scalar_subquery()
        )
        where = self._challenge_filter(scope)
        where.append(ChallengeRow.status.in_(_OPEN_CHALLENGE))
        if scope.person is not None:
            where.append(ChallengeRow.raised_by == scope.person)
        stmt = select(func.coalesce(reopened, ChallengeRow.raised_at, type_=UTCDateTime())).where(
            *where
        )
        return list(self._session.scalars(stmt))

    def times_to_address(self, scope: Scope) -> list[timedelta]:
        addressed = ChallengeEventRow.__table__.alias("addressed")
        before = ChallengeEventRow.__table__.alias("before")
        last_reopened = (
            select(func.max(before.c.at))
            .where(
                before.c.challenge_id == addressed.c.challenge_id,
                before.c.action == _REOPENED,
                before.c.id < addressed.c.id,  # events are appended in order
            )
            .scalar_subquery()
        )
        where = self._challenge_filter(scope)
        where.append(addressed.c.action == _ADDRESSED)
        if scope.person is not None:
            where.append(addressed.c.actor == scope.person)
        if scope.since is not None:
            where.append(addressed.c.at >= scope.since)
        stmt = (
            select(
                func.coalesce(last_reopened, ChallengeRow.raised_at, type_=UTCDateTime()),
                addressed.c.at,
            )
            .select_from(addressed)
            .join(ChallengeRow, ChallengeRow.id == addressed.c.challenge_id)
            .where(*where)
        )
        return [max(timedelta(0), done - opened) for opened, done in self._session.execute(stmt)]

    def open_challenges_at(self, scope: Scope, instants: Sequence[datetime]) -> list[int]:
        """Open just before T = raised before T - addressed before T + reopened before T:
        a challenge is addressed only while open and reopened only while addressed."""
        if not instants:
            return []
        latest = max(instants)
        where = self._challenge_filter(scope)
        if scope.person is not None:
            where.append(ChallengeRow.raised_by == scope.person)
        raised = self._session.execute(
            select(*(_count(ChallengeRow.raised_at < at) for at in instants)).where(
                *where, ChallengeRow.raised_at < latest
            )
        ).one()
        event = ChallengeEventRow
        sign = case((event.action == _ADDRESSED, 1), else_=-1)
        closed = self._session.execute(
            select(
                *(
                    func.coalesce(func.sum(case((event.at < at, sign), else_=0)), 0)
                    for at in instants
                )
            )
            .select_from(event)
            .join(ChallengeRow, ChallengeRow.id == event.challenge_id)
            .where(*where, event.action.in_((_ADDRESSED, _REOPENED)), event.at < latest)
        ).one()
        return [int(r) - int(c) for r, c in zip(raised, closed, strict=True)]

    # -- touchpoints -------------------------------------------------------------------------

    def _touchpoint_filter(self, scope: Scope) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [TouchpointRow.team_id == scope.team_id]
        if scope.customer_id is not None:
            where.append(TouchpointRow.customer_id == scope.customer_id)
        if scope.person is not None:
            where.append(TouchpointRow.author == scope.person)
        if scope.since is not None:
            where.append(TouchpointRow.occurred_at >= scope.since)
        return where

    def difference_counts(self, scope: Scope) -> list[DifferenceCount]:
        stmt = (
            select(TouchpointRow.customer_id, TouchpointRow.difference, func.count())
            .where(
                *self._touchpoint_filter(scope),
                TouchpointRow.difference.is_not(None),
                TouchpointRow.difference != literal(""),
            )
            .group_by(TouchpointRow.customer_id, TouchpointRow.difference)
        )
        return [
            DifferenceCount(customer_id, text or "", int(count))
            for customer_id, text, count in self._session.execute(stmt)
        ]

    def touchpoint_groups(self, scope: Scope) -> list[TouchpointGroup]:
        t = TouchpointRow
        stmt = (
            select(
                t.kind,
                t.stage,
                func.count(),
                func.coalesce(func.sum(t.satisfaction), 0),
                func.count(t.satisfaction),
                func.coalesce(func.sum(t.effort), 0),
                func.count(t.effort),
                _count(t.promoter >= PROMOTER_FROM),
                _count(t.promoter <= DETRACTOR_UP_TO),
                func.count(t.promoter),
            )
            .where(*self._touchpoint_filter(scope))
            .group_by(t.kind, t.stage)
        )
        return [
            TouchpointGroup(Kind(kind), stage or None, *(int(n or 0) for n in numbers))
            for kind, stage, *numbers in self._session.execute(stmt)
        ]
