"""The App Home tab: a person's open promises and their customers' open challenges."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import ChallengeStatus, PromiseStatus

from . import payloads
from .rig import slack_rig


async def test_opening_home_shows_my_promises_and_my_customers_challenges(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command(
            "acme call | ch: slow internet | we: send quote by fri | they: read brochure by mon"
        )
        await rig.command("globex call | ch: billing confusing | we: call back tomorrow", user="U2")
        await rig.event(payloads.app_home_opened("U1"), event_id="EvHome1")
        published = rig.fake.last("views.publish").args
        assert published["user_id"] == "U1"
        view = published["view"]
        assert view["type"] == "home"
        text = str(view["blocks"])
        assert "Your open promises" in text and "Open challenges of your customers" in text
        assert "send quote" in text and "read brochure" in text and "slow internet" in text
        assert "globex" not in text and "call back" not in text and "billing confusing" not in text
        action_ids = [
            e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert "tp:kept:1" in action_ids and "tp:addressed:1" in action_ids


async def test_an_empty_home_says_nothing_is_open(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.event(payloads.app_home_opened("U7"), event_id="EvHome2")
        text = str(rig.fake.last("views.publish").args["view"]["blocks"])
        assert "Nothing open. 🎉" in text and "No open challenges." in text


async def test_a_button_on_home_acts_and_shows_home_again(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("acme call | ch: slow internet | we: send quote by fri")
        await rig.interact(payloads.block_actions("tp:kept:1", home_view=True))
        await rig.interact(payloads.block_actions("tp:addressed:1", home_view=True))
        with rig.container.uow_factory() as uow:
            assert uow.promises.get("slack:T1", 1).status is PromiseStatus.KEPT  # type: ignore[union-attr]
            assert uow.challenges.get("slack:T1", 1).status is ChallengeStatus.ADDRESSED  # type: ignore[union-attr]
        text = str(rig.fake.last("views.publish").args["view"]["blocks"])
        assert "Nothing open. 🎉" in text and "No open challenges." in text


async def test_a_long_home_is_summarised_within_a_hundred_blocks(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        promises = "; ".join(f"task {i} by fri" for i in range(50))
        await rig.command(f"acme call | we: {promises}")
        await rig.event(payloads.app_home_opened("U1"), event_id="EvHome3")
        blocks = rig.fake.last("views.publish").args["view"]["blocks"]
        assert len(blocks) <= 100
        assert "more not shown here" in str(blocks[-1])
