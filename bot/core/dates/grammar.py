"""The grammar of due dates: words -> a ``Spec`` (which day, which time), not yet resolved.

Context-free: nothing here knows ``now``, the zone or the team's date order. Each phrase
family has its own small matcher; ``parse_phrase`` tries a whole run of words as
[trigger] [day] [time] in either order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace

from bot.core.dates.specs import (
    PARTS,
    Ahead,
    Calendar,
    Clock,
    Day,
    EndOf,
    IsoWeek,
    MonthOnly,
    MonthPart,
    NextPeriod,
    NthWeekday,
    Numeric,
    Offset,
    Ordinal,
    Quarter,
    Spec,
    Today,
    Weekday,
    Weekend,
    Workdays,
)
from bot.core.dates.words import (
    AMBIGUOUS_MONTHS,
    AMBIGUOUS_WEEKDAYS,
    MONTHS,
    NOT_DATES,
    NUMBER_WORDS,
    TRIGGER_WORDS,
    UNITS,
    WEEKDAYS,
    trigger_len,
)

MAX_PHRASE_TOKENS = 10  # "due by fri 27 nov 2026 at 2 pm" is nine
MAX_AHEAD_COUNT = 10_000_000  # more minutes than ten years hold

# -- times --------------------------------------------------------------------------------

_NAMED_CLOCKS = {
    "noon": "noon",
    "midday": "noon",
    "lunch": "noon",
    "lunchtime": "noon",
    "midnight": "midnight",
    "eod": "eod",
    "cob": "eod",
    "close of business": "eod",
    "end of day": "eod",
    "end of the day": "eod",
    "eop": "eod",
    "end of play": "eod",
    "close of play": "eod",
    "end of business": "eod",
    "eob": "eod",
}


_TIME_RE = re.compile(r"(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<m>\d{2}))?(?P<mer>am|pm)?")
_HOUR_RE = re.compile(r"\d{1,2}")


def _hour_clock(hour_word: str, minute: int) -> Clock | None:
    """ "quarter past 3", "4 o'clock": an hour of the 12-hour clock, so am/pm is open."""
    m = _TIME_RE.fullmatch(hour_word)
    if m is None or m["sep"]:
        return None
    hour = int(m["h"])
    if minute < 0:  # "quarter to 4" is 3:45
        hour, minute = hour - 1 if hour > 1 else 12, 60 + minute
    return Clock(hour, minute, m["mer"] or "?")


def parse_clock(words: list[str]) -> Clock | None:
    text = " ".join(words)
    if text in _NAMED_CLOCKS:
        return Clock(named=_NAMED_CLOCKS[text])
    if len(words) == 3 and words[1] in ("past", "to") and words[0] in ("quarter", "half"):
        minute = {"quarter": 15, "half": 30}[words[0]]
        if words[0] == "half" and words[1] == "to":
            return None
        return _hour_clock(words[2], minute if words[1] == "past" else -minute)
    if len(words) == 2 and words[1] == "o'clock":
        return _hour_clock(words[0], 0)
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
    hour, minute = int(m["h"]), int(m["m"] or 0)
    meridiem = m["mer"] or ""
    # "2:30" could be either; "14:30", "09:30" and "10:30" are written as 24-hour times.
    if not meridiem and len(m["h"]) == 1 and hour >= 1:
        meridiem = "?"
    return Clock(hour, minute, meridiem)


def _time_splits(words: list[str]) -> list[tuple[list[str], Clock | None]]:
    """Ways to read ``words`` as day words plus a time at either end."""
    splits: list[tuple[list[str], Clock | None]] = [(words, None)]
    if len(words) > 2 and words[-2] in ("at", "@", "by") and _HOUR_RE.fullmatch(words[-1]):
        # "next tue at 10": a bare hour after a day is meant as a time, though am/pm is missing.
        splits.append((words[:-2], Clock(int(words[-1]), 0, "?")))
    for k in (1, 2, 3, 4):
        if len(words) < k:
            break
        clock = parse_clock(words[-k:])
        if clock is not None:
            rest = words[:-k]
            splits.append((rest[:-1] if rest and rest[-1] in ("at", "@", "by") else rest, clock))
        clock = parse_clock(words[:k])
        if clock is not None and len(words) > k:
            rest = words[k:]
            splits.append((rest[1:] if len(rest) > 1 and rest[0] in ("on", "at") else rest, clock))
    return splits


# -- days ---------------------------------------------------------------------------------


NAMED_DAYS: dict[str, Day] = {
    "today": Today("today"),
    "tonight": Today("tonight"),
    **dict.fromkeys(
        ("eod", "cob", "close of business", "end of day", "end of the day", "end of today"),
        Today("eod"),
    ),
    **dict.fromkeys(
        ("eop", "end of play", "close of play", "end of business", "eob"), Today("eod")
    ),
    **dict.fromkeys(("week end", "week-end"), EndOf("week", following=False)),
    **dict.fromkeys(("month end", "month-end"), EndOf("month", following=False)),
    **dict.fromkeys(("quarter end", "quarter-end"), EndOf("quarter", following=False)),
    **dict.fromkeys(("year end", "year-end"), EndOf("year", following=False)),
    "this": Today("this"),  # only with a time: "this afternoon"
    "tomorrow": Offset(1),
    **dict.fromkeys(("day after tomorrow", "the day after tomorrow"), Offset(2)),
    "yesterday": Offset(-1),
    **dict.fromkeys(("next week", "the following week"), NextPeriod("week")),
    "next month": NextPeriod("month"),
    "next year": NextPeriod("year"),
    **dict.fromkeys(("next quarter", "the next quarter"), NextPeriod("quarter")),
    **dict.fromkeys(
        ("eow", "this week", "the end of the week", "later this week"),
        EndOf("week", following=False),
    ),
    **dict.fromkeys(
        ("early next week", "start of next week", "beginning of next week"), NextPeriod("week")
    ),
    "later today": Today("today"),
    **dict.fromkeys(("mid next week", "the middle of next week"), Weekday(2, "next")),
    **dict.fromkeys(("eom", "this month"), EndOf("month", following=False)),
    **dict.fromkeys(("eoy", "this year"), EndOf("year", following=False)),
    **dict.fromkeys(("eoq", "this quarter"), EndOf("quarter", following=False)),
    **dict.fromkeys(("weekend", "this weekend", "the weekend"), Weekend(following=False)),
    **dict.fromkeys(("next weekend", "the weekend after"), Weekend(following=True)),
    **dict.fromkeys(("next working day", "next business day"), Workdays(1)),
    **dict.fromkeys(("xmas", "xmas eve"), Calendar(24, 12, None, None)),
    **dict.fromkeys(
        ("this time next week", "same time next week", "a week from now"),
        Ahead(1, "week", exact=True),
    ),
    **dict.fromkeys(("this time tomorrow", "same time tomorrow"), Ahead(1, "day", exact=True)),
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WD = _alternation(WEEKDAYS)
_MON = _alternation(MONTHS)
_NTH = r"(?P<n>[1-5])(?:st|nd|rd|th)"
_DAYNUM = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?: (?P<y>\d{4}))?"
_WD_PREFIX = rf"(?:(?P<wd>{_WD}),? )?"
_WEEKDAY_RE = re.compile(rf"(?:(?P<mode>next|this|coming|this coming) )?(?P<wd>{_WD})")
_WEEKDAY_NEXT_WEEK_RE = re.compile(
    rf"(?:the )?(?P<wd>{_WD})(?: of| in)? (?:the )?next week"
    rf"|next week(?: on)?(?: the)? (?P<wd2>{_WD})"
    rf"|(?P<wd3>{_WD}) next"
)
_WEEKDAY_WEEK_RE = re.compile(rf"(?:a week on |the )?(?P<wd>{_WD})(?: week| after next)")
_END_RE = re.compile(
    r"(?:the )?end of (?:(?P<which>the|this|next) )?(?P<unit>week|month|year|quarter)"
)
_DAY_MONTH_RE = re.compile(rf"{_WD_PREFIX}(?:the )?{_DAYNUM}(?: of)? (?P<m>{_MON}){_YEAR}")
_MONTH_DAY_RE = re.compile(rf"{_WD_PREFIX}(?P<m>{_MON}) (?:the )?{_DAYNUM},?{_YEAR}")
_NUMERIC_RE = re.compile(
    rf"{_WD_PREFIX}(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})"
    rf"(?:(?P=sep)(?P<y>\d{{4}}|\d{{2}})?)?"
)
_ISO_RE = re.compile(r"(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})")
_ORDINAL_RE = re.compile(
    rf"{_WD_PREFIX}(?:the )?(?P<d>\d{{1,2}})(?:st|nd|rd|th)"
    r"(?: of (?:the |this |(?P<rel>next) )month)?"
)
_MONTH_RE = re.compile(rf"(?:(?P<in>in) )?(?P<m>{_MON}){_YEAR}")
_MONTH_PART_RE = re.compile(
    rf"(?:the )?(?:(?P<part>early|mid|late|middle of|beginning of|start of|end of) )"
    rf"(?:(?P<m>{_MON}){_YEAR}|(?P<rel>this|next) month)"
)
_NTH_WEEKDAY_RE = re.compile(
    rf"(?:the )?(?:{_NTH}|(?P<last>last)) (?P<what>{_WD}|day|weekday|working day|business day)"
    rf" (?:of|in) (?:(?P<m>{_MON}){_YEAR}|(?:the |this |(?P<rel>next) )month)"
)
_QUARTER_RE = re.compile(r"(?:the )?(?:(?P<end>end of) )?q(?P<q>[1-4])(?: (?P<y>\d{4}))?")
_ISO_WEEK_RE = re.compile(r"(?:wk|week) ?(?P<n>\d{1,2})")
_WEEK_OF_RE = re.compile(r"(?:w/c|week commencing|week beginning|the week of|week of) (?P<rest>.+)")
_FEW = "couple of|a couple of|couple|a few|few"
_NUMBER = rf"(?P<num>\d{{1,30}}(?:\.\d{{1,2}})?)|(?P<word>{_alternation(NUMBER_WORDS)}|{_FEW})"
# "2h" and "2 h" but "a week", never "am" read as "a m(inute)".
_AHEAD_RE = re.compile(
    rf"(?:(?P<in>in|within) )?(?:(?:{_NUMBER}) ?)"
    rf"(?P<work>business |working |work )?(?P<u>{_alternation(UNITS)})"
    r"(?: time| from (?P<from>now|today|tomorrow))?"
)
_FRACTION_RE = re.compile(
    r"(?P<in>in|within) (?:(?:a |one )?(?P<part>quarter|half|three quarters) (?:of )?an? hour"
    r"|an? hour and a (?P<plus>half|quarter))"
)

DayMatch = tuple[Day, bool]  # the day and whether it needs a trigger word


def _weekday_of(m: re.Match[str]) -> int | None:
    return WEEKDAYS[m["wd"]] if m["wd"] else None


def _year(m: re.Match[str]) -> int | None:
    return int(m["y"]) if m["y"] else None


def _match_weekday(s: str) -> DayMatch | None:
    if m := _WEEKDAY_RE.fullmatch(s):
        mode = {"next": "next", "this": "this"}.get(m["mode"] or "", "")
        return Weekday(WEEKDAYS[m["wd"]], mode), not m["mode"] and m["wd"] in AMBIGUOUS_WEEKDAYS
    if m := _WEEKDAY_NEXT_WEEK_RE.fullmatch(s):
        return Weekday(WEEKDAYS[m["wd"] or m["wd2"] or m["wd3"]], "next"), False
    if m := _WEEKDAY_WEEK_RE.fullmatch(s):
        return Weekday(WEEKDAYS[m["wd"]], "week"), False
    return None


def _match_end(s: str) -> DayMatch | None:
    if m := _END_RE.fullmatch(s):
        return EndOf(m["unit"], following=m["which"] == "next"), False
    return None


def _match_day_month(s: str) -> DayMatch | None:
    if m := _DAY_MONTH_RE.fullmatch(s):
        return Calendar(int(m["d"]), MONTHS[m["m"]], _year(m), _weekday_of(m)), False
    return None


def _match_month_day(s: str) -> DayMatch | None:
    if m := _MONTH_DAY_RE.fullmatch(s):
        ambiguous = not m["wd"] and m["m"] in AMBIGUOUS_MONTHS  # "they may 3"
        return Calendar(int(m["d"]), MONTHS[m["m"]], _year(m), _weekday_of(m)), ambiguous
    return None


def _match_numeric(s: str) -> DayMatch | None:
    m = _NUMERIC_RE.fullmatch(s)
    if m is None:
        return None
    a, b = int(m["a"]), int(m["b"])
    dotted = m["sep"] == "."
    # "3.12" is a version; "16.12." (trailing dot) and "16.12.2026" are dates.
    if dotted and not s.endswith(".") and not m["y"]:
        return None
    # "50/50" is a ratio: only pairs that are a day and a month one way or the other count.
    if not (1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12):
        return None
    year = None
    if m["y"]:
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
    # "24/7" and "1/2" are not dates unless a trigger word or a weekday says so.
    idiom = f"{m['a']}{m['sep']}{m['b']}" in NOT_DATES and not m["wd"] and year is None
    return Numeric(a, b, year, _weekday_of(m)), idiom


def _match_iso(s: str) -> DayMatch | None:
    if m := _ISO_RE.fullmatch(s):
        return Calendar(int(m["d"]), int(m["m"]), int(m["y"]), None), False
    return None


def _match_ordinal(s: str) -> DayMatch | None:
    if m := _ORDINAL_RE.fullmatch(s):
        # "of this month" holds it there; "of the month" is the next one, like "the 3rd".
        rel = "next" if m["rel"] else ("this" if s.endswith("this month") else "")
        return Ordinal(int(m["d"]), _weekday_of(m), rel), not m["wd"] and " month" not in s
    return None


def _match_month(s: str) -> DayMatch | None:
    if m := _MONTH_RE.fullmatch(s):
        return MonthOnly(MONTHS[m["m"]], _year(m)), not m["in"]
    return None


def _match_month_part(s: str) -> DayMatch | None:
    if m := _MONTH_PART_RE.fullmatch(s):
        part = {"middle of": "mid", "beginning of": "early", "start of": "early"}.get(
            m["part"], m["part"]
        )
        month: int | str = MONTHS[m["m"]] if m["m"] else m["rel"]
        return MonthPart(month, _year(m), part.replace(" of", "")), False
    return None


def _match_nth_weekday(s: str) -> DayMatch | None:
    m = _NTH_WEEKDAY_RE.fullmatch(s)
    if m is None:
        return None
    n = -1 if m["last"] else int(m["n"])
    what: int | str = WEEKDAYS.get(m["what"]) or ("day" if m["what"] == "day" else "workday")
    if m["what"] in WEEKDAYS:
        what = WEEKDAYS[m["what"]]
    month: int | str = MONTHS[m["m"]] if m["m"] else ("next" if m["rel"] else "this")
    return NthWeekday(n, what, month, _year(m)), False


def _match_quarter(s: str) -> DayMatch | None:
    if m := _QUARTER_RE.fullmatch(s):
        if m["end"]:
            return None  # "end of q1": let the long tail say it cannot; rare
        return Quarter(int(m["q"]), _year(m)), False
    return None


def _match_iso_week(s: str) -> DayMatch | None:
    if m := _ISO_WEEK_RE.fullmatch(s):
        n = int(m["n"])
        return (IsoWeek(n), False) if 1 <= n <= 53 else None
    return None


def _match_week_of(s: str) -> DayMatch | None:
    """ "w/c 14 Dec" is 14 December: the week's first day is the date given."""
    if m := _WEEK_OF_RE.fullmatch(s):
        found = parse_day(m["rest"].split(" "))
        if found is not None and isinstance(found[0], Calendar | Numeric | Weekday | Ordinal):
            return found[0], False
    return None


