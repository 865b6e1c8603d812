"""Platform event ids already handled, so a retried delivery is handled once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.orm import ProcessedEventRow, table_of

_EVENTS = table_of(ProcessedEventRow)
# Built once: every request that could change something is checked.
_REMEMBER_SQLITE = sqlite.insert(_EVENTS).on_conflict_do_nothing(index_elements=["key"])
_REMEMBER_POSTGRES = (
    postgresql.insert(_EVENTS)
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(_EVENTS.c.key)
)


class SqlProcessedEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def remember(self, key: str, team_id: str, at: datetime) -> bool:
        """INSERT .. ON CONFLICT DO NOTHING: True for the first delivery of ``key``. A
        concurrent retry waits for the first one's transaction, then gets False."""
        row = {"key": key, "team_id": team_id, "at": at}
        if self._session.get_bind().dialect.name == "postgresql":
            # RETURNING: psycopg reports no row count for this statement.
            return self._session.execute(_REMEMBER_POSTGRES, row).first() is not None
        # SQLite: the count of rows written says which. A row to fetch (RETURNING) would
        # be one more step between taking the write lock and committing, and under load
        # each step can wait milliseconds for the interpreter, with every other writer
        # queued behind it.
        return cast("CursorResult[Any]", self._session.execute(_REMEMBER_SQLITE, row)).rowcount == 1

    def forget(self, prefix: str, before: datetime) -> None:
        # Through the (at) index: only the old rows are visited, then their keys tested.
        self._session.execute(
            delete(ProcessedEventRow).where(
                ProcessedEventRow.at < before,
                ProcessedEventRow.key.startswith(prefix, autoescape=True),
            )
        )
