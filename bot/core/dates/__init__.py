"""Due dates: read the date phrase at the end of a promise and turn it into an instant.

Split along its seams: ``context`` (the team's now, zone and date order), ``words``
(tokens and which words mean a date), ``specs`` (what a phrase says), ``grammar`` (words
-> specs), ``resolution`` (specs -> instants), ``longtail`` (dateparser, for phrases the
grammar does not know), ``formatting`` (what people are shown) and ``reader`` (the entry
points). The README's due-date rules describe the behaviour.
"""

from bot.core.dates.context import (
    DATE_ORDERS,
    DueContext,
    UnknownTimeZone,
    default_date_order,
    due_context,
)
from bot.core.dates.formatting import NO_DATE, DueProblem, format_local
from bot.core.dates.reader import DueSplit, resolve_when, split_due
from bot.core.model import DateOrder

__all__ = [
    "DATE_ORDERS",
    "NO_DATE",
    "DateOrder",
    "DueContext",
    "DueProblem",
    "DueSplit",
    "UnknownTimeZone",
    "default_date_order",
    "due_context",
    "format_local",
    "resolve_when",
    "split_due",
]
