"""Authenticity: only Slack's signed requests are served, the OAuth install flow accepts its
own state once, and no secret or token reaches the logs, whatever the level."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.client import DiscordStartError
from bot.adapters.slack.oauth_state import SingleUseStateStore
from bot.adapters.slack.tables import installations
from bot.bootstrap import discord_adapter
from bot.config import load_settings
from bot.core.model import PromiseStatus
from bot.logs import setup_logging
from tests.adapters.discord.fake_discord import TOKEN as DISCORD_TOKEN
from tests.adapters.discord.world import SAM, running
from tests.adapters.slack import payloads
from tests.adapters.slack.rig import SlackRig, slack_rig
from tests.adapters.slack.test_workspaces import OAUTH, install

from .support import World, tried

# slack_sdk exchanges the OAuth code with aiohttp's BasicAuth, deprecated in aiohttp 3.14.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

APP_TOKEN = "xapp-1-A1-0123456789-socket-secret"
SECRETS = {
    "bot token": "xoxb-T1",
    "app token": APP_TOKEN,
    "signing secret": payloads.SECRET,
    "client secret": OAUTH["SLACK_CLIENT_SECRET"],
    "state secret": OAUTH["SLACK_STATE_SECRET"],
    "Discord token": DISCORD_TOKEN,
}


# -- signatures --------------------------------------------------------------------------------

Forgery = Callable[[str], tuple[str, dict[str, str]]]


def signed(body: str, **kwargs: Any) -> dict[str, str]:
    return payloads.signature_headers(body, **kwargs)


def _with(body: str, **changes: str) -> tuple[str, dict[str, str]]:
    headers = signed(body)
    headers.update(changes)
    return body, {k: v for k, v in headers.items() if v}


FORGERIES: dict[str, Forgery] = {
    "no signature at all": lambda b: (b, {}),
    "a signature without its timestamp": lambda b: _with(b, **{"X-Slack-Request-Timestamp": ""}),
    "a timestamp without a signature": lambda b: _with(b, **{"X-Slack-Signature": ""}),
    "signed with another secret": lambda b: (b, signed(b, secret="not-the-signing-secret")),
    "the body changed after signing": lambda b: (b + "&x=1", signed(b)),
    "replayed six minutes later": lambda b: (b, signed(b, timestamp=int(time.time()) - 360)),
    "signed six minutes ahead": lambda b: (b, signed(b, timestamp=int(time.time()) + 360)),
    "another request's timestamp": lambda b: _with(
        b, **{"X-Slack-Request-Timestamp": str(int(time.time()) - 1)}
    ),
    "a v1 signature": lambda b: _with(b, **{"X-Slack-Signature": "v1=" + "0" * 64}),
    "a truncated signature": lambda b: _with(
        b, **{"X-Slack-Signature": signed(b)["X-Slack-Signature"][:-2]}
    ),
    "a timestamp that is not a number": lambda b: _with(b, **{"X-Slack-Request-Timestamp": "soon"}),
    "an empty signature": lambda b: _with(b, **{"X-Slack-Signature": "v0="}),
}


def table_counts(rig: SlackRig) -> dict[str, int]:
    return World(rig.container, rig.clock).counts()


async def a_posted_reminder(rig: SlackRig) -> dict[str, Any]:
    await rig.command("acme call | ch: slow internet | we: send quote by fri 10am")
    rig.clock.advance(timedelta(days=1, minutes=1))
    await rig.engine().scan()
    return dict(rig.fake.messages["C1"][-1])


def requests_to_forge(
    rig: SlackRig, reminder: dict[str, Any], view: dict[str, Any]
) -> dict[str, tuple[str, str]]:
    """Each kind of request Slack sends, as (body, content type), each one that would act."""
    form = "application/x-www-form-urlencoded"
    command = payloads.form(
        payloads.slash_command(
            "globex | ch: forged | we: forged by fri", response_url=rig.fake.response_url()
        )
    )
    submission = payloads.interactive(
        payloads.view_submission(payloads.fill(view, challenges="forged", our_promises="x by fri"))
    )
    click = payloads.interactive(payloads.block_actions("tp:kept:1", message=reminder))
    event = payloads.event_callback(
        payloads.reaction_added("C1", reminder["ts"]), event_id="EvForged"
    )
    home = payloads.event_callback(payloads.app_home_opened(), event_id="EvHome")
    return {
        "a slash command": (command, form),
        "a modal submission": (submission, form),
        "a button": (click, form),
        "a check-mark reaction": (json.dumps(event), "application/json"),
        "the Home tab": (json.dumps(home), "application/json"),
    }


async def test_unsigned_forged_or_replayed_slack_requests_get_401_and_change_nothing(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        reminder = await a_posted_reminder(rig)
        view = await rig.open_form("globex")
        requests = requests_to_forge(rig, reminder, view)
        before, calls = table_counts(rig), len(rig.fake.calls)
        failures = []
        for kind, (body, content_type) in requests.items():
            for name, forge in FORGERIES.items():
                tried("authenticity: forged Slack requests")
                sent, headers = forge(body)
                answer = await rig.post(
                    sent, content_type=content_type, headers=headers, signed=False
                )
                await rig.adapter.idle()
                if answer.status != 401:
                    failures.append(f"{kind}, {name}: {answer.status} {answer.text[:80]}")
        assert not failures, "\n".join(failures)
        assert table_counts(rig) == before
        assert len(rig.fake.calls) == calls, [c.method for c in rig.fake.calls[calls:]]
        with rig.container.uow_factory() as uow:
            promise = uow.promises.get("slack:T1", 1)
            assert promise is not None and promise.status is PromiseStatus.OPEN

        # The same requests, properly signed, do act (so the refusals above meant something).
        for kind, (body, content_type) in requests.items():
            answer = await rig.post(body, content_type=content_type)
            await rig.adapter.idle()
            assert answer.status == 200, (kind, answer.text)
        assert table_counts(rig)["touchpoints"] == before["touchpoints"] + 2
        assert len(rig.fake.calls) > calls


async def test_a_replayed_event_within_five_minutes_is_handled_once(tmp_path: Path) -> None:
    """Slack's signature cannot tell a replay inside its five minutes; the event id can."""
    async with slack_rig(tmp_path) as rig:
        reminder = await a_posted_reminder(rig)
        await rig.command("we: x")  # (an unrelated mistake: no effect)
        event = payloads.reaction_added("C1", reminder["ts"], user="U2")
        for attempt in range(3):
            tried("authenticity: replayed Slack events")
            assert (await rig.event(event, event_id="EvOnce", retry=attempt)).status == 200
        with rig.container.uow_factory() as uow:
            promise = uow.promises.get("slack:T1", 1)
            assert promise is not None and promise.status is PromiseStatus.KEPT
            assert [e.action for e in promise.history] == ["kept"]


