"""Any command text up to 100,000 characters is answered fast, and the event loop keeps
ticking meanwhile: Python's ``re`` holds the GIL for a whole match, so one backtracking
pattern on a long line stalls every other request (and /healthz) of the process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.adapters.slack.inbound import command_text
from bot.core.clock import ManualClock
from bot.core.commands import MAX_COMMAND_CHARS, MAX_COMMAND_PARTS, Commands, Context
from bot.core.replies import Reply
from bot.core.requests import split_page
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

BOUND_S = 0.050  # the aim per command, whatever its text
LOOP_LAG_S = 0.100
SIZES = (1_000, 10_000, MAX_COMMAND_CHARS, 100_000)
# Shapes that made patterns backtrack, or that many of the grammar's patterns look at.
UNITS = (" ", "a ", "a\n", "<#C1|", "<@U1|", "ch:", "a:", ": ", "|", "1. ", "• ", "page ")
PREFIXES = ("", "show a", "acme call | ch: ", "acme | we: ", "config codes add ", "pass 1 ")


def _hostile(prefix: str, unit: str, size: int) -> str:
    return prefix + (unit * (size // len(unit) + 1))[: size - len(prefix) - 1] + "b"


@pytest.fixture
def commands() -> Commands:
    clock = ManualClock(datetime(2026, 11, 19, 10, tzinfo=UTC))
    store = FakeStore()
    commands = Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults())
    commands.handle("help", Context("t1", "U1", "C1"))  # the team exists
    return commands


def _fastest(run: Callable[[], object], repeat: int = 2) -> float:
    """The fastest of ``repeat`` runs: a busy machine only ever adds time."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def test_a_show_with_a_long_run_of_spaces_is_answered_at_once(commands: Commands) -> None:
    text = "show a" + " " * 40_000 + "b"
    assert _fastest(lambda: commands.handle(text, Context("t1", "U1"))) < BOUND_S


def test_split_page_reads_the_page_from_the_end() -> None:
    assert split_page("acme corp  page 3") == ("acme corp", 3)
    assert split_page("acme page12") == ("acme", 12)
    assert split_page("pageant") == ("pageant", 1)
    assert split_page("page 2") == ("page 2", 1)
    assert split_page("acme page 1234567890") == ("acme page 1234567890", 1)
    assert split_page("acme page ²") == ("acme page ²", 1)


def test_unclosed_channel_links_are_read_in_linear_time() -> None:
    text = "<#C1|" * 20_000
    assert _fastest(lambda: command_text(text)) < BOUND_S
    assert command_text("config channel <#C123|sales> and <#G9>") == "config channel C123 and G9"


def _said(reply: object) -> str:
    assert isinstance(reply, Reply) and reply.kind == "error"
    return "".join(getattr(span, "text", "") for span in reply.sections[0].lines[0].spans)


def test_a_command_over_the_maximum_is_refused_unread(commands: Commands) -> None:
    reply = commands.handle("acme | ch: " + "x" * MAX_COMMAND_CHARS, Context("t1", "U1"))
    assert f"the most is {MAX_COMMAND_CHARS:,}" in _said(reply)


def test_a_command_of_too_many_lines_is_refused_unread(commands: Commands) -> None:
    reply = commands.handle("acme call\n" + "ch: x\n" * MAX_COMMAND_PARTS, Context("t1", "U1"))
    assert f"the most is {MAX_COMMAND_PARTS}" in _said(reply)


@pytest.mark.parametrize("size", SIZES)
def test_every_hostile_shape_is_answered_within_the_bound(commands: Commands, size: int) -> None:
    ctx = Context("t1", "U1", "C1")
    slow = {
        (prefix, unit): seconds
        for prefix in PREFIXES
        for unit in UNITS
        if (
            seconds := _fastest(lambda p=prefix, u=unit: commands.handle(_hostile(p, u, size), ctx))
        )
        >= BOUND_S
    }
    assert slow == {}


def test_the_event_loop_keeps_ticking_while_long_commands_run(commands: Commands) -> None:
    """Commands run in worker threads (as the adapters run them); a ticker on the loop
    records its largest gap."""

    async def scenario() -> float:
        worst = 0.0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal worst
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                worst = max(worst, now - last - 0.005)
                last = now

        ticking = asyncio.create_task(ticker())
        ctx = Context("t1", "U1", "C1")
        for prefix in PREFIXES:
            for unit in UNITS:
                text = _hostile(prefix, unit, MAX_COMMAND_CHARS)
                await asyncio.to_thread(commands.handle, text, ctx)
                await asyncio.to_thread(command_text, text)
        done.set()
        await ticking
        return worst

    assert asyncio.run(scenario()) < LOOP_LAG_S
