"""The fake Slack with the faults these tests need, and the real adapter wired to it.

``FaultySlack`` adds to the adapters' fake: answers that come late (after the call took
effect, as when Slack posted the message but the answer was lost on the way), work done
between a call taking effect and its answer (crash the database, kill the bot), and
dropping the Socket Mode connection, politely or not.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.bootstrap import build, slack_adapter
from bot.config import load_settings
from bot.core.clock import ManualClock
from tests.adapters.slack.fake_slack import FakeSlack, Fault
from tests.adapters.slack.rig import NOW, SlackRig, settings_for

Hook = Callable[[], Awaitable[None]]
OK, LATE, HANG_UP = "ok", "late", "hang up"
Step = Fault | str
LATE_SECONDS = 2.5  # longer than the 1 s Web API timeout the fault tests give the adapter


class FaultySlack(FakeSlack):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.script: dict[str, list[Step]] = defaultdict(list)  # method -> the next calls
        self.slow: dict[str, float] = {}  # method -> seconds before every answer
        self.after: dict[str, list[Hook]] = defaultdict(list)  # run once, before answering

    def then_calls(self, method: str, *steps: Step) -> None:
        """What the next calls of ``method`` meet, in order: a ``Fault`` (refused), ``LATE``
        (takes effect, answered after the client gave up), ``HANG_UP`` (takes effect, the
        connection closes unanswered) or ``OK``."""
        self.script[method] += steps

    def then(self, method: str, hook: Hook) -> None:
        """After the next ``method`` call takes effect and before it is answered, run hook."""
        self.after[method].append(hook)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        step = self.script[method].pop(0) if self.script[method] else OK
        if isinstance(step, Fault):
            self.faults[method].insert(0, step)
        response = await super()._api(request)
        if self.after[method]:
            await self.after[method].pop(0)()
        if step == HANG_UP:
            assert request.transport is not None
            request.transport.abort()
        elif step == LATE:
            await asyncio.sleep(LATE_SECONDS)
        elif method in self.slow:
            await asyncio.sleep(self.slow[method])
        return response

    # -- Socket Mode ---------------------------------------------------------------------------

    async def refresh_socket(self) -> None:
        """What Slack does every few hours: a ``disconnect`` envelope, then a clean close."""
        ws = self._sockets[-1]
        self.socket_connected.clear()
        await ws.send_json({"type": "disconnect", "reason": "refresh_requested"})
        await ws.close()

    async def break_socket(self) -> None:
        """The connection dies without a goodbye (a network drop, a killed load balancer)."""
        ws = self._sockets[-1]
        self.socket_connected.clear()
        transport = ws._req.transport if ws._req is not None else None  # type: ignore[attr-defined]
        assert transport is not None
        transport.abort()

    @property
    def socket_connections(self) -> int:
        return len(self.calls_to("apps.connections.open"))

    def posted(self, channel: str = "C1") -> list[dict[str, Any]]:
        return list(self.messages[channel])

    def posted_keys(self) -> list[str]:
        """The delivery key of every message the bot posted, in every channel."""
        return [
            str(m["metadata"]["event_payload"]["key"])
            for messages in self.messages.values()
            for m in messages
            if m.get("metadata")
        ]


@asynccontextmanager
async def slack_bot(
    tmp_path: Path, *, api_timeout: int = 15, **env: str
) -> AsyncIterator[SlackRig]:
    """Like the adapters' ``slack_rig``, on a ``FaultySlack`` and with a chosen Web API
    timeout (the adapter's own is 15 s)."""
    clock = ManualClock(NOW)
    fake = FaultySlack(now=lambda: clock.now().timestamp())
    await fake.start()
    try:
        values = {k: v for k, v in settings_for(tmp_path, fake, **env).items() if v}
        settings = replace(load_settings(values, dotenv=None), http_port=0)
        container = build(settings, clock=clock)
        client = AsyncWebClient(
            token=settings.slack_bot_token or None,
            base_url=settings.slack_api_url,
            timeout=api_timeout,
        )
        try:
            adapter = slack_adapter(container, settings, client=client)
            async with aiohttp.ClientSession() as session:
                await adapter.start()
                try:
                    yield SlackRig(fake, adapter, container, clock, session)
                    assert not fake.refused, f"Slack refuses: {fake.refused}"
                finally:
                    await adapter.stop()
        finally:
            container.close()
    finally:
        await fake.stop()
