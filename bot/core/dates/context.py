"""``now`` as a team sees it: its zone, wall clock, working-day start and date order."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.model import DateOrder

DATE_ORDERS: tuple[DateOrder, ...] = ("dmy", "mdy")

MAX_AHEAD = timedelta(days=3653)  # ten years, leap days included
RECENT_PAST = timedelta(days=60)
END_OF_DAY = time(17, 0)
TONIGHT = time(20, 0)
LAST_MINUTE = time(23, 59)
MONDAY_TO_FRIDAY = frozenset(range(5))

# Zones of the United States, where numeric dates are written month first (12/3 is
# 3 December). Every other zone, Canada's included (it writes both ways), defaults to
# day first; a team changes it with `config dates`.
_MONTH_FIRST_ZONES = frozenset(
    {
        *(
            f"America/{city}"
            for city in (
                "New_York", "Detroit", "Chicago", "Denver", "Boise", "Phoenix", "Los_Angeles",
                "Anchorage", "Juneau", "Sitka", "Metlakatla", "Yakutat", "Nome", "Adak",
                "Menominee", "Indianapolis", "Fort_Wayne", "Knox_IN", "Louisville",
                "Shiprock", "Atka", "Indiana/Indianapolis", "Indiana/Knox",
                "Indiana/Marengo", "Indiana/Petersburg", "Indiana/Tell_City", "Indiana/Vevay",
                "Indiana/Vincennes", "Indiana/Winamac", "Kentucky/Louisville",
                "Kentucky/Monticello", "North_Dakota/Beulah", "North_Dakota/Center",
                "North_Dakota/New_Salem",
            )
        ),
        "Pacific/Honolulu",
        "US/Eastern", "US/Central", "US/Mountain", "US/Pacific", "US/Alaska", "US/Hawaii",
        "US/Arizona", "US/East-Indiana", "US/Indiana-Starke", "US/Michigan", "US/Aleutian",
        "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
    }
)  # fmt: skip


def default_date_order(tz: str) -> DateOrder:
    """Month first in the United States' zones, day first everywhere else."""
    return "mdy" if tz in _MONTH_FIRST_ZONES else "dmy"


class UnknownTimeZone(Exception):
    """The team's time zone is not an IANA name zoneinfo knows."""


@dataclass(frozen=True)
class DueContext:
    """``now`` seen from the team: its zone, local wall clock and working-day start."""

    now: datetime  # aware UTC
    tz: str
    zone: ZoneInfo
    day_start: time  # naive local
    local_now: datetime  # naive local wall clock
    order: DateOrder = "dmy"  # how numeric dates such as 3/12 are read
    # The team's working days (Monday is 0), counted by "in 3 business days".
    workdays: frozenset[int] = MONDAY_TO_FRIDAY

    @property
    def today(self) -> date:
        return self.local_now.date()


def due_context(
    now: datetime,
    tz: str,
    day_start: time,
    order: DateOrder | None = None,
    workdays: Collection[int] | None = None,
) -> DueContext:
    """Raises UnknownTimeZone, and ValueError for a ``now`` no working clock gives.

    A naive ``now``, or one outside 1900-8999 (where date arithmetic a few years either
    way would overflow), is the caller's bug, not something the user typed. Without an
    ``order`` numeric dates follow the zone's custom (see ``default_date_order``); without
    ``workdays`` (or with none) the working days are Monday to Friday.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    if not 1900 <= now.year < 9000:
        raise ValueError(f"now must fall in the years 1900-8999, not {now.year}")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise UnknownTimeZone(tz) from exc
    now = now.astimezone(UTC)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    clean_start = day_start.replace(tzinfo=None, fold=0)
    return DueContext(
        now=now,
        tz=tz,
        zone=zone,
        day_start=clean_start,
        local_now=local_now,
        order=order or default_date_order(tz),
        workdays=frozenset(d for d in workdays or () if 0 <= d <= 6) or MONDAY_TO_FRIDAY,
    )
