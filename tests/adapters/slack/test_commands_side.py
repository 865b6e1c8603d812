"""Slack: mentions in quick entry, did-you-mean before a modal, item references."""

from __future__ import annotations

from pathlib import Path

from bot.core.model import PromiseStatus

from .rig import slack_rig


async def test_a_slack_mention_gives_the_promise_to_that_colleague(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("acme call | we: <@U2|priya> send quote by fri | ch: slow internet")
        assert "Recorded: *Call with acme*" in str(rig.fake.responses[-1]["blocks"])
        with rig.container.uow_factory() as uow:
            (promise,) = uow.promises.open_for_team("slack:T1")
        assert (promise.text, promise.owner) == ("send quote", "U2")


async def test_an_unknown_word_gets_did_you_mean_and_no_modal_opens(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("list")
        assert rig.fake.calls_to("views.open") == []
        said = str(rig.fake.responses[-1]["blocks"])
        assert "Did you mean `/touchpoint promises` or `/touchpoint challenges`?" in said


async def test_a_customer_named_after_a_command_is_recorded_not_run(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("Due North Outdoors call | ch: late delivery")
        assert "Recorded: *Call with Due North Outdoors*" in str(rig.fake.responses[-1]["blocks"])


async def test_a_challenge_number_does_not_settle_a_promise(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("acme call | we: confirm PO number by fri")
        await rig.command("cafe call | ch: invoices missing")
        await rig.command("kept C1")
        said = str(rig.fake.responses[-1]["blocks"])
        assert "C1 is a challenge (cafe: invoices missing), not a promise" in said
        with rig.container.uow_factory() as uow:
            promise = uow.promises.get("slack:T1", 1)
        assert promise is not None and promise.status is PromiseStatus.OPEN
