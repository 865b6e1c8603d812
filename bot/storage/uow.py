"""The unit of work: one session, one transaction, the repositories built on it."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.core.batch_reads import BatchReads
from bot.core.outbox_ports import DeliveryRepository, ProcessedEventRepository
from bot.core.ports import (
    CalendarFeedRepository,
    ChallengeRepository,
    CustomerRepository,
    ExchangeRepository,
    MapRepository,
    MeasuresRepository,
    PromiseRepository,
    TeamRepository,
    TouchpointRepository,
)
from bot.storage.batch_reads import SqlBatchReads
from bot.storage.calendar_feeds import SqlCalendarFeedRepository
from bot.storage.challenges import SqlChallengeRepository
from bot.storage.customers import SqlCustomerRepository
from bot.storage.deliveries import SqlDeliveryRepository
from bot.storage.exchange import SqlExchangeRepository
from bot.storage.history import HistoryLedger
from bot.storage.measures import SqlMeasuresRepository
from bot.storage.processed_events import SqlProcessedEventRepository
from bot.storage.promises import SqlPromiseRepository
from bot.storage.repositories import SqlTeamRepository, SqlTouchpointRepository
from bot.storage.touchmap import SqlMapRepository

if TYPE_CHECKING:
    from bot.core.ports import UnitOfWork


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(
        bind=engine,
        # Domain objects are built from rows as they are read, so nothing needs the ORM
        # to reload state after commit: expiring it would only cost queries.
        expire_on_commit=False,
        # Some writes are Core statements the identity map does not see (the bulk
        # reminder update). Rows are dropped as soon as they become domain objects, so
        # the (weak) identity map rarely holds one; this makes every read authoritative
        # even when it does.
        execution_options={"populate_existing": True},
    )


class SqlAlchemyUnitOfWork:
    """``with uow: ... uow.commit()``. Leaving the block without committing, or with an
    exception, rolls back. One instance serves any number of sequential blocks, but not
    nested or concurrent ones."""

    # Typed as the ports: a Protocol's attributes are invariant, and callers need no more.
    teams: TeamRepository
    customers: CustomerRepository
    touchpoints: TouchpointRepository
    challenges: ChallengeRepository
    promises: PromiseRepository
    exchange: ExchangeRepository
    deliveries: DeliveryRepository
    events: ProcessedEventRepository
    measures: MeasuresRepository
    calendar_feeds: CalendarFeedRepository
    touchmap: MapRepository
    batch: BatchReads

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._ledger = HistoryLedger()

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; use one per transaction")
        session = self._session = self._session_factory()
        ledger = self._ledger = HistoryLedger()
        challenges = SqlChallengeRepository(session, ledger)
        promises = SqlPromiseRepository(session, ledger)
        self.teams = SqlTeamRepository(session)
        self.customers = SqlCustomerRepository(session)
        self.challenges = challenges
        self.promises = promises
        self.touchpoints = SqlTouchpointRepository(session, challenges, promises)
        self.exchange = SqlExchangeRepository(session, challenges, promises)
        self.deliveries = SqlDeliveryRepository(session)
        self.events = SqlProcessedEventRepository(session)
        self.measures = SqlMeasuresRepository(session)
        self.calendar_feeds = SqlCalendarFeedRepository(session)
        self.touchmap = SqlMapRepository(session)
        self.batch = SqlBatchReads(session, challenges, promises)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.rollback()  # a no-op after commit(); discards anything since
        finally:
            session.close()

    def commit(self) -> None:
        self._open().commit()

    def rollback(self) -> None:
        self._open().rollback()
        self._ledger.forget()  # the events it counted as stored are gone again

    def _open(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `with uow:`")
        return self._session


if TYPE_CHECKING:

    def _implements_the_port(uow: SqlAlchemyUnitOfWork) -> UnitOfWork:
        return uow
