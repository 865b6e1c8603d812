"""`/touchpoint calendar` through the console adapter and the real composition root, and
the link it prints fetched from the bot's HTTP server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from icalendar import Calendar

from bot.bootstrap import Container
from bot.web.server import make_web_app, serve_web
from tests.e2e.console_support import console_container, run_script

PUBLIC = "https://touchpoint.example.org/bot"
LINK = re.compile(re.escape(PUBLIC) + r"(/calendar/[A-Za-z0-9_-]+\.ics)")


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path, TOUCHPOINT_PUBLIC_URL=PUBLIC + "/") as built:
        yield built


def get(container: Container, path: str) -> tuple[int, bytes]:
    """GET ``path`` from the bot's HTTP server, started on a free loopback port."""

    async def run() -> tuple[int, bytes]:
        runner = await serve_web(make_web_app(container.core), "127.0.0.1", 0)
        host, port = runner.addresses[0][:2]
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://{host}:{port}{path}") as response,
            ):
                return response.status, await response.read()
        finally:
            await runner.cleanup()

    return asyncio.run(run())


def summaries(body: bytes) -> list[str]:
    return sorted(str(todo["SUMMARY"]) for todo in Calendar.from_ical(body).walk("VTODO"))


def test_the_calendar_command_prints_a_private_link_that_serves_my_promises(container) -> None:
    output = run_script(
        container,
        "/touchpoint acme call | we: send fibre quote by fri; call back | they: pay by mon\n"
        "/touchpoint calendar\n",
    )
    assert "== Your calendar feed ==" in output
    for words in ("From URL", "Subscribe from web", "New Calendar Subscription"):
        assert words in output
    assert "Anyone with this link can read" in output and "/touchpoint calendar revoke" in output
    (path,) = LINK.findall(output)
    status, body = get(container, path)
    assert status == 200 and summaries(body) == ["acme: send fibre quote"]


def test_asking_again_replaces_the_link_and_revoke_stops_it(container) -> None:
    output = run_script(
        container,
        "/touchpoint acme | we: send quote by fri\n"
        "/touchpoint calendar\n"
        "/touchpoint calendar\n"
        "/touchpoint calendar team\n",
    )
    first, second, team = LINK.findall(output)
    assert "== Team calendar feed ==" in output
    assert get(container, first)[0] == 404
    assert get(container, second)[0] == 200 and get(container, team)[0] == 200
    revoked = run_script(container, "/touchpoint calendar revoke\n")
    assert "Your calendar link no longer works" in revoked
    assert get(container, second)[0] == 404
    assert get(container, team)[0] == 200  # the team's link is not mine to lose
    assert "team's calendar link no longer works" in run_script(
        container, "/touchpoint calendar team revoke\n"
    )
    assert get(container, team)[0] == 404


def test_a_settled_promise_leaves_the_feed(container) -> None:
    output = run_script(
        container,
        "/touchpoint acme | we: send quote by fri; call back by mon\n"
        "/touchpoint calendar team\n"
        "/touchpoint kept 1\n",
    )
    assert "marked kept by @sam" in output
    (path,) = LINK.findall(output)
    status, body = get(container, path)
    assert status == 200 and summaries(body) == ["acme: call back"]


def test_a_mistyped_calendar_command_explains_itself(container) -> None:
    output = run_script(container, "/touchpoint calendar please\n")
    assert "That didn't work" in output and "/touchpoint calendar team" in output
    assert not LINK.findall(output)
