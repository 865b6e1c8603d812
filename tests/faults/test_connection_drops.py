"""The Slack socket (Socket Mode) and the Discord gateway dropping: the bot reconnects (or
resumes), an interaction sent after the drop is handled, and nothing is handled twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.core.model import PromiseStatus
from tests.adapters.discord.test_flows import custom_ids
from tests.adapters.discord.world import ALEX, SAM, World
from tests.adapters.slack import payloads
from tests.adapters.slack.rig import SlackRig

from .faulty_discord import discord_bot
from .faulty_slack import slack_bot

APP_TOKEN = "xapp-1-A1-secret"
RECORD = {"our_promises": "send fibre quote by fri 9:30am"}  # a reminder of its own


async def until(condition: Callable[[], Any], seconds: float = 20.0) -> float:
    """Wait for ``condition``; returns how long it took."""
    started = time.perf_counter()
    for _ in range(int(seconds / 0.05)):
        if condition():
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


async def record_over_the_socket(rig: SlackRig, trigger: str) -> None:
    """``/touchpoint acme``, then submit the modal it opened, all over the websocket."""
    opened = len(rig.fake.calls_to("views.open"))
    command = payloads.slash_command("acme", trigger_id=trigger)
    assert set(await rig.fake.socket_send("slash_commands", command)) == {"envelope_id"}
    view = (await rig.fake.wait_for("views.open", opened + 1))[-1].args["view"]
    submission = payloads.view_submission(payloads.fill(view, **RECORD))
    ack = await rig.fake.socket_send("interactive", submission)
    assert "errors" not in str(ack), ack
    await rig.adapter.idle()  # the confirmation (which also claims the team channel)


def open_promises(rig: SlackRig) -> int:
    with rig.container.uow_factory() as uow:
        return len(uow.promises.open_for_team("slack:T1"))


async def test_a_slack_socket_refreshed_by_slack_reconnects_and_the_next_command_is_handled(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path, SLACK_APP_TOKEN=APP_TOKEN) as rig:
        await asyncio.wait_for(rig.fake.socket_connected.wait(), 5)
        await record_over_the_socket(rig, "trigger-1")

        await rig.fake.refresh_socket()
        took = await until(rig.fake.socket_connected.is_set)
        assert took < 5 and rig.fake.socket_connections >= 2
        print(f"refreshed socket replaced in {took:.2f} s")

        await record_over_the_socket(rig, "trigger-2")
        assert open_promises(rig) == 2


async def test_a_broken_slack_socket_is_replaced_and_an_unacknowledged_event_is_handled_once(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path, SLACK_APP_TOKEN=APP_TOKEN) as rig:
        await asyncio.wait_for(rig.fake.socket_connected.wait(), 5)
        await record_over_the_socket(rig, "trigger-1")
        rig.clock.set(rig.clock.now().replace(day=20, hour=9, minute=30))
        assert (await rig.engine().scan()).sent == 1
        ts = rig.fake.posted()[-1]["ts"]

        await rig.fake.break_socket()
        # Someone reacts while the bot is away; Slack gets no acknowledgement and sends the
        # event again (retry_attempt 1) once the app has a connection.
        event = payloads.event_callback(
            payloads.reaction_added("C1", ts, user="U2"), event_id="Ev1"
        )
        took = await until(rig.fake.socket_connected.is_set)
        assert rig.fake.socket_connections >= 2
        ack = await rig.fake.socket_send("events_api", event, retry_attempt=1)
        assert ack["envelope_id"]
        await rig.adapter.idle()
        await rig.fake.socket_send("events_api", event, retry_attempt=2)  # and once more
        await rig.adapter.idle()

        with rig.container.uow_factory() as uow:
            kept = uow.promises.get("slack:T1", 1)
        assert kept is not None and kept.status is PromiseStatus.KEPT
        assert [e.action for e in kept.history].count("kept") == 1
        assert len(rig.fake.calls_to("chat.update")) == 1
        assert took < 25  # Slack's SDK notices a dead socket at its next ping (every 10 s)
        print(f"broken socket replaced in {took:.2f} s")


def promise_status(w: World) -> PromiseStatus:
    with w.container.uow_factory() as uow:
        promise = uow.promises.get(f"discord:{w.acme.id}", 1)
    assert promise is not None
    return promise.status


async def test_a_button_pressed_while_the_discord_gateway_is_down_is_handled_once_on_resume(
    tmp_path: Path,
) -> None:
    async with discord_bot(tmp_path) as w:
        opened = await w.fake.slash(w.acme, SAM, "record", customer="Acme Corp", kind="call")
        await w.fake.submit(w.acme, SAM, opened.data["data"], RECORD)
        w.clock.set(w.clock.now().replace(day=20, hour=9, minute=30))
        assert (await w.engine.scan()).sent == 1
        [reminder] = w.fake.channel_messages(w.acme)
        kept = next(i for i in custom_ids(reminder) if i.startswith("tp:kept:"))

        await w.fake.drop_connection()
        pressed = asyncio.ensure_future(w.fake.press(w.acme, ALEX, int(reminder["id"]), kept))
        await w.fake.wait_resumed()  # the press is replayed when the bot resumes
        answer = await asyncio.wait_for(pressed, 10)

        assert answer.type == 7  # the reminder itself was updated
        assert promise_status(w) is PromiseStatus.KEPT
        assert len(w.fake.identify) == 1 and len(w.fake.resumes) == 1
        assert len(w.fake.callbacks) == 3  # /record, the modal, the press: nothing twice


async def test_when_discord_refuses_to_resume_the_bot_identifies_again_and_keeps_serving(
    tmp_path: Path,
) -> None:
    async with discord_bot(tmp_path) as w:
        w.fake._session.id = "forgotten"  # type: ignore[union-attr]
        await w.fake.drop_connection()
        took = await until(lambda: len(w.fake.identify) == 2, 15)  # discord.py waits 1-5 s
        print(f"identified again {took:.2f} s after the refused resume")
        await until(w.adapter.client.is_ready)

        opened = await w.fake.slash(w.acme, SAM, "record", customer="Acme Corp", kind="call")
        done = await w.fake.submit(w.acme, SAM, opened.data["data"], RECORD)
        assert done.type == 4
        assert promise_status(w) is PromiseStatus.OPEN
        assert len(w.fake.identify) == 2 and len(w.fake.resumes) == 1
