"""Discord's limits, met by the adapter and enforced by the fake Discord as Discord would."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.adapters.discord import forms
from bot.core.customers import MAX_CUSTOMER_NAME

from .fake_discord import TOKEN
from .world import SAM, run, running


def test_the_fake_discord_refuses_a_message_over_a_limit_with_code_50035(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            channel = w.acme.channels["customers"]
            url = f"{w.fake.api_url}/channels/{channel}/messages"
            embed = {"title": "t", "fields": [{"name": "n", "value": "v" * 1025}]}
            headers = {"Authorization": f"Bot {TOKEN}"}
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, json={"embeds": [embed]}, headers=headers) as got,
            ):
                assert got.status == 400
                assert (await got.json())["code"] == 50035
            assert w.fake.refused and not w.fake.channel_messages(w.acme)
            w.fake.refused.clear()

    run(scenario())


def test_a_plus_name_at_the_limit_opens_the_form(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            name = "+" + "n" * MAX_CUSTOMER_NAME
            opened = await w.fake.slash(w.acme, SAM, "record", customer=name)
            assert opened.type == 9, opened.data  # the modal, not "too long"
            spec = forms.FormSpec.parse(opened.data["data"]["custom_id"])
            assert spec is not None and spec.customer == name

    run(scenario())


def test_a_plus_name_over_the_limit_is_refused_with_the_limit_stated(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            name = "+" + "n" * (MAX_CUSTOMER_NAME + 1)
            answered = await w.fake.slash(w.acme, SAM, "record", customer=name)
            assert answered.type == 4
            assert f"at most {MAX_CUSTOMER_NAME} characters" in str(answered.data)

    run(scenario())
