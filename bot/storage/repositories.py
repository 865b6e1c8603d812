"""SQLAlchemy implementations of the team and touchpoint repository ports in ``bot.core.ports``.

Reads select rows and turn them into domain objects; writes are explicit INSERT/UPDATE
statements built from the domain objects, so no ORM object ever leaves this package. Every
query is scoped to a team. A touchpoint is stored with its challenges and promises through
their repositories (``bot.storage.challenges``, ``bot.storage.promises``).
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.model import Challenge, Contact, Promise, Team, Touchpoint, TouchpointEdit
from bot.storage import edits
from bot.storage.item_readers import ReadsItems
from bot.storage.locking import lock_for_claiming
from bot.storage.mapping import team_values, to_team, to_touchpoint, touchpoint_values
from bot.storage.orm import ChallengeRow, PromiseRow, TeamRow, TouchpointRow, table_of
from bot.storage.sqlhelpers import CHUNK, chunks, rowcount
from bot.storage.touchmap import contacts_for_customer, insert_contacts, load_contacts

# Built once: on the record path, building a statement costs more than running it.
_TOUCHPOINTS = table_of(TouchpointRow)
_INSERT_TOUCHPOINT = insert(_TOUCHPOINTS).returning(_TOUCHPOINTS.c.id)
# Built once: every request reads its team, and building the statement cost more than
# running it.
_TEAM = select(TeamRow).where(TeamRow.id == bindparam("team_id"))
_TEAMS = table_of(TeamRow)
# A SQLAlchemy Row's attribute lookup costs about ten times a namedtuple's.
_TeamFields = namedtuple("_TeamFields", _TEAMS.c.keys())  # type: ignore[misc]


class SqlTeamRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, team_id: str) -> Team | None:
        row = self._session.scalar(_TEAM, {"team_id": team_id})
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
            # Plain tuples, not ORM entities: a scan reads hundreds of teams, and loading
            # them as entities cost more than the query.
            for row in self._session.execute(
                select(_TEAMS).where(_TEAMS.c.id.in_(wanted[start : start + CHUNK]))
            ):
                found[row.id] = to_team(cast(TeamRow, _TeamFields._make(row)))
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


class SqlTouchpointRepository(ReadsItems):
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

    def save_edit(self, touchpoint: Touchpoint) -> None:
        edits.save_edit(self._session, touchpoint)

    def add_items(
        self, touchpoint: Touchpoint, challenges: Sequence[Challenge], promises: Sequence[Promise]
    ) -> None:
        both: list[Challenge | Promise] = [*challenges, *promises]
        for item in both:
            item.touchpoint_id = touchpoint.id
        self._challenges.insert_new(challenges)
        self._promises.insert_new(promises)

    def remove_items(
        self, team_id: str, challenge_ids: Sequence[int], promise_ids: Sequence[int]
    ) -> None:
        edits.remove_items(self._session, team_id, challenge_ids, promise_ids)

    def add_edit(self, edit: TouchpointEdit) -> None:
        edits.add_edit(self._session, edit)

    def edits_of(self, team_id: str, touchpoint_id: int) -> list[TouchpointEdit]:
        return edits.edits_of(self._session, team_id, touchpoint_id)

    def last_edit_by(self, team_id: str, actor: str, since: datetime) -> TouchpointEdit | None:
        return edits.last_edit_by(self._session, team_id, actor, since)

    def mark_undone(self, edit: TouchpointEdit) -> None:
        edits.mark_undone(self._session, edit)

    def last_edits(self, team_id: str, touchpoint_ids: Sequence[int]) -> dict[int, TouchpointEdit]:
        return edits.last_edits(self._session, team_id, touchpoint_ids)

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
