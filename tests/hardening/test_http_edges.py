"""The Slack HTTP endpoints against a careless or hostile client: nothing is parsed before
its signature is checked, what cannot be read is a 400 without a traceback, an exact replay
changes nothing, the install flow cannot be bent, and log lines cannot be forged."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from bot.adapters.slack.tables import installations
from bot.core.services import SIGNED_REQUEST_KEY
from bot.storage.orm import ProcessedEventRow
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import ORG_WIDE
from tests.adapters.slack.rig import SlackRig, slack_rig
from tests.adapters.slack.test_workspaces import OAUTH, install

from .support import World
from .test_authenticity import everything_logged, signature_of

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

FORM = "application/x-www-form-urlencoded"
NESTED = "[" * 100_000 + "]" * 100_000


async def _post(rig: SlackRig, raw: bytes, content_type: str, *, signed: bool) -> int:
    headers = {"Content-Type": content_type} | (signature_of(raw) if signed else {})
    async with rig.session.post(f"{rig.url}/slack/events", data=raw, headers=headers) as r:
        return r.status


async def test_bodies_no_one_can_read_are_refused_before_or_after_the_signature(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bodies = {
        "a made-up charset": (b'{"type": "url_verification"}', "application/json; charset=xyz"),
        "nested JSON carrying ssl_check=1": (
            f'{{"a": {NESTED}, "b": "&ssl_check=1"}}'.encode(),
            "application/json",
        ),
        "nested JSON in a form with ssl_check=1": (
            b"ssl_check=1&payload=" + NESTED.encode(),
            FORM,
        ),
        "a 5,000-digit number": (b'{"type": "x", "n": ' + b"9" * 5000 + b"}", "application/json"),
        "latin-1 text": ('{"text": "café"}'.encode("latin-1"), "application/json"),
    }
    async with slack_rig(tmp_path) as rig:
        caplog.set_level(logging.INFO)
        for name, (raw, content_type) in bodies.items():
            assert await _post(rig, raw, content_type, signed=False) == 401, name
            assert await _post(rig, raw, content_type, signed=True) < 500, name
        assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) <= len(bodies)  # only signed bodies are called signed


async def test_slacks_certificate_check_is_answered_unsigned(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        assert await _post(rig, b"ssl_check=1&token=verification-token", FORM, signed=False) == 200
        assert await _post(rig, b"ssl_check=1", FORM, signed=False) == 200
        for shape in (b"ssl_check=1&command=%2Ftouchpoint", b"ssl_check=1&ssl_check=1"):
            assert await _post(rig, shape, FORM, signed=False) == 401, shape


async def test_an_exact_replay_within_five_minutes_changes_nothing(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("help")
        body = payloads.form(payloads.slash_command("acme call | ch: slow internet"))
        headers = payloads.signature_headers(body) | {"Content-Type": FORM}
        answers = []
        for _ in range(3):
            async with rig.session.post(f"{rig.url}/slack/events", data=body, headers=headers) as r:
                answers.append(r.status)
            await rig.adapter.idle()
        assert answers == [200, 200, 200]
        assert World(rig.container, rig.clock).counts()["touchpoints"] == 1
        # The same command sent again (a new request: new trigger, new signature) records.
        await rig.command("acme call | ch: slow internet")
        assert World(rig.container, rig.clock).counts()["touchpoints"] == 2


async def test_only_requests_that_could_change_something_pay_the_replay_write(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        for n in range(3):  # reading: the Home tab; another emoji than a check mark
            await rig.event(payloads.app_home_opened("U1"), event_id=f"EvHome{n}")
            await rig.event(
                payloads.reaction_added("C1", "1.2", reaction="eyes"), event_id=f"EvR{n}"
            )
        assert rig.adapter.replays.database_checks == 0 and _replay_keys(rig) == 0
        await rig.command("acme call | we: send quote by fri")
        await rig.interact(payloads.block_actions("tp:kept:1", home_view=True))
        assert rig.adapter.replays.database_checks == 2 and _replay_keys(rig) == 2


async def test_a_replay_this_instance_has_seen_is_dropped_without_the_database(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        body = payloads.form(payloads.slash_command("acme call | ch: slow internet"))
        headers = payloads.signature_headers(body) | {"Content-Type": FORM}
        for _ in range(5):
            async with rig.session.post(f"{rig.url}/slack/events", data=body, headers=headers) as r:
                assert r.status == 200
            await rig.adapter.idle()
        assert rig.adapter.replays.database_checks == 1
        assert World(rig.container, rig.clock).counts()["touchpoints"] == 1


def _replay_keys(rig: SlackRig) -> int:
    with rig.container.engine.connect() as connection:
        return int(
            connection.scalar(
                select(func.count())
                .select_from(ProcessedEventRow)
                .where(ProcessedEventRow.key.startswith(SIGNED_REQUEST_KEY))
            )
            or 0
        )


async def test_a_client_hanging_up_mid_body_logs_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_rig(tmp_path) as rig:
        port = rig.adapter.http_port
        assert port is not None
        for _ in range(3):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n" + b'{"type": "event_callback", "ev'
            )
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        await asyncio.sleep(0.2)  # the server notices the hang-ups (no result to wait for)
        assert await rig.command("help")
        assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text


def _installed(rig: SlackRig) -> list[str | None]:
    with rig.container.engine.connect() as connection:
        return [row.team_id for row in connection.execute(installations.select())]


async def test_an_org_wide_install_is_refused_clearly(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        rig.fake.oauth_teams["code-E1"] = ORG_WIDE
        async with rig.session.get(f"{rig.url}/slack/install") as page:
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([^&\"]+)", html)
        assert state is not None
        url = f"{rig.url}/slack/oauth_redirect?code=code-E1&state={state.group(1)}"
        async with rig.session.get(url, headers={"Cookie": cookie}) as done:
            assert done.status == 400
            assert "installed per workspace" in await done.text()
        assert _installed(rig) == []
        assert await install(rig, "T2") == 200  # a workspace install still works


async def test_the_install_links_team_parameter_cannot_add_parameters(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        query = "team=T1%26scope%3Dadmin%26redirect_uri%3Dhttps%3A%2F%2Fevil.example"
        async with rig.session.get(f"{rig.url}/slack/install?{query}") as page:
            html = await page.text()
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html)
        assert link is not None
        params = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)
        assert params["team"] == ["T1&scope=admin&redirect_uri=https://evil.example"]
        assert params["scope"] != ["admin"] and "redirect_uri" not in params


async def test_a_line_break_in_a_query_cannot_forge_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "INFO bot: admin logged in"
    with everything_logged(caplog) as captured:
        async with slack_rig(tmp_path, **OAUTH) as rig:
            url = f"{rig.url}/slack/oauth_redirect?error=x%0A{forged.replace(' ', '%20')}"
            async with rig.session.get(url) as r:
                assert r.status < 500
    lines = captured.getvalue().splitlines()
    assert any("admin logged in" in line for line in lines), "the error was logged"
    assert not any(line.startswith(forged) for line in lines)


def test_calendar_urls_and_line_breaks_are_encoded_in_any_record() -> None:
    from bot.logs import RedactSecrets

    record = logging.LogRecord(
        "aiohttp.server", logging.ERROR, __file__, 1, "Error handling request %s", None, None
    )
    record.args = ("GET /calendar/0123456789abcdef0123456789abcdef.ics\xa0 HTTP/1.1\r\nX: y",)
    RedactSecrets(()).filter(record)
    said = record.getMessage()
    assert "0123456789abcdef" not in said and "/calendar/[redacted]" in said
    assert "\n" not in said and "\\r\\n" in said
    assert json.dumps(said)  # still one printable line


async def test_a_refused_feed_request_logs_one_line_without_its_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "0123456789abcdef" * 4
    with everything_logged(caplog) as captured:
        async with slack_rig(tmp_path) as rig:
            port = rig.adapter.http_port
            assert port is not None
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            # A link pasted with a trailing no-break space: aiohttp's parser refuses the line.
            writer.write(f"GET /calendar/{secret}.ics\xa0 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            await writer.drain()
            assert (await reader.read()).startswith(b"HTTP/1.0 400")
            writer.close()
    logged = captured.getvalue()
    assert "refused a malformed request" in logged
    assert secret not in logged and "Traceback" not in logged
