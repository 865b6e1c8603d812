"""A one-promise reminder says a check mark keeps it where people can react (Slack,
Discord), and not in the console, where the command beside the promise does it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.console import render as console_render
from bot.adapters.discord.render import render as discord_render
from bot.adapters.slack.render import to_messages
from bot.core.digest_content import reminder
from bot.core.model import Customer, Direction, Promise, Team
from bot.core.replies import REACTION_HINT

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
TEAM = Team(id="console:t", name="T", channel="#customers")
ACME = Customer("console:t", "Acme", "acme", id=1)


def promise(pid: int) -> Promise:
    made = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    return Promise(
        "console:t", 1, Direction.OURS, f"send quote {pid}", "U1", "U1", made, NOW, id=pid
    )


def test_the_console_shows_the_command_not_a_reaction_it_cannot_make() -> None:
    shown = console_render(reminder(TEAM, [promise(1)], {1: ACME}, NOW), "UTC")
    assert "React" not in shown and "[kept P1 · snooze P1 tomorrow · notkept P1]" in shown


def test_slack_and_discord_say_a_check_mark_keeps_a_one_promise_reminder() -> None:
    one = reminder(TEAM, [promise(1)], {1: ACME}, NOW)
    assert REACTION_HINT in str(to_messages(one)[0].blocks)
    assert REACTION_HINT in str(discord_render(one)[0].embeds[0].to_dict())


def test_a_grouped_reminder_does_not_offer_the_check_mark() -> None:
    two = reminder(TEAM, [promise(1), promise(2)], {1: ACME}, NOW)
    assert REACTION_HINT not in str(to_messages(two)[0].blocks)
    assert REACTION_HINT not in str(discord_render(two)[0].embeds[0].to_dict())
