"""Team-local time: wall times in a team's zone and its working days, as UTC instants."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import Team

UTC = ZoneInfo("UTC")


def local_instant(team: Team, day: date, hour: int, minute: int) -> datetime:
    """A team-local wall time as an aware UTC instant. A time inside a spring-forward gap
    (02:30 on the night clocks jump from 02:00 to 03:00) moves forward by the gap (03:30);
    a repeated autumn time means its first occurrence."""
    zone = ZoneInfo(team.timezone)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def next_working_day_start(team: Team, after: datetime) -> datetime:
    """The start of the team's next working day strictly after ``after``'s local date."""
    day = after.astimezone(ZoneInfo(team.timezone)).date()
    for _ in range(7):
        day += timedelta(days=1)
        if team.is_working_day(day.weekday()):
            break
    return local_instant(team, day, team.day_start.hour, team.day_start.minute)


def add_working_days(team: Team, after: datetime, days: int) -> datetime:
    """The start of the ``days``-th working day after ``after``'s local date."""
    at = after
    for _ in range(days):
        at = next_working_day_start(team, at)
    return at


def on_a_working_day(team: Team, due: datetime | None) -> datetime | None:
    """``due``, or the start of the next working day when it falls on a day off."""
    if due is None:
        return None
    day = due.astimezone(ZoneInfo(team.timezone)).date()
    return due if team.is_working_day(day.weekday()) else next_working_day_start(team, due)


def digest_instant(team: Team, day: date) -> datetime:
    return local_instant(team, day, team.digest_time.hour, team.digest_time.minute)


def keep_by(team: Team, due: datetime | None) -> datetime | None:
    """Until when keeping a promise due at ``due`` counts as on time. A date written without
    a time is due at the start of the working day (so the reminder comes then), but the
    promise is for that day: it is on time until the day ends (local midnight)."""
    if due is None:
        return None
    zone = ZoneInfo(team.timezone)
    local = due.astimezone(zone)
    start = team.day_start
    if (local.hour, local.minute, local.second) != (start.hour, start.minute, 0):
        return due
    end = local.date() + timedelta(days=1)
    return local_instant(team, end, 0, 0)
