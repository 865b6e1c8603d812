"""The long tail: phrases after a trigger word that our grammar does not know go to
dateparser, through its public API only. Our rules still fill in what the text left out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.dates.context import DueContext
from bot.core.dates.resolution import check_year, checked, infer_year, instant


def _settings(ctx: DueContext) -> dict[str, Any]:
    return {
        "RELATIVE_BASE": ctx.local_now,
        "TIMEZONE": ctx.tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": ctx.order.upper(),
        # Else the English locale's month-first order overrides DATE_ORDER.
        "PREFER_LOCALE_DATE_ORDER": False,
        # No Unix timestamps: "by 1700000000" is not a date anyone types.
        "PARSERS": ["relative-time", "absolute-time"],
    }


def _read(text: str, ctx: DueContext) -> tuple[datetime, tuple[str, ...]] | None:
    # Imported here, not at the top: most entries never need it (~70 ms to import).
    from dateparser.date import DateDataParser

    # A parser per call: its settings are fixed when built and ours change with every
    # ``now``; building one costs about 0.2 ms, and these phrases are rare.
    parser = DateDataParser(languages=["en"], settings=_settings(ctx))
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    found = data.date_obj
    if found.tzinfo is not None:
        found = found.astimezone(ctx.zone).replace(tzinfo=None)
    # ``parts`` (which of year/month/day/time the text gave) is newer than the type stubs.
    parts: tuple[str, ...] = tuple(getattr(data, "parts", None) or ())
    return found, parts


def dateparser_resolve(text: str, ctx: DueContext) -> datetime | None:
    """The instant dateparser reads in ``text`` (our rules for missing parts), or None."""
    try:
        read = _read(text, ctx)
    except Exception:
        # A third-party parser fed arbitrary text: whatever goes wrong in it means "can't
        # read", and the parser promises to raise nothing but ParseError.
        return None
    if read is None:
        return None
    local, parts = read
    check_year(local.year, ctx, text)
    t = local.time() if "time" in parts else ctx.day_start
    if "year" not in parts and "month" in parts:
        # dateparser's own guess ignores our "passed lately means a typo" rule.
        return checked(infer_year(local.day, local.month, t, ctx, text), ctx, text)
    return checked(instant(local.date(), t, ctx, text), ctx, text)
