"""Names and commands longer than the bot takes are refused up front, saying the limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context, OpenForm
from bot.core.customers import MAX_CUSTOMER_NAME
from bot.core.parsing import MAX_ENTRY_CHARS
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
CTX = Context("console:T1", "U1", "C1")


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def commands(store: FakeStore) -> Commands:
    return Commands(lambda: FakeUnitOfWork(store), ManualClock(NOW), TeamDefaults())


def said(outcome: object) -> str:
    assert isinstance(outcome, Reply), outcome
    return " ".join(
        getattr(span, "text", "") for s in outcome.sections for i in s.lines for span in i.spans
    )


def test_a_name_at_the_limit_opens_the_form_with_the_name_whole(commands: Commands) -> None:
    name = "n" * MAX_CUSTOMER_NAME
    assert commands.handle(f"+{name}", CTX) == OpenForm(customer=f"+{name}")
    assert commands.handle(name, CTX) == OpenForm(customer=name)


def test_a_plus_name_over_the_limit_is_refused_with_the_limit_stated(
    commands: Commands, store: FakeStore
) -> None:
    outcome = commands.handle("+" + "n" * (MAX_CUSTOMER_NAME + 1), CTX)
    assert isinstance(outcome, Reply) and outcome.kind == "error"
    assert f"at most {MAX_CUSTOMER_NAME} characters" in said(outcome)
    assert f"has {MAX_CUSTOMER_NAME + 1}" in said(outcome)
    assert not store.customers


def test_a_quick_entry_with_a_long_name_says_the_same(commands: Commands) -> None:
    long_name = "n" * (MAX_CUSTOMER_NAME + 5)
    typed = commands.handle(long_name, CTX)
    quick = commands.handle(f"{long_name} call | ch: slow internet", CTX)
    assert f"at most {MAX_CUSTOMER_NAME} characters" in said(typed)
    assert f"at most {MAX_CUSTOMER_NAME} characters" in said(quick)


def test_a_command_over_the_maximum_is_refused_before_anything_else(
    commands: Commands, store: FakeStore
) -> None:
    outcome = commands.handle("x" * (MAX_ENTRY_CHARS + 1), CTX)
    assert isinstance(outcome, Reply) and outcome.kind == "error"
    assert f"the most is {MAX_ENTRY_CHARS:,}" in said(outcome)
    assert not store.teams  # refused before even the team was looked up
