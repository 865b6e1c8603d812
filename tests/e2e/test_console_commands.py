"""The console: leaving the form, real command hints, references, undo and delete."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Container
from bot.core import requests
from bot.core.model import PromiseStatus
from tests.e2e.console_support import console_container, run_script


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path) as built:
        yield built


def test_a_touchpoint_command_typed_in_the_form_leaves_it_and_runs(
    container: Container,
) -> None:
    output = run_script(
        container,
        "/touchpoint acme call | ch: slow internet\n"
        "/touchpoint initech\n"  # the form opens
        "call\n"  # kind
        "/touchpoint challenges\n",  # not an answer: leaves the form and runs
    )
    assert "Cancelled; nothing was saved." in output
    assert "== Open challenges ==" in output and "slow internet" in output
    with container.uow_factory() as uow:
        assert [c.name for c in uow.customers.list("console:local")] == ["acme"]


def test_cancel_leaves_the_form(container: Container) -> None:
    output = run_script(container, "/touchpoint initech\ncall\ncancel\n/touchpoint help\n")
    assert "Cancelled; nothing was saved." in output and "How to use Touchpoint" in output


def test_the_hints_beside_items_are_commands_that_work(container: Container) -> None:
    output = run_script(
        container,
        "/touchpoint acme call | ch: slow internet | we: call back today 11am\n"
        "/touchpoint digest\n",
    )
    hints = re.findall(r"\[([^\]]+)\]", output)
    assert hints
    for hint in " · ".join(hints).split(" · "):
        verb = hint.split()[0]
        assert verb in requests.VERBS, hint
    assert "passon" not in output and "notkept P" in output
    assert "New challenges since the last digest (1): acme: C1 slow internet" in output


def test_references_undo_and_delete_in_a_session(container: Container) -> None:
    output = run_script(
        container,
        "/touchpoint acme call | ch: slow internet | we: send quote by fri\n"
        "/touchpoint acme call | ch: slow internet | we: send quote by fri\n"
        "/touchpoint kept C1\n"
        "/touchpoint kept P1\n"
        "/touchpoint undo\n"
        "/touchpoint snooze P1 tomorrow\n"
        "/touchpoint show acme\n"
        "/touchpoint delete T2\n"
        "/touchpoint delete T2 confirm\n",
    )
    assert "C1 is a challenge (acme: slow internet), not a promise" in output
    assert "P1 acme: send quote — marked kept" in output
    assert "“kept” undone" in output
    assert "snoozed until Fri 20 Nov 09:00" in output
    assert "`/touchpoint delete T2 confirm`" in output and "Deleted T2" in output
    with container.uow_factory() as uow:
        promise = uow.promises.get("console:local", 1)
        assert promise is not None and promise.status is PromiseStatus.OPEN
        assert uow.touchpoints.get("console:local", 2) is None
