"""Due dates: find the date phrase at the end of a promise and turn it into an instant.

Everything is resolved against ``now`` as seen in the team's time zone ``tz``; results are
timezone-aware UTC. Our own rules read the phrases people actually type (fast, and right
where dateparser is wrong); dateparser only reads the long tail our rules do not cover.

Resolution rules
----------------
* A date without a time is due at the team's ``day_start`` (local wall time).
* Times: "10am", "10 am", "2:30pm", "10.30am", "14:00", "noon"/"midday", "morning"
  (= day_start), "afternoon" (14:00), "evening" (18:00); "at" may come first. A time alone
  ("at 3pm") is today if still ahead, else tomorrow. A bare hour after a day ("tue at 14")
  is 24-hour from 13 up; "tue at 10" is refused asking for 10am or 10pm.
* "today" without a time is day_start if still ahead, else 17:00, else 23:59, so "send it
  today" typed after lunch is due later today instead of being refused as past. "tonight"
  is 20:00 and "eod"/"end of day"/"cob" 17:00, each 23:59 once passed.
* "tomorrow" (also "tmrw"), "day after tomorrow"; "yesterday" is always refused as past.
* A bare weekday ("fri", "friday") is the next such day after today, or today if today is
  that day and the due time is still ahead. "next fri" is Friday of NEXT week (weeks start on
  Monday; dateparser gets this one wrong). "this fri" is this week's Friday if still ahead,
  else the coming one. "fri 27 Nov" must agree with the calendar.
* "in N minutes/hours" keeps the exact instant; "in N days/weeks/fortnights/months/years"
  is that day at day_start (a month on from 31 Jan is 28/29 Feb).
* "end of week"/"eow" is Friday of this week at day_start (next week's once past); "end of
  month"/"eom" the last day of this month (next month's once past); "end of year"/"eoy"
  31 Dec; "end of next week/month/year" one period on.
* "next week" is Monday of next week, "next month" the 1st of next month, "next year" 1 Jan.
* A day and month without a year ("3 Dec", "Dec 3rd", "27/11"): this year if still ahead;
  if it passed within the last 60 days it is refused as past (a typo is likelier than
  meaning next year); otherwise next year. "29 Feb" is the next year that has one. A month
  alone ("by March") means its 1st, with the same year rule. An ordinal alone ("by the 1st")
  is that day this month if ahead, else the next month that has it. Numeric dates are
  day-first (27/11 is 27 November); ISO 2026-12-03 works too.
* Wall times that do not exist or happen twice on a DST change take zoneinfo's fold=0
  reading (the offset in force before the change): 02:30 on a spring-forward night is
  03:30 new time, 01:30 on a fall-back night is the first 01:30.
* Anything due at or before ``now`` is refused as past; more than 10 years ahead is refused.

Avoiding false dates
--------------------
A date is only taken from the END of an item. A bare number is never a date or a time
("send 2 quotes", "at 3"). Words that are also ordinary words ("may", "march", "mar",
"sat", "sun"), a month alone, an ordinal alone ("1st"), "2 weeks" without "in", and 27/11
without a year count only after a trigger word (by, due, before, on, until, till, at, no
later than) or inside an unambiguous phrase ("3 may", "next sat", "fri 27/11"). After a
trigger, words that plainly try to be a date but fit no rule ("the 3rd of next month",
"31 Feb", "firday") go to dateparser; if it cannot read them either, the promise is refused
with examples. Ordinary words after a trigger ("by the office", "by 2 people", "by
flurbsday") stay part of the promise text.
"""

from __future__ import annotations

import calendar
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

MAX_AHEAD = timedelta(days=3653)  # ten years, leap days included
MAX_AHEAD_COUNT = 10_000_000  # more minutes than ten years hold
RECENT_PAST = timedelta(days=60)
END_OF_DAY = time(17, 0)
TONIGHT = time(20, 0)
LAST_MINUTE = time(23, 59)
MAX_PHRASE_TOKENS = 10  # "due by fri 27 nov 2026 at 2 pm" is nine
MAX_STANDALONE_CHARS = 100

ITEM_EXAMPLES = "“by fri”, “tomorrow 10am”, “3 Dec”, “in 2 weeks”, “end of month”"
WHEN_EXAMPLES = "“1h”, “in 2 hours”, “tomorrow”, “fri 2pm”, “next week”, “3 Dec”"

_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# -- context, formatting, problems ---------------------------------------------------------


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

    @property
    def today(self) -> date:
        return self.local_now.date()


