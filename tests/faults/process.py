"""``python -m bot run`` as a real process against the fake Slack (HTTP mode, many
workspaces installed through the OAuth tables), and the load and seeding around it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.oauth.installation_store import Bot

from bot.adapters.slack import views
from bot.adapters.slack.installations import DatabaseInstallationStore
from bot.bootstrap import build
from bot.config import load_settings
from bot.core import services
from bot.core.clock import ManualClock
from bot.core.commands import Context
from bot.core.model import DEFAULT_COMPLETION_CODES, Kind
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.pg import free_port
from tests.wall_clock import quiet_zone

CLIENT_ID = "111.222"
OAUTH = {
    "SLACK_CLIENT_ID": CLIENT_ID,
    "SLACK_CLIENT_SECRET": "client-secret-abc",
    "SLACK_STATE_SECRET": "state-secret-0123456789",
    "SLACK_SIGNING_SECRET": payloads.SECRET,
}
CHANNEL = "C1"


def workspace(n: int) -> str:
    return f"T{n:03d}"


def install(db_url: str, fake: FakeSlack, workspaces: Sequence[str]) -> None:
    """Migrate the database and install the app in each workspace (as the OAuth flow
    would have), so the bot has a token for each one; the fake Slack knows the tokens."""
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None))
    store = DatabaseInstallationStore(CLIENT_ID, container.engine)
    for team in workspaces:
        token = f"xoxb-{team}"
        fake.tokens[token] = team
        store.save_bot(
            Bot(
                app_id="A1",
                team_id=team,
                team_name=f"Team {team}",
                bot_token=token,
                bot_id="BBOT",
                bot_user_id="UBOT",
                bot_scopes="commands,chat:write",
                installed_at=time.time(),
            )
        )
    container.close()


def seed_due_promises(
    db_url: str, workspaces: Sequence[str], *, due_at: datetime, per_team: int = 1
) -> None:
    """Each workspace's team posts in C1 and has ``per_team`` customers with one promise of
    ours and one of theirs, both due at ``due_at`` (an hour after they were recorded)."""
    clock = ManualClock(due_at - timedelta(hours=1))
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=clock)
    for team in workspaces:
        team_id = f"slack:{team}"
        container.commands.ensure_team(Context(team_id, "U1", CHANNEL, f"Team {team}"))
        services.configure_team(
            team_id, "channel", CHANNEL, uow=container.uow_factory(), clock=clock
        )
        zone = quiet_zone(due_at)  # the digest and the day start hours away from ``due_at``
        services.configure_team(team_id, "timezone", zone, uow=container.uow_factory(), clock=clock)
        for n in range(per_team):
            services.record_quick_entry(
                team_id,
                "U1",
                f"customer {n} | we: send quote {n} in 1 hour | they: sign form {n} in 1 hour",
                uow=container.uow_factory(),
                clock=clock,
            )
    container.close()


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Send ``sig`` and wait for the exit code (killed, if it does not exit in time)."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")


async def start_bot(
    tmp_path: Path, fake: FakeSlack, db_url: str, *, name: str = "bot", **env: str
) -> BotProcess:
    """``python -m bot run`` serving Slack over HTTP on a free port; returns once
    ``/healthz`` answers."""
    port = free_port()
    settings = {
        "DATABASE_URL": db_url,
        "SLACK_API_URL": fake.api_url,
        "TOUCHPOINT_HTTP_PORT": str(port),
        "TOUCHPOINT_SCAN_SECONDS": "0.5",
        "TOUCHPOINT_TIMEZONE": "Europe/London",
        "LOG_LEVEL": "INFO",
        **OAUTH,
        **env,
    }
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "TOUCHPOINT_", "DATABASE_"))
    }
    log = tmp_path / f"{name}.log"
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,  # no .env of the developer's is read
            env={**inherited, **settings},
            stdout=sink,
            stderr=sink,
        )
    bot = BotProcess(process, port, log)
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(f"the bot exited with {process.returncode}:\n{bot.output()}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return bot
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.05)
    await bot.stop(signal.SIGKILL)
    raise AssertionError(f"the bot did not answer /healthz within 15 s:\n{bot.output()}")


# -- requests, as Slack sends them ---------------------------------------------------------


FIVE_ITEMS = {
    "challenges": "slow internet\nbilling confusing",
    "our_promises": "send fibre quote in 1 hour\ncall back tomorrow 10am",
    "their_promises": "read brochure before next tue",
    "difference": "needs fibre",
}


def submission(team: str, user: str, customer: str, items: dict[str, str] = FIVE_ITEMS) -> str:
    """A filled-in record form; ``+`` before the name makes a new customer even when the
    name is close to another one (no "did you mean" question)."""
    view = views.record_modal(
        customer=f"+{customer}",
        kind=Kind.CALL,
        notes="",
        codes=DEFAULT_COMPLETION_CODES,
        owner=user,
        channel=CHANNEL,
    )
    return payloads.interactive(
        payloads.view_submission(payloads.fill(view, **items), team=team, user=user)
    )


def command(team: str, user: str, text: str, response_url: str, trigger: str) -> str:
    fields = payloads.slash_command(
        text, team=team, user=user, response_url=response_url, trigger_id=trigger
    )
    return payloads.form(fields)


@dataclass
class Sent:
    status: int | None  # None: no answer (refused, or the connection dropped)
    text: str
    ms: float


async def post(session: aiohttp.ClientSession, url: str, body: str) -> Sent:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers |= payloads.signature_headers(body)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as resp:
            text = await resp.text()
            return Sent(resp.status, text, (time.perf_counter() - started) * 1000)
    except aiohttp.ClientError as exc:
        return Sent(None, type(exc).__name__, (time.perf_counter() - started) * 1000)


def now_utc() -> datetime:
    return datetime.now(UTC)


def posted_keys(fake: FakeSlack) -> list[str]:
    return [
        str(m["metadata"]["event_payload"]["key"])
        for messages in fake.messages.values()
        for m in messages
        if m.get("metadata")
    ]


def summary(items: Sequence[Any]) -> str:
    return ", ".join(str(i) for i in items[:5]) + (" ..." if len(items) > 5 else "")
