"""``GET /metrics`` over real HTTP after a delivery pass: the composition root on SQLite, the
engine sharing its metrics, and the answer parsed back with ``prometheus_client``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import build, metrics_routes
from bot.config import load_settings
from bot.core import reminders, services
from bot.core.clock import ManualClock
from bot.core.commands import Context
from bot.core.delivery import DeliveryFailed, Outgoing
from bot.core.model import Team
from bot.core.replies import Reply
from bot.scheduling.engine import ReminderEngine
from bot.web.server import make_web_app, serve_web

NOW = datetime(2027, 6, 29, 8, 0, tzinfo=UTC)  # a Tuesday


class HalfBrokenPlatform:
    """Posts to channel C1; refuses channel C2 for good."""

    async def send(self, message: Outgoing) -> str:
        if message.channel == "C2":
            raise DeliveryFailed("the team channel is archived (is_archived)", permanent=True)
        return "ok"

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        return None

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        return None


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_show_the_outbox_the_lag_and_what_the_engine_sent(tmp_path: Path) -> None:
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}", "TOUCHPOINT_HTTP_PORT": "1"},
        dotenv=None,
    )
    clock = ManualClock(NOW)
    container = build(settings, clock=clock)
    for team, channel in (("console:good", "C1"), ("console:gone", "C2"), ("console:late", "")):
        container.commands.ensure_team(Context(team, "U1", None, team))
        if channel:
            services.configure_team(team, "channel", channel, uow=container.uow_factory(),
                                    clock=clock)  # fmt: skip
        services.record_quick_entry(
            team, "U1", "acme | we: send the quote today 9am", uow=container.uow_factory(),
            clock=clock,
        )  # fmt: skip
    engine = ReminderEngine(
        container.uow_factory,
        clock,
        {"console": HalfBrokenPlatform()},  # type: ignore[dict-item]
        metrics=container.metrics,
    )
    clock.set(NOW + timedelta(hours=1, minutes=5))  # 09:05: the promises fell due at 09:00

    async def scrape(port: int) -> str:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as resp,
        ):
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            return await resp.text()

    async def scenario() -> tuple[str, str]:
        runner = await serve_web(
            make_web_app(container.core, metrics_routes(container)), "127.0.0.1", 0
        )
        try:
            port = runner.addresses[0][1]
            await asyncio.to_thread(
                reminders.plan_reminders, uow=container.uow_factory(), clock=clock
            )
            before = await scrape(port)
            await engine.scan()
            return before, await scrape(port)
        finally:
            await runner.cleanup()

    try:
        before, text = asyncio.run(scenario())
    finally:
        container.close()
    planned = _samples(before)
    assert planned[("touchpoint_outbox_deliveries", (("state", "due"),))] == 2
    assert planned[("touchpoint_delivery_lag_seconds", ())] == 300  # due at 09:00, now 09:05
    found = _samples(text)
    assert found[("touchpoint_sends_total", (("outcome", "sent"), ("platform", "console")))] == 1
    given_up = ("touchpoint_sends_total", (("outcome", "given_up"), ("platform", "console")))
    assert found[given_up] == 2
    assert found[("touchpoint_send_seconds_count", (("platform", "console"),))] == 3
    assert found[("touchpoint_scan_seconds_count", ())] == 1
    assert ("touchpoint_digest_planning_seconds_count", ()) in found
    assert found[("touchpoint_outbox_readable", ())] == 1
    # The team without a channel has no delivery at all yet. The digest given up (it
    # carried the 09:00 reminder) hands that reminder back, due, and the pass's last look
    # tries it on its own: given up too, its channel being gone. Nothing is left late.
    for state in ("due", "waiting", "sending"):
        assert found[("touchpoint_outbox_deliveries", (("state", state),))] == 0
    assert found[("touchpoint_delivery_lag_seconds", ())] == 0
