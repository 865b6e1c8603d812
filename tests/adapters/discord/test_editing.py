"""`edit T12` on Discord: the modal opens filled in, in its two steps, and each saves an
edit of the same touchpoint; one too big for the form is edited by text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .test_flows import answer_text
from .world import SAM, World, run, running

ENTRY = (
    "acme call | tp: first invoice | ch: slow internet | we: send quote by fri; call back "
    "| they: read brochure | diff: fibre | code: meeting booked | csat: 4 | ces: 6 | nps: 9 "
    "| with: Jane Smith (CFO); Raj | notes: asked about VAT"
)


def shown(modal: dict[str, Any]) -> dict[str, str]:
    """A modal's fields as the user sees them, filled in."""
    return {
        c["component"]["custom_id"]: c["component"].get("value") or "" for c in modal["components"]
    }


def stored(w: World, number: int = 1) -> Any:
    with w.container.uow_factory() as uow:
        return uow.touchpoints.get(f"discord:{w.acme.id}", number)


def test_edit_opens_both_steps_filled_in_and_each_saves_in_place(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            recorded = await w.fake.slash(w.acme, SAM, "text", command=ENTRY)
            assert "Touchpoint recorded" in answer_text(recorded)
            opened = await w.fake.slash(w.acme, SAM, "text", command="edit T1")
            assert opened.type == 9, opened.data  # the modal
            modal = opened.data["data"]
            assert modal["custom_id"] == "tpe:1" and modal["title"] == "Edit T1"
            first = shown(modal)
            assert first == {
                "challenges": "slow internet",
                "our_promises": "send quote by 2026-11-20 09:00\ncall back",
                "their_promises": "read brochure",
                "difference": "fibre",
                "notes": "asked about VAT",
            }
            saved = await w.fake.submit(
                w.acme, SAM, modal, {**first, "challenges": "slow internet\nbilling wrong"}
            )
            said = answer_text(saved)
            assert "T1 is corrected in place (added C2)" in said, said
            tp = stored(w)
            assert [c.text for c in tp.challenges] == ["slow internet", "billing wrong"]
            assert (tp.satisfaction, tp.promoter, len(tp.contacts)) == (4, 9, 2)  # untouched
            button = next(
                c["custom_id"]
                for row in saved.data["data"]["components"]
                for c in row["components"]
                if c["custom_id"] == "tp:edit_details:1"
            )
            on_screen = w.fake._new_message(
                w.acme.channels["customers"], saved.data["data"], flags=64
            )
            second = await w.fake.press(w.acme, SAM, int(on_screen["id"]), button)
            assert second.type == 9, second.data
            details = second.data["data"]
            assert details["custom_id"] == "tpr:1"
            assert shown(details) == {
                "place": "first invoice",
                "contacts": "Jane Smith (CFO); Raj",
                "satisfaction": "4",
                "promoter": "9",
                "effort": "6",
            }
            done = await w.fake.submit(
                w.acme, SAM, details, {**shown(details), "contacts": "Raj", "promoter": "10"}
            )
            assert "T1 is corrected in place" in answer_text(done)
            tp = stored(w)
            assert [str(c) for c in tp.contacts] == ["Raj"]
            assert (tp.promoter, tp.stage, tp.map_entry_id is not None) == (10, "purchase", True)

    run(scenario())


def test_a_mistake_in_the_edit_saves_nothing_and_offers_the_form_back(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await w.fake.slash(w.acme, SAM, "text", command=ENTRY)
            opened = await w.fake.slash(w.acme, SAM, "text", command="edit T1")
            modal = opened.data["data"]
            typed = {**shown(modal), "our_promises": "call back yesterday"}
            refused = await w.fake.submit(w.acme, SAM, modal, typed)
            said = answer_text(refused)
            assert "in the past" in said and "call back yesterday" in said
            [button] = refused.data["data"]["components"][0]["components"]
            assert button["label"] == "Fix and resubmit"
            assert [p.text for p in stored(w).promises] == [
                "send quote",
                "call back",
                "read brochure",
            ]

    run(scenario())


def test_long_notes_are_left_out_of_the_form_and_stay(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            notes = "minutes of the meeting " * 200  # 4,599 characters: more than a box
            await w.fake.slash(w.acme, SAM, "text", command=f"acme call | ch: x | notes: {notes}")
            opened = await w.fake.slash(w.acme, SAM, "text", command="edit T1")
            assert opened.type == 9, opened.data
            modal = opened.data["data"]
            assert modal["title"] == "Edit T1 (long notes kept)"
            assert "notes" not in shown(modal)
            done = await w.fake.submit(w.acme, SAM, modal, {**shown(modal), "challenges": "y"})
            assert "corrected in place" in answer_text(done)
            tp = stored(w)
            assert tp.notes == notes.strip() and [c.text for c in tp.challenges] == ["y"]

    run(scenario())


def test_a_touchpoint_too_big_for_the_form_is_given_back_as_text(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            items = "; ".join(f"promise {i} " + "x" * 280 for i in range(15))  # 4,400
            await w.fake.slash(w.acme, SAM, "text", command=f"acme call | we: {items}")
            answered = await w.fake.slash(w.acme, SAM, "text", command="edit T1")
            assert answered.type != 9
            said = "\n".join(
                [answer_text(answered), *(m.get("content") or "" for m in w.fake.answers(answered))]
            )
            assert "T1 does not fit in Discord's form: its our promises run to 4," in said

    run(scenario())
