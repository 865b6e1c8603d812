"""A slow platform and a stopping bot: a send is never started unless it can end while the
delivery is still claimed, and a stop finishes the send in flight and gives back the rest."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.core import reminders
from tests.adapters.slack.rig import SlackRig

from .faulty_slack import slack_bot
from .outbox import deliveries
from .test_platform_errors import assert_each_posted_once, three_deliveries_due


def plan(rig: SlackRig) -> None:
    """Plan the reminder, the nudge and the digest without sending anything yet."""
    uow, clock = rig.container.uow_factory, rig.clock
    assert reminders.plan_reminders(uow=uow(), clock=clock) == 2
    assert reminders.plan_digests(uow=uow(), clock=clock) == 1


async def test_stopping_finishes_the_send_in_flight_and_gives_the_rest_back_untried(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as rig:
        await three_deliveries_due(rig)
        rig.fake.slow["chat.postMessage"] = 0.5
        plan(rig)
        engine = rig.engine()
        running = asyncio.ensure_future(engine.deliver())
        await rig.fake.wait_for("chat.postMessage")

        await asyncio.wait_for(engine.stop(), 5)

        result = await running
        assert (result.sent, result.postponed) == (1, 2)
        assert len(rig.fake.posted()) == 1
        stored = deliveries(rig.container.engine)
        assert sorted(stored.values()) == [("pending", 0), ("pending", 0), ("sent", 1)]
        assert (await engine.tick()).sent == 0  # stopped for good

        rig.fake.slow.clear()
        assert (await rig.engine().tick()).sent == 2  # the next instance sends the rest
        assert_each_posted_once(rig)


async def test_a_send_that_could_outlast_the_claim_is_given_back_not_started(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as rig:
        await three_deliveries_due(rig)

        async def a_minute_passes() -> None:
            rig.clock.advance(timedelta(seconds=60))

        # The first post takes a minute: the batch's two-minute lease has one left, less
        # than two send timeouts (45 s each), so the rest is not started under it.
        rig.fake.then("chat.postMessage", a_minute_passes)
        plan(rig)
        engine = rig.engine()
        first = await engine.deliver()
        # Given back untried (their attempt not counted), then claimed afresh, with a
        # fresh lease, by the pass's last look.
        assert (first.sent, first.postponed) == (3, 2)
        assert sorted(deliveries(rig.container.engine).values()) == [("sent", 1)] * 3
        assert_each_posted_once(rig)
