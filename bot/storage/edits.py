"""Editing a stored touchpoint in place: its own fields, its items one by one, and the
kept record of each edit (``TouchpointEdit``), which an undo reads back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.core.model import Touchpoint, TouchpointEdit
from bot.storage.mapping import touchpoint_values
from bot.storage.orm import (
    ChallengeRow,
    PromiseRow,
    TouchpointContactRow,
    TouchpointEditRow,
    TouchpointRow,
)
from bot.storage.sqlhelpers import chunks
from bot.storage.touchmap import insert_contacts


def save_edit(session: Session, touchpoint: Touchpoint) -> None:
    assert touchpoint.id is not None
    mine = (TouchpointRow.id == touchpoint.id, TouchpointRow.team_id == touchpoint.team_id)
    session.execute(update(TouchpointRow).where(*mine).values(**touchpoint_values(touchpoint)))
    session.execute(
        delete(TouchpointContactRow).where(
            TouchpointContactRow.team_id == touchpoint.team_id,
            TouchpointContactRow.touchpoint_id == touchpoint.id,
        )
    )
    insert_contacts(session, [touchpoint])


def remove_items(
    session: Session, team_id: str, challenge_ids: Sequence[int], promise_ids: Sequence[int]
) -> None:
    """Histories and reminder links go with the items, by their foreign keys' cascades."""
    for row, ids in ((ChallengeRow, challenge_ids), (PromiseRow, promise_ids)):
        for chunk in chunks(list(ids)):
            session.execute(delete(row).where(row.team_id == team_id, row.id.in_(chunk)))


def add_edit(session: Session, edit: TouchpointEdit) -> None:
    row = TouchpointEditRow(
        team_id=edit.team_id,
        touchpoint_id=edit.touchpoint_id,
        at=edit.at,
        actor=edit.actor,
        previous=edit.previous,
        undone_at=edit.undone_at,
    )
    session.add(row)
    session.flush()
    edit.id = row.id


def edits_of(session: Session, team_id: str, touchpoint_id: int) -> list[TouchpointEdit]:
    rows = session.scalars(
        select(TouchpointEditRow)
        .where(
            TouchpointEditRow.team_id == team_id, TouchpointEditRow.touchpoint_id == touchpoint_id
        )
        .order_by(TouchpointEditRow.id)
    )
    return [_edit(row) for row in rows]


def last_edit_by(
    session: Session, team_id: str, actor: str, since: datetime
) -> TouchpointEdit | None:
    row = session.scalar(
        select(TouchpointEditRow)
        .where(
            TouchpointEditRow.team_id == team_id,
            TouchpointEditRow.actor == actor,
            TouchpointEditRow.at >= since,
        )
        .order_by(TouchpointEditRow.at.desc(), TouchpointEditRow.id.desc())
        .limit(1)
    )
    return None if row is None else _edit(row)


def mark_undone(session: Session, edit: TouchpointEdit) -> None:
    session.execute(
        update(TouchpointEditRow)
        .where(TouchpointEditRow.id == edit.id, TouchpointEditRow.team_id == edit.team_id)
        .values(undone_at=edit.undone_at)
    )


def last_edits(
    session: Session, team_id: str, touchpoint_ids: Sequence[int]
) -> dict[int, TouchpointEdit]:
    found: dict[int, TouchpointEdit] = {}
    for chunk in chunks(list(touchpoint_ids)):
        rows = session.scalars(
            select(TouchpointEditRow)
            .where(
                TouchpointEditRow.team_id == team_id,
                TouchpointEditRow.touchpoint_id.in_(chunk),
                TouchpointEditRow.undone_at.is_(None),
            )
            .order_by(TouchpointEditRow.id)
        )
        found.update((row.touchpoint_id, _edit(row)) for row in rows)  # the newest wins
    return found


def _edit(row: TouchpointEditRow) -> TouchpointEdit:
    return TouchpointEdit(
        team_id=row.team_id,
        touchpoint_id=row.touchpoint_id,
        at=row.at,
        actor=row.actor,
        previous=row.previous,
        undone_at=row.undone_at,
        id=row.id,
    )
