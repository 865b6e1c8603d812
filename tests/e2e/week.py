"""A scripted week of three colleagues on the console adapter, the clock moved by hand.

Fifteen customers and forty touchpoints from Monday to Friday: promises with dates and
with times, theirs and ours, kept on the day (some first thing in the morning), kept
late, not kept, snoozed and re-dated, challenges addressed and passed on, to an area with
an owner and to one without. The reminder engine runs as it would all week; what it
prints in the team channel each morning before anyone types is counted.

It drives only the text commands, the reminder engine and the console notifier, so the
same script measures any version of the bot (``bench/morning.py``).
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.console import ConsoleNotifier, render
from bot.bootstrap import Container
from bot.core.commands import Context
from bot.core.model import PromiseStatus
from bot.core.replies import Reply
from bot.scheduling.engine import ReminderEngine

TEAM = "console:week"
CHANNEL = "#customers"
ZONE = ZoneInfo("Europe/London")
MONDAY = date(2026, 12, 7)
START = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # the Friday before: the bot is set up
PEOPLE = ("priya", "sam", "alex")
CUSTOMERS = (
    "Acme Corp",
    "Café Lumière",
    "O'Brien Plumbing",
    "Globex",
    "Initech",
    "Hooli",
    "Umbrella",
    "Stark Industries",
    "Wayne Enterprises",
    "Wonka",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Aperture",
    "Black Mesa",
)
KINDS = ("call", "video", "meeting", "email", "visit", "chat", "call", "call")
OUR_DUES = ("by thu", "tomorrow", "by fri", "tomorrow 2pm", "in 2 days", "next tue", "fri 11am")
THEIR_DUES = ("by fri", "tomorrow", "next mon", "", "in 3 days")
MORNING_FROM, WORK_FROM, WORK_UNTIL = time(7, 0), time(9, 30), time(17, 30)
TICK = timedelta(minutes=5)


@dataclass
class Settle:
    """A settle as typed: who, which number, and the customer the person had in mind."""

    at: datetime
    user: str
    pid: int
    customer: str
    reply: str


@dataclass
class WeekResult:
    morning_lines: dict[date, int] = field(default_factory=dict)
    morning_posts: dict[date, int] = field(default_factory=dict)
    morning_text: dict[date, str] = field(default_factory=dict)
    # Each morning: the promises open and due by the end of that day (id, text).
    due_each_morning: dict[date, list[tuple[int, str]]] = field(default_factory=dict)
    # Each morning: how many challenges were open.
    open_each_morning: dict[date, int] = field(default_factory=dict)
    settles: list[Settle] = field(default_factory=list)
    touchpoints: int = 0
    replies: list[str] = field(default_factory=list)


class Week:
    def __init__(self, container: Container, clock_set: Callable[[datetime], None]) -> None:
        self.container = container
        self.set_clock = clock_set
        self.out = io.StringIO()
        self.engine = ReminderEngine(
            container.uow_factory,
            container.clock,
            {"console": ConsoleNotifier(self.out)},
            worker="week",
        )
        self.result = WeekResult()
        self.n = 0  # touchpoints recorded

    # -- the people ------------------------------------------------------------------------

    def say(self, user: str, text: str) -> str:
        outcome = self.container.commands.handle(text, Context(TEAM, user, CHANNEL, "Week"))
        said = render(outcome, "Europe/London") if isinstance(outcome, Reply) else str(outcome)
        self.result.replies.append(f"{user}> {text}\n{said}")
        return said

    def record(self, day: int) -> None:
        n = self.n
        self.n += 1
        user = PEOPLE[n % 3]
        customer = CUSTOMERS[(n * 7) % len(CUSTOMERS)]
        fields = [f"{customer} {KINDS[n % len(KINDS)]}", f"ch: problem {n} of {customer}"]
        if n % 4 != 3:
            fields.append(f"we: step {n} for {customer} {OUR_DUES[(n + day) % len(OUR_DUES)]}")
        their = THEIR_DUES[n % len(THEIR_DUES)]
        if n % 2 == 0:
            fields.append(f"they: answer {n} {their}".strip())
        if n % 5 == 0:
            fields.append(f"diff: faster answers for {customer.split()[0]}")
        said = self.say(user, "+" + " | ".join(fields))
        assert "Touchpoint recorded" in said, said
        self.result.touchpoints += 1

    # -- the clock -------------------------------------------------------------------------

    def run_until(self, end: datetime) -> None:
        async def ticks() -> None:
            while self.container.clock.now() < end:
                self.set_clock(min(self.container.clock.now() + TICK, end))
                await self.engine.tick()

        asyncio.run(ticks())

    def at(self, day: date, when: time) -> datetime:
        return datetime.combine(day, when, ZONE).astimezone(UTC)

    # -- reading the database, as the people read their lists ------------------------------

    def open_promises(self) -> list[Any]:
        with self.container.uow_factory() as uow:
            return list(uow.promises.open_for_team(TEAM))

    def customer_name(self, customer_id: int) -> str:
        with self.container.uow_factory() as uow:
            customer = uow.customers.get(TEAM, customer_id)
        assert customer is not None
        return customer.name

    def settle(self, user: str, verb: str, promise: Any, extra: str = "") -> None:
        customer = self.customer_name(promise.customer_id)
        said = self.say(user, f"{verb} {promise.id} {extra}".strip())
        now = self.container.clock.now()
        self.result.settles.append(Settle(now, user, promise.id, customer, said))

    # -- the week ----------------------------------------------------------------------------

    def run(self) -> WeekResult:
        self.set_clock(START)
        self.say("priya", f"config channel {CHANNEL}")
        self.say("priya", "config owner billing @alex")
        for offset in range(8):  # Monday to Friday, the weekend, and the next Monday morning
            day = MONDAY + timedelta(days=offset)
            self.morning(day)
            if offset < 5:
                self.working_day(day, offset)
            self.run_until(self.at(day + timedelta(days=1), MORNING_FROM))
        return self.result

    def morning(self, day: date) -> None:
        """From 07:00 to 09:30 nobody types: count what the channel shows."""
        self.run_until(self.at(day, MORNING_FROM))
        end_of_day = self.at(day + timedelta(days=1), time(0, 0))
        self.result.due_each_morning[day] = [
            (p.id, p.text)
            for p in self.open_promises()
            if p.due_at is not None and p.due_at < end_of_day
        ]
        with self.container.uow_factory() as uow:
            self.result.open_each_morning[day] = len(uow.challenges.open_for_team(TEAM))
        before = len(self.out.getvalue())
        self.run_until(self.at(day, WORK_FROM))
        printed = self.out.getvalue()[before:]
        self.result.morning_text[day] = printed
        self.result.morning_lines[day] = sum(1 for line in printed.splitlines() if line.strip())
        self.result.morning_posts[day] = len(re.findall(r"^\[.*?\] == ", printed, re.M))

    def working_day(self, day: date, offset: int) -> None:
        # First thing: promises due today are kept at 09:40, as teams do.
        self.set_clock(self.at(day, time(9, 40)))
        today_end = self.at(day + timedelta(days=1), time(0, 0))
        for i, p in enumerate(self.open_promises()):
            if p.due_at is None or p.due_at >= today_end:
                continue
            owner = p.owner
            if p.due_at < self.at(day, time(0, 0)):  # overdue from before: kept late or not
                self.settle(owner, "kept" if i % 2 else "notkept", p)
            elif i % 7 == 3:
                self.settle(owner, "snooze", p, "tomorrow")
            elif i % 7 == 5:
                continue  # forgotten today: overdue tomorrow
            elif i % 11 == 4:
                self.settle(owner, "due", p, "next wed")
            elif p.due_at.astimezone(ZONE).time() == time(9, 0):
                self.settle(owner, "kept", p)
        # Touchpoints through the day, eight a day.
        for slot in range(8):
            self.run_until(self.at(day, time(10 + slot, 0)))
            self.record(offset)
        # Late afternoon: timed promises due today are kept; challenges are worked on.
        self.run_until(self.at(day, time(17, 0)))
        for p in self.open_promises():
            if (
                p.due_at is not None
                and p.due_at < today_end
                and p.due_at.astimezone(ZONE).time() != time(9, 0)
            ):
                self.settle(p.owner, "kept", p)
        self.challenges(day, offset)
        self.run_until(self.at(day, WORK_UNTIL))

    def challenges(self, day: date, offset: int) -> None:
        with self.container.uow_factory() as uow:
            open_ = [c for c in uow.challenges.open_for_team(TEAM) if c.passed_to is None]
        for i, challenge in enumerate(open_[:6]):
            user = PEOPLE[i % 3]
            if i % 3 == 0:
                self.say(user, f"addressed {challenge.id}")
            elif i % 3 == 1:
                self.say(user, f"pass {challenge.id} {'billing' if offset % 2 else 'field visits'}")


def kept_on_time_by_rule(container: Container) -> tuple[int, int]:
    """The week's figure as the README states the rule, counted from the stored history:
    a date without a time (due at 09:00) is on time until that day ends."""
    on_time = counted = 0
    end = container.clock.now()
    with container.uow_factory() as uow:
        promises = [
            p
            for c in uow.customers.list(TEAM)
            for p in uow.promises.for_customer(TEAM, c.id or 0)
            if p.direction.value == "ours"
        ]
    for p in promises:
        if p.due_at is None or p.status is PromiseStatus.CANCELLED:
            continue
        local = p.due_at.astimezone(ZONE)
        deadline = p.due_at
        if local.time() == time(9, 0):
            deadline = datetime.combine(local.date() + timedelta(days=1), time(0), ZONE)
        kept = next((e.at for e in reversed(p.history) if e.action == "kept"), None)
        if p.status is PromiseStatus.KEPT:
            counted += 1
            on_time += kept is not None and kept <= deadline
        elif p.status is PromiseStatus.NOT_KEPT or deadline <= end:
            counted += 1
    return on_time, counted