def due_context(now: datetime, tz: str, day_start: time) -> DueContext:
    """Raises UnknownTimeZone, and ValueError for a ``now`` no working clock gives.

    A naive ``now``, or one outside 1900-8999 (where date arithmetic a few years either
    way would overflow), is the caller's bug, not something the user typed.
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
    return DueContext(now=now, tz=tz, zone=zone, day_start=clean_start, local_now=local_now)


def format_local(dt: datetime, tz: str, *, now: datetime | None = None) -> str:
    """ "Fri 27 Nov 09:00" in ``tz``; the year is added when it differs from ``now``'s.

    Month and day names are our own so the output does not depend on the process locale.
    """
    zone = ZoneInfo(tz)
    local = dt.astimezone(zone)
    year = ""
    if now is not None and now.astimezone(zone).year != local.year:
        year = f" {local.year}"
    month = _MONTH_ABBR[local.month - 1]
    return f"{_DAY_ABBR[local.weekday()]} {local.day} {month}{year} {local:%H:%M}"


class DueProblem(Exception):
    """A date phrase that cannot become a usable due date."""

    def __init__(
        self,
        kind: Literal["unreadable", "past", "far"],
        phrase: str,
        *,
        when: datetime | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(kind, phrase)
        self.kind = kind
        self.phrase = phrase  # the date words as written, without the trigger word
        self.when = when
        self.detail = detail

    def message(self, ctx: DueContext, item: str | None = None) -> str:
        """What to tell the user; ``item`` is the whole promise, None for a bare phrase."""
        detail = f": {self.detail}" if self.detail else ""
        if self.kind == "unreadable":
            if item is None:
                return (
                    f"Can't read the date “{self.phrase}”{detail}. "
                    f"Dates that work: {WHEN_EXAMPLES}."
                )
            return (
                f"Can't read the due date “{self.phrase}” in “{item}”{detail}. "
                f"Dates that work: {ITEM_EXAMPLES}."
            )
        what = f"“{item}”: the due date" if item is not None else f"“{self.phrase}”: the date"
        shown = f" {format_local(self.when, ctx.tz, now=ctx.now)}" if self.when else ""
        if self.kind == "past":
            return f"{what}{shown} is in the past. Pick a future date."
        return f"{what}{shown} is more than 10 years ahead. Pick a nearer date."


# -- vocabulary ---------------------------------------------------------------------------

_MONTHS = {
    **{name.lower(): n for n, name in enumerate(calendar.month_name) if name},
    **{name.lower(): n for n, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}
_WEEKDAYS = {
    **{name.lower(): n for n, name in enumerate(_DAY_NAMES)},
    **{name.lower(): n for n, name in enumerate(_DAY_ABBR)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
# Ordinary English words too: dates only after a trigger word or in an unambiguous phrase.
_AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar"})
_AMBIGUOUS_WEEKDAYS = frozenset({"sat", "sun"})
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minute"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hour"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "week"),
    **dict.fromkeys(("fortnight", "fortnights"), "fortnight"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "month"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "year"),
}
_TRIGGERS = (
    ("no", "later", "than"),
    ("due", "by"),
    ("due", "on"),
    ("due", "before"),
    ("due",),
    ("by",),
    ("before",),
    ("on",),
    ("until",),
    ("till",),
    ("til",),
    ("at",),
)
_TRIGGER_WORDS = frozenset(word for trigger in _TRIGGERS for word in trigger)
# Words a date phrase can begin with; anything else is skipped without trying the grammar.
_STARTERS = frozenset(
    {*_MONTHS, *_WEEKDAYS, *_TRIGGER_WORDS, *_NUMBER_WORDS, "the", "in", "within", "next"}
    | {"this", "end", "day", "today", "tonight", "tomorrow", "tmrw", "tmr", "tomorow"}
    | {"yesterday", "eod", "eow", "eom", "eoy", "cob", "close", "noon", "midday", "morning"}
    | {"afternoon", "evening", "coming"}
)
# A connector just before a matched phrase means the date probably starts further left
# ("by the 3rd of next month"): let dateparser read the whole tail instead.
_CONTINUATIONS = frozenset({"of", "the", "after", "from", "following"})


# -- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    word: str  # normalised: lower case, edge punctuation gone
    start: int  # span in the text as written
    end: int


_TOKEN_RE = re.compile(r"\S+")
_QUOTES = "()[]{}\"'“”‘’«»"


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN_RE.finditer(text):
        word = m.group().lower().strip(_QUOTES).rstrip(".,!?;:").strip(_QUOTES)
        word = word.replace("a.m", "am").replace("p.m", "pm")
        # Lone punctuation ("-") stays as an empty token so it still separates words.
        out.append(_Token(word, m.start(), m.end()))
    return out


def _trigger_len(words: list[str]) -> int:
    for trigger in _TRIGGERS:
        if tuple(words[: len(trigger)]) == trigger:
            return len(trigger)
    return 0


# -- grammar: times -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    hour: int = 0
    minute: int = 0
    meridiem: str = ""  # "", "am", "pm", or "?" for a bare hour ("at 10")
    named: str = ""  # "noon", "morning", ...


_TIME_RE = re.compile(r"(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?(?P<mer>am|pm)?")
_NAMED_TIMES = frozenset({"noon", "midday", "morning", "afternoon", "evening"})


def _parse_clock(words: list[str]) -> _Clock | None:
    if len(words) == 1 and words[0] in _NAMED_TIMES:
        return _Clock(named=words[0])
    if len(words) == 1:
        text = words[0]
    elif len(words) == 2 and words[1] in ("am", "pm"):
        text = words[0] + words[1]
    else:
        return None
    m = _TIME_RE.fullmatch(text)
    # "10" is a number and "3.12" a decimal: only am/pm or a colon make a time.
    if m is None or (not m["mer"] and m["sep"] != ":"):
        return None
    return _Clock(int(m["h"]), int(m["m"] or 0), m["mer"] or "")


def _time_splits(words: list[str]) -> list[tuple[list[str], _Clock | None]]:
    """Ways to read ``words`` as day words plus a time at either end."""
    splits: list[tuple[list[str], _Clock | None]] = [(words, None)]
    if len(words) > 2 and words[-2] == "at" and re.fullmatch(r"\d{1,2}", words[-1]):
        # "next tue at 10": a bare hour after a day is meant as a time, though am/pm is missing.
        splits.append((words[:-2], _Clock(int(words[-1]), 0, "?")))
    for k in (1, 2):
        if len(words) < k:
            break
        clock = _parse_clock(words[-k:])
        if clock is not None:
            rest = words[:-k]
            splits.append((rest[:-1] if rest and rest[-1] in ("at", "@") else rest, clock))
        clock = _parse_clock(words[:k])
        if clock is not None and len(words) > k:
            rest = words[k:]
            splits.append((rest[1:] if len(rest) > 1 and rest[0] in ("on", "at") else rest, clock))
    return splits


# -- grammar: days ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Today:
    kind: str  # "today", "tonight", "eod", "this" ("this afternoon")
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _Offset:
    days: int  # tomorrow = 1, yesterday = -1
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _Weekday:
    weekday: int
    mode: str  # "", "next", "this"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _Ahead:
    n: int
    unit: str  # "minute", "hour", "day", "week", "fortnight", "month", "year"

    @property
    def takes_time(self) -> bool:
        return self.unit not in ("minute", "hour")


@dataclass(frozen=True)
class _NextPeriod:
    unit: str  # "week", "month", "year"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _EndOf:
    unit: str  # "week", "month", "year"
    following: bool  # "end of NEXT week"
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _Calendar:
    day: int
    month: int
    year: int | None
    weekday: int | None
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _Ordinal:
    day: int
    weekday: int | None
    takes_time: ClassVar[bool] = True


@dataclass(frozen=True)
class _MonthOnly:
    month: int
    year: int | None
    takes_time: ClassVar[bool] = False


_Day = (
    _Today | _Offset | _Weekday | _Ahead | _NextPeriod | _EndOf | _Calendar | _Ordinal | _MonthOnly
)

_NAMED_DAYS: dict[str, _Day] = {
    **dict.fromkeys(("today",), _Today("today")),
    **dict.fromkeys(("tonight",), _Today("tonight")),
    **dict.fromkeys(
        ("eod", "cob", "close of business", "end of day", "end of the day", "end of today"),
        _Today("eod"),
    ),
    "this": _Today("this"),  # only with a time: "this afternoon"
    **dict.fromkeys(("tomorrow", "tmrw", "tmr", "tomorow"), _Offset(1)),
    **dict.fromkeys(("day after tomorrow", "the day after tomorrow"), _Offset(2)),
    "yesterday": _Offset(-1),
    "next week": _NextPeriod("week"),
    "next month": _NextPeriod("month"),
    "next year": _NextPeriod("year"),
    "eow": _EndOf("week", following=False),
    "eom": _EndOf("month", following=False),
    "eoy": _EndOf("year", following=False),
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WD = _alternation(_WEEKDAYS)
_MON = _alternation(_MONTHS)
_DAYNUM = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?: (?P<y>\d{4}))?"
_WD_PREFIX = rf"(?:(?P<wd>{_WD}) )?"
_WEEKDAY_RE = re.compile(rf"(?:(?P<mode>next|this|coming) )?(?P<wd>{_WD})")
_END_RE = re.compile(r"(?:the )?end of (?:(?P<which>the|this|next) )?(?P<unit>week|month|year)")
_DAY_MONTH_RE = re.compile(rf"{_WD_PREFIX}(?:the )?{_DAYNUM}(?: of)? (?P<m>{_MON}){_YEAR}")
_MONTH_DAY_RE = re.compile(rf"{_WD_PREFIX}(?P<m>{_MON}) (?:the )?{_DAYNUM}{_YEAR}")
_NUMERIC_RE = re.compile(
    rf"{_WD_PREFIX}(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?:(?P=sep)(?P<y>\d{{4}}|\d{{2}}))?"
)
_ISO_RE = re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})")
_ORDINAL_RE = re.compile(rf"{_WD_PREFIX}(?:the )?(?P<d>\d{{1,2}})(?:st|nd|rd|th)")
_MONTH_RE = re.compile(rf"(?:(?P<in>in) )?(?P<m>{_MON}){_YEAR}")
# "2h" and "2 h" but "a week", never "am" read as "a m(inute)".
_AHEAD_RE = re.compile(
    rf"(?:(?P<in>in|within) )?(?:(?P<num>\d{{1,30}}) ?|(?P<word>{_alternation(_NUMBER_WORDS)}) )"
    rf"(?P<u>{_alternation(_UNITS)})(?: time)?"
)

_DayMatch = tuple[_Day, bool]  # the day and whether it needs a trigger word


def _weekday_of(m: re.Match[str]) -> int | None:
    return _WEEKDAYS[m["wd"]] if m["wd"] else None


def _match_weekday(s: str) -> _DayMatch | None:
    m = _WEEKDAY_RE.fullmatch(s)
    if m is None:
        return None
    mode = {"next": "next", "this": "this", "coming": ""}.get(m["mode"] or "", "")
    return _Weekday(_WEEKDAYS[m["wd"]], mode), not m["mode"] and m["wd"] in _AMBIGUOUS_WEEKDAYS


def _match_end(s: str) -> _DayMatch | None:
    m = _END_RE.fullmatch(s)
    if m is None:
        return None
    return _EndOf(m["unit"], following=m["which"] == "next"), False


def _match_day_month(s: str) -> _DayMatch | None:
    m = _DAY_MONTH_RE.fullmatch(s)
    if m is None:
        return None
    year = int(m["y"]) if m["y"] else None
    return _Calendar(int(m["d"]), _MONTHS[m["m"]], year, _weekday_of(m)), False


def _match_month_day(s: str) -> _DayMatch | None:
    m = _MONTH_DAY_RE.fullmatch(s)
    if m is None:
        return None
    year = int(m["y"]) if m["y"] else None
    ambiguous = not m["wd"] and m["m"] in _AMBIGUOUS_MONTHS  # "they may 3"
    return _Calendar(int(m["d"]), _MONTHS[m["m"]], year, _weekday_of(m)), ambiguous


def _match_numeric(s: str) -> _DayMatch | None:
    m = _NUMERIC_RE.fullmatch(s)
    if m is None:
        return None
    day, month = int(m["d"]), int(m["m"])
    # "3.12" is a version and "50/50" a ratio; only plausible day/month pairs are dates.
    if (m["sep"] == "." and not m["y"]) or not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    year = None
    if m["y"]:
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
    # "24/7" and "1/2" are not dates unless a trigger word or a weekday says so.
    return _Calendar(day, month, year, _weekday_of(m)), year is None and not m["wd"]


def _match_iso(s: str) -> _DayMatch | None:
    m = _ISO_RE.fullmatch(s)
    if m is None:
        return None
    return _Calendar(int(m["d"]), int(m["m"]), int(m["y"]), None), False


def _match_ordinal(s: str) -> _DayMatch | None:
    m = _ORDINAL_RE.fullmatch(s)
    if m is None:
        return None
    return _Ordinal(int(m["d"]), _weekday_of(m)), not m["wd"]


def _match_month(s: str) -> _DayMatch | None:
    m = _MONTH_RE.fullmatch(s)
    if m is None:
        return None
    year = int(m["y"]) if m["y"] else None
    return _MonthOnly(_MONTHS[m["m"]], year), not m["in"]


def _match_ahead(s: str) -> _DayMatch | None:
    m = _AHEAD_RE.fullmatch(s)
    if m is None:
        return None
    # Any count past ten million is beyond ten years in every unit, and is refused as
    # that; it must not fall through to "no date" (an undated promise).
    n = min(int(m["num"]), MAX_AHEAD_COUNT) if m["num"] else _NUMBER_WORDS[m["word"]]
    return _Ahead(n, _UNITS[m["u"]]), not m["in"]


_DAY_MATCHERS = (
    _match_weekday,
    _match_end,
    _match_day_month,
    _match_month_day,
    _match_numeric,
    _match_iso,
    _match_ordinal,
    _match_month,
    _match_ahead,
)


def _parse_day(words: list[str]) -> _DayMatch | None:
    s = " ".join(words)
    named = _NAMED_DAYS.get(s)
    if named is not None:
        return named, False
    for matcher in _DAY_MATCHERS:
        found = matcher(s)
        if found is not None:
            return found
    return None


# -- grammar: phrases ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    day: _Day | None  # None: a time alone
    clock: _Clock | None


def _parse_core(words: list[str]) -> tuple[_Spec, bool] | None:
    """The date words (trigger removed) as a spec, and whether a trigger is needed."""
    for day_words, clock in _time_splits(words):
        if not day_words:
            if clock is not None:
                return _Spec(None, clock), False
            continue
        found = _parse_day(day_words)
        if found is None:
            continue
        day, needs_trigger = found
        if clock is None and isinstance(day, _Today) and day.kind == "this":
            continue
        if clock is not None and not day.takes_time:
            continue
        return _Spec(day, clock), needs_trigger
    return None


def _parse_phrase(words: list[str], *, standalone: bool) -> tuple[_Spec, int] | None:
    """``words`` read whole as [trigger] date; returns the spec and the trigger's length."""
    if not words or not (words[0][:1].isdigit() or words[0] in _STARTERS):
        return None
    k = _trigger_len(words)
    if k == len(words):
        return None
    found = _parse_core(words[k:])
    if found is None:
        return None
    spec, needs_trigger = found
    if needs_trigger and not k and not standalone:
        return None
    return spec, k


