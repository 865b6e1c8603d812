"""Resolution rules: a ``Spec`` plus the team's ``now`` -> an aware UTC instant, or a
``DueProblem``. The README's due-date rules describe what each rule does."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

from bot.core.dates.context import (
    END_OF_DAY,
    LAST_MINUTE,
    MAX_AHEAD,
    RECENT_PAST,
    TONIGHT,
    DueContext,
)
from bot.core.dates.formatting import DAY_NAMES, MONTH_ABBR, DueProblem, unreadable
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

_MONTH_PART_DAYS = {"early": 1, "mid": 15, "late": 22}


def instant(d: date, t: time, ctx: DueContext, phrase: str) -> datetime:
    """Local date and wall time -> UTC, taking fold=0 for DST gaps and repeats."""
    try:
        return datetime.combine(d, t.replace(fold=0), tzinfo=ctx.zone).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise unreadable(phrase) from exc


def _clock_time(clock: Clock, ctx: DueContext, phrase: str) -> time:
    named = {
        "noon": time(12),
        "midnight": LAST_MINUTE,  # moved on to 00:00 of the next day by the caller
        "eod": END_OF_DAY,
        "morning": ctx.day_start,
        "am": ctx.day_start,
        "afternoon": time(14),
        "pm": time(14),
        "evening": time(18),
        "night": TONIGHT,
        "tonight": TONIGHT,
    }
    if clock.named:
        return named[clock.named]
    hour, meridiem = clock.hour, clock.meridiem
    if clock.part:
        implied = PARTS[clock.part]
        if meridiem == "?":
            meridiem = implied
        elif meridiem and meridiem != implied:
            raise unreadable(phrase, f"{hour}{meridiem} is not in the {clock.part}")
    if meridiem == "?" and 1 <= hour <= 12:
        shown = f"{hour}:{clock.minute:02d}" if clock.minute else str(hour)
        raise unreadable(phrase, f"say {shown}am or {shown}pm")
    if meridiem in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise unreadable(phrase, "hours with am/pm run from 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or clock.minute > 59:
        raise unreadable(phrase, "that is not a time of day")
    return time(hour, clock.minute)


def _first_ahead(slots: list[tuple[date, time]], ctx: DueContext, phrase: str) -> datetime:
    """The first of ``slots`` still ahead of now, else the last (then refused as past)."""
    instants = [instant(d, t, ctx, phrase) for d, t in slots]
    return next((i for i in instants if i > ctx.now), instants[-1])


def _resolve_today(day: Today, at: time | None, ctx: DueContext, phrase: str) -> datetime:
    if at is not None:
        return instant(ctx.today, at, ctx, phrase)
    defaults = {
        "today": (ctx.day_start, END_OF_DAY, LAST_MINUTE),
        "tonight": (TONIGHT, LAST_MINUTE),
        "eod": (END_OF_DAY, LAST_MINUTE),
    }
    return _first_ahead([(ctx.today, t) for t in defaults[day.kind]], ctx, phrase)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _resolve_weekday(day: Weekday, t: time, ctx: DueContext, phrase: str) -> datetime:
    monday = _monday(ctx.today)
    if day.mode == "next":
        return instant(monday + timedelta(days=7 + day.weekday), t, ctx, phrase)
    if day.mode == "this":
        this_week = instant(monday + timedelta(days=day.weekday), t, ctx, phrase)
        if this_week > ctx.now:
            return this_week
    ahead = (day.weekday - ctx.today.weekday()) % 7
    found = instant(ctx.today + timedelta(days=ahead), t, ctx, phrase)
    if found <= ctx.now:
        ahead += 7
        found = instant(ctx.today + timedelta(days=ahead), t, ctx, phrase)
    if day.mode == "week":  # "monday week": a week after the coming Monday
        return instant(ctx.today + timedelta(days=ahead + 7), t, ctx, phrase)
    return found


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _resolve_ahead(day: Ahead, at: time | None, ctx: DueContext, phrase: str) -> datetime:
    if day.unit in ("minute", "hour") or day.exact:
        per = {"minute": 1, "hour": 60, "day": 1440, "week": 10080}.get(day.unit, 0)
        minutes = day.n * per
        if minutes > MAX_AHEAD.total_seconds() / 60:
            raise DueProblem("far", phrase)
        return ctx.now + timedelta(minutes=minutes)
    t = at or ctx.day_start
    n = int(day.n)
    start = ctx.today + timedelta(days=day.from_days)
    if day.unit in ("month", "year"):
        months = n * (12 if day.unit == "year" else 1)
        if months > 121:
            raise DueProblem("far", phrase)
        return instant(add_months(start, months), t, ctx, phrase)
    days = n * {"day": 1, "week": 7, "fortnight": 14}[day.unit]
    if days > MAX_AHEAD.days:
        raise DueProblem("far", phrase)
    return instant(start + timedelta(days=days), t, ctx, phrase)


def _resolve_workdays(day: Workdays, t: time, ctx: DueContext, phrase: str) -> datetime:
    """The team's working days count ("in 3 business days" from a Thursday is Tuesday for
    a Monday-Friday team, Monday for one that works Saturdays)."""
    if day.n * 7 // len(ctx.workdays) > MAX_AHEAD.days:
        raise DueProblem("far", phrase)
    d, left = ctx.today, day.n
    while left:
        d += timedelta(days=1)
        left -= d.weekday() in ctx.workdays
    return instant(d, t, ctx, phrase)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _quarter_start(d: date) -> date:
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


def _resolve_end(day: EndOf, t: time, ctx: DueContext, phrase: str) -> datetime:
    """This period's end (the next one's once past), or the next period's end."""
    today = ctx.today
    ends: list[date]
    if day.unit == "week":
        friday = _monday(today) + timedelta(days=4)
        ends = [friday, friday + timedelta(days=7)]
    elif day.unit == "month":
        ends = [_month_end(add_months(today.replace(day=1), k)) for k in range(2)]
    elif day.unit == "quarter":
        start = _quarter_start(today)
        ends = [_month_end(add_months(start, k)) for k in (2, 5)]
    else:
        ends = [date(today.year + k, 12, 31) for k in range(2)]
    if day.following:
        return instant(ends[1], t, ctx, phrase)
    return _first_ahead([(d, t) for d in ends], ctx, phrase)


