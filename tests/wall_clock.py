"""For tests that run the bot's processes on the wall clock.

A team's day starts and its digest comes at 09:00 by default, so a test whose promises fall
due "now" behaves differently when the suite runs at 09:00: the reminders are folded into
the digest. Putting the test team in a zone where it is between 01:00 and 02:00 keeps the
day start and the digest hours away, whatever the hour the suite runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_HOUR = 1


def quiet_zone(now: datetime | None = None) -> str:
    """An IANA zone in which ``now`` (the wall clock by default) is between 01:00 and 02:00."""
    hour = (now or datetime.now(UTC)).astimezone(UTC).hour
    east = (LOCAL_HOUR - hour) % 24
    if east > 14:  # the zones run from UTC-12 to UTC+14
        east -= 24
    if east == 0:
        return "UTC"
    # The Etc zones' signs are the POSIX ones: Etc/GMT-3 is three hours east of UTC.
    return f"Etc/GMT{'-' if east > 0 else '+'}{abs(east)}"


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))