# -- resolving ----------------------------------------------------------------------------


def _unreadable(phrase: str, detail: str = "") -> DueProblem:
    return DueProblem("unreadable", phrase, detail=detail)


def _instant(d: date, t: time, ctx: DueContext, phrase: str) -> datetime:
    """Local date and wall time -> UTC, taking fold=0 for DST gaps and repeats."""
    try:
        return datetime.combine(d, t.replace(fold=0), tzinfo=ctx.zone).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise _unreadable(phrase) from exc


def _clock_time(clock: _Clock, ctx: DueContext, phrase: str) -> time:
    named = {
        "noon": time(12),
        "midday": time(12),
        "morning": ctx.day_start,
        "afternoon": time(14),
        "evening": time(18),
    }
    if clock.named:
        return named[clock.named]
    hour = clock.hour
    if clock.meridiem == "?" and 1 <= hour <= 12:
        raise _unreadable(phrase, f"say {hour}am or {hour}pm")
    if clock.meridiem in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise _unreadable(phrase, "hours with am/pm run from 1 to 12")
        hour = hour % 12 + (12 if clock.meridiem == "pm" else 0)
    if hour > 23 or clock.minute > 59:
        raise _unreadable(phrase, "that is not a time of day")
    return time(hour, clock.minute)


