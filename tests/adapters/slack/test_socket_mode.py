"""Socket Mode: the same app over a local websocket opened via apps.connections.open."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.storage.orm import TouchpointRow

from . import payloads
from .rig import SlackRig, slack_rig


async def test_socket_mode_connects_with_the_app_token_and_serves_no_http(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1-A1-secret") as rig:
        opened = await rig.fake.wait_for("apps.connections.open")
        assert opened[0].token == "xapp-1-A1-secret"
        assert rig.adapter.http_port is None


async def test_a_slash_command_envelope_is_acknowledged_then_opens_the_modal(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1") as rig:
        command = payloads.slash_command("acme", response_url=rig.fake.response_url())
        ack = await rig.fake.socket_send("slash_commands", command)
        assert set(ack) == {"envelope_id"}
        opened = await rig.fake.wait_for("views.open")
        assert opened[0].args["view"]["blocks"][0]["element"]["initial_value"] == "acme"


async def test_modal_errors_travel_back_in_the_envelope_acknowledgement(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1") as rig:
        await rig.fake.socket_send("slash_commands", payloads.slash_command("acme"))
        view = (await rig.fake.wait_for("views.open"))[0].args["view"]
        submission = payloads.view_submission(
            payloads.fill(view, our_promises="call back yesterday")
        )
        ack = await rig.fake.socket_send("interactive", submission)
        assert ack["payload"]["response_action"] == "errors"
        assert list(ack["payload"]["errors"]) == ["our_promises"]


async def test_a_redelivered_event_envelope_keeps_a_promise_once(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1") as rig:
        await rig.fake.socket_send("slash_commands", payloads.slash_command("acme"))
        view = (await rig.fake.wait_for("views.open"))[0].args["view"]
        await rig.fake.socket_send(
            "interactive",
            payloads.view_submission(payloads.fill(view, our_promises="quote by fri 9:30am")),
        )
        await rig.adapter.idle()
        rig.clock.set(rig.clock.now().replace(day=20, hour=9, minute=30))
        assert (await rig.engine().scan()).sent == 1
        ts = rig.fake.messages["C1"][-1]["ts"]
        event = payloads.event_callback(
            payloads.reaction_added("C1", ts, user="U2"), event_id="EvS1"
        )
        for attempt in (0, 1, 2):
            ack = await rig.fake.socket_send("events_api", event, retry_attempt=attempt)
            assert ack["envelope_id"]
            await rig.adapter.idle()
        assert len(rig.fake.calls_to("chat.update")) == 1
        with rig.container.uow_factory() as uow:
            kept = uow.promises.get("slack:T1", 1)
            assert kept is not None and [e.action for e in kept.history].count("kept") == 1


def _touchpoints(rig: SlackRig) -> int:
    with rig.container.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(TouchpointRow)) or 0)


async def test_a_redelivered_command_envelope_is_acknowledged_and_recorded_once(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1") as rig:
        command = payloads.slash_command(
            "acme call | ch: slow internet", response_url=rig.fake.response_url()
        )
        for _ in range(3):  # Slack did not see the acknowledgement: the same envelope again
            ack = await rig.fake.socket_send("slash_commands", command, envelope_id="env-cmd")
            assert ack["envelope_id"] == "env-cmd"
            await rig.adapter.idle()
        assert _touchpoints(rig) == 1
        assert len(rig.fake.responses) == 1  # one confirmation, not three
        # The same words as a new command (a new envelope) are a new touchpoint.
        await rig.fake.socket_send("slash_commands", command)
        await rig.adapter.idle()
        assert _touchpoints(rig) == 2


async def test_a_redelivered_button_envelope_settles_a_promise_once(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1") as rig:
        await rig.fake.socket_send(
            "slash_commands",
            payloads.slash_command(
                "acme call | we: send quote by fri", response_url=rig.fake.response_url()
            ),
        )
        await rig.adapter.idle()
        press = payloads.block_actions(
            "tp:not_kept:1", home_view=True, response_url=rig.fake.response_url("b")
        )
        await rig.fake.socket_send("interactive", press, envelope_id="env-press")
        await rig.adapter.idle()
        said = (len(rig.fake.calls), len(rig.fake.responses))
        await rig.fake.socket_send("interactive", press, envelope_id="env-press")
        await rig.adapter.idle()
        # Not even "already settled": the redelivery is not acted on at all.
        assert (len(rig.fake.calls), len(rig.fake.responses)) == said
        with rig.container.uow_factory() as uow:
            promise = uow.promises.get("slack:T1", 1)
            assert promise is not None
            assert [e.action for e in promise.history].count("not_kept") == 1
        assert rig.adapter.replays.database_checks == 2  # the command and the first press


async def test_opening_home_and_other_reactions_cost_no_replay_write(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, SLACK_APP_TOKEN="xapp-1") as rig:
        home = payloads.event_callback(payloads.app_home_opened("U1"), event_id="EvH1")
        other = payloads.event_callback(
            payloads.reaction_added("C1", "1.2", user="U2", reaction="eyes"), event_id="EvR1"
        )
        for event in (home, other, home):
            await rig.fake.socket_send("events_api", event)
            await rig.adapter.idle()
        assert len(rig.fake.calls_to("views.publish")) == 2
        assert rig.adapter.replays.database_checks == 0
