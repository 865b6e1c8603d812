"""The reminder engine's Slack notifier: posting, finding in-doubt posts, failing well."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.delivery import DeliveryFailed, Outgoing
from bot.core.model import Team
from bot.core.replies import Action, Line, Reply, Section, Text, UserRef, line

from .rig import NOW, slack_rig

TEAM = Team(id="slack:T1", name="T1", timezone="Europe/London")


def reminder(pid: int = 1, owner: str = "U1", maker: str = "U2") -> Reply:
    spans = (
        Text(f"#{pid} "),
        UserRef(owner),
        Text(" — acme: send quote · promised by "),
        UserRef(maker),
    )
    actions = (Action("kept", pid, "Kept"), Action("not_kept", pid, "Not kept"))
    return Reply(
        "Reminder: a promise is due",
        (Section(None, (Line(spans, actions),)),),
        False,
        (owner,),
        "reminder",
    )


def outgoing(reply: Reply, key: str = "reminder:slack:T1:k1", team: Team = TEAM) -> Outgoing:
    return Outgoing(key, team, "C1", reply)


async def test_send_posts_with_the_delivery_key_as_metadata_and_returns_the_message_ref(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        ref = await rig.adapter.notifier.send(outgoing(reminder()))
        message = rig.fake.messages["C1"][-1]
        assert ref == f"C1:{message['ts']}"
        assert message["metadata"] == {
            "event_type": "touchpoint_delivery",
            "event_payload": {"key": "reminder:slack:T1:k1"},
        }
        assert rig.fake.last("chat.postMessage").args["unfurl_links"] is False


async def test_a_public_message_pings_the_owner_but_only_names_the_colleague(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.names["U2"] = "Priya"
        await rig.adapter.notifier.send(outgoing(reminder()))
        text = str(rig.fake.messages["C1"][-1]["blocks"])
        assert "<@U1>" in text and "@Priya" in text and "<@U2>" not in text


async def test_find_sent_finds_a_post_by_its_key_and_nothing_for_another_key(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        notifier = rig.adapter.notifier
        await notifier.send(outgoing(reminder(), key="other"))
        ref = await notifier.send(outgoing(reminder()))
        await notifier.send(outgoing(reminder(), key="newer"))
        since = NOW - timedelta(minutes=1)
        assert await notifier.find_sent(outgoing(reminder()), since) == ref
        assert await notifier.find_sent(outgoing(reminder(), key="never"), since) is None
        assert rig.fake.last("conversations.history").args["include_all_metadata"] in {
            True,
            "true",
            "1",
        }


async def test_find_sent_reads_every_page_of_history(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        notifier = rig.adapter.notifier
        ref = await notifier.send(outgoing(reminder()))
        for n in range(250):
            await notifier.send(outgoing(reminder(), key=f"later-{n}"))
        assert await notifier.find_sent(outgoing(reminder()), NOW - timedelta(minutes=1)) == ref
        assert len(rig.fake.calls_to("conversations.history")) == 2


async def test_find_sent_joins_a_public_channel_it_was_posting_into_from_outside(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        ref = await rig.adapter.notifier.send(outgoing(reminder()))
        rig.fake.fail("conversations.history", error="not_in_channel")
        assert (
            await rig.adapter.notifier.find_sent(outgoing(reminder()), NOW - timedelta(minutes=1))
            == ref
        )
        assert rig.fake.last("conversations.join").args["channel"] == "C1"


async def test_an_in_doubt_split_digest_gets_only_its_missing_parts(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        lines = tuple(
            Line((Text(f"#{i}"),), (Action("addressed", i, "Addressed"),)) for i in range(40)
        )
        digest = Reply("Daily digest", (Section(None, lines),), private=False, kind="digest")
        message = outgoing(digest, key="digest:slack:T1:2026-11-20")
        first = await rig.adapter.notifier.send(message)
        assert len(rig.fake.messages["C1"]) == 2
        rig.fake.messages["C1"].pop()  # the second part never made it
        found = await rig.adapter.notifier.find_sent(message, NOW - timedelta(minutes=1))
        assert found == first
        assert len(rig.fake.messages["C1"]) == 2
        assert rig.fake.messages["C1"][-1]["metadata"]["event_payload"]["part"] == 1


async def test_rate_limits_carry_slacks_retry_after(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.fail("chat.postMessage", status=429, retry_after=42)
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.send(outgoing(reminder()))
        assert failed.value.retry_after == 42 and not failed.value.permanent


async def test_server_errors_are_worth_retrying(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.fail("chat.postMessage", status=500)
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.send(outgoing(reminder()))
        assert not failed.value.permanent and failed.value.retry_after is None
        assert "500" in str(failed.value)


async def test_an_unreachable_slack_is_worth_retrying(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.fake.stop()  # nothing answers any more
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.send(outgoing(reminder()))
        assert not failed.value.permanent


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "invalid_auth", "account_inactive"]
)
async def test_a_channel_or_token_that_is_gone_fails_permanently(
    tmp_path: Path, error: str
) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.fail("chat.postMessage", error=error)
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.send(outgoing(reminder()))
        assert failed.value.permanent and error in str(failed.value)


async def test_a_team_of_another_workspace_is_never_posted_with_this_token(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        other = Team(id="slack:T9", name="T9")
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.send(outgoing(reminder(), team=other))
        assert failed.value.permanent
        assert rig.fake.calls_to("chat.postMessage") == []


async def test_update_replaces_the_message_in_place(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        ref = await rig.adapter.notifier.send(outgoing(reminder()))
        settled = Reply(
            "Settled: a promise",
            (Section(None, (line("kept by ", UserRef("U2")),)),),
            False,
            (),
            "reminder",
        )
        await rig.adapter.notifier.update(TEAM, "C1", ref, settled)
        channel, ts = ref.split(":", 1)
        message = rig.fake.message(channel, ts)
        assert message["text"].startswith("Settled: a promise")
        assert "kept by <@U2>" in str(message["blocks"])  # an edit notifies nobody


async def test_a_failed_update_is_translated_too(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.update(TEAM, "C1", "C1:1.000009", reminder())
        assert failed.value.permanent  # message_not_found


async def test_a_personal_reminder_goes_to_the_owners_direct_messages(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        message = Outgoing("reminder:slack:T1:dm1", TEAM, "dm:U1", reminder())
        ref = await rig.adapter.notifier.send(message)
        posted = rig.fake.messages["DU1"][-1]
        assert ref == f"DU1:{posted['ts']}" and not rig.fake.messages["C1"]
        assert rig.fake.last("conversations.open").args["users"] == "U1"
        assert await rig.adapter.notifier.find_sent(message, NOW - timedelta(minutes=1)) == ref
        assert len(rig.fake.calls_to("conversations.open")) == 1  # remembered
