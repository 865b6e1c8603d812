"""A realistic data set for the benchmarks, generated quickly into SQLite or PostgreSQL.

    python -m bench.dataset --size small --sqlite /tmp/tp.db
    python -m bench.dataset --size large --postgres postgresql://postgres@127.0.0.1:5432/tp

The large size is the deployment the issue asks about: 1,000 teams, 100,000 customers,
1,000,000 touchpoints and 3,000,000 challenges and promises (1,000,000 challenges and
2,000,000 promises). Both sizes contain the same stress cases, so the aims mean the same
thing at either size:

* one big team (``BIG_TEAM``) with 10,000 customers, 120,000 touchpoints and 100,000
  open challenges (of 150,000), the digest's worst case;
* one big customer in it (``BIG_CUSTOMER``) with 1,000 touchpoints (and about 1,250
  challenges and 2,000 promises), the customer record's worst case;
* exactly ``due_now`` (500) promises whose reminder is due at ``NOW``, spread over the
  teams, among every other open promise waiting for a later reminder.

The rest is shaped like real use: team sizes fall off like a power law, a few customers
per team get most of the touchpoints, most old promises are settled (one history event
each) and a share of old ones stay open and overdue, most challenges are addressed, some
passed on, a few reopened; there are aliases, "biggest differences", and a few weeks of
sent digests and reminders in the outbox. Everything is seeded, so two runs make the
same rows.

Loading is bulk: rows go in as executemany (SQLite, through the DB-API) or COPY
(PostgreSQL) with the secondary indexes dropped and rebuilt afterwards, into a schema
made by the real migrations. Strings and instants are written in exactly the form the
ORM writes them (checked by reading rows back through the repositories in
``tests``-style smoke checks in the benchmarks).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import json
import math
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Boolean, Index
from sqlalchemy.types import JSON

from bot.core.catalogue import DEFAULT_MAP
from bot.core.model import search_key, slugify
from bot.storage.engine import make_engine
from bot.storage.migrate import upgrade
from bot.storage.orm import Base, UTCDateTime

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # a Friday; the data set is "as of" now
NEXT_WORKING_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # overdue ones repeat then
BIG_TEAM = "slack:TBIG0000"
BIG_CUSTOMER = "Northwind Holdings"  # customer 1, in the big team
AREAS = ("billing", "field visits", "tech support", "renewals")
TIMEZONES = ("Europe/London", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC")
KINDS = ("call", "call", "call", "video", "meeting", "email-in", "email-out", "visit", "chat")
CODES = ("no answer", "left message", "meeting booked", "follow-up needed", "resolved")
CHALLENGES = (
    "slow internet at the depot",
    "invoice shows the wrong VAT number",
    "disconnects daily around noon",
    "cannot log in to the portal",
    "delivery arrived damaged",
    "wants a single monthly bill",
    "price went up without notice",
    "support never calls back",
    "needs training for new staff",
    "missing parts in the last order",
)
OURS = (
    "send the fibre quote",
    "call back with the engineer's date",
    "email the corrected invoice",
    "book the site survey",
    "send the renewal terms",
    "confirm the credit note",
)
THEIRS = (
    "send the signed order form",
    "read the brochure",
    "confirm the delivery address",
    "share their usage figures",
    "check with finance",
)
DIFFERENCES = (
    "needs fibre before March",
    "one bill for all sites",
    "faster answers from support",
    "a named account manager",
    "training for new staff",
)
WORDS_A = (
    "Acme", "Global", "North", "River", "Stone", "Blue", "Silver", "Harbor", "Summit", "Pine",
    "Granite", "Maple", "Cedar", "Falcon", "Orion", "Atlas", "Vertex", "Nova", "Delta", "Echo",
    "Bright", "Iron", "Golden", "Crystal", "Oak", "Swift", "Prime", "Apex", "Lumen", "Coastal",
)  # fmt: skip
WORDS_B = (
    "Foods", "Labs", "Media", "Tech", "Logistics", "Dental", "Motors", "Farms", "Energy",
    "Bakery", "Clinic", "Studios", "Builders", "Partners", "Retail", "Hotels", "Freight",
    "Pharmacy", "Garden", "Systems", "Textiles", "Print", "Legal", "Travel", "Fitness",
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    """How much of everything. The big team's figures are inside the totals."""

    name: str
    teams: int
    customers: int
    touchpoints: int
    challenges: int
    promises: int
    big_customers: int = 10_000
    big_touchpoints: int = 120_000
    big_challenges: int = 150_000
    big_open_challenges: int = 100_000
    big_promises: int = 240_000
    big_customer_touchpoints: int = 1_000
    due_now: int = 500
    outbox_days: int = 20  # working days of sent digests and reminders per team
    seed: int = 8

    def __post_init__(self) -> None:
        for total, big in (
            (self.customers, self.big_customers),
            (self.touchpoints, self.big_touchpoints),
            (self.challenges, self.big_challenges),
            (self.promises, self.big_promises),
        ):
            if total < big:
                raise ValueError(f"{self.name}: a total ({total}) is below the big team's {big}")
        if self.teams < 2 or self.customers - self.big_customers < 2 * (self.teams - 1):
            raise ValueError(f"{self.name}: need at least two customers per team")


