"""What a due-date phrase says, before it is resolved: which day, which time of day.

The grammar builds these from words; the resolution rules turn them into instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# A part of the day: the meridiem it gives a bare hour, or (alone) its own time.
PARTS = {
    "morning": "am",
    "am": "am",
    "afternoon": "pm",
    "pm": "pm",
    "evening": "pm",
    "night": "pm",
    "tonight": "pm",
}


@dataclass(frozen=True)
class Clock:
    hour: int = 0
    minute: int = 0
    meridiem: str = ""  # "", "am", "pm", or "?" when only am/pm or a part of day can tell
    named: str = ""  # "noon", "midnight", "eod", or a part of day alone ("evening")
    part: str = ""  # the part of day said with it: "tonight at 10", "9pm this evening"


@dataclass(frozen=True)
class Today:
    kind: str  # "today", "tonight", "eod", "this" ("this afternoon")
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Offset:
    days: int  # tomorrow = 1, yesterday = -1
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Weekday:
    weekday: int
    mode: str  # "", "next" (of next week), "this" (of this week), "week" ("monday week")
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Ahead:
    n: float
    unit: str  # "minute", "hour", "day", "week", "fortnight", "month", "year"
    exact: bool = False  # "this time next week": the same instant, not day start
    from_days: int = 0  # "3 days from tomorrow"

    @property
    def takes_time(self) -> bool:
        return self.unit not in ("minute", "hour") and not self.exact


@dataclass(frozen=True)
class Workdays:
    n: int  # "in 3 business days", "next working day"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class NextPeriod:
    unit: str  # "week", "month", "year", "quarter", "weekend"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class EndOf:
    unit: str  # "week", "month", "year", "quarter"
    following: bool  # "end of NEXT week"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Weekend:
    following: bool  # "next weekend"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Calendar:
    day: int
    month: int
    year: int | None
    weekday: int | None
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Numeric:
    """ "3/12", "16.12.": which number is the day depends on the team's date order."""

    first: int
    second: int
    year: int | None
    weekday: int | None
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Ordinal:
    day: int
    weekday: int | None
    month: str = ""  # "" any month ahead, "this" or "next" ("12th of next month")
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class MonthOnly:
    month: int
    year: int | None
    takes_time: ClassVar[bool] = False


@dataclass(frozen=True)
class MonthPart:
    """ "early/mid/late <month>", "end of <month>": month "this"/"next" or a number."""

    month: int | str
    year: int | None
    part: str  # "early", "mid", "late", "end"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class NthWeekday:
    """ "2nd tuesday of next month", "last day of november", "last working day of the month"."""

    n: int  # 1-5, or -1 for the last
    what: int | str  # a weekday, "day" or "workday"
    month: int | str  # a month number, or "this"/"next"
    year: int | None
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class Quarter:
    q: int
    year: int | None
    takes_time: ClassVar[bool] = False


@dataclass(frozen=True)
class IsoWeek:
    n: int  # "wk 3": Monday of that week
    takes_time: ClassVar[bool] = True


Day = (
    Today
    | Offset
    | Weekday
    | Ahead
    | Workdays
    | NextPeriod
    | EndOf
    | Weekend
    | Calendar
    | Numeric
    | Ordinal
    | MonthOnly
    | MonthPart
    | NthWeekday
    | Quarter
    | IsoWeek
)


@dataclass(frozen=True)
class Spec:
    day: Day | None  # None: a time alone
    clock: Clock | None
