"""Scripted console sessions through the real composition root and a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import Container, build
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.model import ChallengeStatus, PromiseStatus
from tests.e2e.console_support import console_container, run_script
from tests.records import make_long_record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path) as built:
        yield built


def test_a_scripted_session_records_reviews_and_settles(container: Container) -> None:
    output = run_script(
        container,
        "/touchpoint acme call | ch: slow internet; disconnects daily | we: send fibre quote by "
        "fri; call back tomorrow 10am | they: read brochure before next tue | diff: needs fibre "
        "| code: meeting booked\n"
        "/touchpoint globex video \\\n"
        "ch: billing confusing \\\n"
        "we: send invoice copy in 2 weeks \\\n"
        "diff: clearer bills\n"
        "/touchpoint show acme\n"
        "/touchpoint promises mine\n"
        "/touchpoint kept 4\n"
        "/touchpoint addressed 2\n"
        "/touchpoint challenges\n"
        "/touchpoint digest\n",
    )
    assert "Call with acme" in output and "Video with globex" in output
    assert "send fibre quote — due Fri 20 Nov 09:00" in output
    assert "call back — due Fri 20 Nov 10:00" in output
    assert "read brochure — due Tue 24 Nov 09:00" in output
    assert "send invoice copy — due Thu 03 Dec 09:00" in output
    assert "This channel is now the team channel" in output
    assert "Biggest difference: needs fibre" in output
    assert "marked kept by @sam" in output and "marked addressed by @sam" in output
    assert "== Daily digest" in output
    with container.uow_factory() as uow:
        kept = uow.promises.get("console:local", 4)
        addressed = uow.challenges.get("console:local", 2)
    assert kept is not None and kept.status is PromiseStatus.KEPT
    assert addressed is not None and addressed.status is ChallengeStatus.ADDRESSED


def test_the_form_walk_through_asks_each_field_and_records(container: Container) -> None:
    output = run_script(
        container,
        "/touchpoint initech\n"
        "meeting\n"  # kind
        "3\n"  # completion code: meeting booked
        "printer jams\n\n"  # challenges
        "send toner by fri\n\n"  # our promises
        "\n"  # their promises
        "reliable printing\n"  # difference
        "\n",  # notes
    )
    assert "Meeting with initech" in output and "Outcome: meeting booked" in output
    assert "send toner — due Fri 20 Nov 09:00" in output


def test_a_form_with_errors_asks_again_and_saves_only_when_right(container: Container) -> None:
    output = run_script(
        container,
        "/touchpoint initech call\n"
        "\n"  # code
        "\n"  # challenges
        "pay by yesterday\n\n"  # our promises: in the past
        "\n"  # theirs
        "\n\n"  # difference, notes
        "\n"  # more? no
        "pay by monday\n\n",  # fixed our promises
    )
    assert "in the past" in output and "Please fix" in output
    assert "pay — due Mon 23 Nov 09:00" in output


def test_a_bad_quick_entry_explains_itself_and_saves_nothing(container: Container) -> None:
    output = run_script(container, "/touchpoint acme | colour: blue | we: send quote by 31 feb\n")
    assert "Unknown label" in output and "31 feb" in output.lower()
    with container.uow_factory() as uow:
        assert uow.customers.list("console:local") == []


def test_a_near_miss_customer_is_asked_about_in_the_form(container: Container) -> None:
    output = run_script(
        container,
        "/touchpoint Acme Corp | ch: slow\n/touchpoint acme call\n\n\nmore outages\n\n\n\n\n\n1\n",
    )
    assert "Did you mean “Acme Corp”" in output
    with container.uow_factory() as uow:
        customers = uow.customers.list("console:local")
    assert [c.name for c in customers] == ["Acme Corp"]


def test_a_long_record_pages_and_every_page_is_reachable_from_the_console(
    container: Container,
) -> None:
    assert isinstance(container.clock, ManualClock)
    make_long_record(container.uow_factory, container.clock, "console:local")
    output = run_script(
        container,
        "/touchpoint show acme\n"
        "/touchpoint show acme page 2\n"
        "/touchpoint show acme page 4\n"
        "/touchpoint show acme page 5\n",
    )
    first, second, last = output.split("== acme")[1:]
    assert "10 open challenge(s)" in first and "problem 39 — open" in first
    assert "problem 29 — addressed" in first and "problem 24 —" not in first
    assert "… and 25 earlier addressed challenge(s) on page 2: `/touchpoint show acme page 2`" in (
        first
    )
    assert "Page 1 of 4 · next: `/touchpoint show acme page 2`" in first
    assert second.startswith(" (page 2) ==") and "problem 24 — addressed" in second
    assert last.startswith(" (page 4) ==") and "problem 00 — addressed" in last
    assert "Page 4 of 4 · previous: `/touchpoint show acme page 3`" in last
    assert "The record of “acme” has 4 page(s): `/touchpoint show acme page 4` is the last." in (
        last
    )


def test_touchpoint_console_runs_as_a_real_process_with_piped_input(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'proc.db'}",
        "TOUCHPOINT_CONSOLE_USER": "pat",
    }
    script = "/touchpoint acme call | ch: slow internet | we: send quote in 3 days\n/tp show acme\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Recorded: Call with acme" in done.stdout
    assert "== acme ==" in done.stdout and "slow internet" in done.stdout
    assert (tmp_path / "proc.db").exists()


def test_the_console_shows_reminders_that_fell_due_while_it_runs(tmp_path: Path) -> None:
    db = tmp_path / "rem.db"
    settings = load_settings({"DATABASE_URL": f"sqlite:///{db}"}, dotenv=None)
    seeded = build(settings, clock=ManualClock(datetime(2026, 1, 5, 10, 0, tzinfo=UTC)))
    run_script(
        seeded, "/touchpoint acme | we: send quote tomorrow 10am | they: sign form tomorrow\n"
    )
    seeded.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "TOUCHPOINT_SCAN_SECONDS": "1"}
    seen = []
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    ) as worker:
        assert worker.stdin is not None and worker.stdout is not None
        for output_line in worker.stdout:  # the start-up scan delivers what was missed
            seen.append(output_line)
            if "".join(seen).count("Delayed:") == 2:  # both messages printed in full
                break
        worker.communicate(timeout=30)  # closes stdin: end of input ends the console
    text = "".join(seen)
    assert "[console] == Reminder: a promise is due ==" in text
    assert "send quote — due Tue 06 Jan 10:00" in text and "Delayed" in text
    assert "acme said they would: sign form" in text
    assert "React" not in text and "[kept P1 · snooze P1 tomorrow · notkept P1]" in text
