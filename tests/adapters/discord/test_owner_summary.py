"""The owners' weekly summary on Discord: the largest one reaches the owner's direct
messages within Discord's limits; someone who takes no direct messages gets it in the
team channel."""

from __future__ import annotations

from pathlib import Path

from bot.core import owner_content
from bot.core.delivery import Outgoing
from bot.core.model import Team
from tests.unit.test_owner_summaries import largest_summary

from .test_notifier import refuse_direct_messages
from .world import World, run, running


def summary_for(w: World, owner: int) -> Outgoing:
    team = Team(id=f"discord:{w.acme.id}", name="Acme", channel=str(w.acme.channels["customers"]))
    reply = owner_content.owner_summary(largest_summary(str(owner), team))
    return Outgoing(f"owners:discord:{w.acme.id}:2026-W50:{owner}", team, f"dm:{owner}", reply)


def test_the_largest_summary_goes_to_the_owners_direct_messages_within_limits(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            owner = 424242
            ref = await w.adapter.notifier.send(summary_for(w, owner))
            posted = w.fake.direct_messages(owner)
            # One message, as every delivery on Discord: what fits, then the command.
            (message,) = posted
            assert ref == f"{w.fake.direct[owner]}:{message['id']}"
            assert w.fake.channel_messages(w.acme) == [] and not w.fake.refused
            closing = message["embeds"][0]["fields"][-1]["value"]
            assert "more — `/touchpoint stats` shows the team's" in closing
            assert "`/touchpoint stats map mine` yours" in closing

    run(scenario())


def test_someone_who_takes_no_direct_messages_gets_the_summary_in_the_channel(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            owner = 434343
            refuse_direct_messages(w)
            ref = await w.adapter.notifier.send(summary_for(w, owner))
            assert ref.startswith(f"{w.acme.channels['customers']}:")
            posted = w.fake.channel_messages(w.acme)
            assert posted and not w.fake.direct_messages(owner)
            assert f"<@{owner}>" in str(posted[0])

    run(scenario())