def _first_ahead(slots: list[tuple[date, time]], ctx: DueContext, phrase: str) -> datetime:
    """The first of ``slots`` still ahead of now, else the last (then refused as past)."""
    instants = [_instant(d, t, ctx, phrase) for d, t in slots]
    return next((i for i in instants if i > ctx.now), instants[-1])


def _resolve_today(day: _Today, at: time | None, ctx: DueContext, phrase: str) -> datetime:
    if at is not None:
        return _instant(ctx.today, at, ctx, phrase)
    defaults = {
        "today": (ctx.day_start, END_OF_DAY, LAST_MINUTE),
        "tonight": (TONIGHT, LAST_MINUTE),
        "eod": (END_OF_DAY, LAST_MINUTE),
    }
    return _first_ahead([(ctx.today, t) for t in defaults[day.kind]], ctx, phrase)


def _resolve_weekday(day: _Weekday, t: time, ctx: DueContext, phrase: str) -> datetime:
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    if day.mode == "next":
        return _instant(monday + timedelta(days=7 + day.weekday), t, ctx, phrase)
    if day.mode == "this":
        this_week = _instant(monday + timedelta(days=day.weekday), t, ctx, phrase)
        if this_week > ctx.now:
            return this_week
    ahead = (day.weekday - ctx.today.weekday()) % 7
    found = _instant(ctx.today + timedelta(days=ahead), t, ctx, phrase)
    if found <= ctx.now:
        found = _instant(ctx.today + timedelta(days=ahead + 7), t, ctx, phrase)
    return found


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _resolve_ahead(day: _Ahead, at: time | None, ctx: DueContext, phrase: str) -> datetime:
    if day.unit in ("minute", "hour"):
        minutes = day.n * (60 if day.unit == "hour" else 1)
        if minutes > MAX_AHEAD.total_seconds() / 60:
            raise DueProblem("far", phrase)
        return ctx.now + timedelta(minutes=minutes)
    t = at or ctx.day_start
    if day.unit in ("month", "year"):
        months = day.n * (12 if day.unit == "year" else 1)
        if months > 121:
            raise DueProblem("far", phrase)
        return _instant(_add_months(ctx.today, months), t, ctx, phrase)
    days = day.n * {"day": 1, "week": 7, "fortnight": 14}[day.unit]
    if days > MAX_AHEAD.days:
        raise DueProblem("far", phrase)
    return _instant(ctx.today + timedelta(days=days), t, ctx, phrase)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _resolve_end(day: _EndOf, t: time, ctx: DueContext, phrase: str) -> datetime:
    """This period's end (the next one's once past), or the next period's end."""
    today = ctx.today
    ends: list[date]
    if day.unit == "week":
        friday = today - timedelta(days=today.weekday()) + timedelta(days=4)
        ends = [friday, friday + timedelta(days=7)]
    elif day.unit == "month":
        ends = [_month_end(_add_months(today.replace(day=1), k)) for k in range(2)]
    else:
        ends = [date(today.year + k, 12, 31) for k in range(2)]
    if day.following:
        return _instant(ends[1], t, ctx, phrase)
    return _first_ahead([(d, t) for d in ends], ctx, phrase)