def _match_ahead(s: str) -> DayMatch | None:
    if m := _FRACTION_RE.fullmatch(s):
        quarter_hours = {"quarter": 1, "half": 2, "three quarters": 3}
        minutes = 60 + quarter_hours[m["plus"]] * 15 if m["plus"] else quarter_hours[m["part"]] * 15
        return Ahead(minutes, "minute"), False
    m = _AHEAD_RE.fullmatch(s)
    if m is None:
        return None
    unit = UNITS[m["u"]]
    if m["num"]:
        # Any count past ten million is beyond ten years in every unit, and is refused as
        # that; it must not fall through to "no date" (an undated promise).
        n = min(float(m["num"]), MAX_AHEAD_COUNT)
        if n != int(n):
            if unit != "hour":
                return None  # "in 1.5 days": say it in hours
            n, unit = n * 60, "minute"
    else:
        word = m["word"].removeprefix("a ").removesuffix(" of")
        n = {"couple": 2, "few": 3}.get(word) or NUMBER_WORDS[word]
    if m["work"]:
        if unit != "day":
            return None
        return Workdays(int(n)), not m["in"]
    from_days = 1 if m["from"] == "tomorrow" else 0
    needs_trigger = not m["in"] and not m["from"]
    return Ahead(n, unit, from_days=from_days), needs_trigger


