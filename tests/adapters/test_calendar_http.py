"""Calendar feeds over real HTTP: the aiohttp app on a loopback port, the composition root
on SQLite, and every feed parsed back with the ``icalendar`` package."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from icalendar import Calendar, Component

from bot.bootstrap import Container, build
from bot.config import load_settings
from bot.core import services
from bot.core.calendar import issue_feed, revoke_feeds
from bot.core.clock import ManualClock
from bot.core.commands import Context
from bot.core.model import Customer, Direction, Promise, Touchpoint, slugify
from bot.web.calendar import PRODID, event_uid, todo_uid
from bot.web.server import make_web_app, serve_web

TEAM = "slack:T1"
NOW = datetime(2027, 6, 30, 12, 0, tzinfo=UTC)  # summer: London is UTC+1
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}",
            "TOUCHPOINT_TIMEZONE": "Europe/London",
            "TOUCHPOINT_PUBLIC_URL": "https://tp.example.com/",
        },
        dotenv=None,
    )
    built = build(settings, clock=ManualClock(NOW))
    built.commands.ensure_team(Context(TEAM, "U1", None, "Sales"))
    yield built
    built.close()


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def calendar(self) -> Calendar:
        assert self.status == 200, self.body
        return Calendar.from_ical(self.body)


@asynccontextmanager
async def serving(
    container: Container, extra: list[web.RouteDef] | None = None
) -> AsyncIterator[Callable[[str], Coroutine[Any, Any, Fetched]]]:
    """The real app on a free loopback port, and a function that GETs a path from it."""
    app = make_web_app(container.core, extra or [])
    runner = await serve_web(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession(f"http://{host}:{port}") as session:

            async def get(path: str) -> Fetched:
                async with session.get(path) as response:
                    return Fetched(response.status, dict(response.headers), await response.read())

            yield get
    finally:
        await runner.cleanup()


def fetch(container: Container, *paths: str) -> list[Fetched]:
    async def run() -> list[Fetched]:
        async with serving(container) as get:
            return [await get(path) for path in paths]

    return asyncio.run(run())


def seed(
    container: Container, customer: str, *promises: tuple[str, datetime | None, str]
) -> list[Promise]:
    """One touchpoint with ``customer``, with our promises (text, due, owner)."""
    clock = container.clock
    with container.uow_factory() as uow:
        found = uow.customers.by_slug(TEAM, slugify(customer))
        cust = found or uow.customers.add(Customer(TEAM, customer, slugify(customer)))
        assert cust.id is not None
        touchpoint = Touchpoint(
            TEAM,
            cust.id,
            "U9",
            clock.now(),
            promises=[
                Promise(TEAM, cust.id, Direction.OURS, text, owner, "U9", clock.now(), due_at=due)
                for text, due, owner in promises
            ],
        )
        uow.touchpoints.add(touchpoint)
        uow.commit()
    return touchpoint.promises


def path_of(token: str) -> str:
    return f"/calendar/{token}.ics"


def token(container: Container, owner: str | None) -> str:
    return issue_feed(TEAM, owner, uow=container.uow_factory(), clock=container.clock)


def components(calendar: Calendar, name: str) -> list[Component]:
    return list(calendar.walk(name))


def by_uid(calendar: Calendar, name: str) -> dict[str, Component]:
    found = components(calendar, name)
    uids = [str(c["UID"]) for c in found]
    assert len(uids) == len(set(uids)), f"a {name} UID repeats: {uids}"
    return dict(zip(uids, found, strict=True))


def london(day: int, hour: int) -> datetime:
    return datetime(2027, 7, day, hour, 0, tzinfo=LONDON)


def test_a_personal_feed_lists_each_promise_once_as_a_task_due_in_utc(container) -> None:
    quote, call = seed(
        container,
        "Acme",
        ("send fibre quote", london(2, 9), "U1"),
        ("call back", london(5, 14), "U1"),
    )
    seed(container, "Globex", ("colleague's promise", london(3, 9), "U2"))
    seed(container, "Acme", ("undated promise", None, "U1"))
    (answer,) = fetch(container, path_of(token(container, "U1")))
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.headers["Cache-Control"] == "private, max-age=300"
    calendar = answer.calendar()
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]) == PRODID
    assert "Sales" in str(calendar["X-WR-CALNAME"])
    todos = by_uid(calendar, "VTODO")
    assert set(todos) == {todo_uid(quote), todo_uid(call)}
    todo = todos[todo_uid(quote)]
    assert todo.decoded("DUE") == datetime(2027, 7, 2, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert b"DUE:20270702T080000Z" in answer.body  # written in UTC, no time zone table
    assert str(todo["SUMMARY"]) == "Acme: send fibre quote"
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert todo.decoded("DTSTAMP") == NOW
    assert "Promised by U9 to Acme on Wed 30 Jun 2027" in str(todo["DESCRIPTION"])
    (alarm,) = todo.walk("VALARM")
    assert alarm.decoded("TRIGGER") == datetime(2027, 7, 2, 8, 0, tzinfo=UTC)
    assert todos[todo_uid(call)].decoded("DUE") == datetime(2027, 7, 5, 13, 0, tzinfo=UTC)


def test_every_task_has_an_event_twin_for_apps_that_ignore_tasks(container) -> None:
    (quote,) = seed(container, "Acme", ("send fibre quote", london(2, 9), "U1"))
    (answer,) = fetch(container, path_of(token(container, "U1")))
    events = by_uid(answer.calendar(), "VEVENT")
    assert set(events) == {event_uid(quote)} and event_uid(quote) != todo_uid(quote)
    event = events[event_uid(quote)]
    assert event.decoded("DTSTART") == datetime(2027, 7, 2, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") > event.decoded("DTSTART")
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["SUMMARY"]) == "Acme: send fibre quote"


def test_the_team_feed_holds_everyones_promises_and_the_personal_feed_only_mine(container) -> None:
    mine = seed(container, "Acme", ("send quote", london(2, 9), "U1"))
    theirs = seed(container, "Globex", ("visit site", london(3, 9), "U2"))
    personal, team = fetch(
        container, path_of(token(container, "U1")), path_of(token(container, None))
    )
    assert set(by_uid(personal.calendar(), "VTODO")) == {todo_uid(p) for p in mine}
    assert set(by_uid(team.calendar(), "VTODO")) == {todo_uid(p) for p in mine + theirs}
    assert str(team.calendar()["X-WR-CALNAME"]) != str(personal.calendar()["X-WR-CALNAME"])


def test_settled_promises_disappear_from_the_feed(container) -> None:
    kept, still = seed(
        container, "Acme", ("send quote", london(2, 9), "U1"), ("call back", london(3, 9), "U1")
    )
    feed = path_of(token(container, "U1"))
    (before,) = fetch(container, feed)
    assert len(components(before.calendar(), "VTODO")) == 2
    assert kept.id is not None
    services.settle_promise(
        TEAM, kept.id, "kept", "U1", uow=container.uow_factory(), clock=container.clock
    )
    (after,) = fetch(container, feed)
    assert set(by_uid(after.calendar(), "VTODO")) == {todo_uid(still)}
    assert set(by_uid(after.calendar(), "VEVENT")) == {event_uid(still)}


def test_a_rescheduled_promise_moves_and_keeps_its_uid(container) -> None:
    (promise,) = seed(container, "Acme", ("send quote", london(2, 9), "U1"))
    feed = path_of(token(container, "U1"))
    assert promise.id is not None
    clock = container.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(hours=1))
    services.reschedule_promise(
        TEAM, promise.id, "8 jul 10am", "U1", uow=container.uow_factory(), clock=container.clock
    )
    (answer,) = fetch(container, feed)
    todo = by_uid(answer.calendar(), "VTODO")[todo_uid(promise)]
    assert todo.decoded("DUE") == datetime(2027, 7, 8, 9, 0, tzinfo=UTC)
    assert todo.decoded("DTSTAMP") == NOW + timedelta(hours=1)  # when it last changed
    assert int(todo["SEQUENCE"]) == 1


def test_text_that_means_something_in_icalendar_round_trips_unharmed(container) -> None:
    nasty = 'quote; v2, \\final\\ "now"\nline two: ünïcødé ✓ ' + "long " * 30
    (promise,) = seed(container, "Acme, Inc.; R&D", (nasty, london(2, 9), "U1"))
    (answer,) = fetch(container, path_of(token(container, "U1")))
    todo = by_uid(answer.calendar(), "VTODO")[todo_uid(promise)]
    assert str(todo["SUMMARY"]) == f"Acme, Inc.; R&D: {nasty}"
    assert all(len(line) <= 75 for line in answer.body.split(b"\r\n"))  # folded by the library


def test_unknown_malformed_and_revoked_tokens_get_the_same_404(container) -> None:
    seed(container, "Acme", ("send quote", london(2, 9), "U1"))
    revoked = token(container, "U1")
    replaced = token(container, "U2")
    token(container, "U2")  # issuing again revokes the one before
    assert revoke_feeds(TEAM, "U1", uow=container.uow_factory(), clock=container.clock) == 1
    answers = fetch(
        container,
        path_of(revoked),
        path_of(replaced),
        path_of("0" * 64),
        path_of("no"),
        "/calendar/../healthz.ics",
        "/calendar/" + revoked,
    )
    assert [a.status for a in answers] == [404] * len(answers)
    assert len({a.body for a in answers[:3]}) == 1  # nothing tells revoked from unknown
    assert all(b"VCALENDAR" not in a.body for a in answers)


def test_the_health_check_and_extra_routes_share_the_server(container) -> None:
    async def hello(_: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def run() -> tuple[Fetched, Fetched]:
        async with serving(container, [web.get("/slack/hello", hello)]) as get:
            return await get("/healthz"), await get("/slack/hello")

    health, extra = asyncio.run(run())
    assert health.status == 200 and health.body == b'{"ok": true}'
    assert extra.status == 200 and extra.body == b"hello"


def test_an_empty_feed_is_still_a_valid_calendar(container) -> None:
    (answer,) = fetch(container, path_of(token(container, None)))
    calendar = answer.calendar()
    assert calendar.name == "VCALENDAR" and components(calendar, "VTODO") == []


def test_a_feed_link_survives_every_renderer_unescaped() -> None:
    from bot.adapters.console import render_line
    from bot.adapters.discord.render import line_text as discord_line
    from bot.adapters.slack.render import line_text as slack_line
    from bot.core.replies import Line, Link, Reply

    url = "https://touch-point.example.com/calendar/0a1b_2c.ics?x=1&y=2"
    item = Line((Link(url),))
    assert discord_line(item) == url
    assert (
        slack_line(item, Reply("t"))
        == "<https://touch-point.example.com/calendar/0a1b_2c.ics?x=1&amp;y=2>"
    )
    assert render_line(item, "UTC") == url
