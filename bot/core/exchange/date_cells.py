"""A spreadsheet's date cell, read by dateutil and held to what the cell actually says.

dateutil reads nearly any way of writing a date ("19/11/2026 14:30", "Tue, 3rd Dec. 2026 at
2 p.m.", "Nov 19 2026 2pm"), but it is built to guess: whatever a cell leaves out comes from a
default, a day and month are swapped when the given order makes no date, and a stray number
can become a year or a time. An import must not guess, so a cell is read only when it says a
whole date itself, in the team's order, with no number left to interpretation.
"""

from __future__ import annotations

import re
from datetime import datetime, time, tzinfo
from functools import lru_cache

from dateutil.parser import parser, parserinfo

# Longer than any way of writing a date and time: a longer cell is something else, and is
# not handed to the parser (nor kept in the cache).
MAX_DATE_CHARS = 100


class _Info(parserinfo):
    """dateutil's vocabulary, with two-digit years read as Python's ``strptime`` reads them
    (69-99 are 19xx, 00-68 20xx) rather than around the machine's current year."""

    def convertyear(self, year: int, century_specified: bool = False) -> int:
        if year < 100 and not century_specified:
            return year + (1900 if year >= 69 else 2000)
        return year


_INFO = _Info()
_PARSER = parser(_INFO)
# A cell is read twice, from two defaults that differ in every part: a part the cell gives is
# the same in both readings, a part it leaves out is not. The days differ by more than a week,
# so that a weekday named without a day ("Tue Nov 2026") cannot roll both onto one date.
# Naive: a cell's wall time is the team's, and the sheet puts it in the team's zone.
_FIRST = datetime(1, 1, 1)  # noqa: DTZ001
_SECOND = datetime(2, 2, 15, 1, 1, 1)  # noqa: DTZ001
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")
# A time of day is written with a colon, as 14h30, or with am/pm: dateutil would also take
# a bare number after the date ("19/11/2026 14") as an hour.
_CLOCK = re.compile(r"\d(?::|h\d|\s?[ap]\.?\s?m\b)", re.IGNORECASE)
# A cell ending in a time of day: "14:30", "14:30:15", "2:30 pm", "2 p.m.".
_TRAILING_CLOCK = re.compile(
    r"(?:^|\s)(\d\d?(?::\d\d){1,2}(?:\s?[ap]\.?m\.?)?|\d\d?\s?[ap]\.?m\.?)$", re.IGNORECASE
)


def read_date_cell(text: str, month_first: bool) -> tuple[datetime, bool] | None:
    """The date a cell gives, naive unless ISO 8601 with an offset, and whether it gives a
    time of day (else the date's midnight); None unless it gives a whole date.

    ISO 8601 ("2026-11-19", "2026-11-19T14:30+01:00") is read as such. Anything else is
    read day first, or month first for a team that writes dates so (`config dates`); a date
    starting with its four-digit year is year, month, day.
    """
    cell = " ".join(text.split())
    if len(cell) > MAX_DATE_CHARS:
        return None
    clock = _TRAILING_CLOCK.search(cell)
    if clock is not None:
        # A sheet repeats its days and its times of day far more often than a whole cell:
        # read apart, each is parsed once. dateutil reads a trailing time the same either way.
        day = _read(cell[: clock.start(1)].rstrip(), month_first)
        time_of_day = _read_clock(clock.group(1))
        if day is not None and not day[1] and time_of_day is not None:
            return datetime.combine(day[0].date(), time_of_day), True
    return _read(cell, month_first)


@lru_cache(maxsize=4096)  # every minute of a day
def _read_clock(text: str) -> time | None:
    try:  # 14:30 and 14:30:15 are ISO 8601, which the standard library reads far faster
        return time.fromisoformat(text)
    except ValueError:
        pass
    try:
        return _PARSER.parse(text, _FIRST, tzinfos=_no_zone).time()
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=4096)
def _read(cell: str, month_first: bool) -> tuple[datetime, bool] | None:
    """Cached: a sheet often repeats a date, and a reading depends only on the text."""
    try:
        return datetime.fromisoformat(cell), len(cell) > 10
    except ValueError:
        pass
    numbers = _NUMBER.findall(cell)
    year_first = bool(numbers) and len(numbers[0]) == 4
    found = _whole_date(cell, day_first=not (month_first or year_first), year_first=year_first)
    if found is None or (found[1] and not _CLOCK.search(cell)):
        return None
    return found if _as_written(cell, numbers, found[0], month_first, year_first) else None


def _whole_date(cell: str, day_first: bool, year_first: bool) -> tuple[datetime, bool] | None:
    """The date, and whether an hour is given; None when the cell leaves out the year, the
    month or the day, or gives minutes with no hour."""

    def parse(default: datetime) -> datetime:
        return _PARSER.parse(
            cell, default, dayfirst=day_first, yearfirst=year_first, tzinfos=_no_zone
        )

    try:
        first = parse(_FIRST)
        # A part left out is _FIRST's (for the day: the 1st, or a named weekday in the week
        # after it): when every part differs from it, all came from the cell.
        if first.year != 1 and first.month != 1 and first.day > 7 and first.hour != 0:
            return first, True
        second = parse(_SECOND)
    except (ValueError, OverflowError):
        return None
    if first.date() != second.date():
        return None
    has_hour = first.hour == second.hour
    if not has_hour and (first.minute == second.minute or first.second == second.second):
        return None
    return first, has_hour


def _no_zone(name: str | None, offset: int | None) -> tzinfo | None:
    """A zone outside ISO 8601 is refused: dateutil reads "GMT+3" as three hours *behind*
    GMT, and would take any capitalised word after a time ("14:00 ACME") for a zone."""
    if name is not None or offset is not None:
        raise ValueError("a time zone outside ISO 8601")
    return None


def _as_written(
    cell: str, numbers: list[str], at: datetime, month_first: bool, year_first: bool
) -> bool:
    """Every number is a part of the date as written: no day and month swapped to make a date
    (11/19/2026 for a day-first team), and no stray number made into a year or a time ("5 6
    Nov 2026" is 6 Nov 2005 at 20:26 to dateutil, "1/2/3" 1 Feb 2003)."""
    year = str(at.year)
    if any(len(number) > 2 and number != year for number in numbers):
        return False
    if year not in numbers and f"{at.year % 100:02d}" not in numbers:
        return False
    if any(_INFO.month(word) for word in _WORD.findall(cell)):
        return True  # the month is named: there is no day and month to swap
    if len(numbers) < 3:
        return False
    a, b, c = (int(number) for number in numbers[:3])
    if year_first:
        return (b, c) == (at.month, at.day)
    return ((b, a) if month_first else (a, b)) == (at.day, at.month)
