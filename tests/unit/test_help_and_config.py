"""Help, config and the README say the same thing, and only name commands that exist."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import requests
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

README = Path(__file__).resolve().parents[2] / "README.md"
PLACEHOLDERS = {"acme", "+acme"}


@pytest.fixture
def commands() -> Commands:
    store = FakeStore()
    clock = ManualClock(datetime(2026, 11, 19, 10, 0, tzinfo=UTC))
    return Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults())


def said(commands: Commands, text: str) -> str:
    outcome = commands.handle(text, Context("slack:T1", "U1", "C1", "Team"))
    assert isinstance(outcome, Reply)
    return "\n".join(
        "".join(getattr(span, "text", getattr(span, "user_id", "")) for span in item.spans)
        for section in outcome.sections
        for item in section.lines
    )


def readme_commands() -> list[list[str]]:
    """The words of each command in the README's commands table."""
    text = README.read_text()
    table = text[text.index("## Commands") : text.index("## Reminders and the daily digest")]
    found = []
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = row.split(" | ")[0]
        for code in re.findall(r"`([^`]+)`", first_cell):
            words = code.split()
            if words[0] != "/touchpoint":
                words = ["/touchpoint", *words]
            found.append(words)
    return found


def test_help_covers_every_command_in_the_readme(commands: Commands) -> None:
    help_text = said(commands, "help")
    rows = readme_commands()
    assert len(rows) > 30
    for words in rows:
        verb = " ".join(words[:2])
        if words[1] == "config" and len(words) > 2:
            verb = " ".join(words[:3])
        assert (
            verb.split()[1] in PLACEHOLDERS
            or verb in help_text
            or (verb.replace("/touchpoint ", "") in help_text)
        ), verb


def test_help_and_config_help_only_name_commands_that_exist(commands: Commands) -> None:
    routes = set(requests.VERBS)
    for text in (said(commands, "help"), said(commands, "config help")):
        for verb in re.findall(r"/touchpoint (\S+)", text):
            assert verb.strip("`[") in routes | PLACEHOLDERS, verb
        for verb in re.findall(r"·\s+([a-z]+) ", text):
            assert verb in routes | {"owner", "followup", "codes", "days", "dates"}, verb


def test_config_shows_every_setting_including_owners_and_follow_ups(commands: Commands) -> None:
    said(commands, "config owner billing @priya")
    said(commands, 'config followup "no answer" = call back next working day')
    shown = said(commands, "config")
    for setting in ("Team channel", "Timezone", "Digest", "Working day starts",
                    "Completion codes", "Overdue promises"):  # fmt: skip
        assert f"{setting}: " in shown
    assert "Area owners: billing → priya" in shown
    assert "Code follow-ups: “no answer” → call back next working day" in shown


def test_config_help_explains_each_setting(commands: Commands) -> None:
    text = said(commands, "config help")
    for setting in ("channel", "timezone", "digest", "days", "daystart", "overdue", "codes",
                    "owner", "followup"):  # fmt: skip
        assert f"/touchpoint config {setting}" in text


def test_promises_for_one_customer_are_listed(commands: Commands) -> None:
    said(commands, "hooli call | we: send quote by fri")
    said(commands, "acme call | we: call back")
    shown = said(commands, "promises hooli")
    assert "send quote" in shown and "call back" not in shown


def test_every_command_the_code_mentions_exists(commands: Commands) -> None:
    """Messages, help and hints across the bot name only real commands."""
    root = README.parent / "bot"
    discord_only = {"record", "text"}  # Discord's own subcommands
    not_commands = {"acme", "+acme", "in", "<subcommand>", "<text>"}  # placeholders, prose
    routes = set(requests.VERBS)
    for path in root.rglob("*.py"):
        for verb in re.findall(r"/touchpoint ([a-z+<][\w+<>-]*)", path.read_text()):
            assert verb in routes | discord_only | not_commands, (path.name, verb)
