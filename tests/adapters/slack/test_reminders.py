"""Reminders and digests in the team channel, and what buttons and reactions do to them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.model import ChallengeStatus, PromiseStatus

from . import payloads
from .fake_slack import BOT_USER
from .rig import SlackRig, slack_rig

DIGEST_TIME = timedelta(hours=23, minutes=5)  # Thu 10:00 -> Fri 09:05, just after the digest


async def record(rig: SlackRig, **values: str) -> None:
    view = await rig.open_form("acme")
    answer = await rig.submit(view, **values)
    assert answer.text == "", answer.text


def promise(rig: SlackRig, pid: int, team: str = "slack:T1") -> Any:
    with rig.container.uow_factory() as uow:
        return uow.promises.get(team, pid)


def challenge(rig: SlackRig, cid: int, team: str = "slack:T1") -> Any:
    with rig.container.uow_factory() as uow:
        return uow.challenges.get(team, cid)


async def reminder_posted(rig: SlackRig, hours: float = 23.5) -> dict[str, Any]:
    rig.clock.advance(timedelta(hours=hours))  # Thu 10:00 -> Fri 09:30, when "by fri 9:30am" is due
    result = await rig.engine().scan()
    assert result.sent == 1, result
    return dict(rig.fake.last("chat.postMessage").args)


async def test_a_due_promise_is_reminded_in_the_team_channel_and_a_check_mark_keeps_it(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.names["U1"] = "Sam"
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        posted = await reminder_posted(rig)
        assert posted["channel"] == "C1"
        assert posted["metadata"]["event_type"] == "touchpoint_delivery"
        assert posted["metadata"]["event_payload"]["key"].startswith("reminder:slack:T1:")
        assert posted["text"].startswith("Reminder: a promise is due: *P1* <@U1>")
        actions = next(b for b in posted["blocks"] if b["type"] == "actions")
        assert actions["elements"][0]["action_id"] == "tp:kept:1"
        ts = rig.fake.messages["C1"][-1]["ts"]
        seeded = rig.fake.last("reactions.add").args
        assert (seeded["channel"], seeded["timestamp"], seeded["name"]) == (
            "C1",
            ts,
            "white_check_mark",
        )

        answer = await rig.event(payloads.reaction_added("C1", ts, user="U2"), event_id="Ev1")
        assert answer.status == 200
        assert promise(rig, 1).status is PromiseStatus.KEPT
        updated = rig.fake.message("C1", ts)
        assert updated["edited"]
        text = str(updated["blocks"])
        assert "Settled:" in text and "*— kept*" in text and "by <@U2>" in text
        assert not [b for b in updated["blocks"] if b["type"] == "actions"]


async def test_a_retried_reaction_event_marks_nothing_twice(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        ts = rig.fake.messages["C1"][-1]["ts"]
        await rig.event(payloads.reaction_added("C1", ts, user="U2"), event_id="Ev7")
        updates = len(rig.fake.calls_to("chat.update"))
        history_before = len(promise(rig, 1).history)
        answer = await rig.event(
            payloads.reaction_added("C1", ts, user="U2"), event_id="Ev7", retry=1
        )
        assert answer.status == 200
        assert len(rig.fake.calls_to("chat.update")) == updates
        assert len(promise(rig, 1).history) == history_before


async def test_the_bots_own_seeded_check_mark_keeps_nothing(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        ts = rig.fake.messages["C1"][-1]["ts"]
        await rig.event(payloads.reaction_added("C1", ts, user=BOT_USER), event_id="Ev2")
        assert promise(rig, 1).status is PromiseStatus.OPEN


async def test_other_reactions_and_other_messages_keep_nothing(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        ts = rig.fake.messages["C1"][-1]["ts"]
        await rig.event(payloads.reaction_added("C1", ts, reaction="tada"), event_id="Ev3")
        await rig.event(payloads.reaction_added("C1", "1.000001"), event_id="Ev4")
        assert promise(rig, 1).status is PromiseStatus.OPEN


async def test_the_kept_button_settles_the_promise_and_the_reminder_shows_who(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        message = rig.fake.messages["C1"][-1]
        click = payloads.block_actions("tp:kept:1", block_id="l0.0", user="U3", message=message)
        assert (await rig.interact(click)).status == 200
        assert promise(rig, 1).status is PromiseStatus.KEPT
        shown = str(rig.fake.message("C1", message["ts"])["blocks"])
        assert "*— kept*" in shown and "by <@U3>" in shown and "<!date^" in shown


async def test_snoozing_keeps_the_buttons_and_says_until_when(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        message = rig.fake.messages["C1"][-1]
        click = payloads.block_actions("tp:snooze:1:tomorrow", block_id="l0.0", message=message)
        await rig.interact(click)
        assert promise(rig, 1).status is PromiseStatus.OPEN
        assert promise(rig, 1).remind_at > rig.clock.now() + timedelta(hours=12)
        blocks = rig.fake.message("C1", message["ts"])["blocks"]
        assert "snoozed until" in str(blocks) and any(b["type"] == "actions" for b in blocks)


async def test_a_button_on_a_settled_promise_says_so_privately(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        message = rig.fake.messages["C1"][-1]
        url = rig.fake.response_url("late")
        await rig.interact(payloads.block_actions("tp:kept:1", message=message))
        await rig.interact(
            payloads.block_actions("tp:not_kept:1", message=message, response_url=url)
        )
        assert promise(rig, 1).status is PromiseStatus.KEPT
        said = rig.fake.responses[-1]
        assert said["url"] == "late" and said["response_type"] == "ephemeral"
        assert "already kept" in str(said["blocks"])


async def test_the_digest_lists_open_challenges_and_addressed_marks_one(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, challenges="slow internet\nbilling confusing", difference="needs fibre")
        rig.clock.advance(DIGEST_TIME)  # Fri 10:00 London, after the 09:00 digest
        result = await rig.engine().digests()
        assert result.sent == 1
        digest = rig.fake.messages["C1"][-1]
        assert digest["metadata"]["event_payload"]["key"].startswith("digest:slack:T1:")
        assert "Daily digest" in digest["text"]
        actions = [b for b in digest["blocks"] if b["type"] == "actions"]
        # Both are new: listed on one line, each with its buttons named by its reference.
        buttons = [(e["action_id"], e["text"]["text"]) for e in actions[0]["elements"]]
        assert buttons == [
            ("tp:addressed:1", "Addressed C1"),
            ("tp:pass_on:1", "Pass on C1"),
            ("tp:addressed:2", "Addressed C2"),
            ("tp:pass_on:2", "Pass on C2"),
        ]

        click = payloads.block_actions(
            "tp:addressed:1", block_id=actions[0]["block_id"], user="U2", message=digest
        )
        await rig.interact(click)
        assert challenge(rig, 1).status is ChallengeStatus.ADDRESSED
        blocks = rig.fake.message("C1", digest["ts"])["blocks"]
        note = blocks[[b.get("type") for b in blocks].index("context")]
        assert note["elements"][0]["text"].startswith(
            "✅ *C1* acme: slow internet — marked addressed by <@U2>"
        )
        assert challenge(rig, 2).status is ChallengeStatus.OPEN
        # The neighbour on that row keeps working buttons, and the note sits under them.
        row = next(b for b in blocks if b.get("block_id") == actions[0]["block_id"])
        assert [e["action_id"] for e in row["elements"]] == ["tp:addressed:2", "tp:pass_on:2"]
        assert blocks.index(note) == blocks.index(row) + 1
        updated = rig.fake.message("C1", digest["ts"])
        await rig.interact(
            payloads.block_actions(
                "tp:addressed:2", block_id=row["block_id"], user="U2", message=updated
            )
        )
        assert challenge(rig, 2).status is ChallengeStatus.ADDRESSED
        blocks = rig.fake.message("C1", digest["ts"])["blocks"]
        assert row["block_id"] not in [b.get("block_id") for b in blocks]
        notes = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
        assert [n.split(" — ")[0] for n in notes[:2]] == [
            "✅ *C1* acme: slow internet",
            "✅ *C2* acme: billing confusing",
        ]


async def test_pass_on_asks_to_whom_then_updates_the_digest(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, challenges="billing confusing")
        rig.clock.advance(DIGEST_TIME)
        await rig.engine().digests()
        digest = rig.fake.messages["C1"][-1]
        block_id = next(b["block_id"] for b in digest["blocks"] if b["type"] == "actions")
        await rig.interact(
            payloads.block_actions("tp:pass_on:1", block_id=block_id, message=digest)
        )
        modal = rig.fake.last("views.open").args
        assert str(modal["trigger_id"]).startswith("trigger-action-")
        view = modal["view"]
        assert view["callback_id"] == "tp_pass_on"

        empty = await rig.submit(view, to="   ")
        assert empty.json()["response_action"] == "errors" and "to" in empty.json()["errors"]
        answer = await rig.submit(view, to="billing team")
        assert answer.text == ""
        assert challenge(rig, 1).status is ChallengeStatus.PASSED_ON
        assert challenge(rig, 1).passed_to == "billing team"
        note = str(rig.fake.message("C1", digest["ts"])["blocks"])
        assert "➡️" in note and "passed on to billing team by <@U1>" in note


async def test_passing_on_one_of_a_rows_challenges_leaves_the_others_their_buttons(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, challenges="slow internet\nbilling confusing\nlate invoices")
        rig.clock.advance(DIGEST_TIME)
        await rig.engine().digests()
        digest = rig.fake.messages["C1"][-1]
        rows = [b for b in digest["blocks"] if b["type"] == "actions"]
        # Six buttons, five to a row: C3's two are split over the line's two rows.
        assert [len(r["elements"]) for r in rows] == [5, 1]
        await rig.interact(
            payloads.block_actions("tp:pass_on:3", block_id=rows[1]["block_id"], message=digest)
        )
        view = rig.fake.last("views.open").args["view"]
        assert (await rig.submit(view, to="billing team")).text == ""
        assert challenge(rig, 3).status is ChallengeStatus.PASSED_ON
        blocks = rig.fake.message("C1", digest["ts"])["blocks"]
        left = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert left == ["tp:addressed:1", "tp:pass_on:1", "tp:addressed:2", "tp:pass_on:2"]
        assert "C3* acme: late invoices — passed on to billing team" in str(blocks)


async def test_an_empty_digest_is_not_posted(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("config channel C1")
        rig.clock.advance(DIGEST_TIME)
        result = await rig.engine().digests()
        assert result.sent == 0
        assert rig.fake.calls_to("chat.postMessage") == []


async def test_a_digest_longer_than_one_message_is_split_with_every_part_findable(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        ours = "\n".join(f"promise {i} by fri\ntask {i} today 5pm" for i in range(4))
        theirs = "\n".join(f"answer number {i} by fri" for i in range(4))
        for n in range(8):  # 10 overdue, 10 due and 10 of theirs shown: more than 50 blocks
            view = await rig.open_form(f"customer {n}")
            submitted = await rig.submit(view, our_promises=ours, their_promises=theirs)
            assert submitted.text == ""
        rig.clock.advance(DIGEST_TIME)
        await rig.engine().digests()
        posted = rig.fake.calls_to("chat.postMessage")
        assert len(posted) == 2
        assert all(len(c.args["blocks"]) <= 50 for c in posted)
        parts = [c.args["metadata"]["event_payload"] for c in posted]
        assert [(p["part"], p["parts"]) for p in parts] == [(0, 2), (1, 2)]
        assert len({p["key"] for p in parts}) == 1


async def test_kept_typed_as_text_updates_the_posted_reminder(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        ts = rig.fake.messages["C1"][-1]["ts"]
        await rig.command("kept 1", user="U3")
        assert promise(rig, 1).status is PromiseStatus.KEPT
        updated = rig.fake.message("C1", ts)
        assert updated["edited"]
        assert "*— kept*" in str(updated["blocks"]) and "by <@U3>" in str(updated["blocks"])
        assert not [b for b in updated["blocks"] if b["type"] == "actions"]


async def test_a_snooze_button_naming_no_time_snoozes_until_tomorrow(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        await reminder_posted(rig)
        message = rig.fake.messages["C1"][-1]
        click = payloads.block_actions("tp:snooze:1", block_id="l0.0", message=message)
        await rig.interact(click)
        local = promise(rig, 1).remind_at.astimezone(ZoneInfo("Europe/London"))
        assert local.date() == (rig.clock.now() + timedelta(days=1)).date()


async def test_a_check_mark_on_a_reminder_sent_by_direct_message_keeps_it(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("reminders dm")
        await record(rig, our_promises="send fibre quote by fri 9:30am")
        rig.clock.advance(timedelta(hours=23.5))
        assert (await rig.engine().scan()).sent == 1
        assert not rig.fake.messages["C1"]
        [reminder] = rig.fake.messages["DU1"]
        assert "React with ✅" in str(reminder["blocks"])
        seeded = rig.fake.last("reactions.add").args
        assert (seeded["channel"], seeded["timestamp"]) == ("DU1", reminder["ts"])

        # Slack sends reactions in the bot's direct messages too (reactions:read).
        reaction = payloads.reaction_added("DU1", reminder["ts"], user="U1")
        assert (await rig.event(reaction, event_id="EvDM1")).status == 200
        assert promise(rig, 1).status is PromiseStatus.KEPT
        updated = rig.fake.message("DU1", reminder["ts"])
        assert updated["edited"] and "*— kept*" in str(updated["blocks"])
        assert not [b for b in updated["blocks"] if b["type"] == "actions"]
