"""The base of repositories that read challenges and promises through those items' own
repositories, so their histories load the one way (and the unit of work's ledger sees
them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.storage.challenges import SqlChallengeRepository
from bot.storage.promises import SqlPromiseRepository


class ReadsItems:
    def __init__(
        self,
        session: Session,
        challenges: SqlChallengeRepository,
        promises: SqlPromiseRepository,
    ) -> None:
        self._session = session
        self._challenges = challenges
        self._promises = promises