def _resolve_next(day: _NextPeriod, t: time, ctx: DueContext, phrase: str) -> datetime:
    today = ctx.today
    if day.unit == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(days=7)
    elif day.unit == "month":
        start = _add_months(today.replace(day=1), 1)
    else:
        start = date(today.year + 1, 1, 1)
    return _instant(start, t, ctx, phrase)


def _check_year(year: int, ctx: DueContext, phrase: str) -> None:
    if year > ctx.today.year + 11:
        raise DueProblem("far", phrase)
    if year < 1900:
        raise _unreadable(phrase)


def _resolve_calendar(day: _Calendar, t: time, ctx: DueContext, phrase: str) -> datetime:
    if day.year is not None:
        _check_year(day.year, ctx, phrase)
        try:
            found = date(day.year, day.month, day.day)
        except ValueError as exc:
            raise _unreadable(phrase) from exc
        instant = _instant(found, t, ctx, phrase)
    else:
        instant = _infer_year(day.day, day.month, t, ctx, phrase)
    _check_weekday(instant, day.weekday, ctx, phrase)
    return instant


def _infer_year(day: int, month: int, t: time, ctx: DueContext, phrase: str) -> datetime:
    """This year if ahead; refused if it passed lately (likely a typo); else next year."""
    years = [y for y in range(ctx.today.year, ctx.today.year + 9) if _valid(y, month, day)]
    if not years:
        raise _unreadable(phrase)
    instant = _instant(date(years[0], month, day), t, ctx, phrase)
    if instant > ctx.now or len(years) < 2:
        return instant
    if ctx.now - instant <= RECENT_PAST:
        raise DueProblem("past", phrase, when=instant)
    return _instant(date(years[1], month, day), t, ctx, phrase)


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _check_weekday(instant: datetime, weekday: int | None, ctx: DueContext, phrase: str) -> None:
    local = instant.astimezone(ctx.zone)
    if weekday is not None and local.weekday() != weekday:
        shown = f"{local.day} {_MONTH_ABBR[local.month - 1]} {local.year}"
        raise _unreadable(phrase, f"{shown} is a {_DAY_NAMES[local.weekday()]}")


