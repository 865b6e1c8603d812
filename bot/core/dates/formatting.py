"""Dates shown to people, and what to tell them when a due date cannot be used."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.dates.context import DueContext

ITEM_EXAMPLES = "“by fri”, “tomorrow 10am”, “3 Dec”, “in 2 weeks”, “end of month”"
WHEN_EXAMPLES = "“1h”, “in 2 hours”, “tomorrow”, “fri 2pm”, “next week”, “3 Dec”"
NO_DATE = "no date"

DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_local(dt: datetime, tz: str, *, now: datetime | None = None) -> str:
    """ "Fri 27 Nov 09:00" in ``tz``; the year is added when it differs from ``now``'s.

    Month and day names are our own so the output does not depend on the process locale.
    """
    zone = ZoneInfo(tz)
    local = dt.astimezone(zone)
    year = ""
    if now is not None and now.astimezone(zone).year != local.year:
        year = f" {local.year}"
    month = MONTH_ABBR[local.month - 1]
    return f"{DAY_ABBR[local.weekday()]} {local.day} {month}{year} {local:%H:%M}"


ProblemKind = Literal["unreadable", "past", "far", "unplaced", "recurring"]


class DueProblem(Exception):
    """A date phrase that cannot become a usable due date.

    ``unplaced``: date words left in a promise that no due date accounts for;
    ``recurring``: a repeating promise ("every monday"), which is not supported.
    """

    def __init__(
        self,
        kind: ProblemKind,
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
        if self.kind == "unplaced":
            return (
                f"In “{item}”, “{self.phrase}” looks like part of a date, but the due date "
                f"can't account for it{detail}. Write the whole due date at the end, e.g. "
                f"“send quote by fri 5pm”, or end the promise with “{NO_DATE}” to keep "
                "it without one."
            )
        if self.kind == "recurring":
            return (
                f"“{item}” repeats (“{self.phrase}”), and repeating promises are not "
                "supported. Record the next one with its date, e.g. “send report by mon”, "
                "and record the one after when it is settled."
            )
        what = f"“{item}”: the due date" if item is not None else f"“{self.phrase}”: the date"
        shown = f" {format_local(self.when, ctx.tz, now=ctx.now)}" if self.when else ""
        if self.kind == "past":
            return f"{what}{shown} is in the past. Pick a future date."
        return f"{what}{shown} is more than 10 years ahead. Pick a nearer date."


def unreadable(phrase: str, detail: str = "") -> DueProblem:
    return DueProblem("unreadable", phrase, detail=detail)
