"""Storage fixtures: an engine on the test's database and a seeder for common rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pg import PostgresCluster
from sqlalchemy import Engine

from bot.core.model import Challenge, Customer, Direction, Promise, Team, Touchpoint, slugify
from bot.storage.engine import make_engine
from bot.storage.uow import SqlAlchemyUnitOfWork

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
UowFactory = Callable[[], SqlAlchemyUnitOfWork]
_empty_names = itertools.count(1)


def at(hours: float) -> datetime:
    """An instant ``hours`` after T0."""
    return T0 + timedelta(hours=hours)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


class Seed:
    """Commits rows through the repositories, one unit of work per call."""

    def __init__(self, uow_factory: UowFactory) -> None:
        self.uow = uow_factory

    def team(self, team_id: str = "slack:T1", **fields: Any) -> Team:
        team = Team(id=team_id, name=fields.pop("name", team_id), created_at=T0, **fields)
        with self.uow() as uow:
            uow.teams.add(team)
            uow.commit()
        return team

    def customer(self, team_id: str, name: str, *aliases: str) -> Customer:
        with self.uow() as uow:
            customer = uow.customers.add(
                Customer(team_id, name, slugify(name), aliases=aliases, created_at=T0)
            )
            uow.commit()
        return customer

    def touchpoint(
        self,
        customer: Customer,
        occurred_at: datetime = T0,
        *,
        challenges: tuple[str, ...] = (),
        promises: tuple[tuple[str, datetime | None], ...] = (),
        direction: Direction = Direction.OURS,
        difference: str | None = None,
        author: str = "U1",
    ) -> Touchpoint:
        assert customer.id is not None
        team_id, customer_id = customer.team_id, customer.id
        touchpoint = Touchpoint(
            team_id,
            customer_id,
            author,
            occurred_at,
            difference=difference,
            challenges=[
                Challenge(team_id, customer_id, t, author, occurred_at) for t in challenges
            ],
            promises=[
                Promise(team_id, customer_id, direction, t, author, author, occurred_at, due_at=due)
                for t, due in promises
            ],
        )
        with self.uow() as uow:
            uow.touchpoints.add(touchpoint)
            uow.commit()
        return touchpoint


@pytest.fixture
def seed(uow_factory: UowFactory) -> Seed:
    return Seed(uow_factory)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nothing has touched: not even migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    name = f"empty_{next(_empty_names)}"
    yield cluster.create_database(name)
    cluster.drop_database(name)