def _resolve_next(day: NextPeriod, t: time, ctx: DueContext, phrase: str) -> datetime:
    today = ctx.today
    if day.unit == "week":
        start = _monday(today) + timedelta(days=7)
    elif day.unit == "month":
        start = add_months(today.replace(day=1), 1)
    elif day.unit == "quarter":
        start = add_months(_quarter_start(today), 3)
    else:
        start = date(today.year + 1, 1, 1)
    return instant(start, t, ctx, phrase)


def _resolve_weekend(day: Weekend, t: time, ctx: DueContext, phrase: str) -> datetime:
    """Saturday at day start; on a weekend already begun, its Sunday, then the next one."""
    saturday = _monday(ctx.today) + timedelta(days=5)
    if day.following:
        return instant(saturday + timedelta(days=7), t, ctx, phrase)
    slots = [(saturday, t), (saturday + timedelta(days=1), t), (saturday + timedelta(7), t)]
    return _first_ahead(slots, ctx, phrase)


def _check_year(year: int, ctx: DueContext, phrase: str) -> None:
    if year > ctx.today.year + 11:
        raise DueProblem("far", phrase)
    if year < 1900:
        raise unreadable(phrase)


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def infer_year(day: int, month: int, t: time, ctx: DueContext, phrase: str) -> datetime:
    """This year if ahead; refused if it passed lately (likely a typo); else next year."""
    years = [y for y in range(ctx.today.year, ctx.today.year + 9) if _valid(y, month, day)]
    if not years:
        raise unreadable(phrase)
    found = instant(date(years[0], month, day), t, ctx, phrase)
    if found > ctx.now or len(years) < 2:
        return found
    if ctx.now - found <= RECENT_PAST:
        raise DueProblem("past", phrase, when=found)
    return instant(date(years[1], month, day), t, ctx, phrase)


