"""Recording touchpoints from Slack: the command, the modal, quick entry, the shortcut."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.adapters.slack import render
from bot.core import queries
from bot.core.model import Direction
from tests.records import make_long_record

from . import payloads
from .rig import SlackRig, slack_rig

# Items of about ten words: a heavier page than the three-to-five-word ones people write.
LONG_WORDS = " with the router at the depot after the firmware update"


def touchpoint_count(rig: SlackRig, team: str = "slack:T1") -> int:
    with rig.container.uow_factory() as uow:
        customers = uow.customers.list(team)
        return sum(uow.touchpoints.count_for_customer(team, c.id or 0) for c in customers)


async def test_the_modal_opens_prefilled_with_the_customer_kind_codes_and_owner(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme corp video call")
        blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert list(blocks) == [
            "customer",
            "kind",
            "code",
            "challenges",
            "our_promises",
            "their_promises",
            "difference",
            "notes",
            "owner",
            "map_entry",
            "stage",
            "contacts",
            "satisfaction",
            "promoter",
            "effort",
        ]
        assert blocks["customer"]["element"]["initial_value"] == "acme corp"
        assert blocks["kind"]["element"]["initial_option"]["value"] == "video"
        codes = [o["value"] for o in blocks["code"]["element"]["options"]]
        assert codes == [
            "no answer",
            "left message",
            "meeting booked",
            "follow-up needed",
            "resolved",
        ]
        assert blocks["owner"]["element"] == {
            "type": "users_select",
            "action_id": "value",
            "initial_user": "U1",
        }
        assert view["private_metadata"] == '{"channel":"C1"}'


async def test_submitting_the_modal_saves_and_confirms_privately_with_slack_dates(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme")
        answer = await rig.submit(
            view,
            challenges="slow internet\nbilling confusing",
            our_promises="send fibre quote by fri\ncall back tomorrow 10am",
            their_promises="read brochure before next tue",
            difference="needs fibre",
            code="meeting booked",
            owner="U2",
        )
        assert answer.status == 200 and answer.text == ""  # the modal closes
        confirmation = rig.fake.last("chat.postEphemeral").args
        assert (confirmation["channel"], confirmation["user"]) == ("C1", "U1")
        text = str(confirmation["blocks"])
        assert "Recorded: *Call with acme*" in text
        assert "|Fri 20 Nov 09:00>" in text and "<!date^" in text
        assert "owner <@U2>" in text
        assert "This channel is now the team channel" in text
        result = queries.open_promises("slack:T1", uow=rig.container.uow_factory(), clock=rig.clock)
        ours = [p for p in result.promises if p.direction is Direction.OURS]
        assert {p.owner for p in ours} == {"U2"} and len(result.promises) == 3
        with rig.container.uow_factory() as uow:
            assert uow.teams.get("slack:T1").channel == "C1"  # type: ignore[union-attr]


async def test_a_field_that_cannot_be_understood_comes_back_on_that_field_and_nothing_is_saved(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme")
        answer = await rig.submit(
            view,
            our_promises="call back yesterday",
            difference="one two three four five six seven eight nine ten eleven twelve thirteen",
        )
        assert answer.status == 200
        body = answer.json()
        assert body["response_action"] == "errors"
        assert set(body["errors"]) == {"our_promises", "difference"}
        assert touchpoint_count(rig) == 0
        assert rig.fake.calls_to("chat.postEphemeral") == []


async def test_an_empty_form_gets_an_error_on_a_field_the_modal_has(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme")
        body = (await rig.submit(view)).json()
        assert body["response_action"] == "errors"
        assert list(body["errors"]) == ["challenges"]


async def test_a_near_miss_customer_name_asks_on_the_customer_field(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("Acme Corp call | ch: slow internet")
        view = await rig.open_form("acme")
        body = (await rig.submit(view, challenges="still slow")).json()
        assert body["response_action"] == "errors"
        assert "Acme Corp" in body["errors"]["customer"] and "+acme" in body["errors"]["customer"]
        assert touchpoint_count(rig) == 1


async def test_quick_entry_records_without_a_modal_and_replies_through_the_response_url(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        answer = await rig.command("acme call | ch: slow internet | we: send quote by fri")
        assert answer.status == 200
        assert rig.fake.calls_to("views.open") == []
        reply = rig.fake.responses[-1]
        assert reply["response_type"] == "ephemeral"
        assert "Recorded: *Call with acme*" in str(reply["blocks"])
        assert touchpoint_count(rig) == 1


async def test_a_quick_entry_mistake_gets_a_clear_private_error(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("acme call | we: call back yesterday")
        reply = rig.fake.responses[-1]
        assert reply["blocks"][0]["text"]["text"] == "That didn't work"
        assert touchpoint_count(rig) == 0


async def test_text_subcommands_answer_privately(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command(
            "acme call | ch: slow internet | we: send quote by fri | diff: needs fibre"
        )
        for text, expected in (
            ("help", "How to use Touchpoint"),
            ("show acme", "acme"),
            ("promises mine", "Your open promises"),
            ("challenges", "Open challenges"),
            ("digest", "Daily digest"),
            ("config timezone Europe/Paris", "Updated timezone"),
        ):
            await rig.command(text)
            reply = rig.fake.responses[-1]
            assert reply["response_type"] == "ephemeral", text
            assert reply["blocks"][0]["text"]["text"].startswith(expected), text


async def test_a_long_customer_record_pages_within_slacks_limits(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        make_long_record(rig.container.uow_factory, rig.clock, "slack:T1", wording=LONG_WORDS)
        pages = {}
        for page in (1, 2, 3, 4):
            before = len(rig.fake.responses)
            await rig.command("show acme" if page == 1 else f"show acme page {page}")
            # A page may go on in a second message (Slack takes about 11,000 characters
            # a message); the fake refuses any that crosses a limit.
            replies = rig.fake.responses[before:]
            assert 1 <= len(replies) <= render.MAX_PARTS
            texts = [
                b["text"]["text"] for r in replies for b in r["blocks"] if b["type"] == "section"
            ]
            pages[page] = "\n".join(texts)
            assert "not shown here" not in pages[page]  # nothing summarised away
        assert replies[0]["blocks"][0]["text"]["text"] == "acme (page 4)"
        assert "problem 39" in pages[1] and "Page 1 of 4" in pages[1]
        assert "… and 25 earlier addressed challenge(s) on page 2" in pages[1]
        assert "problem 24" in pages[2] and "problem 00" in pages[4]
        for n in range(40):  # every challenge is on one of the pages
            assert sum(f"problem {n:02d} " in text for text in pages.values()) == 1, n


async def test_config_channel_stores_the_id_of_a_linked_channel(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("config channel <#C777|customer-team>")
        with rig.container.uow_factory() as uow:
            assert uow.teams.get("slack:T1").channel == "C777"  # type: ignore[union-attr]


async def test_a_direct_message_never_becomes_the_team_channel(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("acme call | ch: slow internet", channel="D123")
        assert "team channel" not in str(rig.fake.responses[-1]["blocks"])
        with rig.container.uow_factory() as uow:
            assert uow.teams.get("slack:T1").channel is None  # type: ignore[union-attr]


async def test_the_message_shortcut_opens_the_modal_with_the_message_as_notes(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        email = (
            "From: <mailto:jo@acme.example|jo@acme.example>\n"
            "We need a fibre quote &amp; soon, <@U5>"
        )
        await rig.interact(payloads.message_shortcut(email, response_url=rig.fake.response_url()))
        view = rig.fake.last("views.open").args["view"]
        assert str(rig.fake.last("views.open").args["trigger_id"]).startswith("trigger-shortcut-")
        blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert "initial_value" not in blocks["customer"]["element"]
        assert "initial_option" not in blocks["kind"]["element"]
        assert blocks["notes"]["element"]["initial_value"] == (
            "From: jo@acme.example (mailto:jo@acme.example)\nWe need a fibre quote & soon, @U5"
        )
        answer = await rig.submit(view, customer="acme")
        assert answer.text == ""
        assert "*Notes*" in str(rig.fake.last("chat.postEphemeral").args["blocks"])


async def test_hostile_text_in_a_touchpoint_is_shown_escaped(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme")
        await rig.submit(
            view, challenges="<!channel> wake up", notes="<https://evil.example|click> <@U999>"
        )
        shown = str(rig.fake.last("chat.postEphemeral").args)
        assert "&lt;!channel&gt; wake up" in shown
        assert "&lt;https://evil.example|click&gt; &lt;@U999&gt;" in shown
        assert "<!channel>" not in shown and "<@U999>" not in shown


async def test_a_failure_on_our_side_is_logged_with_an_id_the_user_is_given(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.fail("views.open", error="internal_error")
        with caplog.at_level(logging.ERROR, logger="bot.adapters.slack"):
            await rig.command("acme")
        reply = rig.fake.responses[-1]
        said = str(reply["blocks"])
        assert "Something went wrong on our side (error id " in said
        error_id = said.split("error id ")[1][:8]
        record = next(r for r in caplog.records if error_id in r.getMessage())
        assert record.exc_info is not None
        assert "xoxb-T1" not in caplog.text
