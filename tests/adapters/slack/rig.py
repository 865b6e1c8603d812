"""The real Slack adapter, database and Bolt app, driven over loopback HTTP against the fake
Slack: what a test needs to act as Slack and as the people using it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.adapters.slack.app import SlackAdapter
from bot.bootstrap import Container, build, slack_adapter
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.scheduling.engine import ReminderEngine

from . import payloads
from .fake_slack import FakeSlack

# Thu 19 Nov 2026, 10:00 UTC
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


@dataclass
class Answer:
    status: int
    text: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class SlackRig:
    fake: FakeSlack
    adapter: SlackAdapter
    container: Container
    clock: ManualClock
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http_port}"

    def engine(self) -> ReminderEngine:
        return ReminderEngine(
            self.container.uow_factory, self.clock, {"slack": self.adapter.notifier}, worker="test"
        )

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ) -> Answer:
        sent = {"Content-Type": content_type}
        if signed:
            sent |= payloads.signature_headers(body, timestamp=timestamp)
        sent |= headers or {}
        started = time.perf_counter()
        async with self.session.post(f"{self.url}/slack/events", data=body, headers=sent) as resp:
            text = await resp.text()
        return Answer(resp.status, text, time.perf_counter() - started)

    async def command(self, text: str, *, settle: bool = True, **kwargs: Any) -> Answer:
        fields = payloads.slash_command(text, response_url=self.fake.response_url(), **kwargs)
        answer = await self.post(payloads.form(fields))
        if settle:
            await self.adapter.idle()
        return answer

    async def interact(self, payload: dict[str, Any], *, settle: bool = True) -> Answer:
        answer = await self.post(payloads.interactive(payload))
        if settle:
            await self.adapter.idle()
        return answer

    async def event(
        self, event: dict[str, Any], *, event_id: str, team: str = "T1", retry: int = 0
    ) -> Answer:
        body = json.dumps(payloads.event_callback(event, event_id=event_id, team=team))
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        answer = await self.post(body, content_type="application/json", headers=headers)
        await self.adapter.idle()
        return answer

    async def open_form(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """``/touchpoint <text>`` and the modal it opened."""
        before = len(self.fake.calls_to("views.open"))
        answer = await self.command(text, **kwargs)
        assert answer.status == 200
        opened = self.fake.calls_to("views.open")
        assert len(opened) == before + 1, self.fake.responses
        return dict(opened[-1].args["view"])

    async def submit(
        self, view: dict[str, Any], *, team: str = "T1", user: str = "U1", **values: str
    ) -> Answer:
        return await self.interact(
            payloads.view_submission(payloads.fill(view, **values), team=team, user=user)
        )


def settings_for(tmp_path: Path, fake: FakeSlack, **env: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'touchpoint.db'}",
        "TOUCHPOINT_TIMEZONE": "Europe/London",
        "SLACK_API_URL": fake.api_url,
        "SLACK_SIGNING_SECRET": payloads.SECRET,
        "SLACK_BOT_TOKEN": "xoxb-T1",
        **env,
    }


@asynccontextmanager
async def slack_rig(tmp_path: Path, **env: str) -> AsyncIterator[SlackRig]:
    """Fake Slack up, a fresh database, the adapter serving on a free loopback port."""
    clock = ManualClock(NOW)
    fake = FakeSlack(now=lambda: clock.now().timestamp())
    await fake.start()
    try:
        values = {k: v for k, v in settings_for(tmp_path, fake, **env).items() if v}
        settings = replace(load_settings(values, dotenv=None), http_port=0)
        container = build(settings, clock=clock)
        try:
            adapter = slack_adapter(container, settings)
            async with aiohttp.ClientSession() as session:
                await adapter.start()
                try:
                    yield SlackRig(fake, adapter, container, clock, session)
                    # Slack would have refused these: the test passed on payloads that
                    # would not reach anyone.
                    assert not fake.refused, f"Slack refuses: {fake.refused}"
                finally:
                    await adapter.stop()
        finally:
            container.close()
    finally:
        await fake.stop()
