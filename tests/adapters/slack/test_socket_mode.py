"""Socket Mode: the same app over a local websocket opened via apps.connections.open."""

from __future__ import annotations

from pathlib import Path

from . import payloads
from .rig import slack_rig


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
