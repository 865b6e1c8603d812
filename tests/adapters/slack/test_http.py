"""HTTP mode: signatures, URL verification, health, and the settings each mode needs."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.slack.app import slack_mode
from bot.config import Settings, SettingsError

from . import payloads
from .rig import slack_rig


async def test_url_verification_echoes_the_challenge(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        body = json.dumps(
            {"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
        )
        answer = await rig.post(body, content_type="application/json")
        assert answer.status == 200
        assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


async def test_a_forged_signature_gets_401_and_does_nothing(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        body = payloads.form(payloads.slash_command("acme", response_url=rig.fake.response_url()))
        headers = payloads.signature_headers(body, secret="not-the-secret")
        answer = await rig.post(body, signed=False, headers=headers)
        assert answer.status == 401
        await rig.adapter.idle()
        assert rig.fake.calls_to("views.open") == []


async def test_a_request_signed_more_than_five_minutes_ago_gets_401(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        body = payloads.form(payloads.slash_command("acme", response_url=rig.fake.response_url()))
        answer = await rig.post(body, timestamp=int(time.time()) - 6 * 60)
        assert answer.status == 401


async def test_an_unsigned_request_gets_401(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        body = payloads.form(payloads.slash_command("help"))
        assert (await rig.post(body, signed=False)).status == 401


async def test_the_health_check_answers_without_a_signature(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig, rig.session.get(f"{rig.url}/healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"ok": True}


async def test_the_slash_command_is_acknowledged_before_the_modal_opens(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("help")  # warm up: Bolt's first request calls auth.test
        answer = await rig.command("acme", settle=False)
        assert answer.status == 200 and answer.text == ""
        assert answer.seconds < 0.5
        opened = await rig.fake.wait_for("views.open")
        assert str(opened[0].args["trigger_id"]).startswith("trigger-command-")


def base_settings(**values: str) -> Settings:
    return replace(Settings(database_url="sqlite://"), **values)  # type: ignore[arg-type]


def test_http_mode_with_one_bot_token_needs_the_signing_secret() -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        slack_mode(base_settings(slack_bot_token="xoxb-1"))
    mode = slack_mode(base_settings(slack_bot_token="xoxb-1", slack_signing_secret="s"))
    assert (mode.socket, mode.oauth, mode.serves_http) == (False, False, True)


def test_socket_mode_needs_an_app_level_token_and_no_signing_secret() -> None:
    mode = slack_mode(base_settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1"))
    assert (mode.socket, mode.oauth, mode.serves_http) == (True, False, False)
    with pytest.raises(SettingsError, match="xapp-"):
        slack_mode(base_settings(slack_bot_token="xoxb-1", slack_app_token="xoxb-2"))


def test_multi_workspace_needs_all_three_oauth_settings_and_no_bot_token() -> None:
    oauth = {"slack_client_id": "1.2", "slack_client_secret": "s", "slack_state_secret": "st"}
    with pytest.raises(SettingsError, match="SLACK_STATE_SECRET"):
        slack_mode(base_settings(slack_client_id="1.2", slack_signing_secret="s"))
    with pytest.raises(SettingsError, match="not both"):
        slack_mode(base_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", **oauth))
    mode = slack_mode(base_settings(slack_signing_secret="s", slack_app_token="xapp-1", **oauth))
    assert (mode.socket, mode.oauth, mode.serves_http) == (True, True, True)


def test_no_token_at_all_is_refused_with_a_clear_message() -> None:
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        slack_mode(base_settings(slack_signing_secret="s"))


async def test_stopping_lets_acknowledged_work_finish(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("help")
        url = rig.url
        answer = await rig.command("acme", settle=False)
        assert answer.status == 200
        await rig.adapter.stop()  # the modal still opens: the work was acknowledged
        assert len(rig.fake.calls_to("views.open")) == 1
        with pytest.raises(aiohttp.ClientConnectionError):
            await rig.session.get(f"{url}/healthz")
