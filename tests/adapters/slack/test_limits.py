"""Slack's limits, met by the adapter and enforced by the fake Slack as Slack would."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import inbound, limits, messages, render, views
from bot.adapters.slack.inbound import Metadata
from bot.core.custom_ids import ButtonId, Verb
from bot.core.customers import MAX_CUSTOMER_NAME
from bot.core.replies import Action, Reply, Section, line

from .fake_slack import FakeSlack
from .limits_check import check_view
from .rig import slack_rig


async def test_the_fake_slack_refuses_a_message_with_too_much_text() -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        client = AsyncWebClient(token="xoxb-T1", base_url=fake.api_url)
        section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(channel="C1", text="t", blocks=[section] * 4)
        assert refused.value.response["error"] == "msg_blocks_too_long"
        too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "🙂" * 1501}}
        with pytest.raises(SlackApiError) as refused:  # 1,501 emoji are 3,002 UTF-16 units
            await client.chat_postMessage(channel="C1", text="t", blocks=[too_long])
        assert refused.value.response["error"] == "invalid_blocks"
        twice = {"type": "section", "block_id": "b", "text": {"type": "mrkdwn", "text": "x"}}
        with pytest.raises(SlackApiError) as refused:
            await client.views_publish(user_id="U1", view={"type": "home", "blocks": [twice] * 2})
        assert refused.value.response["error"] == "invalid_arguments"
        assert len(fake.refused) == 3 and not fake.messages["C1"]
    finally:
        await fake.stop()


async def test_a_plus_name_at_the_limit_opens_the_form_with_the_whole_name(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        name = "+" + "n" * MAX_CUSTOMER_NAME
        await rig.command(name)
        view = rig.fake.last("views.open").args["view"]
        assert view["blocks"][0]["element"]["initial_value"] == name


async def test_a_plus_name_over_the_limit_is_refused_with_the_limit_stated(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("+" + "n" * (MAX_CUSTOMER_NAME + 1))
        assert not rig.fake.calls_to("views.open")
        said = str(rig.fake.responses[-1]["blocks"])
        assert f"at most {MAX_CUSTOMER_NAME} characters" in said


async def test_a_very_long_command_is_refused_not_opened_as_a_form(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("y" * 61_000)
        assert not rig.fake.calls_to("views.open")
        assert "the most is 60,000" in str(rig.fake.responses[-1]["blocks"])


def test_a_note_for_a_pressed_button_keeps_the_message_within_slacks_total_text() -> None:
    full = [render.mrkdwn_section("x" * 2700, f"l0.{n}.t") for n in range(4)] + [
        {"type": "actions", "block_id": "l0.3", "elements": []}
    ]
    note = render.context_block("✅ " + "kept " * 500)
    blocks = messages.settle_in_place(full, "l0.3", ButtonId(Verb.KEPT, 1), note)
    assert [b.get("block_id") for b in blocks][:4] == ["l0.0.t", "l0.1.t", "l0.2.t", "l0.3.t"]
    assert blocks[-1]["type"] == "context"
    assert sum(render.text_units(b) for b in blocks) <= render.MAX_MESSAGE_TEXT


def test_a_note_on_a_full_message_joins_the_pressed_lines_text_and_keeps_every_row() -> None:
    others = [Action(Verb.ADDRESSED, 2, "Addressed C2"), Action(Verb.PASS_ON, 2, "Pass on C2")]
    row = [render.button(Action(Verb.ADDRESSED, 1, "Addressed C1")), *map(render.button, others)]
    full = [render.mrkdwn_section(f"line {n}", f"l0.{n}.t") for n in range(48)] + [
        render.mrkdwn_section("C1 acme: slow · C2 acme: billing", "l1.0.t"),
        {"type": "actions", "block_id": "l1.0", "elements": row},
    ]
    note = render.context_block("✅ C1 marked addressed")
    blocks = messages.settle_in_place(full, "l1.0", ButtonId(Verb.ADDRESSED, 1), note)
    assert len(blocks) == render.MAX_BLOCKS_MESSAGE
    assert blocks[-2]["text"]["text"].endswith("\n✅ C1 marked addressed")
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["tp:addressed:2", "tp:pass_on:2"]


def test_lengths_are_counted_in_utf16_units_the_larger_count() -> None:
    assert limits.units("acme") == 4
    assert limits.units("café") == 4  # in the BMP: one unit each
    assert limits.units("🙂👍🏽") == 6  # outside it: two each (and the skin tone is one more)
    assert limits.fitting("ab🙂cd", 3) == 2  # the emoji would need units 3 and 4
    assert all(limit.source.startswith("https://") and limit.most > 0 for limit in limits.TABLE)


async def test_the_fake_slack_refuses_a_view_larger_than_slack_takes() -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        client = AsyncWebClient(token="xoxb-T1", base_url=fake.api_url)
        # 3,000 Cyrillic letters are 18,000 bytes as sent (each escaped as \uXXXX).
        section = {"type": "section", "text": {"type": "mrkdwn", "text": "ж" * 3000}}
        with pytest.raises(SlackApiError) as refused:
            home = {"type": "home", "blocks": [section] * 15}
            await client.views_publish(user_id="U1", view=home)
        assert refused.value.response["error"] == "view_too_large"
        modal = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id="x", view=modal | {"private_metadata": "m" * 3001})
        assert refused.value.response["error"] == "invalid_arguments"
    finally:
        await fake.stop()


def test_a_home_tab_of_long_non_latin_text_is_summarised_within_the_view_size() -> None:
    lines = tuple(line(f"{n}: " + "жалоба " * 420) for n in range(100))
    reply = Reply("Open challenges of your customers", (Section(None, lines),))
    blocks = render.to_view_blocks([reply], more_hint="`/touchpoint challenges` lists them all.")
    view = views.home_view(blocks)
    assert check_view(view) is None
    assert limits.json_size(view) <= limits.VIEW_SIZE.most
    assert "more not shown here" in str(blocks[-1]) and len(blocks) < 100


def test_modal_metadata_is_carried_whole_or_the_form_is_refused_saying_why() -> None:
    meta = Metadata(channel="C1", challenge=7, ts="1700000000.000100", block="b" * 255)
    view = views.pass_on_modal(meta)
    assert inbound.metadata(view) == meta  # nothing cut on the way
    with pytest.raises(views.MetadataTooLong) as refused:
        views.pass_on_modal(Metadata(channel="C1", challenge=7, block="b" * 3000))
    assert "more than Slack keeps with a form (3,000)" in refused.value.message


def test_a_prefilled_box_that_cannot_hold_it_all_says_so_on_the_form() -> None:
    view = views.record_modal(
        customer="", kind=None, notes="n" * 3500, codes=(), owner="U1", channel="C1"
    )
    notes = next(b for b in view["blocks"] if b.get("block_id") == "notes")
    assert len(notes["element"]["initial_value"]) == 3000
    assert "Only the first 3,000 of 3,500 characters" in notes["hint"]["text"]
    assert check_view(view) is None


def test_a_settled_promise_line_gives_way_to_its_note_and_the_next_promise_keeps_its_row() -> None:
    def row(pid: int) -> dict[str, object]:
        kept, snooze = Action(Verb.KEPT, pid, "Kept"), Action(Verb.SNOOZE, pid, "Snooze", "1h")
        return {
            "type": "actions",
            "block_id": f"l0.{pid}",
            "elements": [render.button(kept), render.button(snooze)],
        }

    blocks = [
        render.mrkdwn_section("P1 …", "l0.1.t"),
        row(1),
        render.mrkdwn_section("P2 …"),
        row(2),
    ]
    note = render.context_block("✅ P1 marked kept")
    settled = messages.settle_in_place(blocks, "l0.1", ButtonId(Verb.SNOOZE, 1, "1h"), note)
    assert [b.get("block_id") or b["type"] for b in settled] == [
        "l0.1.t",
        "context",
        "section",
        "l0.2",
    ]