def _check_weekday(found: datetime, weekday: int | None, ctx: DueContext, phrase: str) -> None:
    local = found.astimezone(ctx.zone)
    if weekday is not None and local.weekday() != weekday:
        shown = f"{local.day} {MONTH_ABBR[local.month - 1]} {local.year}"
        raise unreadable(phrase, f"{shown} is a {DAY_NAMES[local.weekday()]}")


def _resolve_calendar(day: Calendar, t: time, ctx: DueContext, phrase: str) -> datetime:
    if day.year is not None:
        _check_year(day.year, ctx, phrase)
        try:
            found = instant(date(day.year, day.month, day.day), t, ctx, phrase)
        except ValueError as exc:
            raise unreadable(phrase) from exc
    else:
        found = infer_year(day.day, day.month, t, ctx, phrase)
    _check_weekday(found, day.weekday, ctx, phrase)
    return found


def _resolve_numeric(day: Numeric, t: time, ctx: DueContext, phrase: str) -> datetime:
    d, m = (day.first, day.second) if ctx.order == "dmy" else (day.second, day.first)
    if not (1 <= m <= 12 and 1 <= d <= 31):
        order = "day first (27/11)" if ctx.order == "dmy" else "month first (11/27)"
        other = "mdy" if ctx.order == "dmy" else "dmy"
        raise unreadable(
            phrase,
            f"this team writes dates {order}; an admin can change that with "
            f"`/touchpoint config dates {other}`",
        )
    return _resolve_calendar(Calendar(d, m, day.year, day.weekday), t, ctx, phrase)


def _resolve_ordinal(day: Ordinal, t: time, ctx: DueContext, phrase: str) -> datetime:
    if not 1 <= day.day <= 31:
        raise unreadable(phrase)
    first = ctx.today.replace(day=1)
    if day.month:  # "12th of next month" is that month's or nothing
        month = add_months(first, 1 if day.month == "next" else 0)
        if not _valid(month.year, month.month, day.day):
            raise unreadable(phrase, "that month has no such day")
        return instant(month.replace(day=day.day), t, ctx, phrase)
    # Fifteen months always hold the next Friday the 13th, or any other day and weekday.
    for k in range(15):
        month = add_months(first, k)
        if not _valid(month.year, month.month, day.day):
            continue
        found = month.replace(day=day.day)
        found_at = instant(found, t, ctx, phrase)
        if found_at > ctx.now and (day.weekday is None or found.weekday() == day.weekday):
            return found_at
    raise unreadable(phrase)


def _month_firsts(month: int | str, year: int | None, ctx: DueContext, phrase: str) -> list[date]:
    """The first day of the month meant: this or next month, a named month's next one
    (and the one after, for rules that may find it already past), or a given year's."""
    first = ctx.today.replace(day=1)
    if month == "this":
        return [first]
    if month == "next":
        return [add_months(first, 1)]
    assert isinstance(month, int)
    if year is not None:
        _check_year(year, ctx, phrase)
        return [date(year, month, 1)]
    this_year = date(ctx.today.year, month, 1)
    if this_year < first:
        return [date(ctx.today.year + 1, month, 1)]
    return [this_year, date(ctx.today.year + 1, month, 1)]


def _resolve_month_part(day: MonthPart, t: time, ctx: DueContext, phrase: str) -> datetime:
    slots = []
    for first in _month_firsts(day.month, day.year, ctx, phrase):
        d = (
            _month_end(first)
            if day.part == "end"
            else first.replace(day=_MONTH_PART_DAYS[day.part])
        )
        slots.append((d, t))
    return _first_ahead(slots, ctx, phrase)


def _nth_in_month(day: NthWeekday, first: date, workdays: frozenset[int]) -> date | None:
    days = [first + timedelta(n) for n in range(calendar.monthrange(first.year, first.month)[1])]
    if isinstance(day.what, int):
        days = [d for d in days if d.weekday() == day.what]
    elif day.what == "workday":
        days = [d for d in days if d.weekday() in workdays]
    if day.n == -1:
        return days[-1]
    return days[day.n - 1] if day.n <= len(days) else None