_DAY_MATCHERS: tuple[Callable[[str], DayMatch | None], ...] = (
    _match_weekday,
    _match_end,
    _match_day_month,
    _match_month_day,
    _match_numeric,
    _match_iso,
    _match_ordinal,
    _match_month,
    _match_month_part,
    _match_nth_weekday,
    _match_quarter,
    _match_iso_week,
    _match_week_of,
    _match_ahead,
)


def parse_day(words: list[str]) -> DayMatch | None:
    s = " ".join(words)
    named = NAMED_DAYS.get(s)
    if named is not None:
        return named, False
    for matcher in _DAY_MATCHERS:
        found = matcher(s)
        if found is not None:
            return found
    if len(words) > 1 and words[0] == "the":  # "by the end of the day", "the weekend after"
        return parse_day(words[1:])
    return None


# -- phrases ------------------------------------------------------------------------------


def _split_part(words: list[str]) -> tuple[list[str], str]:
    """ "tomorrow evening" -> (["tomorrow"], "evening"); "in the morning" counts too."""
    if len(words) > 2 and "thing" in (words[1], words[-1]) and "1st" in (words[0], words[-2]):
        # "first thing tomorrow", "tomorrow first thing": the start of the working day
        rest = words[2:] if words[:2] == ["1st", "thing"] else words[:-2]
        if "1st" not in rest:
            return rest, "morning"
    if len(words) > 1 and words[-1] in PARTS:
        rest = words[:-1]
        if rest[-2:] == ["in", "the"]:
            rest = rest[:-2]
        return rest, words[-1]
    if words == ["tonight"]:
        return words, "tonight"
    if len(words) == 1 and words[0] in ("morning", "afternoon", "evening"):
        return [], words[0]
    return words, ""


