"""The console has one terminal: a person's own reminder says whom it is for."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.adapters.console import ConsoleNotifier
from bot.core.delivery import Outgoing
from bot.core.model import Team
from bot.core.replies import message


def test_the_console_shows_a_personal_reminder_as_a_direct_message(tmp_path: Path) -> None:
    out = io.StringIO()
    team = Team("console:local", "Console", channel="console")
    reminder = message("Reminder: a promise is due", "send the quote", private=False)
    asyncio.run(ConsoleNotifier(out, tmp_path).send(Outgoing("k", team, "dm:priya", reminder)))
    assert out.getvalue().strip().startswith("[direct message to @priya] == Reminder")
