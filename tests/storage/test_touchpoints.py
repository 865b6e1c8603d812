from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.model import Challenge, Direction, Event, Kind, Promise, Touchpoint

from .conftest import T0, Seed, UowFactory, at


def test_adding_a_touchpoint_sets_the_ids_of_it_and_its_items(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    touchpoint = seed.touchpoint(
        acme, challenges=("slow internet", "billing"), promises=(("send quote", at(48)),)
    )
    assert touchpoint.id is not None
    items = [*touchpoint.challenges, *touchpoint.promises]
    assert all(item.id is not None for item in items)
    assert len({item.id for item in touchpoint.challenges}) == 2
    assert {item.touchpoint_id for item in items} == {touchpoint.id}


def test_a_touchpoint_round_trips_with_its_challenges_promises_and_history(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    assert acme.id is not None
    passed_on = Challenge("t1", acme.id, "outage", "U1", T0)
    passed_on.pass_on("network team", "U1", at(0.5))
    promise = Promise("t1", acme.id, Direction.THEIRS, "read brochure", "U2", "U1", T0, at(24))
    promise.snooze(at(30), "U1", at(1))
    touchpoint = Touchpoint(
        "t1",
        acme.id,
        "U1",
        T0,
        kind=Kind.VIDEO,
        code="resolved",
        notes="Long call.\nSecond line.",
        difference="needs fibre",
        challenges=[Challenge("t1", acme.id, "slow", "U1", T0), passed_on],
        promises=[Promise("t1", acme.id, Direction.OURS, "quote", "U1", "U1", T0), promise],
    )
    with uow_factory() as uow:
        uow.touchpoints.add(touchpoint)
        uow.commit()
    assert touchpoint.id is not None
    with uow_factory() as uow:
        stored = uow.touchpoints.get("t1", touchpoint.id)
    assert stored == touchpoint
    assert stored.occurred_at.tzinfo is UTC
    assert stored.promises[1].history == [Event(at(1), "U1", "snoozed", at(30).isoformat())]
    assert stored.promises[1].remind_at == at(30)
    assert stored.promises[0].remind_at is None  # undated: nothing to remind


def test_recent_touchpoints_come_newest_first_without_their_items(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    assert acme.id is not None
    for hours in (5, 1, 9, 3):
        seed.touchpoint(acme, at(hours), challenges=("x",))
    with uow_factory() as uow:
        recent = uow.touchpoints.recent_for_customer("t1", acme.id, limit=3)
        assert uow.touchpoints.count_for_customer("t1", acme.id) == 4
    assert [t.occurred_at for t in recent] == [at(9), at(5), at(3)]
    assert all(t.challenges == [] and t.promises == [] for t in recent)


def test_differences_come_oldest_first_and_only_where_one_was_named(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    assert acme.id is not None
    seed.touchpoint(acme, at(2), difference="second", author="U2")
    seed.touchpoint(acme, at(1), difference="first")
    seed.touchpoint(acme, at(3))
    seed.touchpoint(acme, at(4), difference="")
    with uow_factory() as uow:
        assert uow.touchpoints.differences_for_customer("t1", acme.id) == [
            (at(1), "U1", "first"),
            (at(2), "U2", "second"),
        ]


def test_latest_differences_give_each_customer_its_newest_headline(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme, beta, quiet = (seed.customer("t1", n) for n in ("Acme", "Beta", "Quiet"))
    assert acme.id and beta.id and quiet.id
    seed.touchpoint(acme, at(5), difference="newest")
    seed.touchpoint(acme, at(1), difference="older, recorded later")
    seed.touchpoint(acme, at(6))  # no difference named: the headline stays
    seed.touchpoint(beta, at(1), difference="beta's")
    seed.touchpoint(quiet, at(1))
    with uow_factory() as uow:
        latest = uow.touchpoints.latest_differences("t1", [acme.id, beta.id, quiet.id, 12345])
        assert uow.touchpoints.latest_differences("t1", []) == {}
    assert latest == {acme.id: "newest", beta.id: "beta's"}


def test_a_touchpoints_items_must_belong_to_its_customer(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme, beta = seed.customer("t1", "Acme"), seed.customer("t1", "Beta")
    assert acme.id and beta.id
    touchpoint = Touchpoint(
        "t1", acme.id, "U1", T0, challenges=[Challenge("t1", beta.id, "x", "U1", T0)]
    )
    with uow_factory() as uow, pytest.raises(ValueError, match="share its customer"):
        uow.touchpoints.add(touchpoint)


def test_the_database_refuses_a_touchpoint_for_another_teams_customer(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    theirs = seed.customer("t2", "Theirs")
    assert theirs.id is not None
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.touchpoints.add(Touchpoint("t1", theirs.id, "U1", T0))


def test_a_touchpoints_items_get_their_ids_in_the_order_they_were_written(
    seed: Seed, uow_factory: UowFactory
) -> None:
    """Many challenges and promises go in one INSERT each; every item must still get its
    own row's id, or a reference (C12, P7) would point at another item."""
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    texts = [f"item {n:02d}" for n in range(12)]
    # Earlier rows, so the new ids do not start at 1.
    seed.touchpoint(acme, challenges=("older",), promises=(("older", None),))
    touchpoint = seed.touchpoint(
        acme, challenges=tuple(texts), promises=tuple((t, None) for t in texts)
    )
    with uow_factory() as uow:
        for item in touchpoint.challenges:
            assert item.id is not None
            stored = uow.challenges.get("t1", item.id)
            assert stored is not None and stored.text == item.text
        for item in touchpoint.promises:
            assert item.id is not None
            found = uow.promises.get("t1", item.id)
            assert found is not None and found.text == item.text
    assert [c.id for c in touchpoint.challenges] == sorted(c.id or 0 for c in touchpoint.challenges)