def _with_part(clock: Clock | None, part: str) -> Clock | None:
    if not part:
        return clock
    if clock is None:
        return Clock(named=part)
    if clock.named:
        return None  # "noon tomorrow evening" is no reading
    return replace(clock, part=part)


def _parse_core(words: list[str]) -> tuple[Spec, bool] | None:
    """The date words (trigger removed) as a spec, and whether a trigger is needed."""
    # "by thu latest", "by 3pm at the latest": the deadline is the date itself
    if words[-1:] == ["latest"]:
        words = words[:-3] if words[-3:-1] == ["at", "the"] else words[:-1]
        if not words:
            return None
    rest, outer = _split_part(words)
    # "fri at 7 in the evening": the part of day may close the phrase, after the time.
    for base, said in ((words, ""), (rest, outer)) if outer else ((words, ""),):
        for spec in _read_splits(base, said):
            return spec
    return None


def _read_splits(words: list[str], said: str) -> Iterator[tuple[Spec, bool]]:
    for day_words, clock in _time_splits(words):
        day_words, part = _split_part(day_words)
        if said and part:
            continue
        clock = _with_part(clock, part or said)
        if not day_words:
            if clock is not None:
                yield Spec(None, clock), False
            continue
        found = parse_day(day_words)
        if found is None:
            continue
        day, needs_trigger = found
        if clock is None and isinstance(day, Today) and day.kind == "this":
            continue
        if clock is not None and not day.takes_time:
            continue
        yield Spec(day, clock), needs_trigger