SIZES = {
    # The big team at full size plus a hundred ordinary teams: the same stress cases as
    # the large set, generated in well under a minute.
    "small": Spec(
        "small",
        teams=101,
        customers=12_000,
        touchpoints=150_000,
        challenges=180_000,
        promises=300_000,
    ),
    "large": Spec(
        "large",
        teams=1_000,
        customers=100_000,
        touchpoints=1_000_000,
        challenges=1_000_000,
        promises=2_000_000,
        outbox_days=60,
    ),
}

# The columns each table is written with, in order (checked against the ORM at start).
COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": (
        "id", "name", "timezone", "channel", "digest_time", "day_start", "digest_days",
        "completion_codes", "remind_overdue", "area_owners", "code_followups", "created_at",
        "date_order", "dm_reminders", "reminder_prefs", "owner_summary_day",
    ),
    "map_entries": (
        "id", "team_id", "key", "name", "channel", "stage", "owner", "owner_is_person",
        "moment_of_truth", "active", "retired_at", "created_at",
    ),
    "customers": ("id", "team_id", "name", "slug", "created_at", "search_name"),
    "customer_aliases": ("id", "team_id", "customer_id", "alias", "slug", "search_name"),
    "touchpoints": (
        "id", "team_id", "customer_id", "author", "occurred_at", "kind", "code", "notes",
        "difference", "stage", "satisfaction", "effort", "promoter", "map_entry_id",
    ),
    "challenges": (
        "id", "team_id", "customer_id", "touchpoint_id", "text", "status", "passed_to",
        "raised_by", "raised_at",
    ),
    "promises": (
        "id", "team_id", "customer_id", "touchpoint_id", "direction", "text", "owner",
        "made_by", "made_at", "due_at", "status", "remind_at", "reminders_sent", "keep_by",
    ),
    "challenge_events": ("id", "challenge_id", "at", "actor", "action", "detail", "previous"),
    "promise_events": ("id", "promise_id", "at", "actor", "action", "detail", "previous"),
    "deliveries": (
        "id", "team_id", "kind", "key", "channel", "due_at", "day", "status", "attempts",
        "next_attempt_at", "claimed_by", "lease_until", "message_ref", "sent_at",
        "last_error", "created_at",
    ),
    "delivery_promises": ("delivery_id", "promise_id"),
}  # fmt: skip
LOAD_ORDER = tuple(COLUMNS)
Row = tuple[Any, ...]


class Sink(Protocol):
    def write(self, table: str, rows: Sequence[Row]) -> None: ...


