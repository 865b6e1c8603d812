from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from bot.core.model import Team
from bot.storage.orm import ChallengeEventRow

from .conftest import Seed, UowFactory, at


def _team_ids(uow_factory: UowFactory) -> list[str]:
    with uow_factory() as uow:
        return [t.id for t in uow.teams.list_all()]


def test_leaving_without_commit_rolls_back(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.teams.add(Team(id="t1", name="T"))
    assert _team_ids(uow_factory) == []


def test_an_exception_rolls_back_and_propagates(uow_factory: UowFactory) -> None:
    with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
        uow.teams.add(Team(id="t1", name="T"))
        raise RuntimeError("boom")
    assert _team_ids(uow_factory) == []


def test_work_after_commit_is_rolled_back_unless_committed_again(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.teams.add(Team(id="t1", name="T"))
        uow.commit()
        uow.teams.add(Team(id="t2", name="T"))
    assert _team_ids(uow_factory) == ["t1"]


def test_one_unit_of_work_serves_several_blocks_in_turn(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with uow:
        uow.teams.add(Team(id="t1", name="T"))
        uow.commit()
    with uow:
        assert uow.teams.get("t1") is not None
        uow.teams.add(Team(id="t2", name="T"))
    with uow:
        assert [t.id for t in uow.teams.list_all()] == ["t1"]


def test_a_unit_of_work_cannot_be_nested_or_used_outside_its_block(
    uow_factory: UowFactory,
) -> None:
    uow = uow_factory()
    with uow, pytest.raises(RuntimeError, match="already open"), uow:
        pass
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        uow.commit()


def test_an_explicit_rollback_forgets_the_events_it_discarded(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    seed.team("t1")
    (challenge,) = seed.touchpoint(seed.customer("t1", "Acme"), challenges=("x",)).challenges
    assert challenge.id is not None
    with uow_factory() as uow:
        loaded = uow.challenges.get("t1", challenge.id)
        assert loaded is not None
        loaded.address("U1", at(1))
        uow.challenges.save(loaded)
        uow.rollback()
        uow.challenges.save(loaded)  # the event must be written again, not skipped
        uow.commit()
    with engine.connect() as connection:
        count = select(func.count()).select_from(ChallengeEventRow)
        assert connection.execute(count).scalar_one() == 1
