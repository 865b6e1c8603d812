"""The owners' weekly summary on Slack: the largest one reaches the owner's direct
messages within Slack's limits; someone the bot cannot message gets it in the channel."""

from __future__ import annotations

from pathlib import Path

from bot.core import owner_content
from bot.core.delivery import Outgoing
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
