"""Every read and write is scoped to one team: another team's ids are simply not found."""

from __future__ import annotations

import pytest

from bot.core.model import Direction

from .conftest import Seed, UowFactory, at


def test_another_teams_records_are_not_found_by_id(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    seed.team("t2")
    theirs = seed.touchpoint(
        seed.customer("t2", "Acme"), challenges=("c",), promises=(("p", at(1)),)
    )
    assert theirs.id is not None
    customer_id = theirs.customer_id
    (challenge,), (promise,) = theirs.challenges, theirs.promises
    assert challenge.id is not None and promise.id is not None
    with uow_factory() as uow:
        assert uow.customers.get("t1", customer_id) is None
        assert uow.customers.get_many("t1", [customer_id]) == {}
        assert uow.touchpoints.get("t1", theirs.id) is None
        assert uow.challenges.get("t1", challenge.id) is None
        assert uow.promises.get("t1", promise.id) is None
        assert uow.customers.get("t2", customer_id) is not None


def test_lists_and_searches_do_not_leak_across_teams(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    seed.team("t2")
    mine = seed.customer("t1", "Acme", "Roadrunner")
    theirs = seed.customer("t2", "Acme", "Roadrunner")  # the same names are fine elsewhere
    assert mine.id is not None and theirs.id is not None
    seed.touchpoint(theirs, challenges=("c",), promises=(("p", at(1)),), difference="d")
    with uow_factory() as uow:
        assert uow.customers.list("t1") == [mine]
        assert uow.customers.search("t1", "acme") == [mine]
        assert uow.customers.search("t1", "road") == [mine]
        assert uow.customers.by_slug("t1", "roadrunner") == mine
        assert uow.touchpoints.recent_for_customer("t1", theirs.id) == []
        assert uow.touchpoints.count_for_customer("t1", theirs.id) == 0
        assert uow.touchpoints.differences_for_customer("t1", theirs.id) == []
        assert uow.touchpoints.latest_differences("t1", [theirs.id]) == {}
        assert uow.challenges.for_customer("t1", theirs.id) == []
        assert uow.challenges.open_for_team("t1") == []
        assert uow.promises.for_customer("t1", theirs.id) == []
        assert uow.promises.open_for_team("t1") == []
        assert uow.promises.open_for_team("t1", direction=Direction.OURS) == []


def test_saving_another_teams_record_under_ours_changes_nothing(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    theirs = seed.touchpoint(
        seed.customer("t2", "Acme"), challenges=("c",), promises=(("p", None),)
    )
    (challenge,), (promise,) = theirs.challenges, theirs.promises
    challenge.team_id = promise.team_id = "t1"
    challenge.address("U1", at(1))
    promise.keep("U1", at(1))
    with uow_factory() as uow:
        with pytest.raises(LookupError):
            uow.challenges.save(challenge)
        with pytest.raises(LookupError):
            uow.promises.save(promise)
    with uow_factory() as uow:
        assert [c.text for c in uow.challenges.open_for_team("t2")] == ["c"]
        assert [p.text for p in uow.promises.open_for_team("t2")] == ["p"]
