"""Calendar feed tokens in SQLite and PostgreSQL: stored as hashes, revocable, per team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from bot.core.calendar import CalendarFeed, feed_for_token, hash_token, issue_feed, revoke_feeds
from bot.core.clock import ManualClock
from bot.core.ports import Revision
from bot.storage.orm import CalendarFeedRow

from .conftest import T0, Seed, UowFactory, at


def feed(team_id: str, owner: str | None, token: str) -> CalendarFeed:
    return CalendarFeed(team_id, owner, hash_token(token), T0)


def test_a_feed_is_found_by_its_hash_with_its_team_and_owner(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    with uow_factory() as uow:
        stored = uow.calendar_feeds.add(feed("t1", "U1", "secret"))
        uow.commit()
    assert stored.id is not None
    with uow_factory() as uow:
        found = uow.calendar_feeds.by_token_hash(hash_token("secret"))
        assert uow.calendar_feeds.by_token_hash(hash_token("other")) is None
    assert found == CalendarFeed("t1", "U1", hash_token("secret"), T0, None, stored.id)


def test_revoking_touches_only_that_owners_active_feeds_in_that_team(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    with uow_factory() as uow:
        for team_id, owner, token in [
            ("t1", "U1", "a"),
            ("t1", "U1", "b"),
            ("t1", "U2", "c"),
            ("t1", None, "d"),
            ("t2", "U1", "e"),
        ]:
            uow.calendar_feeds.add(feed(team_id, owner, token))
        uow.commit()
    with uow_factory() as uow:
        assert uow.calendar_feeds.revoke("t1", "U1", at(1)) == 2
        assert uow.calendar_feeds.revoke("t1", "U1", at(2)) == 0  # already revoked: kept as it was
        assert uow.calendar_feeds.revoke("t1", None, at(3)) == 1
        uow.commit()
    with uow_factory() as uow:
        revoked = {
            token: found.revoked_at
            for token in "abcde"
            if (found := uow.calendar_feeds.by_token_hash(hash_token(token))) is not None
        }
    assert revoked == {"a": at(1), "b": at(1), "c": None, "d": at(3), "e": None}


def test_a_token_hash_is_stored_once(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    with uow_factory() as uow:
        uow.calendar_feeds.add(feed("t1", "U1", "same"))
        uow.commit()
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.calendar_feeds.add(feed("t1", "U2", "same"))
        uow.commit()


def test_the_use_cases_on_a_real_database(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    seed.team("t1")
    seed.team("t2")
    acme, initech = seed.customer("t1", "Acme"), seed.customer("t2", "Initech")
    seed.touchpoint(acme, promises=(("send quote", at(48)), ("call back", None)), author="U1")
    seed.touchpoint(acme, promises=(("visit", at(24)),), author="U2")
    seed.touchpoint(initech, promises=(("fix printer", at(24)),), author="U1")
    clock = ManualClock(at(1))
    mine = issue_feed("t1", "U1", uow=uow_factory(), clock=clock)
    team = issue_feed("t1", None, uow=uow_factory(), clock=clock)
    content = feed_for_token(mine, uow=uow_factory(), clock=clock)
    assert content is not None and [p.text for p in content.promises] == ["send quote"]
    assert content.customers[acme.id or 0].name == "Acme"
    everyone = feed_for_token(team, uow=uow_factory(), clock=clock)
    assert everyone is not None and [p.text for p in everyone.promises] == ["visit", "send quote"]
    assert set(everyone.customers) == {acme.id}
    clock.advance(timedelta(minutes=5))
    assert revoke_feeds("t1", "U1", uow=uow_factory(), clock=clock) == 1
    assert feed_for_token(mine, uow=uow_factory(), clock=clock) is None
    with engine.connect() as connection:
        hashes = set(connection.scalars(select(CalendarFeedRow.token_hash)))
    assert hashes == {hash_token(mine), hash_token(team)}  # never the tokens themselves


def test_revisions_are_what_the_histories_say_without_loading_them(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    seed.touchpoint(acme, promises=(("send quote", at(2)), ("call back", at(3)), ("demo", at(4))))
    with uow_factory() as uow:
        quote, call = uow.promises.get("t1", 1), uow.promises.get("t1", 2)
        assert quote is not None and call is not None
        quote.reschedule(at(5), "U2", T0 + timedelta(hours=1), None)
        quote.reschedule(at(6), "U2", T0 + timedelta(hours=2), None)
        call.snooze(at(3) + timedelta(hours=4), "U3", T0 + timedelta(hours=3))
        uow.promises.save(quote)
        uow.promises.save(call)
        uow.commit()
    with uow_factory() as uow:
        full = uow.promises.open_for_team("t1")
        lean = uow.promises.open_for_team("t1", with_history=False)
        revisions = uow.promises.revisions([p.id for p in lean if p.id is not None])
    assert [p.id for p in lean] == [p.id for p in full] and not any(p.history for p in lean)
    for promise in full:
        assert promise.id is not None
        expected = Revision.of(promise)
        assert revisions.get(promise.id, Revision(promise.made_at, 0)) == expected
    assert revisions[1].reschedules == 2 and revisions[1].last_changed == T0 + timedelta(hours=2)