def _resolve_ordinal(day: _Ordinal, t: time, ctx: DueContext, phrase: str) -> datetime:
    if not 1 <= day.day <= 31:
        raise _unreadable(phrase)
    first = ctx.today.replace(day=1)
    # Fifteen months always hold the next Friday the 13th, or any other day and weekday.
    for k in range(15):
        month = _add_months(first, k)
        if not _valid(month.year, month.month, day.day):
            continue
        found = month.replace(day=day.day)
        instant = _instant(found, t, ctx, phrase)
        if instant > ctx.now and (day.weekday is None or found.weekday() == day.weekday):
            return instant
    raise _unreadable(phrase)


def _resolve_month(day: _MonthOnly, t: time, ctx: DueContext, phrase: str) -> datetime:
    if day.year is None:
        return _infer_year(1, day.month, t, ctx, phrase)
    _check_year(day.year, ctx, phrase)
    return _instant(date(day.year, day.month, 1), t, ctx, phrase)


def _resolve_day(day: _Day | None, at: time | None, ctx: DueContext, phrase: str) -> datetime:
    t = at or ctx.day_start
    match day:
        case None:
            assert at is not None
            found = _instant(ctx.today, at, ctx, phrase)
            return found if found > ctx.now else _instant(ctx.today + timedelta(1), at, ctx, phrase)
        case _Today():
            return _resolve_today(day, at, ctx, phrase)
        case _Offset(days=days):
            return _instant(ctx.today + timedelta(days=days), t, ctx, phrase)
        case _Weekday():
            return _resolve_weekday(day, t, ctx, phrase)
        case _Ahead():
            return _resolve_ahead(day, at, ctx, phrase)
        case _NextPeriod():
            return _resolve_next(day, t, ctx, phrase)
        case _EndOf():
            return _resolve_end(day, t, ctx, phrase)
        case _Calendar():
            return _resolve_calendar(day, t, ctx, phrase)
        case _Ordinal():
            return _resolve_ordinal(day, t, ctx, phrase)
        case _MonthOnly():
            return _resolve_month(day, t, ctx, phrase)


