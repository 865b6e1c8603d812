"""When a touchpoint happened, for one logged after the fact: ``when: fri 4pm``.

Due dates look ahead; this looks back. The same phrases are read ("fri 4pm", "3 Dec",
"yesterday 2pm", "today 9:30", "2 hours ago") and the latest instant they name that is not
after now is taken: "fri 4pm" on a Monday is last Friday.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.core.dates import DueContext, DueProblem, due_context, resolve_when

MAX_BACK = timedelta(days=366)
_AGO = re.compile(
    r"(?P<n>\d{1,4})\s*(?P<unit>m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)\s+ago",
    re.IGNORECASE,
)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DAY_WORD = re.compile(
    r"(?P<day>today|yesterday|this morning|this afternoon)\b\s*(?P<rest>.*)", re.IGNORECASE
)


class NotInThePast(ValueError):
    """The phrase cannot be read, or names a moment that has not happened yet."""


def resolve_past(phrase: str, ctx: DueContext) -> datetime:
    """The latest instant at or before ``ctx.now`` the phrase names, aware UTC."""
    text = " ".join(phrase.split())
    if not text:
        raise NotInThePast("Say when it happened, e.g. “when: fri 4pm” or “when: yesterday”.")
    ago = _AGO.fullmatch(text)
    if ago:
        unit = _UNITS[ago["unit"][0].lower()]
        return _checked(ctx.now - timedelta(**{unit: int(ago["n"])}), ctx, text)
    day = _DAY_WORD.fullmatch(text)
    if day:
        back = 1 if day["day"].lower() == "yesterday" else 0
        rest = day["rest"].strip()
        if not rest and day["day"].lower().startswith("this"):
            rest = "9am" if "morning" in day["day"].lower() else "2pm"
        return _checked(_on_day(ctx, back, rest), ctx, text)
    week_back = _from(ctx, timedelta(days=7), text)
    if week_back is not None and week_back <= ctx.now:
        later = week_back + timedelta(days=7)
        return _checked(later if later <= ctx.now else week_back, ctx, text)
    year_back = _from(ctx, timedelta(days=365), text)
    if year_back is None:
        raise NotInThePast(
            f"Can't read when it happened from “{text}”. Write it like “fri 4pm”, "
            "“yesterday 2pm”, “3 Dec 10:00” or “2 hours ago”."
        )
    return _checked(year_back, ctx, text)


def _local_midnight(ctx: DueContext, days_back: int) -> datetime:
    day = ctx.today - timedelta(days=days_back)
    return datetime(day.year, day.month, day.day, tzinfo=ctx.zone).astimezone(UTC)


def _on_day(ctx: DueContext, days_back: int, clock: str) -> datetime:
    """The moment ``clock`` on a day counted back from today (its working-day start)."""
    start = _local_midnight(ctx, days_back)
    if not clock:
        return datetime.combine(
            start.astimezone(ctx.zone).date(), ctx.day_start, ctx.zone
        ).astimezone(UTC)
    base = due_context(start, ctx.tz, ctx.day_start)
    try:
        found = resolve_when(f"today {clock}", base)
    except DueProblem:
        found = None
    if found is None or found.astimezone(ctx.zone).date() != start.astimezone(ctx.zone).date():
        raise NotInThePast(f"Can't read the time “{clock}”. Write it like 4pm or 16:00.")
    return found


def _from(ctx: DueContext, back: timedelta, text: str) -> datetime | None:
    """The first instant after midnight ``back`` ago that the phrase names."""
    start = _local_midnight(ctx, back.days)
    try:
        return resolve_when(text, due_context(start, ctx.tz, ctx.day_start))
    except DueProblem:
        return None


def _checked(at: datetime, ctx: DueContext, text: str) -> datetime:
    if at > ctx.now:
        raise NotInThePast(
            f"“{text}” has not happened yet. `when:` says when a past interaction took place; "
            "leave it out for one that just happened."
        )
    if ctx.now - at > MAX_BACK:
        raise NotInThePast(f"“{text}” is more than a year ago; log it with the import instead.")
    return at
