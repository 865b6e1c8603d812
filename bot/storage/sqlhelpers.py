"""Small helpers the repositories share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Insert, Table, insert
from sqlalchemy.orm import Session

# Large enough to batch, small enough for any backend's limit on bound parameters.
CHUNK = 500
T = TypeVar("T")


def chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """``ids`` in slices of at most CHUNK, for IN (...) lists."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def rowcount(result: object) -> int:
    """How many rows an UPDATE or DELETE touched (its result is a CursorResult)."""
    return cast("CursorResult[Any]", result).rowcount


class RowsInserter:
    """One INSERT of many rows, returning their ids in the order the rows were given.

    PostgreSQL returns them in that order when asked to. SQLite cannot be asked, and
    SQLAlchemy then inserts one row per statement; but SQLite numbers the rows of one INSERT
    in the order they come (each new id is one more than the largest, under the write lock
    the statement holds), so its ids, sorted, are in the rows' order: one statement for a
    form's challenges or promises instead of one each."""

    def __init__(self, table: Table) -> None:
        self._ordered: Insert = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        self._any_order: Insert = insert(table).returning(table.c.id)

    def ids(self, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
        if session.get_bind().dialect.name == "sqlite":
            return sorted(session.scalars(self._any_order, rows).all())
        return list(session.scalars(self._ordered, rows).all())
