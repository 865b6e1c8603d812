"""Command words, customer names and questions; undo and delete."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import requests, words
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context, OpenForm
from bot.core.model import ChallengeStatus, PromiseStatus
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "slack:T1"
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
Handle = Callable[..., Reply | OpenForm]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def commands(store: FakeStore, clock: ManualClock) -> Commands:
    return Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults())


def handle(commands: Commands, text: str, user: str = "U1") -> Reply | OpenForm:
    return commands.handle(text, Context(TEAM, user, "C1", "Team"))


def said(outcome: Reply | OpenForm) -> str:
    assert isinstance(outcome, Reply)
    return "\n".join(
        "".join(getattr(span, "text", "") for span in item.spans)
        for section in outcome.sections
        for item in section.lines
    )


def test_a_customer_whose_name_starts_with_a_command_word_is_recorded(
    commands: Commands, store: FakeStore
) -> None:
    outcome = handle(commands, "Due North Outdoors call | ch: late delivery")
    assert isinstance(outcome, Reply) and outcome.kind == "confirmation"
    assert [c.name for c in store.customers.values()] == ["Due North Outdoors"]
    handle(commands, "show room ltd visit | ch: broken door")
    assert "show room ltd" in [c.name for c in store.customers.values()]


def test_a_quoted_name_opens_the_form_without_its_quotes(commands: Commands) -> None:
    outcome = handle(commands, '"Undo Ltd" call')
    assert isinstance(outcome, OpenForm) and outcome.customer == "Undo Ltd"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("list", "`/touchpoint promises` or `/touchpoint challenges`"),
        ("resolve 19", "`/touchpoint addressed C19`"),
        ("snoze", "`/touchpoint snooze`"),
        ("cancelled 12", "`/touchpoint cancel P12`"),
        ("passon 7", "`/touchpoint pass C7 billing`"),
    ],
)
def test_an_unknown_command_word_gets_did_you_mean_before_any_form(
    commands: Commands, store: FakeStore, typed: str, suggested: str
) -> None:
    outcome = handle(commands, typed)
    assert isinstance(outcome, Reply) and outcome.title == "Did you mean…?"
    assert f"Did you mean {suggested}?" in said(outcome)
    assert f"`/touchpoint +{typed}`" in said(outcome)
    assert store.customers == {}


def test_a_question_gets_the_commands_that_answer_it(commands: Commands) -> None:
    handle(commands, "Acme call | we: send quote")
    outcome = handle(commands, "what did we promise acme?")
    assert isinstance(outcome, Reply)
    assert "`/touchpoint show Acme` or `/touchpoint promises`" in said(outcome)


def test_a_plain_new_name_still_opens_the_form_and_plus_forces_a_command_word(
    commands: Commands,
) -> None:
    assert handle(commands, "acme") == OpenForm(customer="acme")
    assert handle(commands, "+list") == OpenForm(customer="+list")


def test_an_existing_customer_named_like_a_command_word_opens_its_form(
    commands: Commands,
) -> None:
    handle(commands, "+list call | ch: x")
    assert handle(commands, "list") == OpenForm(customer="list")


def test_every_suggestion_names_a_command_that_exists(commands: Commands) -> None:
    routes = set(requests.VERBS)
    for word in [*words.SYNONYMS, "snoze", "kep", "adressed", "chalenges", "confg"]:
        for suggestion in words.suggestions(f"{word} 12", routes) + words.suggestions(word, routes):
            assert suggestion.split()[0] in routes, (word, suggestion)


def test_undo_reverts_your_last_change_and_keeps_both_in_the_history(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | ch: slow internet | we: send quote by fri")
    (c,) = store.challenges
    (p,) = store.promises
    handle(commands, f"addressed C{c}")
    clock.advance(timedelta(minutes=1))
    handle(commands, f"kept P{p}")
    clock.advance(timedelta(minutes=1))
    reply = handle(commands, "undo")
    assert "send quote — “kept” undone" in said(reply)
    assert store.promises[p].status is PromiseStatus.OPEN
    assert [e.action for e in store.promises[p].history] == ["kept", "undone"]
    assert store.promises[p].remind_at == store.promises[p].due_at
    assert store.challenges[c].status is ChallengeStatus.ADDRESSED  # only the last change
    assert "already undone" in said(handle(commands, "undo"))


def test_undo_does_not_revert_a_change_someone_else_made_since(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | ch: slow internet")
    (c,) = store.challenges
    handle(commands, f"addressed C{c}")
    clock.advance(timedelta(minutes=1))
    handle(commands, f"reopen C{c}", user="U2")
    reply = handle(commands, "undo")
    assert "not last changed by you" in said(reply)
    assert store.challenges[c].status is ChallengeStatus.OPEN


def test_undo_only_reaches_back_a_quarter_of_an_hour(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | ch: slow internet")
    (c,) = store.challenges
    handle(commands, f"addressed C{c}")
    clock.advance(timedelta(minutes=16))
    assert "Nothing to undo" in said(handle(commands, "undo"))
    assert store.challenges[c].status is ChallengeStatus.ADDRESSED


def test_undo_of_a_due_date_change_restores_the_old_date_and_its_reminder(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | we: send quote by fri")
    (p,) = store.promises
    before = store.promises[p]
    old = (before.due_at, before.keep_by, before.remind_at, before.reminders_sent)
    handle(commands, f"due P{p} next wed 3pm")
    assert store.promises[p].remind_at != old[2]
    clock.advance(timedelta(minutes=2))
    reply = handle(commands, "undo")
    assert "send quote — “rescheduled” undone" in said(reply)
    assert "; it is due " in said(reply)
    after = store.promises[p]
    assert (after.due_at, after.keep_by, after.remind_at, after.reminders_sent) == old
    assert [e.action for e in after.history] == ["rescheduled", "undone"]
    assert after.history[-1].detail == "rescheduled"


def test_undo_of_a_due_date_change_brings_back_an_overdue_promise_s_repeat(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | we: send quote by fri")
    (p,) = store.promises
    promise = store.promises[p]
    # As the reminder engine leaves it once reminded: the next repeat tomorrow.
    promise.remind_at = NOW + timedelta(days=1)
    promise.reminders_sent = 1
    handle(commands, f"due P{p} in 2 weeks")
    assert store.promises[p].reminders_sent == 0
    handle(commands, "undo")
    assert store.promises[p].remind_at == NOW + timedelta(days=1)
    assert store.promises[p].reminders_sent == 1


def test_undo_of_a_pass_on_gives_the_challenge_back(commands: Commands, store: FakeStore) -> None:
    handle(commands, "acme call | ch: invoice wrong")
    (c,) = store.challenges
    handle(commands, f"pass C{c} billing")
    handle(commands, "undo")
    assert store.challenges[c].status is ChallengeStatus.OPEN
    assert store.challenges[c].passed_to is None


def test_delete_asks_first_then_removes_the_touchpoint_and_its_items(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, "acme call | ch: slow internet | we: send quote")
    handle(commands, "acme call | ch: slow internet | we: send quote")  # double submission
    second = max(store.touchpoints)
    asked = handle(commands, f"delete T{second}")
    assert f"`/touchpoint delete T{second} confirm`" in said(asked)
    assert len(store.touchpoints) == 2
    done = handle(commands, f"delete T{second} confirm")
    assert f"Deleted T{second}, a call with acme (1 challenge, 1 promise)" in said(done)
    assert len(store.touchpoints) == 1
    assert len(store.challenges) == 1 and len(store.promises) == 1


def test_delete_refuses_a_promise_reference(commands: Commands, store: FakeStore) -> None:
    handle(commands, "acme call | we: send quote")
    (p,) = store.promises
    reply = handle(commands, f"delete P{p} confirm")
    assert isinstance(reply, Reply) and reply.kind == "error"
    assert "`delete` removes a whole touchpoint" in said(reply)
    assert len(store.promises) == 1


def test_the_record_numbers_its_touchpoints_for_delete(commands: Commands) -> None:
    handle(commands, "acme call | ch: slow internet")
    assert re.search(r"T\d+ ", said(handle(commands, "show acme")))


def test_undoing_an_address_is_recorded_as_a_reopening_for_the_measures(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, "acme call | ch: slow internet")
    (c,) = store.challenges
    handle(commands, f"addressed C{c}")
    handle(commands, "undo")
    history = store.challenges[c].history
    assert [(e.action, e.detail) for e in history] == [("addressed", ""), ("reopened", "undo")]
    assert store.challenges[c].status is ChallengeStatus.OPEN
    assert "already undone" in said(handle(commands, "undo"))


def test_undo_reverts_a_whole_command_that_changed_several_items(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, "acme call | we: send quote; call back")
    first, second = sorted(store.promises)
    handle(commands, f"kept P{first} P{second}")
    reply = said(handle(commands, "undo"))
    assert f"P{first} acme: send quote" in reply and f"P{second} acme: call back" in reply
    assert {p.status for p in store.promises.values()} == {PromiseStatus.OPEN}


def test_stats_of_a_customer_whose_name_starts_with_a_chart_word(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, "+Weekly Widgets call | ch: slow invoices")
    for typed in ("stats Weekly Widgets", 'stats "Weekly Widgets"', "stats “Weekly Widgets”"):
        outcome = handle(commands, typed)
        assert isinstance(outcome, Reply) and outcome.title == "Measures — Weekly Widgets", typed
    # a mistyped stage that names no customer still says what the stages are
    assert "is not one of the team's journey stages" in said(handle(commands, "stats week purchse"))
