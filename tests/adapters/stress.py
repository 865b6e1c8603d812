"""A team at the limits: the data of the stress run every payload must survive.

32 customers with 80-character names, 300-character items full of markup and emoji, one
touchpoint with 50 items in every list, and 174 of our promises falling due at once.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core import services
from bot.core.clock import ManualClock
from bot.core.customers import MAX_CUSTOMER_NAME
from bot.core.model import MAX_ITEM_CHARS
from bot.core.ports import UnitOfWork
from bot.core.services import TeamDefaults

CUSTOMERS = 32
BIG = 50  # items in each list of customer 0's touchpoint (the most a list takes)
SMALL = 4  # items in each list of every other customer's
DUE_AT_ONCE = BIG + (CUSTOMERS - 1) * SMALL  # our promises, all due "by fri"
MARKS = "& < > * _ ~ ` 🙂 👍🏽 "  # no | or ; (quick entry's separators)
COMMANDS = (
    "help",
    "promises",
    "promises mine",
    "promises theirs",
    "challenges",
    "digest",
    "stats",
    "stats mine",
    "config",
)


def name(n: int) -> str:
    """An 80-character customer name, different from every other from its start."""
    return _fill(f"Customer {n:02d} {MARKS}", MAX_CUSTOMER_NAME)


def item(tag: str, n: int, room: int = MAX_ITEM_CHARS) -> str:
    return _fill(f"{tag} {n:02d} {MARKS}", room)


def _fill(start: str, size: int) -> str:
    words = start + " ".join(["lorem"] * size)
    return words[:size].rstrip()


def seed(uow: Callable[[], UnitOfWork], clock: ManualClock, team_id: str, user: str) -> None:
    """The team, its channel and the stress data; every promise of ours due "by fri"."""
    services.ensure_team(team_id, "Stress", defaults=TeamDefaults(), uow=uow(), clock=clock)
    due = " by fri"
    for c in range(CUSTOMERS):
        count = BIG if c == 0 else SMALL
        lists = {
            "ch": [item("problem", i) for i in range(count)],
            "we": [item("promise", i, MAX_ITEM_CHARS - len(due)) + due for i in range(count)],
            "they": [item("reply", i) for i in range(count)],
        }
        entry = " | ".join(f"{label}: {'; '.join(items)}" for label, items in lists.items())
        services.record_quick_entry(
            team_id,
            user,
            f"{name(c)} call | {entry} | diff: needs fibre and a cheaper plan soon",
            uow=uow(),
            clock=clock,
        )
