"""A whole bot against the fake Discord: real database, real discord.py client, the
reminder engine, and a manual clock. ``async with running(tmp_path) as world:``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.adapters.discord.client import DiscordAdapter
from bot.bootstrap import Container, build, discord_adapter
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.scheduling.engine import ReminderEngine

from .fake_discord import TOKEN, FakeDiscord, Guild

# Thu 19 Nov 2026, 10:00 UTC
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
SAM, ALEX, EVE = 2_000_000_000_000_000_001, 2_000_000_000_000_000_002, 2_000_000_000_000_000_003


@dataclass
class World:
    fake: FakeDiscord
    container: Container
    clock: ManualClock
    adapter: DiscordAdapter
    engine: ReminderEngine
    acme: Guild
    globex: Guild
    env: dict[str, str] = field(default_factory=dict)

    async def restart(self) -> None:
        """A new process: a new client and engine on the same database."""
        await self.adapter.stop()
        self.adapter = await start_adapter(self.container, self.env)
        self.engine = ReminderEngine(
            self.container.uow_factory, self.clock, {"discord": self.adapter.notifier}
        )

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


async def start_adapter(container: Container, env: dict[str, str]) -> DiscordAdapter:
    settings = load_settings(env, dotenv=None)
    adapter = discord_adapter(container, settings, guild_ready_timeout=0.2, start_timeout=10)
    await adapter.start()
    return adapter


@contextlib.asynccontextmanager
async def running(tmp_path: Path, *, sync_to_acme: bool = False) -> AsyncIterator[World]:
    clock = ManualClock(NOW)
    fake = FakeDiscord(now=clock.now)
    acme = fake.add_guild("Acme Sales")
    globex = fake.add_guild("Globex Support")
    await fake.start()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}",
        "TOUCHPOINT_TIMEZONE": "Europe/London",
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_GUILD_ID": str(acme.id) if sync_to_acme else "",
    }
    container = build(load_settings(env, dotenv=None), clock=clock)
    world: World | None = None
    try:
        adapter = await start_adapter(container, env)
        engine = ReminderEngine(container.uow_factory, clock, {"discord": adapter.notifier})
        world = World(fake, container, clock, adapter, engine, acme, globex, env)
        yield world
        # Discord would have refused these: the test passed on payloads that would not
        # reach anyone.
        assert not fake.refused, f"Discord refuses: {fake.refused}"
    finally:
        if world is not None:
            await world.adapter.stop()
        await fake.close()
        container.close()


def run(coro: Any) -> None:
    """Run one scenario on a fresh event loop (no pytest-asyncio needed)."""
    logging.getLogger("discord").setLevel(logging.WARNING)
    asyncio.run(asyncio.wait_for(coro, 30))
