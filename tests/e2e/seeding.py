"""Shared set-up for the reminder worker tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import build
from bot.config import load_settings
from bot.core import services
from bot.core.clock import ManualClock
from bot.core.commands import Context

WORKER = Path(__file__).with_name("crash_worker.py")
T0 = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)  # Thu
T1 = T0 + timedelta(days=1, hours=1)  # Fri 11:00: reminders due, digests due


def seed_teams(db_url: str, teams: tuple[str, ...], per_team: int = 3) -> None:
    """Each team gets a channel and ``per_team`` customers, each with a challenge, one of our
    promises and one of theirs, all due at T0 + 1 day."""
    clock = ManualClock(T0)
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=clock)
    for team in teams:
        container.commands.ensure_team(Context(team, "U1", None, team))
        services.configure_team(
            team, "channel", f"#{team}", uow=container.uow_factory(), clock=clock
        )
        for n in range(per_team):
            services.record_quick_entry(
                team,
                "U1",
                f"customer {n} | ch: problem {n} | we: send quote {n} tomorrow 10am"
                f" | they: sign form {n} tomorrow 10am",
                uow=container.uow_factory(),
                clock=clock,
            )
    container.close()
