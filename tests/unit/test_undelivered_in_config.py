"""`/touchpoint config` tells the team what could not be sent lately, why, and what to do."""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import Context
from bot.core.delivery import Delivery, DeliveryKind
from bot.core.interactions import Interactions
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.conftest import NOW
from tests.unit.test_commands import said, typed

TEAM = "console:test"
CTX = Context(TEAM, "U1", "C1", "Test")
ARCHIVED = "the team channel is archived (is_archived) — unarchive it or choose another"


def _given_up(store: FakeStore, key: str, reason: str, days_ago: float) -> None:
    delivery = Delivery(TEAM, DeliveryKind.DIGEST, key, "C1", NOW - timedelta(days=days_ago))
    with FakeUnitOfWork(store) as uow:
        uow.deliveries.add_if_absent(delivery)
        uow.commit()
    stored = next(d for d in store.deliveries.values() if d.key == key)
    stored.attempts = 1
    stored.failed(reason, NOW, None, permanent=True)


def test_config_counts_the_deliveries_given_up_this_week_by_reason(
    way_in: Interactions, store: FakeStore
) -> None:
    typed(way_in, "config", CTX)  # the team exists
    assert "could not be sent" not in said(typed(way_in, "config", CTX))
    _given_up(store, "digest:a", ARCHIVED, 1)
    _given_up(store, "digest:b", ARCHIVED, 2)
    _given_up(store, "digest:old", ARCHIVED, 9)  # older than a week: not mentioned

    shown = said(typed(way_in, "config", CTX))

    assert f"2 deliveries could not be sent: {ARCHIVED}" in shown