def _checked(instant: datetime, ctx: DueContext, phrase: str) -> datetime:
    if instant <= ctx.now:
        raise DueProblem("past", phrase, when=instant)
    if instant - ctx.now > MAX_AHEAD:
        raise DueProblem("far", phrase, when=instant)
    return instant


def _resolve(spec: _Spec, ctx: DueContext, phrase: str) -> datetime:
    at = _clock_time(spec.clock, ctx, phrase) if spec.clock is not None else None
    return _checked(_resolve_day(spec.day, at, ctx, phrase), ctx, phrase)


# -- dateparser, for the long tail --------------------------------------------------------

_dateparser_lock = threading.Lock()
_dateparser: DateDataParser | None = None
_base_settings: Any = None


def _shared_parser(ctx: DueContext) -> DateDataParser:
    """The one DateDataParser, built on first need: importing dateparser costs ~70 ms."""
    global _dateparser, _base_settings
    if _dateparser is None:
        # Imported here, not at the top: most entries never need it, and start-up time matters.
        from dateparser.date import DateDataParser

        settings = {
            "RELATIVE_BASE": ctx.local_now,
            "TIMEZONE": ctx.tz,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "first",
            "DATE_ORDER": "DMY",
            # Else the English locale's month-first order overrides DATE_ORDER.
            "PREFER_LOCALE_DATE_ORDER": False,
            # No Unix timestamps: "by 1700000000" is not a date anyone types.
            "PARSERS": ["relative-time", "absolute-time"],
        }
        _dateparser = DateDataParser(languages=["en"], settings=settings)
        _base_settings = _dateparser._settings
    return _dateparser


def _read_with_dateparser(text: str, ctx: DueContext) -> tuple[datetime, tuple[str, ...]] | None:
    with _dateparser_lock:
        parser = _shared_parser(ctx)
        # One parser serves every team and instant: only now and the zone change per call,
        # and DateDataParser takes settings only when built, so swap them under the lock.
        parser._settings = _base_settings.replace(RELATIVE_BASE=ctx.local_now, TIMEZONE=ctx.tz)
        data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    found = data.date_obj
    if found.tzinfo is not None:
        found = found.astimezone(ctx.zone).replace(tzinfo=None)
    # ``parts`` (which of year/month/day/time the text gave) is newer than the type stubs.
    parts: tuple[str, ...] = tuple(getattr(data, "parts", None) or ())
    return found, parts


def _dateparser_resolve(text: str, ctx: DueContext) -> datetime | None:
    """The instant dateparser reads in ``text`` (our rules for missing parts), or None."""
    try:
        read = _read_with_dateparser(text, ctx)
    except Exception:
        # A third-party parser fed arbitrary text: whatever goes wrong in it means "can't
        # read", and the parser promises to raise nothing but ParseError.
        return None
    if read is None:
        return None
    local, parts = read
    _check_year(local.year, ctx, text)
    t = local.time() if "time" in parts else ctx.day_start
    if "year" not in parts and "month" in parts:
        # dateparser's own guess ignores our "passed lately means a typo" rule.
        return _checked(_infer_year(local.day, local.month, t, ctx, text), ctx, text)
    return _checked(_instant(local.date(), t, ctx, text), ctx, text)


# -- "looks like a date" ------------------------------------------------------------------

_SHAPE_RE = re.compile(
    r"\d{1,4}(?:[/.-]\d{1,4}){1,2}|\d{1,2}(?:st|nd|rd|th)|\d{1,2}(?:[:.]\d{2})?(?:am|pm)|\d{1,2}:\d{2}"
)
_STRONG_WORDS = frozenset(
    {*_MONTHS, *_WEEKDAYS, "today", "tomorrow", "tonight", "yesterday", "noon", "midday"}
    | {"midnight", "fortnight", "eod", "eow", "eom", "eoy"}
)
_DATE_VOCABULARY = _STRONG_WORDS | frozenset(
    {*_UNITS, *_NUMBER_WORDS, "the", "of", "at", "on", "in", "next", "this", "last", "end"}
    | {"and", "after", "before", "from", "now", "ago", "early", "mid", "late", "start"}
    | {"beginning", "coming", "following", "morning", "afternoon", "evening", "night"}
    | {"am", "pm", "o'clock", "week", "weeks", "month", "months", "year", "years", "day"}
)
_FULL_NAMES = [
    *(n.lower() for n in calendar.month_name if n),
    *(n.lower() for n in _DAY_NAMES),
    "tomorrow",
]


