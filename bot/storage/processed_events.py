"""Platform event ids already handled, so a retried delivery is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.storage.orm import ProcessedEventRow


class SqlProcessedEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def remember(self, key: str, team_id: str, at: datetime) -> bool:
        """INSERT .. ON CONFLICT DO NOTHING: True for the first delivery of ``key``. A
        concurrent retry waits for the first one's transaction, then gets False."""
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        inserted = self._session.execute(
            upsert(ProcessedEventRow)
            .values(key=key, team_id=team_id, at=at)
            .on_conflict_do_nothing(index_elements=[ProcessedEventRow.key])
            .returning(ProcessedEventRow.key)
        ).first()
        return inserted is not None

    def forget(self, prefix: str, before: datetime) -> None:
        # Through the (at) index: only the old rows are visited, then their keys tested.
        self._session.execute(
            delete(ProcessedEventRow).where(
                ProcessedEventRow.at < before,
                ProcessedEventRow.key.startswith(prefix, autoescape=True),
            )
        )
