"""The owners' weekly summary on Slack: the largest one reaches the owner's direct
messages within Slack's limits; someone the bot cannot message gets it in the channel."""

from __future__ import annotations

from pathlib import Path

from bot.core import owner_content
from bot.core.delivery import Outgoing, find_sent_or_fallen_back
from bot.core.model import Team
from tests.unit.test_owner_summaries import largest_summary

from .rig import slack_rig

TEAM = Team(id="slack:T1", name="T1", timezone="Europe/London", channel="C1")


def summary_for(owner: str) -> Outgoing:
    reply = owner_content.owner_summary(largest_summary(owner, TEAM))
    return Outgoing(f"owners:slack:T1:2026-W50:{owner}", TEAM, f"dm:{owner}", reply)


async def test_the_largest_summary_goes_to_the_owners_direct_messages_within_limits(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        ref = await rig.adapter.notifier.send(summary_for("U1"))
        posted = rig.fake.messages["DU1"]
        assert ref.startswith("DU1:") and not rig.fake.messages["C1"]
        assert 1 < len(posted) <= 4  # split into parts Slack takes, each marked continued
        text = str(posted)
        assert "… and 40 more you own" in text and "stats map mine" in text
        assert not rig.fake.refused


async def test_an_owner_the_bot_cannot_message_gets_the_summary_in_the_team_channel(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.fail("conversations.open", error="restricted_action")
        ref = await rig.adapter.notifier.send(summary_for("U7"))
        assert ref.startswith("C1:") and not rig.fake.messages.get("DU7")
        assert "<@U7>" in str(rig.fake.messages["C1"][0]["blocks"])  # mentioned, as reminders


async def test_a_summary_posted_in_the_channel_just_before_a_crash_is_not_posted_again(
    tmp_path: Path,
) -> None:
    """The direct message was refused, the summary went to the team channel (in several
    parts), and the process died before recording it: the next attempt looks in the direct
    messages, then in the channel, and finds it there."""
    async with slack_rig(tmp_path) as rig:
        message = summary_for("U7")
        since = rig.clock.now()
        rig.fake.fail("conversations.open", error="restricted_action", times=3)
        ref = await rig.adapter.notifier.send(message)
        posted = len(rig.fake.messages["C1"])
        found = await find_sent_or_fallen_back(message, since, rig.adapter.notifier.find_sent)
        assert found == ref
        assert len(rig.fake.messages["C1"]) == posted and posted > 1  # no part posted again