# Words a date phrase can begin with; anything else is skipped without trying the grammar.
_STARTERS = frozenset(
    {*MONTHS, *WEEKDAYS, *TRIGGER_WORDS, *NUMBER_WORDS, *PARTS, *NAMED_DAYS, *_NAMED_CLOCKS}
    | {"the", "in", "within", "next", "this", "end", "day", "coming", "close", "early"}
    | {"mid", "late", "middle", "beginning", "start", "last", "w/c", "week", "wk", "quarter"}
    | {"half", "same", "couple", "a", "few", "q1", "q2", "q3", "q4"}
)
_BARE_HOUR_TRIGGERS = frozenset({"at", "by", "before", "until", "till", "til", "due"})


def parse_phrase(words: list[str], *, standalone: bool) -> tuple[Spec, int] | None:
    """``words`` read whole as [trigger] date; returns the spec and the trigger's length."""
    if not words or not (words[0][:1].isdigit() or words[0].split(" ")[0] in _STARTERS):
        return None
    k = trigger_len(words)
    if k == len(words):
        return None
    core = words[k:]
    if k and len(core) == 1 and words[k - 1] in _BARE_HOUR_TRIGGERS and _HOUR_RE.fullmatch(core[0]):
        # "call Raj by 5": a time, but which 5? Resolution asks for am or pm.
        return Spec(None, Clock(int(core[0]), 0, "?")), k
    found = _parse_core(core)
    if found is None:
        return None
    spec, needs_trigger = found
    if needs_trigger and not k and not standalone:
        return None
    return spec, k