@dataclass
class Summary:
    """What was generated, and the facts the benchmarks look things up by."""

    spec: Spec
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    due_now_ids: list[int] = field(default_factory=list)
    big_customer_id: int = 1
    big_team_open_challenges: int = 0

    def describe(self) -> str:
        counts = ", ".join(f"{n:,} {t}" for t, n in self.rows.items() if n)
        return f"{self.spec.name} data set: {counts}"


# -- allocation -----------------------------------------------------------------------------


def allocate(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), each >= minimum."""
    if not weights:
        return []
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} of {total}")
    scale = spare / sum(weights)
    exact = [w * scale for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


@dataclass
class Ids:
    """Global id counters: ids are explicit, so child rows can point at parents."""

    customers: int = 0
    aliases: int = 0
    touchpoints: int = 0
    challenges: int = 0
    promises: int = 0
    challenge_events: int = 0
    promise_events: int = 0
    deliveries: int = 0
    map_entries: int = 0

    def next(self, name: str) -> int:
        value: int = getattr(self, name) + 1
        setattr(self, name, value)
        return value


# -- the generator --------------------------------------------------------------------------


class Buffers:
    """Rows per table, flushed to the sink in dependency order when large enough."""

    LIMIT = 50_000

    def __init__(self, sink: Sink, summary: Summary) -> None:
        self._sink = sink
        self._summary = summary
        self._rows: dict[str, list[Row]] = {t: [] for t in LOAD_ORDER}

    def add(self, table: str, row: Row) -> None:
        rows = self._rows[table]
        rows.append(row)
        if len(rows) >= self.LIMIT:
            self.flush()

    def flush(self) -> None:
        # Parents first, so a database checking foreign keys row by row is satisfied.
        for table in LOAD_ORDER:
            rows = self._rows[table]
            if rows:
                self._sink.write(table, rows)
                self._summary.rows[table] = self._summary.rows.get(table, 0) + len(rows)
                self._rows[table] = []


@dataclass
class TeamPlan:
    id: str
    customers: int
    touchpoints: int
    challenges: int
    promises: int
    open_challenges: int | None  # None: the usual mix
    due_now: int
    big: bool = False


def plan_teams(spec: Spec, rng: random.Random) -> list[TeamPlan]:
    rest = spec.teams - 1
    # Team sizes fall off like a power law (a few large teams, many small ones).
    weights = [1 / (i + 1) ** 0.9 for i in range(rest)]
    customers = allocate(spec.customers - spec.big_customers, weights, minimum=2)
    activity = [c * rng.uniform(0.6, 1.4) for c in customers]
    touchpoints = allocate(spec.touchpoints - spec.big_touchpoints, activity, minimum=1)
    challenges = allocate(spec.challenges - spec.big_challenges, touchpoints)
    promises = allocate(spec.promises - spec.big_promises, touchpoints)
    plans = [
        TeamPlan(
            BIG_TEAM,
            spec.big_customers,
            spec.big_touchpoints,
            spec.big_challenges,
            spec.big_promises,
            spec.big_open_challenges,
            0,
            big=True,
        )
    ]
    for i in range(rest):
        prefix = "slack:T" if i % 3 else "discord:"
        plans.append(
            TeamPlan(
                f"{prefix}{100_000 + i}",
                customers[i],
                touchpoints[i],
                challenges[i],
                promises[i],
                None,
                0,
            )
        )
    # The due-now promises go to teams in proportion to their promises (some get none).
    for _ in range(spec.due_now):
        team = rng.choices(plans, weights=[p.promises for p in plans])[0]
        team.due_now += 1
    return plans


def _customer_name(n: int) -> str:
    a, b = WORDS_A[n % len(WORDS_A)], WORDS_B[(n // len(WORDS_A)) % len(WORDS_B)]
    rounds = n // (len(WORDS_A) * len(WORDS_B))
    return f"{a} {b}" if rounds == 0 else f"{a} {b} {rounds + 1}"


def _instant_before_now(rng: random.Random, max_days: float) -> datetime:
    # Recent activity is denser than old activity (the product is growing).
    days = max_days * rng.random() ** 1.7
    return NOW - timedelta(days=days, seconds=rng.randrange(3600))


class Generator:
    def __init__(self, spec: Spec, sink: Sink) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        # The touchpoint map's fields draw from their own generator, so the rest of the
        # data set is the same rows it was before the map existed.
        self.map_rng = random.Random(spec.seed + 1)
        self.map_ids: list[tuple[int, str]] = []  # this team's entries: (id, stage)
        self.ids = Ids()
        self.summary = Summary(spec)
        self.out = Buffers(sink, self.summary)

    def run(self) -> Summary:
        started = time.perf_counter()
        for plan in plan_teams(self.spec, self.rng):
            self.team(plan)
        self.out.flush()
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def team(self, plan: TeamPlan) -> None:
        rng = self.rng
        areas = {a: f"U{rng.randrange(10_000):04d}" for a in AREAS[: rng.randrange(0, 3)]}
        remind_overdue = rng.random() < 0.9
        self.out.add(
            "teams",
            (
                plan.id,
                "Big Sales Org" if plan.big else f"Team {plan.id}",
                TIMEZONES[rng.randrange(len(TIMEZONES))],
                f"C{rng.randrange(10**8):08d}",
                "09:00",
                "09:00",
                "0,1,2,3,4",
                json.dumps(list(CODES)),
                remind_overdue,
                json.dumps(areas),
                json.dumps({"no answer": "call back next working day"}),
                NOW - timedelta(days=800),
                None,  # the date order of the team's zone
                False,  # reminders in the team channel
                json.dumps({}),
                0,  # the owners' summaries on Mondays
            ),
        )
        people = [f"U{rng.randrange(10**6):06d}" for _ in range(max(3, plan.customers // 40))]
        self.touchpoint_map(plan)
        customer_ids = self.customers(plan)
        tp_customer, tp_time = self.touchpoints(plan, customer_ids, people)
        first_tp = self.ids.touchpoints - len(tp_customer) + 1
        self.challenges(plan, tp_customer, tp_time, first_tp, people, list(areas))
        first_promise = self.ids.promises + 1
        self.promises(plan, tp_customer, tp_time, first_tp, people, remind_overdue)
        self.outbox(plan, first_promise, self.ids.promises)

    def touchpoint_map(self, plan: TeamPlan) -> None:
        """The default map, as a new team gets it; one entry retired now and then."""
        self.map_ids = []
        for name, channel, stage, truth, active in DEFAULT_MAP:
            entry_id = self.ids.next("map_entries")
            retired = NOW - timedelta(days=30) if self.map_rng.random() < 0.05 else None
            self.out.add(
                "map_entries",
                (
                    entry_id, plan.id, name, name, channel.value, stage.value, None, False,
                    truth, active, retired, NOW - timedelta(days=800),
                ),
            )  # fmt: skip
            self.map_ids.append((entry_id, stage.value))

    def customers(self, plan: TeamPlan) -> list[int]:
        rng, ids = self.rng, []
        for n in range(plan.customers):
            customer_id = self.ids.next("customers")
            name = BIG_CUSTOMER if plan.big and n == 0 else _customer_name(n)
            if plan.big and n == 0:
                self.summary.big_customer_id = customer_id
            created = _instant_before_now(rng, 760)
            self.out.add(
                "customers",
                (customer_id, plan.id, name, slugify(name), created, search_key(name)),
            )
            if rng.random() < 0.1:
                alias = f"{name} Group"
                self.out.add(
                    "customer_aliases",
                    (
                        self.ids.next("aliases"),
                        plan.id,
                        customer_id,
                        alias,
                        slugify(alias),
                        search_key(alias),
                    ),
                )
            ids.append(customer_id)
        return ids

    def touchpoints(
        self, plan: TeamPlan, customer_ids: list[int], people: list[str]
    ) -> tuple[list[int], list[datetime]]:
        rng = self.rng
        weights = [rng.paretovariate(1.3) for _ in customer_ids]
        total = plan.touchpoints
        fixed: dict[int, int] = {}
        if plan.big:
            fixed[0] = self.spec.big_customer_touchpoints
            weights[0] = 0.0
            total -= fixed[0]
        counts = allocate(total, weights)
        for i, n in fixed.items():
            counts[i] = n
        tp_customer: list[int] = []
        tp_time: list[datetime] = []
        for customer_id, count in zip(customer_ids, counts, strict=True):
            for _ in range(count):
                tp_id = self.ids.next("touchpoints")
                at = _instant_before_now(rng, 730)
                roll = rng.random()
                self.out.add(
                    "touchpoints",
                    (
                        tp_id,
                        plan.id,
                        customer_id,
                        people[rng.randrange(len(people))],
                        at,
                        KINDS[rng.randrange(len(KINDS))],
                        CODES[rng.randrange(len(CODES))] if roll < 0.6 else None,
                        "Talked through the open points; next steps agreed." if roll < 0.2 else "",
                        DIFFERENCES[rng.randrange(len(DIFFERENCES))] if roll < 0.3 else None,
                        *self.placed(rng.randrange(1, 6) if roll < 0.15 else None),
                    ),
                )
                tp_customer.append(customer_id)
                tp_time.append(at)
        return tp_customer, tp_time

    def placed(self, satisfaction: int | None) -> tuple[Any, ...]:
        """stage, satisfaction, effort, promoter, map entry: two in three touchpoints name
        an entry of the map (and take its stage); one in ten has a CES and an NPS answer."""
        rng = self.map_rng
        entry_id, stage = self.map_ids[rng.randrange(len(self.map_ids))]
        on_map = rng.random() < 0.67
        return (
            stage if on_map else None,
            satisfaction,
            rng.randrange(1, 8) if rng.random() < 0.1 else None,
            rng.randrange(0, 11) if rng.random() < 0.1 else None,
            entry_id if on_map else None,
        )

    def challenges(
        self,
        plan: TeamPlan,
        tp_customer: list[int],
        tp_time: list[datetime],
        first_tp: int,
        people: list[str],
        areas: list[str],
    ) -> None:
        rng, out = self.rng, self.out
        open_left = plan.open_challenges
        for n in range(plan.challenges):
            k = rng.randrange(len(tp_customer))
            challenge_id = self.ids.next("challenges")
            raised_at, by = tp_time[k], people[rng.randrange(len(people))]
            roll = rng.random()
            if open_left is not None:  # the big team: exactly this many stay open
                is_open = n < open_left
                roll = roll * 0.25 if is_open else 0.5
            status, passed_to, events = "open", None, []
            settled_at = min(NOW, raised_at + timedelta(days=rng.uniform(0.1, 20)))
            if roll < 0.05 and areas:
                status, passed_to = "passed_on", areas[rng.randrange(len(areas))]
                events.append((settled_at, by, "passed_on", passed_to))
            elif roll < 0.22:
                pass  # open, never touched
            elif roll < 0.25:  # addressed, then reopened: still open
                events.append((settled_at, by, "addressed", ""))
                events.append((min(NOW, settled_at + timedelta(days=2)), by, "reopened", ""))
            else:
                status = "addressed"
                events.append((settled_at, by, "addressed", ""))
            if status != "addressed" and plan.big:
                self.summary.big_team_open_challenges += 1
            out.add(
                "challenges",
                (
                    challenge_id,
                    plan.id,
                    tp_customer[k],
                    first_tp + k,
                    CHALLENGES[rng.randrange(len(CHALLENGES))],
                    status,
                    passed_to,
                    by,
                    raised_at,
                ),
            )
            for at, actor, action, detail in events:
                out.add(
                    "challenge_events",
                    (
                        self.ids.next("challenge_events"),
                        challenge_id,
                        at,
                        actor,
                        action,
                        detail,
                        "",  # previous: the generated history has nothing to undo
                    ),
                )

    def promises(
        self,
        plan: TeamPlan,
        tp_customer: list[int],
        tp_time: list[datetime],
        first_tp: int,
        people: list[str],
        remind_overdue: bool,
    ) -> None:
        rng, out = self.rng, self.out
        due_now_left = plan.due_now
        for _ in range(plan.promises):
            k = rng.randrange(len(tp_customer))
            promise_id = self.ids.next("promises")
            made_at, by = tp_time[k], people[rng.randrange(len(people))]
            ours = rng.random() < 0.6
            due_at: datetime | None = None
            if rng.random() >= 0.12:
                due_at = (made_at + timedelta(days=rng.randrange(1, 22))).replace(
                    hour=rng.choice((9, 10, 12, 14, 16)), minute=0, second=0, microsecond=0
                )
            status, remind_at, sent, events = "open", None, 0, []
            if due_now_left and due_at is not None and due_at > NOW:
                # A reminder due this very scan (its due time just passed).
                due_now_left -= 1
                due_at = remind_at = NOW - timedelta(seconds=rng.randrange(1, 600))
                self.summary.due_now_ids.append(promise_id)
            elif due_at is None:
                if rng.random() < 0.5:
                    status = "kept"
                    events.append((min(NOW, made_at + timedelta(days=5)), by, "kept", ""))
            elif due_at > NOW:
                remind_at = due_at
                if rng.random() < 0.03:  # snoozed past its due time
                    remind_at = due_at + timedelta(days=1)
                    events.append((made_at, by, "snoozed", remind_at.isoformat()))
            elif rng.random() < 0.12:  # overdue and still open: reminded again each morning
                sent = 1 + min(9, int((NOW - due_at).days))
                remind_at = NEXT_WORKING_MORNING if remind_overdue else None
            else:
                roll = rng.random()
                status = "kept" if roll < 0.7 else "not_kept" if roll < 0.9 else "cancelled"
                sent = 1 if rng.random() < 0.3 else 0
                at = min(NOW, due_at + timedelta(hours=rng.uniform(-48, 72)))
                events.append((at, by, status, ""))
            out.add(
                "promises",
                (
                    promise_id,
                    plan.id,
                    tp_customer[k],
                    first_tp + k,
                    "ours" if ours else "theirs",
                    (OURS if ours else THEIRS)[rng.randrange(6 if ours else 5)],
                    by if ours else "",
                    by,
                    made_at,
                    due_at,
                    status,
                    remind_at,
                    sent,
                    due_at,  # kept by the due instant (the generator's dates have times)
                ),
            )
            for at, actor, action, detail in events:
                out.add(
                    "promise_events",
                    (self.ids.next("promise_events"), promise_id, at, actor, action, detail, ""),
                )
        if due_now_left:
            raise RuntimeError(f"team {plan.id} has too few future promises for its due ones")

    def outbox(self, plan: TeamPlan, first_promise: int, last_promise: int) -> None:
        """Sent digests and reminders of the last working days (what the outbox holds)."""
        rng, out = self.rng, self.out
        day = NOW.date()
        done = 0
        while done < self.spec.outbox_days:
            day -= timedelta(days=1)
            if day.weekday() >= 5:
                continue
            done += 1
            at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
            for kind in ("digest", "reminder"):
                delivery_id = self.ids.next("deliveries")
                key = (
                    f"digest:{plan.id}:{day.isoformat()}"
                    if kind == "digest"
                    else f"reminder:{plan.id}:{at.isoformat()}:{delivery_id:016x}"
                )
                out.add(
                    "deliveries",
                    (
                        delivery_id,
                        plan.id,
                        kind,
                        key,
                        "C0",
                        at,
                        day.isoformat() if kind == "digest" else "",
                        "sent",
                        1,
                        None,
                        "",
                        None,
                        f"m{delivery_id}",
                        at + timedelta(seconds=2),
                        "",
                        at,
                    ),
                )
                if kind == "reminder" and last_promise >= first_promise:
                    linked = {rng.randint(first_promise, last_promise) for _ in range(3)}
                    for promise_id in sorted(linked):
                        out.add("delivery_promises", (delivery_id, promise_id))


def generate(spec: Spec, sink: Sink) -> Summary:
    return Generator(spec, sink).run()


# -- sinks ----------------------------------------------------------------------------------

SQLITE_INSTANT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DateTime stores instants


def _secondary_indexes() -> list[Index]:
    """Every explicit index of the schema (unique constraints stay: they are the rules)."""
    return [ix for table in Base.metadata.sorted_tables for ix in table.indexes]


def _check_columns() -> None:
    for table, columns in COLUMNS.items():
        declared = set(Base.metadata.tables[table].c.keys())
        if set(columns) != declared:
            raise RuntimeError(
                f"bench.dataset writes {table} as {sorted(columns)} but the schema has "
                f"{sorted(declared)}: update COLUMNS and the generator"
            )


def _column_kinds(table: str) -> tuple[list[int], list[int]]:
    """Positions of the instant and boolean columns of ``table``, in COLUMNS order."""
    columns = Base.metadata.tables[table].c
    instants = [i for i, c in enumerate(COLUMNS[table]) if isinstance(columns[c].type, UTCDateTime)]
    booleans = [i for i, c in enumerate(COLUMNS[table]) if isinstance(columns[c].type, Boolean)]
    json_columns = [i for i, c in enumerate(COLUMNS[table]) if isinstance(columns[c].type, JSON)]
    json_names = {"completion_codes", "area_owners", "code_followups", "reminder_prefs"}
    assert all(COLUMNS[table][i] in json_names for i in json_columns)
    return instants, booleans


class SqliteSink:
    """executemany through the DB-API, in one transaction, with the rollback journal
    and fsync off while loading (WAL is switched back on at the end)."""

    def __init__(self, path: Path) -> None:
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode=DELETE",
            "synchronous=OFF",
            "cache_size=-262144",  # 256 MiB while loading
            "temp_store=MEMORY",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        for index in _secondary_indexes():
            self.conn.execute(f"DROP INDEX {index.name}")
        self.conn.execute("BEGIN")
        self._sql = {
            t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
            for t, c in COLUMNS.items()
        }
        self._kinds = {t: _column_kinds(t) for t in COLUMNS}

    def write(self, table: str, rows: Sequence[Row]) -> None:
        instants, booleans = self._kinds[table]
        if instants or booleans:
            rows = [self._convert(row, instants, booleans) for row in rows]
        self.conn.executemany(self._sql[table], rows)

    @staticmethod
    def _convert(row: Row, instants: list[int], booleans: list[int]) -> Row:
        values = list(row)
        for i in instants:
            if values[i] is not None:
                values[i] = values[i].strftime(SQLITE_INSTANT)
        for i in booleans:
            values[i] = int(values[i])
        return tuple(values)

    def finish(self, *, analyze: bool) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()
        engine = make_engine(f"sqlite:///{self.path}")  # WAL again, as the bot runs it
        with engine.begin() as connection:
            for index in _secondary_indexes():
                index.create(connection)
            if analyze:
                connection.exec_driver_sql("ANALYZE")
        engine.dispose()


class PostgresSink:
    """COPY per table, in one transaction, with the secondary indexes dropped and the
    foreign-key triggers off while loading (``session_replication_role = replica``, the
    usual bulk-load switch; the generator's rows are consistent by construction)."""

    def __init__(self, url: str) -> None:
        import psycopg

        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        self.engine_url = url
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        self.conn = psycopg.connect(dsn)
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET TIME ZONE 'UTC'")
        for index in _secondary_indexes():
            self.conn.execute(f"DROP INDEX {index.name}")

    def write(self, table: str, rows: Sequence[Row]) -> None:
        columns = ", ".join(COLUMNS[table])
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        self.conn.execute("SET maintenance_work_mem = '256MB'")
        self.conn.commit()
        self.conn.close()
        engine = make_engine(self.engine_url)
        with engine.begin() as connection:
            for index in _secondary_indexes():
                index.create(connection)
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.type.python_type is int:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
        # A steady-state database has been vacuumed (visibility map set: index-only scans
        # work) and analysed by autovacuum; a freshly loaded one has not.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()


def load_sqlite(path: Path, spec: Spec, *, analyze: bool = True) -> Summary:
    _check_columns()
    sink = SqliteSink(path)
    summary = generate(spec, sink)
    started = time.perf_counter()
    sink.finish(analyze=analyze)
    summary.seconds += time.perf_counter() - started
    return summary


def load_postgres(url: str, spec: Spec) -> Summary:
    _check_columns()
    sink = PostgresSink(url)
    summary = generate(spec, sink)
    started = time.perf_counter()
    sink.finish()
    summary.seconds += time.perf_counter() - started
    return summary


# -- one data set per process, shared by the benchmark modules --------------------------------


class Unavailable(RuntimeError):
    """PostgreSQL cannot be used here (the message says why); its figures are skipped."""


_stack = contextlib.ExitStack()
atexit.register(_stack.close)


@functools.cache
def _workdir() -> Path:
    return Path(_stack.enter_context(tempfile.TemporaryDirectory(prefix="touchpoint-bench-")))


@functools.cache
def sqlite_dataset(size: str) -> tuple[str, Summary]:
    """The URL of a SQLite file holding the ``size`` data set (made once per process)."""
    path = _workdir() / f"{size}.db"
    summary = load_sqlite(path, SIZES[size])
    _note(f"generated {summary.describe()} into SQLite in {summary.seconds:.1f} s")
    return f"sqlite:///{path}", summary


@functools.cache
def postgres_cluster() -> Any:
    """A throwaway PostgreSQL cluster for this process (``tests/pg.py``), or Unavailable."""
    from tests.pg import PostgresUnavailable, throwaway_postgres

    try:
        return _stack.enter_context(throwaway_postgres())
    except PostgresUnavailable as exc:
        raise Unavailable(str(exc)) from None


@functools.cache
def postgres_dataset(size: str) -> tuple[str, Summary]:
    """The URL of a PostgreSQL database holding the ``size`` data set; Unavailable when
    there are no PostgreSQL binaries."""
    cluster = postgres_cluster()
    url: str = cluster.create_database(f"bench_{size}")
    summary = load_postgres(url, SIZES[size])
    _note(f"generated {summary.describe()} into PostgreSQL in {summary.seconds:.1f} s")
    return url, summary


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def backends(size: str) -> Iterator[tuple[str, str | None, Summary | None, str]]:
    """(backend, URL or None, summary, note) for SQLite, then PostgreSQL when it is here."""
    url, summary = sqlite_dataset(size)
    yield "SQLite", url, summary, ""
    try:
        pg_url, pg_summary = postgres_dataset(size)
    except Unavailable as exc:
        yield "PostgreSQL", None, None, f"skipped: {exc}"
        return
    yield "PostgreSQL", pg_url, pg_summary, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", type=Path, help="a new SQLite file to fill")
    target.add_argument("--postgres", help="an empty PostgreSQL database URL to fill")
    args = parser.parse_args(argv)
    spec = SIZES[args.size]
    if args.sqlite:
        if args.sqlite.exists():
            parser.error(f"{args.sqlite} exists; give a new file")
        summary = load_sqlite(args.sqlite, spec)
    else:
        summary = load_postgres(args.postgres, spec)
    total = sum(summary.rows.values())
    print(f"{summary.describe()}\n{total:,} rows in {summary.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