MALFORMED = {
    "not JSON": ("{", "application/json"),
    "a JSON list": ("[1, 2]", "application/json"),
    "an event with a number for a channel": (
        '{"type": "event_callback", "event": {"type": "reaction_added", "item": {"channel": 5}}}',
        "application/json",
    ),
    "an interactive payload that is not JSON": ("payload=%7B", "application/x-www-form-urlencoded"),
    "invalid UTF-8": ("\udcff", "application/json"),
    "an empty body": ("", "application/json"),
}


async def test_unreadable_bodies_are_refused_without_a_traceback_signed_or_not(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_rig(tmp_path) as rig:
        for name, (body, content_type) in MALFORMED.items():
            for is_signed in (False, True):
                tried("authenticity: unreadable Slack requests")
                raw = body.encode("utf-8", "surrogateescape")
                headers = {"Content-Type": content_type}
                if is_signed:
                    headers |= signature_of(raw)
                async with rig.session.post(
                    f"{rig.url}/slack/events", data=raw, headers=headers
                ) as r:
                    status = r.status
                expected = {400, 401} if is_signed else {401}
                if name == "an empty body" and is_signed:
                    expected = {200, 400, 401, 404}
                assert status in expected, (name, is_signed, status)
        assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text


def signature_of(raw: bytes) -> dict[str, str]:
    """Slack's signature over bytes that may not even be UTF-8."""
    stamp = str(int(time.time()))
    digest = hmac.new(payloads.SECRET.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


# -- OAuth -----------------------------------------------------------------------------------------


async def install_page(rig: SlackRig) -> tuple[str, str]:
    async with rig.session.get(f"{rig.url}/slack/install") as page:
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    found = re.search(r"state=([^&\"]+)", html)
    assert found is not None
    return found.group(1), cookie


async def redirect(rig: SlackRig, query: str, cookie: str | None) -> int:
    headers = {"Cookie": cookie} if cookie else {}
    async with rig.session.get(f"{rig.url}/slack/oauth_redirect?{query}", headers=headers) as r:
        return r.status


def installed(rig: SlackRig) -> list[str]:
    with rig.container.engine.connect() as connection:
        return [row.team_id for row in connection.execute(installations.select())]


async def test_oauth_redirects_with_a_bad_missing_expired_or_reused_state_install_nothing(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        for n in range(10):
            rig.fake.oauth_teams[f"code-{n}"] = f"T{n}"
        state, cookie = await install_page(rig)
        other_state, other_cookie = await install_page(rig)
        assert other_state != state, "each install page has a state of its own"
        foreign = SingleUseStateStore(
            "another-secret",
            expiration_seconds=600,
            uow_factory=rig.container.uow_factory,
            clock=rig.clock,
        ).issue()
        expired, expired_cookie = await install_page(rig)
        rig.clock.advance(timedelta(minutes=11))
        fresh, fresh_cookie = await install_page(rig)
        state_cookie = "slack-app-oauth-state="
        tampered = fresh[:-1] + ("1" if fresh.endswith("0") else "0")
        cases = {
            "a forged state": ("code=code-1&state=forged", "slack-app-oauth-state=forged"),
            "no state": ("code=code-2", cookie),
            "no state cookie": (f"code=code-3&state={state}", None),
            "another browser's cookie": (f"code=code-4&state={state}", other_cookie),
            "an expired state": (f"code=code-5&state={expired}", expired_cookie),
            "a state signed with another secret": (
                f"code=code-6&state={foreign}",
                state_cookie + foreign,
            ),
            "a state changed by a byte": (f"code=code-6&state={tampered}", state_cookie + tampered),
            "no code": (f"state={state}", cookie),
        }
        for name, (query, sent_cookie) in cases.items():
            tried("authenticity: OAuth redirects")
            assert await redirect(rig, query, sent_cookie) >= 400, name
        assert rig.fake.calls_to("oauth.v2.access") == [] and installed(rig) == []

        tried("authenticity: OAuth redirects", 2)
        assert await redirect(rig, f"code=code-7&state={fresh}", fresh_cookie) == 200
        assert installed(rig) == ["T7"]
        # The same redirect again (a captured URL and cookie): refused, nothing exchanged.
        assert await redirect(rig, f"code=code-8&state={fresh}", fresh_cookie) >= 400
        assert len(rig.fake.calls_to("oauth.v2.access")) == 1 and installed(rig) == ["T7"]


# -- secrets in logs ------------------------------------------------------------------------------


@contextmanager
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """Logging as `touchpoint run` sets it up at DEBUG (every library too), plus a handler
    of our own on the root logger and pytest's caplog; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {
        name: logging.getLogger(name).level for name in ("discord", "slack_bolt", "slack_sdk")
    }
    captured = io.StringIO()
    settings = load_settings(
        {
            "DATABASE_URL": "sqlite://",
            "SLACK_BOT_TOKEN": SECRETS["bot token"],
            "SLACK_APP_TOKEN": SECRETS["app token"],
            "SLACK_SIGNING_SECRET": SECRETS["signing secret"],
            "SLACK_CLIENT_SECRET": SECRETS["client secret"],
            "SLACK_STATE_SECRET": SECRETS["state secret"],
            "DISCORD_BOT_TOKEN": SECRETS["Discord token"],
        },
        dotenv=None,
    )
    assert set(settings.secrets) == set(SECRETS.values())
    assert not any(secret in repr(settings) for secret in SECRETS.values())
    setup_logging("DEBUG", settings.secrets)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    ours = logging.StreamHandler(captured)
    ours.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(ours)
    root.addHandler(caplog.handler)
    try:
        yield captured
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def slack_flows(tmp_path: Path) -> int:
    """Everything the Slack adapter does, in each of its modes, with an error or two."""
    steps = 0
    async with slack_rig(tmp_path / "http") as rig:
        await a_posted_reminder(rig)
        view = await rig.open_form("globex")
        await rig.submit(view, challenges="x", our_promises="call back by fri")
        ts = rig.fake.messages["C1"][-1]["ts"]
        await rig.event(payloads.reaction_added("C1", ts, user="U2"), event_id="Ev1")
        await rig.interact(payloads.block_actions("tp:kept:2", message=rig.fake.messages["C1"][-1]))
        await rig.post("{", content_type="application/json", signed=False)
        rig.fake.fail("views.open", status=500)
        await rig.command("initech")  # a failure on our side: logged with its traceback
        rig.fake.fail("chat.postMessage", status=429, retry_after=1)
        rig.clock.advance(timedelta(days=3))
        await rig.engine().scan()
        steps += 9
    async with slack_rig(tmp_path / "socket", SLACK_APP_TOKEN=SECRETS["app token"]) as rig:
        command = payloads.slash_command("acme", response_url=rig.fake.response_url())
        await rig.fake.socket_send("slash_commands", command)
        await rig.adapter.idle()
        steps += 2
    async with slack_rig(tmp_path / "oauth", **OAUTH) as rig:
        await install(rig, "T2")
        await rig.command("acme | ch: x", team="T2", channel="C2")
        await redirect(rig, "code=x&state=forged", None)
        steps += 3
    return steps


async def discord_flows(tmp_path: Path) -> int:
    steps = 0
    async with running(tmp_path / "discord") as w:
        opened = await w.fake.slash(w.acme, SAM, "record", customer="Acme Corp")
        await w.fake.submit(w.acme, SAM, opened.data["data"], {"our_promises": "send by fri"})
        w.later(days=1, minutes=1)
        await w.engine.scan()
        w.fake.fail("POST", r"/channels/", 500, times=2)
        w.later(days=1)
        await w.engine.scan()
        steps += 5
        refused = replace(load_settings(w.env, dotenv=None), discord_bot_token=DISCORD_TOKEN + "x")
        with pytest.raises(DiscordStartError) as failed:
            await discord_adapter(w.container, refused, start_timeout=5).start()
        assert DISCORD_TOKEN not in str(failed.value)
        logging.getLogger("bot").exception("start-up failed", exc_info=failed.value)
        steps += 1
    return steps


async def test_no_secret_or_token_reaches_any_log_output_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    for sub in ("http", "socket", "oauth", "discord"):
        (tmp_path / sub).mkdir()
    with everything_logged(caplog) as captured:
        steps = await slack_flows(tmp_path) + await discord_flows(tmp_path)
        logging.getLogger("bot").debug("settings: %s", SECRETS["bot token"])  # our own mistake
    out, err = capfd.readouterr()
    logged = "\n".join([captured.getvalue(), caplog.text, out, err])
    tried("authenticity: logged flow steps", steps)
    assert len(captured.getvalue().splitlines()) > 100, "DEBUG logging was captured"
    assert "Traceback" in logged, "the error paths ran"
    leaks = [name for name, secret in SECRETS.items() if secret in logged]
    assert not leaks, f"in the logs: {leaks}"
    installed_token = "xoxb-T2"  # issued at install time: not configured, still a secret
    assert installed_token not in logged
