"""The same thing said twice: noticed at recording, linked on request, counted once."""

from __future__ import annotations

import difflib
import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import duplicates, measures, services
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.content import confirmation
from bot.core.duplicates import near_identical
from bot.core.errors import UserError
from bot.core.model import ChallengeStatus, PromiseStatus
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.test_reminders import flatten

TEAM = "console:test"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Monday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def store(clock: ManualClock) -> FakeStore:
    store = FakeStore()
    services.ensure_team(
        TEAM, "T", defaults=TeamDefaults("Europe/London"), uow=FakeUnitOfWork(store), clock=clock
    )
    return store


def record(store: FakeStore, clock: ManualClock, text: str) -> services.Recorded:
    return services.record_quick_entry(TEAM, "U1", text, uow=FakeUnitOfWork(store), clock=clock)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("send fibre quote", "Send the fibre quote.", True),
        ("send fibre quote", "send fibre qoute", True),
        ("invoice 2291 wrong", "invoice 2292 wrong", False),
        ("send fibre quote", "send copper quote", False),
        ("slow internet", "slow  Internet!", True),
    ],
)
def test_near_identical_ignores_case_spacing_and_typos_but_not_numbers(a, b, same) -> None:
    assert near_identical(a, b) is same


def test_a_promise_said_again_is_flagged_with_the_command_that_links_it(store, clock) -> None:
    first = record(store, clock, "acme call | ch: slow internet | we: send fibre quote by fri")
    assert first.repeats == ()
    clock.advance(timedelta(days=1))
    second = record(store, clock, "acme call | ch: Slow internet | we: send the fibre quote by thu")
    kinds = sorted((r.kind, r.existing.id) for r in second.repeats)
    old_challenge = first.touchpoint.challenges[0].id
    old_promise = first.touchpoint.promises[0].id
    assert kinds == [("challenge", old_challenge), ("promise", old_promise)]
    reply = confirmation(second)
    text = flatten(reply)
    new_promise = second.touchpoint.promises[0].id
    assert reply.sections[-1].heading == "Already open for acme?"
    assert f"/touchpoint link promise {new_promise} {old_promise}" in text


def test_other_customers_and_settled_items_are_not_repeats(store, clock) -> None:
    first = record(store, clock, "acme call | we: send fibre quote by fri")
    pid = first.touchpoint.promises[0].id or 0
    services.settle_promise(TEAM, pid, "kept", "U1", uow=FakeUnitOfWork(store), clock=clock)
    assert record(store, clock, "acme call | we: send fibre quote by fri").repeats == ()
    assert record(store, clock, "+globex call | we: send fibre quote by fri").repeats == ()


def test_linking_keeps_the_older_promise_and_counts_the_thing_once(store, clock) -> None:
    old = record(store, clock, "acme call | we: send fibre quote by fri").touchpoint.promises[0]
    new = record(store, clock, "acme call | we: send fibre quote by fri").touchpoint.promises[0]
    assert old.id is not None and new.id is not None
    commands = Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults("Europe/London"))
    reply = commands.handle(f"link promise {new.id} {old.id}", Context(TEAM, "U1"))
    assert isinstance(reply, Reply) and "closed as the same as" in flatten(reply)
    with FakeUnitOfWork(store) as uow:
        kept, closed = uow.promises.get(TEAM, old.id), uow.promises.get(TEAM, new.id)
    assert kept is not None and closed is not None
    assert kept.is_open and kept.history[-1].action == "said_again"
    assert (
        closed.status is PromiseStatus.CANCELLED
        and closed.history[-1].detail == f"same as #{old.id}"
    )
    services.settle_promise(TEAM, old.id, "kept", "U1", uow=FakeUnitOfWork(store), clock=clock)
    report = measures.team_measures(TEAM, uow=FakeUnitOfWork(store), clock=clock)
    assert (report.ours.on_time, report.ours.counted) == (1, 1)


def test_a_linked_challenge_is_closed_without_counting_as_addressed(store, clock) -> None:
    old = record(store, clock, "acme call | ch: slow internet").touchpoint.challenges[0]
    new = record(store, clock, "acme call | ch: slow internet").touchpoint.challenges[0]
    assert old.id is not None and new.id is not None
    duplicates.link(TEAM, "challenge", new.id, old.id, "U1", uow=FakeUnitOfWork(store), clock=clock)
    with FakeUnitOfWork(store) as uow:
        closed = uow.challenges.get(TEAM, new.id)
        still = uow.challenges.open_for_team(TEAM)
    assert closed is not None and closed.status is ChallengeStatus.ADDRESSED
    assert [c.id for c in still] == [old.id]
    report = measures.team_measures(TEAM, uow=FakeUnitOfWork(store), clock=clock)
    assert report.challenges.open == 1 and report.challenges.addressed == 0


def test_only_the_same_customers_open_items_link(store, clock) -> None:
    acme = record(store, clock, "acme call | we: send fibre quote by fri").touchpoint.promises[0]
    globex = record(store, clock, "+globex call | we: send fibre quote").touchpoint.promises[0]
    with pytest.raises(UserError, match="different customers"):
        duplicates.link(
            TEAM,
            "promise",
            globex.id or 0,
            acme.id or 0,
            "U1",
            uow=FakeUnitOfWork(store),
            clock=clock,
        )


def test_the_quick_prefilter_gives_the_same_answer_as_the_full_comparison() -> None:
    words = ["send", "fibre", "quote", "call", "back", "invoice", "sent", "fiber", "quotes"]
    rng = random.Random(7)
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 4))) for _ in range(150)]
    texts += ["send fibre quote", "Send the fibre quote.", "send fiber quote", "invoice 2291"]
    for a in texts:
        for b in texts[::7]:
            x, y = duplicates.normalised(a), duplicates.normalised(b)
            full = bool(x and y) and (
                x == y
                or (
                    re.sub(r"\d", "", x) != re.sub(r"\d", "", y)
                    and difflib.SequenceMatcher(None, x, y).ratio() >= duplicates.SIMILAR
                )
            )
            assert duplicates.near_identical(a, b) is full, (a, b)