def _resolve_nth(day: NthWeekday, t: time, ctx: DueContext, phrase: str) -> datetime:
    slots = []
    for first in _month_firsts(day.month, day.year, ctx, phrase):
        found = _nth_in_month(day, first, ctx.workdays)
        if found is None:
            raise unreadable(phrase, "that month has no such day")
        slots.append((found, t))
    return _first_ahead(slots, ctx, phrase)


def _resolve_month(day: MonthOnly, t: time, ctx: DueContext, phrase: str) -> datetime:
    if day.year is None:
        return infer_year(1, day.month, t, ctx, phrase)
    _check_year(day.year, ctx, phrase)
    return instant(date(day.year, day.month, 1), t, ctx, phrase)


def _resolve_quarter(day: Quarter, t: time, ctx: DueContext, phrase: str) -> datetime:
    """ "Q2" is its first day, like a month alone: the next such quarter to begin."""
    month = (day.q - 1) * 3 + 1
    return _resolve_month(MonthOnly(month, day.year), t, ctx, phrase)


def _resolve_iso_week(day: IsoWeek, t: time, ctx: DueContext, phrase: str) -> datetime:
    """ "wk 3": Monday of ISO week 3, this year's if still ahead, else next year's."""
    slots = []
    for year in (ctx.today.year, ctx.today.year + 1):
        try:
            slots.append((date.fromisocalendar(year, day.n, 1), t))
        except ValueError:
            continue
    if not slots:
        raise unreadable(phrase)
    return _first_ahead(slots, ctx, phrase)


def _resolve_day(day: Day | None, at: time | None, ctx: DueContext, phrase: str) -> datetime:
    t = at or ctx.day_start
    match day:
        case None:
            assert at is not None
            found = instant(ctx.today, at, ctx, phrase)
            return found if found > ctx.now else instant(ctx.today + timedelta(1), at, ctx, phrase)
        case Today():
            return _resolve_today(day, at, ctx, phrase)
        case Offset(days=days):
            return instant(ctx.today + timedelta(days=days), t, ctx, phrase)
        case Weekday():
            return _resolve_weekday(day, t, ctx, phrase)
        case Ahead():
            return _resolve_ahead(day, at, ctx, phrase)
        case Workdays():
            return _resolve_workdays(day, t, ctx, phrase)
        case NextPeriod():
            return _resolve_next(day, t, ctx, phrase)
        case EndOf():
            return _resolve_end(day, t, ctx, phrase)
        case Weekend():
            return _resolve_weekend(day, t, ctx, phrase)
        case Calendar():
            return _resolve_calendar(day, t, ctx, phrase)
        case Numeric():
            return _resolve_numeric(day, t, ctx, phrase)
        case Ordinal():
            return _resolve_ordinal(day, t, ctx, phrase)
        case MonthOnly():
            return _resolve_month(day, t, ctx, phrase)
        case MonthPart():
            return _resolve_month_part(day, t, ctx, phrase)
        case NthWeekday():
            return _resolve_nth(day, t, ctx, phrase)
        case Quarter():
            return _resolve_quarter(day, t, ctx, phrase)
        case IsoWeek():
            return _resolve_iso_week(day, t, ctx, phrase)


def checked(found: datetime, ctx: DueContext, phrase: str) -> datetime:
    if found <= ctx.now:
        raise DueProblem("past", phrase, when=found)
    if found - ctx.now > MAX_AHEAD:
        raise DueProblem("far", phrase, when=found)
    return found


def resolve(spec: Spec, ctx: DueContext, phrase: str) -> datetime:
    at = _clock_time(spec.clock, ctx, phrase) if spec.clock is not None else None
    found = _resolve_day(spec.day, at, ctx, phrase)
    if spec.clock is not None and spec.clock.named == "midnight":
        found += timedelta(minutes=1)  # the end of that day: 00:00 of the next
    return checked(found, ctx, phrase)


def check_year(year: int, ctx: DueContext, phrase: str) -> None:
    _check_year(year, ctx, phrase)
