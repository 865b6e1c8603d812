"""`/touchpoint edit T12` on Slack: the modal opens with every field filled in, and
saving it corrects the same touchpoint; one too big for the form is edited by text."""

from __future__ import annotations

import json
from pathlib import Path

from .rig import slack_rig

TEAM = "slack:T1"
ENTRY = (
    "acme call | tp: first invoice | ch: slow internet | we: send quote by fri; call back "
    "| they: read brochure | diff: fibre | code: meeting booked | csat: 4 | ces: 6 | nps: 9 "
    "| with: Jane Smith (CFO); Raj | notes: asked about VAT"
)


async def test_edit_opens_the_modal_with_every_field_and_saving_corrects_in_place(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command(ENTRY)
        view = await rig.open_form("edit T1")
        blocks = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
        assert "customer" not in blocks  # shown, not asked: an edit keeps the customer
        assert json.loads(view["private_metadata"]) == {"channel": "C1", "touchpoint": 1}
        assert view["title"]["text"] == "Edit T1"
        initial = {
            name: element.get("initial_value")
            or (element.get("initial_option") or {}).get("value")
            or element.get("initial_user")
            for name, element in blocks.items()
        }
        assert initial == {
            "kind": "call",
            "code": "meeting booked",
            "challenges": "slow internet",
            "our_promises": "send quote by 2026-11-20 09:00\ncall back",
            "their_promises": "read brochure",
            "difference": "fibre",
            "notes": "asked about VAT",
            "owner": "U1",
            "map_entry": "first invoice",
            "stage": "purchase",
            "contacts": "Jane Smith (CFO); Raj",
            "satisfaction": "4",
            "promoter": "9",
            "effort": "6",
        }
        answer = await rig.submit(view, challenges="slow internet\nbilling wrong", promoter="10")
        assert answer.status == 200 and answer.text == ""  # the modal closes
        said = str(rig.fake.last("chat.postEphemeral").args["blocks"])
        assert "T1 is corrected in place (added C2)" in said
        with rig.container.uow_factory() as uow:
            tp = uow.touchpoints.get(TEAM, 1)
            assert uow.touchpoints.count_for_customer(TEAM, 1) == 1
        assert tp is not None
        assert [c.text for c in tp.challenges] == ["slow internet", "billing wrong"]
        assert (tp.promoter, tp.satisfaction, tp.code) == (10, 4, "meeting booked")
        assert [str(c) for c in tp.contacts] == ["Jane Smith (CFO)", "Raj"]
        assert [p.history for p in tp.promises] == [[], [], []]  # untouched


async def test_a_mistake_in_the_edit_comes_back_on_its_field_and_nothing_changes(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command(ENTRY)
        view = await rig.open_form("edit T1")
        body = (await rig.submit(view, our_promises="call back yesterday")).json()
        assert body["response_action"] == "errors" and list(body["errors"]) == ["our_promises"]
        with rig.container.uow_factory() as uow:
            tp = uow.touchpoints.get(TEAM, 1)
        assert tp is not None and [p.text for p in tp.promises][:2] == ["send quote", "call back"]


async def test_notes_longer_than_a_box_stay_as_they_are_while_the_rest_is_edited(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        notes = "minutes of the meeting " * 200  # 4,599 characters: more than a box holds
        await rig.command(f"acme call | ch: slow | notes: {notes}")
        view = await rig.open_form("edit T1")
        assert "notes" not in [b.get("block_id") for b in view["blocks"]]
        assert "Notes: 4,599 characters" in str(view["blocks"])
        answer = await rig.submit(view, challenges="slow\nnoisy")
        assert answer.status == 200 and answer.text == ""
        with rig.container.uow_factory() as uow:
            tp = uow.touchpoints.get(TEAM, 1)
        assert tp is not None and tp.notes == notes.strip()
        assert [c.text for c in tp.challenges] == ["slow", "noisy"]


async def test_a_touchpoint_too_big_for_the_form_is_given_back_as_text_whole(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        items = "; ".join(f"challenge {i} " + "x" * 280 for i in range(12))  # 3,500 characters
        await rig.command(f"acme call | ch: {items}")
        before = len(rig.fake.responses)
        await rig.command("edit T1")
        assert rig.fake.calls_to("views.open") == []
        reply = " ".join(
            block["text"]["text"]
            for response in rig.fake.responses[before:]
            for block in response.get("blocks", [])
            if block["type"] == "section"
        )
        assert "T1 does not fit in Slack's form: its challenges run to 3," in reply
        assert "/touchpoint edit T1 acme call | ch: challenge 0 " in reply
        assert reply.count("x" * 280) == 12  # given back whole, never cut
