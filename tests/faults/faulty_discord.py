"""The fake Discord with answers that come too late, and a whole bot wired to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.bootstrap import build
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.scheduling.engine import ReminderEngine
from tests.adapters.discord.fake_discord import TOKEN, FakeDiscord
from tests.adapters.discord.world import NOW, World, start_adapter


class FaultyDiscord(FakeDiscord):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.late: list[tuple[str, re.Pattern[str], float]] = []

    def answer_late(self, method: str, path: str, seconds: float) -> None:
        """The next matching request that meets no injected failure takes effect, then its
        answer waits ``seconds``."""
        self.late.append((method, re.compile(path), seconds))

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        failing = any(
            f.times and f.method == request.method and f.path.search(path) for f in self.failures
        )  # injected failures come first, then the late answers
        delay = next((d for d in self.late if d[0] == request.method and d[1].search(path)), None)
        delay = None if failing else delay
        response = await super()._rest(request)
        if delay is not None:
            self.late.remove(delay)
            await asyncio.sleep(delay[2])
        return response

    def posted_markers(self) -> list[str]:
        """The delivery marker in the footer of every message the bot posted in a channel."""
        return [
            embed["footer"]["text"]
            for message in self.messages.values()
            if not message.get("interaction_metadata")
            for embed in message.get("embeds") or []
            if "Touchpoint · ref " in (embed.get("footer") or {}).get("text", "")
        ]


@contextlib.asynccontextmanager
async def discord_bot(tmp_path: Path, *, send_timeout: float | None = None) -> AsyncIterator[World]:
    """Like the adapters' ``running``, on a ``FaultyDiscord``."""
    logging.getLogger("discord").setLevel(logging.WARNING)
    clock = ManualClock(NOW)
    fake = FaultyDiscord(now=clock.now)
    acme = fake.add_guild("Acme Sales")
    globex = fake.add_guild("Globex Support")
    await fake.start()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}",
        "TOUCHPOINT_TIMEZONE": "Europe/London",
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    container = build(load_settings(env, dotenv=None), clock=clock)
    world: World | None = None
    try:
        adapter = await start_adapter(container, env)
        timeout = {} if send_timeout is None else {"send_timeout": send_timeout}
        engine = ReminderEngine(
            container.uow_factory, clock, {"discord": adapter.notifier}, **timeout
        )
        world = World(fake, container, clock, adapter, engine, acme, globex, env)
        yield world
        assert not fake.refused, f"Discord refuses: {fake.refused}"
    finally:
        if world is not None:
            await world.adapter.stop()
        await fake.close()
        container.close()
