"""The stress run on Slack: a team at every limit, through every reply the bot gives.

The fake Slack refuses what Slack would (``limits_check``) and the rig fails a test on any
refusal, so getting through means every payload met every documented limit.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.adapters import stress

from . import payloads
from .rig import slack_rig


async def test_a_team_at_every_limit_gets_only_payloads_slack_accepts(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        stress.seed(rig.container.uow_factory, rig.clock, "slack:T1", "U1")
        await rig.command("config channel C1")
        first = stress.name(0)
        for text in (*stress.COMMANDS, f"show {first}", f"show {first} page 2", "challenges"):
            before = len(rig.fake.responses)
            await rig.command(text)
            assert len(rig.fake.responses) > before, text
        view = await rig.open_form(first)
        assert view["blocks"][0]["element"]["initial_value"] == first
        # The confirmation of a touchpoint with 50 long items in every list.
        lists = {
            label: "; ".join(stress.item(label, i) for i in range(stress.BIG))
            for label in ("ch", "they")
        }
        await rig.command(f"{first} call | ch: {lists['ch']} | they: {lists['they']}")
        await rig.event(payloads.app_home_opened("U1"), event_id="EvStress")
        assert len(rig.fake.calls_to("views.publish")) == 1

        # Thu 10:00 -> Fri 09:30: every promise is due at once, reminded together.
        rig.clock.advance(timedelta(hours=23, minutes=30))
        reminded = await rig.engine().scan()
        digest = await rig.engine().digests()
        # The morning's reminders go inside the digest (the scan may already have sent it).
        assert reminded.sent + digest.sent >= 1, (reminded, digest)
        assert reminded.failed == digest.failed == 0, (reminded, digest)
        # Mon 09:30: the weekly summary (and that day's digest).
        rig.clock.advance(timedelta(days=3))
        weekly = await rig.engine().digests()
        assert weekly.sent == 2 and weekly.failed == 0, weekly
        posted = rig.fake.calls_to("chat.postMessage")
        # 174 promises due at once: the morning's message lists the soonest, then says how
        # many more and which command lists them.
        assert any("more: `/touchpoint promises`" in str(c.args["blocks"]) for c in posted)
        assert not rig.fake.refused
