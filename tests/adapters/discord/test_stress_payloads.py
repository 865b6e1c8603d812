"""The stress run on Discord: a team at every limit, through every reply the bot gives.

The fake Discord refuses what Discord would (``limits_check``, HTTP 400 code 50035) and
the test world fails a test on any refusal, so getting through means every payload met
every documented limit.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.adapters import stress

from .world import ALEX, SAM, run, running


def test_a_team_at_every_limit_gets_only_payloads_discord_accepts(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            team = f"discord:{w.acme.id}"
            stress.seed(w.container.uow_factory, w.clock, team, str(SAM))
            customers = str(w.acme.channels["customers"])
            await w.fake.slash(w.acme, ALEX, "config", manager=True, channel=customers)
            first = stress.name(0)
            for sub, options in (
                ("help", {}),
                ("promises", {}),
                ("challenges", {}),
                ("challenges", {"customer": first}),
                ("digest", {}),
                ("stats", {}),
                ("show", {"customer": first}),
                ("text", {"command": f"show {first} page 2"}),
                ("text", {"command": "promises theirs"}),
                ("text", {"command": "config"}),
            ):
                answered = await w.fake.slash(w.acme, SAM, sub, **options)
                assert answered.type in (4, 5), (sub, answered.data)
            opened = await w.fake.slash(w.acme, SAM, "record", customer=first)
            assert opened.type == 9, opened.data
            await w.fake.settle()

            # Thu 10:00 -> Fri 09:30: every promise is due at once, reminded together.
            w.later(hours=23, minutes=30)
            reminded = await w.engine.scan()
            digest = await w.engine.digests()
            # The morning's reminders go inside the digest (the scan may already have sent it).
            assert reminded.sent + digest.sent >= 1, (reminded, digest)
            assert reminded.failed == digest.failed == 0, (reminded, digest)
            w.clock.advance(timedelta(days=3))  # Monday: the weekly summary too
            weekly = await w.engine.digests()
            assert weekly.sent == 2 and weekly.failed == 0, weekly
            assert not w.fake.refused

    run(scenario())