def _is_typo_of_date_word(word: str) -> bool:
    if len(word) < 5 or not word.isalpha():
        return False
    import difflib  # only this rare path needs it

    return bool(difflib.get_close_matches(word, _FULL_NAMES, n=1, cutoff=0.8))


def _looks_like_date(words: list[str]) -> bool:
    """Every word is date vocabulary and one is unmistakably about dates."""
    if not words or len(words) > 6:
        return False
    if len(words) == 1 and _is_typo_of_date_word(words[0]):
        return True  # "by firday": tell them, rather than file it as promise text
    strong = False
    for word in words:
        shaped = _SHAPE_RE.fullmatch(word) is not None
        if not (shaped or word.isdigit() or word in _DATE_VOCABULARY):
            return False
        strong = strong or shaped or word in _STRONG_WORDS
    return strong


# -- public entry points ------------------------------------------------------------------


@dataclass(frozen=True)
class DueSplit:
    """A promise split into its text and its due date."""

    text: str  # "send fibre quote"
    phrase: str  # "by fri", as written
    due_at: datetime  # aware UTC


_TEXT_TAIL = " \t,;:-–—("


def _grammar_match(words: list[str]) -> tuple[int, _Spec, int] | None:
    """The leftmost (so longest) suffix of ``words`` that reads whole as a date phrase."""
    for i in range(max(0, len(words) - MAX_PHRASE_TOKENS), len(words)):
        parsed = _parse_phrase(words[i:], standalone=False)
        if parsed is not None:
            return i, parsed[0], parsed[1]
    return None


def _last_trigger(words: list[str]) -> tuple[int, int] | None:
    """Position and length of the last trigger word near the end whose tail is date-like."""
    last = None
    i = max(0, len(words) - MAX_PHRASE_TOKENS)
    while i < len(words):
        k = _trigger_len(words[i:])
        if k:
            last = (i, k)
        i += k or 1
    if last is None or not _looks_like_date(words[last[0] + last[1] :]):
        return None
    return last


def split_due(item: str, ctx: DueContext) -> DueSplit | None:
    """The date phrase at the end of ``item``, resolved; None when it has none.

    Raises DueProblem when the phrase is clearly a date but unusable.
    """
    tokens = _tokens(item)
    words = [t.word for t in tokens]
    match = _grammar_match(words)
    clean = match is not None and (match[0] == 0 or words[match[0] - 1] not in _CONTINUATIONS)
    tail = None if clean else _last_trigger(words)
    if tail is not None and (match is None or tail[0] < match[0]):
        start, k = tail
        core = item[tokens[start + k].start : tokens[-1].end]
        due = _dateparser_resolve(core, ctx)
        if due is not None:
            return _split(item, tokens, start, due)
        if match is None:
            raise _unreadable(_written(core))
    if match is None:
        return None
    start, spec, k = match
    core = _written(item[tokens[start + k].start : tokens[-1].end])
    return _split(item, tokens, start, _resolve(spec, ctx, core))


def _written(text: str) -> str:
    """The words as written, without the punctuation around them ("(by fri)." -> "by fri")."""
    return text.strip(_QUOTES).rstrip(".!?,").strip(_QUOTES)


def _split(item: str, tokens: list[_Token], start: int, due: datetime) -> DueSplit:
    phrase = _written(item[tokens[start].start : tokens[-1].end])
    return DueSplit(item[: tokens[start].start].rstrip(_TEXT_TAIL), phrase, due)


def resolve_when(phrase: str, ctx: DueContext) -> datetime:
    """A standalone when-phrase ("1h", "fri 2pm", "3 Dec") as an instant after now.

    Raises DueProblem when it cannot be read or is not in the next ten years.
    """
    tokens = _tokens(phrase)
    if not tokens or len(phrase) > MAX_STANDALONE_CHARS or len(tokens) > MAX_PHRASE_TOKENS:
        raise _unreadable(phrase[:MAX_STANDALONE_CHARS])
    words = [t.word for t in tokens]
    k = _trigger_len(words)
    core = _written(phrase[tokens[k].start :] if k < len(tokens) else phrase)
    parsed = _parse_phrase(words, standalone=True)
    if parsed is not None:
        return _resolve(parsed[0], ctx, core)
    due = _dateparser_resolve(core, ctx)
    if due is None:
        raise _unreadable(core)
    return due
