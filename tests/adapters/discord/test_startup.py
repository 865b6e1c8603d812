"""Starting and stopping the adapter, through the runtime's own wiring."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.discord.client import DiscordAdapter, DiscordStartError
from bot.bootstrap import build, discord_adapter
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.runtime import platform_adapters

from .fake_discord import TOKEN, FakeDiscord
from .world import NOW, run


def settings_for(tmp_path: Path, fake: FakeDiscord, **env: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}",
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        **env,
    }


def test_the_runtime_serves_discord_when_a_token_is_set(tmp_path: Path) -> None:
    async def scenario() -> None:
        fake = FakeDiscord()
        fake.add_guild("Acme Sales")
        await fake.start()
        settings = load_settings(settings_for(tmp_path, fake), dotenv=None)
        container = build(settings, clock=ManualClock(NOW))
        try:
            [adapter] = platform_adapters(container, settings)
            assert isinstance(adapter, DiscordAdapter) and adapter.platform == "discord"
            await adapter.start()
            assert fake.identify and len(adapter.client.guilds) == 1
            await adapter.stop()
            assert adapter.client.is_closed()
        finally:
            await fake.close()
            container.close()

    run(scenario())


def test_a_refused_token_or_an_unreachable_gateway_fails_start_clearly(tmp_path: Path) -> None:
    async def scenario() -> None:
        fake = FakeDiscord()
        await fake.start()
        container = build(load_settings(settings_for(tmp_path, fake), dotenv=None))
        try:
            wrong = load_settings(
                settings_for(tmp_path, fake, DISCORD_BOT_TOKEN="not-the-token"), dotenv=None
            )
            with pytest.raises(DiscordStartError, match="refused DISCORD_BOT_TOKEN"):
                await discord_adapter(container, wrong).start()

            nowhere = load_settings(
                settings_for(tmp_path, fake, DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway/"),
                dotenv=None,
            )
            adapter = discord_adapter(container, nowhere, start_timeout=0.5)
            with pytest.raises(DiscordStartError, match=r"gateway at ws://127\.0\.0\.1:9/gateway/"):
                await adapter.start()
            assert adapter.client.is_closed()
        finally:
            await fake.close()
            container.close()

    run(scenario())
