"""A feed's data version moves with every change a feed shows, on both databases."""

from __future__ import annotations

from bot.core import services
from bot.core.clock import ManualClock

from .conftest import Seed, UowFactory, at


def _version(uow_factory: UowFactory) -> str:
    with uow_factory() as uow:
        return uow.calendar_feeds.data_version("t1")


def test_the_version_moves_with_new_and_settled_promises_and_new_customers(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    empty = _version(uow_factory)
    acme = seed.customer("t1", "Acme")
    with_customer = _version(uow_factory)
    touchpoint = seed.touchpoint(acme, promises=(("send quote", at(24)),))
    with_promise = _version(uow_factory)
    assert len({empty, with_customer, with_promise}) == 3
    assert _version(uow_factory) == with_promise  # nothing changed, nothing moves

    seed.touchpoint(seed.customer("t2", "Globex"), promises=(("other team", at(24)),))
    assert _version(uow_factory) == with_promise  # another team's change is not ours

    promise_id = touchpoint.promises[0].id
    assert promise_id is not None
    services.settle_promise(
        "t1", promise_id, "kept", "U1", uow=uow_factory(), clock=ManualClock(at(1))
    )
    assert _version(uow_factory) != with_promise
