"""The platform API failing while reminders and digests go out: server errors, answers that
never come (timeouts, dropped connections) and rate limits with Retry-After. Every delivery
reaches the platform exactly once, counted on the fake platform."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.adapters.discord.notifier import footer
from tests.adapters.discord.world import SAM, World
from tests.adapters.slack.fake_slack import Fault
from tests.adapters.slack.rig import SlackRig

from .faulty_discord import discord_bot
from .faulty_slack import HANG_UP, LATE, slack_bot
from .outbox import deliveries, until_settled

DUE = timedelta(hours=23, minutes=30)  # Thu 10:00 -> Fri 09:30: reminder, nudge and digest
FORM = {
    "challenges": "slow internet\nbilling confusing",
    "our_promises": "send fibre quote by fri 9:30am",
    "their_promises": "sign the order form by fri 9:30am",
}


async def three_deliveries_due(rig: SlackRig) -> None:
    view = await rig.open_form("acme")
    assert (await rig.submit(view, **FORM)).text == ""
    rig.clock.advance(DUE)


def assert_each_posted_once(rig: SlackRig) -> None:
    stored = deliveries(rig.container.engine)
    assert len(stored) == 3
    assert {status for status, _ in stored.values()} == {"sent"}
    assert Counter(rig.fake.posted_keys()) == Counter(stored.keys())  # each once, none missing


async def test_slack_server_errors_timeouts_and_lost_answers_post_every_reminder_once(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path, api_timeout=1) as rig:
        await three_deliveries_due(rig)
        rig.fake.then_calls(
            "chat.postMessage",
            Fault(status=500),
            Fault(status=503),
            LATE,  # posted, but the answer comes after the client gave up
            HANG_UP,  # posted, but the connection closes before the answer
        )
        # Whether the late one was posted cannot be told at first: try again later.
        rig.fake.then_calls("conversations.history", Fault(status=502))

        results = await until_settled(rig.container.engine, rig.engine(), rig.clock)

        assert_each_posted_once(rig)
        assert sum(r.failed for r in results) >= 5
        attempts = [a for _, a in deliveries(rig.container.engine).values()]
        assert max(attempts) >= 3


async def test_a_slack_rate_limit_holds_the_channel_until_retry_after_then_posts_each_once(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as rig:
        await three_deliveries_due(rig)
        rig.fake.then_calls("chat.postMessage", Fault(status=429, retry_after=120))
        engine = rig.engine()

        first = await engine.tick()
        assert (first.failed, first.postponed, first.sent) == (1, 2, 0)
        rig.clock.advance(timedelta(seconds=90))
        assert (await engine.tick()).sent == 0  # Slack said 120 s: the channel waits
        assert len(rig.fake.calls_to("chat.postMessage")) == 1

        rig.clock.advance(timedelta(seconds=31))
        assert (await engine.tick()).sent == 3
        assert_each_posted_once(rig)


DISCORD_FORM = {
    "challenges": "slow internet",
    "our_promises": "send fibre quote by fri 9:30am",
    "their_promises": "sign the order form by fri 9:30am",
}
MESSAGES = r"/channels/\d+/messages"


async def discord_deliveries_due(w: World) -> None:
    opened = await w.fake.slash(w.acme, SAM, "record", customer="Acme Corp", kind="call")
    await w.fake.submit(w.acme, SAM, opened.data["data"], DISCORD_FORM)
    w.clock.advance(DUE)


def assert_each_posted_once_on_discord(w: World) -> None:
    stored = deliveries(w.container.engine)
    assert len(stored) == 3
    assert {status for status, _ in stored.values()} == {"sent"}
    assert Counter(w.fake.posted_markers()) == Counter(footer(key) for key in stored)


async def test_discord_server_errors_timeouts_and_lost_answers_post_every_reminder_once(
    tmp_path: Path,
) -> None:
    async with discord_bot(tmp_path, send_timeout=2.5) as w:
        await discord_deliveries_due(w)
        w.fake.fail("POST", MESSAGES, 503, body={"message": "upstream"})
        w.fake.fail("POST", MESSAGES, 500, body={"message": "oops"})  # discord.py retries
        w.fake.fail("POST", MESSAGES, 502, body={"message": "bad gateway"}, lost=True)
        w.fake.answer_late("POST", MESSAGES, 3.0)  # posted; the answer comes too late
        w.fake.fail("GET", MESSAGES, 503, body={"message": "history unavailable"})

        results = await until_settled(
            w.container.engine, w.engine, w.clock, step=timedelta(minutes=10)
        )

        assert_each_posted_once_on_discord(w)
        assert sum(r.failed for r in results) >= 3


async def test_a_discord_rate_limit_longer_than_discord_py_waits_is_retried_after_it(
    tmp_path: Path,
) -> None:
    async with discord_bot(tmp_path) as w:
        await discord_deliveries_due(w)
        w.fake.fail(
            "POST",
            MESSAGES,
            429,
            body={"message": "You are being rate limited.", "retry_after": 60, "global": False},
            headers={"Via": "1.1 google", "Retry-After": "60"},
        )
        first = await w.engine.tick()
        assert (first.failed, first.postponed, first.sent) == (1, 2, 0)
        w.clock.advance(timedelta(seconds=45))
        assert (await w.engine.tick()).sent == 0
        w.clock.advance(timedelta(seconds=20))
        assert (await w.engine.tick()).sent == 3
        assert_each_posted_once_on_discord(w)


async def test_a_short_discord_rate_limit_is_waited_out_by_discord_py_and_posts_once(
    tmp_path: Path,
) -> None:
    async with discord_bot(tmp_path) as w:
        await discord_deliveries_due(w)
        w.fake.fail(
            "POST",
            MESSAGES,
            429,
            body={"message": "You are being rate limited.", "retry_after": 0.3, "global": True},
            headers={"Via": "1.1 google", "Retry-After": "1"},
        )
        assert (await w.engine.tick()).sent == 3
        assert_each_posted_once_on_discord(w)
