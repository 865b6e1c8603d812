"""Measures: how well promises are kept, how long challenges stay open, what customers
keep asking for, and the optional scores (CSAT, CES) recorded per touchpoint.

The database aggregates (``MeasuresRepository``): a team with thousands of customers
returns a few grouped rows, not its history. Medians are taken here, from narrow
per-row values, because portable SQL has no median.

Definitions, shared by the SQL and the fake repositories:

- A promise counts for *on time* once it has a due date and is settled (kept or not kept)
  or past due while still open. It was kept on time when its last "kept" event is at or
  before its due date. Cancelled promises and promises without a due date never count.
- A challenge's age runs from when it last became open (raised, or reopened); its time to
  address runs from there to each "addressed" event.
- A person's measures cover the promises they own, the touchpoints they recorded, the open
  challenges they raised and the challenges they addressed.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.catalogue import team_stages
from bot.core.customers import find_customer
from bot.core.errors import UserError
from bot.core.model import (
    EFFORT_RANGE,
    SATISFACTION_RANGE,
    Customer,
    Direction,
    JourneyStage,
    Kind,
    Team,
    stage_key,
)
from bot.core.ports import Clock, UnitOfWork
from bot.core.services import load_team
from bot.core.values import (
    DifferenceCount,
    NetPromoter,
    PromiseTally,
    Scope,
    TouchpointGroup,
)
from bot.core.workdays import local_instant

PEOPLE_LISTED = 10
CUSTOMERS_LISTED = 5
DIFFERENCES_LISTED = 5
WEEKS = 8
PERSON_WORDS = frozenset({"mine", "me", "my"})
TEAM_WORDS = frozenset({"", "team", "all"})


# -- what the repositories return -------------------------------------------------------------


# -- what the use cases return --------------------------------------------------------------


@dataclass(frozen=True)
class ChallengeMeasures:
    open: int = 0
    median_open_age: timedelta | None = None
    oldest_open_age: timedelta | None = None
    addressed: int = 0  # times a challenge was addressed (in the period)
    median_time_to_address: timedelta | None = None


@dataclass(frozen=True)
class RecurringDifference:
    text: str  # the spelling used most often
    customers: int
    touchpoints: int


@dataclass(frozen=True)
class Score:
    average: float
    count: int
    scale: int  # 5 for CSAT, 7 for CES


@dataclass(frozen=True)
class TouchpointMeasures:
    total: int = 0
    by_kind: tuple[tuple[Kind, int], ...] = ()  # most first
    # The standard stages in journey order, then the team's own by name, unset last.
    by_stage: tuple[tuple[str | None, int], ...] = ()
    satisfaction: Score | None = None
    effort: Score | None = None
    promoter: NetPromoter | None = None


@dataclass(frozen=True)
class Measures:
    team: Team
    now: datetime
    scope: Scope
    customer: Customer | None
    ours: PromiseTally
    theirs: PromiseTally
    by_person: tuple[tuple[str, PromiseTally], ...]  # most counted first
    # Customers with the most of our promises not kept on time, most first.
    attention: tuple[tuple[Customer, PromiseTally], ...]
    challenges: ChallengeMeasures
    differences: tuple[RecurringDifference, ...]
    touchpoints: TouchpointMeasures

    def is_empty(self) -> bool:
        return (
            self.ours.is_empty()
            and self.theirs.is_empty()
            and not self.challenges.open
            and not self.challenges.addressed
            and not self.touchpoints.total
        )


@dataclass(frozen=True)
class WeekPoint:
    week: str  # ISO week, "2026-W47"
    start: date  # its Monday, team-local
    on_time: int  # our promises due that week kept on time
    counted: int  # our promises due that week that count for on time
    open_challenges: int  # open at the end of the week (now, for the current week)

    @property
    def rate(self) -> float | None:
        return self.on_time / self.counted if self.counted else None


@dataclass(frozen=True)
class WeeklySeries:
    team: Team
    points: tuple[WeekPoint, ...]  # oldest first
    stage: str | None = None  # the journey stage the series is narrowed to, if any

    @property
    def rates(self) -> list[float | None]:
        return [p.rate for p in self.points]

    @property
    def open_challenges(self) -> list[int]:
        return [p.open_challenges for p in self.points]

    def is_empty(self) -> bool:
        return not any(p.counted or p.open_challenges for p in self.points)


@dataclass(frozen=True)
class StatsReport:
    """What `/touchpoint stats [mine|<customer>]` shows."""

    measures: Measures
    series: WeeklySeries


# -- use cases --------------------------------------------------------------------------------


def team_measures(
    team_id: str, *, since: datetime | None = None, uow: UnitOfWork, clock: Clock
) -> Measures:
    with uow:
        team = load_team(uow, team_id)
        return measure(uow, team, Scope(team_id, since=since), clock.now())


def person_measures(
    team_id: str, person: str, *, since: datetime | None = None, uow: UnitOfWork, clock: Clock
) -> Measures:
    with uow:
        team = load_team(uow, team_id)
        return measure(uow, team, Scope(team_id, person=person, since=since), clock.now())


def customer_measures(
    team_id: str,
    customer_text: str,
    *,
    since: datetime | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> Measures:
    with uow:
        team = load_team(uow, team_id)
        customer = find_customer(uow, team_id, customer_text)
        scope = Scope(team_id, customer_id=customer.id, since=since)
        return measure(uow, team, scope, clock.now(), customer)


def weekly_series(
    team_id: str,
    weeks: int = WEEKS,
    *,
    person: str | None = None,
    customer_id: int | None = None,
    last_day: date | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> WeeklySeries:
    """Per ISO week (team-local), the last ``weeks`` weeks up to the one holding
    ``last_day`` (today by default): our promises kept on time, open challenges at week end."""
    with uow:
        team = load_team(uow, team_id)
        scope = Scope(team_id, person=person, customer_id=customer_id)
        return series(uow, team, scope, clock.now(), weeks=weeks, last_day=last_day)


def stats_report(
    team_id: str, text: str, user_id: str, *, uow: UnitOfWork, clock: Clock
) -> StatsReport:
    """`stats` (the team), `stats mine` (the person asking) or `stats acme` (a customer)."""
    words = " ".join(text.split())
    mine = words.lower() in PERSON_WORDS
    customer = None if mine or words.lower() in TEAM_WORDS else words
    return stats_for(team_id, user_id, mine=mine, customer=customer, uow=uow, clock=clock)


def stats_for(
    team_id: str,
    user_id: str,
    *,
    mine: bool = False,
    customer: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> StatsReport:
    """The team's measures, ``user_id``'s (``mine``) or one customer's."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        found = None
        scope = Scope(team_id)
        if mine:
            scope = Scope(team_id, person=user_id)
        elif customer is not None:
            found = find_customer(uow, team_id, customer)
            scope = Scope(team_id, customer_id=found.id)
        return StatsReport(
            measures=measure(uow, team, scope, now, found),
            series=series(uow, team, scope, now),
        )


STAGE_WORDS = frozenset({"stage", "journey"})


def weekly_chart(team_id: str, text: str, *, uow: UnitOfWork, clock: Clock) -> WeeklySeries:
    """`stats week` (the team's last ``WEEKS`` weeks) or `stats week purchase` (only the
    promises made at, and challenges raised at, touchpoints of that journey stage)."""
    words = text.split()
    if words and words[0].lower() in STAGE_WORDS:
        words = words[1:]  # "stats week stage purchase" reads as "stats week purchase"
    with uow:
        team = load_team(uow, team_id)
        stages = team_stages(uow, team_id)
        if not words and text.strip():
            raise UserError(
                f"Name the stage: `/touchpoint stats week {stages[0]}` (stages: "
                f"{', '.join(stages)}); `/touchpoint stats week` draws the whole team's."
            )
        stage = find_stage(" ".join(words), stages) if words else None
        return series(uow, team, Scope(team_id, stage=stage), clock.now())


def find_stage(text: str, stages: Sequence[str]) -> str:
    """The journey stage ``text`` names ("post" is post-purchase), or a clear error."""
    key = stage_key(text)
    if key in stages or key in {s.value for s in JourneyStage}:
        return key
    raise UserError(
        f"“{text}” is not one of the team's journey stages ({', '.join(stages)}). "
        f"Example: `/touchpoint stats week {stages[0]}`."
    )


# -- building blocks (inside an open unit of work) ------------------------------------------


def measure(
    uow: UnitOfWork, team: Team, scope: Scope, now: datetime, customer: Customer | None = None
) -> Measures:
    repo = uow.measures
    by_owner = repo.promise_tallies_by_owner(scope, Direction.OURS, now)
    attention: dict[int, PromiseTally] = {}
    if scope.customer_id is None:
        attention = repo.promise_tallies_by_customer(
            scope, Direction.OURS, now, limit=CUSTOMERS_LISTED
        )
    names = uow.customers.get_many(team.id, list(attention))
    return Measures(
        team=team,
        now=now,
        scope=scope,
        customer=customer,
        ours=total(by_owner.values()),
        theirs=total(repo.promise_tallies_by_owner(scope, Direction.THEIRS, now).values()),
        by_person=tuple(
            sorted(by_owner.items(), key=lambda item: (-item[1].counted, item[0]))[:PEOPLE_LISTED]
        ),
        attention=tuple((names[cid], t) for cid, t in attention.items() if cid in names),
        challenges=challenge_measures(
            repo.open_challenge_starts(scope), repo.times_to_address(scope), now
        ),
        differences=recurring_differences(
            repo.difference_counts(scope), by_customer=scope.customer_id is None
        ),
        touchpoints=touchpoint_measures(repo.touchpoint_groups(scope)),
    )


def series(
    uow: UnitOfWork,
    team: Team,
    scope: Scope,
    now: datetime,
    *,
    weeks: int = WEEKS,
    last_day: date | None = None,
) -> WeeklySeries:
    mondays = week_starts(team, last_day or now.astimezone(ZoneInfo(team.timezone)).date(), weeks)
    bounds = [local_instant(team, monday, 0, 0) for monday in mondays]
    ends = [min(end, now) for end in bounds[1:]]
    promises = uow.measures.weekly_promises(scope, Direction.OURS, bounds, now)
    open_counts = uow.measures.open_challenges_at(scope, ends)
    points = tuple(
        WeekPoint(iso_week(monday), monday, on_time, counted, open_count)
        for monday, (on_time, counted), open_count in zip(
            mondays[:-1], promises, open_counts, strict=True
        )
    )
    return WeeklySeries(team, points, scope.stage)


def week_starts(team: Team, last_day: date, weeks: int) -> list[date]:
    """The Mondays of ``weeks`` ISO weeks ending with ``last_day``'s, plus the Monday after
    (the end of the last week): ``weeks + 1`` dates."""
    last_monday = last_day - timedelta(days=last_day.weekday())
    return [last_monday - timedelta(weeks=weeks - 1 - n) for n in range(weeks + 1)]


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def total(tallies: Iterable[PromiseTally]) -> PromiseTally:
    return sum(tallies, PromiseTally())


def median(durations: Sequence[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in durations))


def challenge_measures(
    open_since: Sequence[datetime], times_to_address: Sequence[timedelta], now: datetime
) -> ChallengeMeasures:
    ages = [max(timedelta(0), now - since) for since in open_since]
    return ChallengeMeasures(
        open=len(ages),
        median_open_age=median(ages),
        oldest_open_age=max(ages, default=None),
        addressed=len(times_to_address),
        median_time_to_address=median(times_to_address),
    )


def normalise(text: str) -> str:
    """ "Needs  Fibre." and "needs fibre" are the same difference."""
    return " ".join(text.casefold().split()).rstrip(".!;,").strip()


def recurring_differences(
    counts: Sequence[DifferenceCount], *, by_customer: bool, limit: int = DIFFERENCES_LISTED
) -> tuple[RecurringDifference, ...]:
    """The biggest differences named most often: by the most customers (a team or a
    person), or in the most touchpoints (one customer). Named once is not recurring."""
    customers: dict[str, set[int]] = defaultdict(set)
    touchpoints: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for count in counts:
        key = normalise(count.text)
        if not key:
            continue
        customers[key].add(count.customer_id)
        touchpoints[key] += count.touchpoints
        spellings[key][" ".join(count.text.split()).rstrip(".!;,")] += count.touchpoints
    found = [
        RecurringDifference(_spelling(spellings[key]), len(customers[key]), touchpoints[key])
        for key in customers
    ]
    if by_customer:
        found = [d for d in found if d.customers > 1]
        found.sort(key=lambda d: (-d.customers, -d.touchpoints, d.text.casefold()))
    else:
        found = [d for d in found if d.touchpoints > 1]
        found.sort(key=lambda d: (-d.touchpoints, d.text.casefold()))
    return tuple(found[:limit])


def _spelling(spellings: Counter[str]) -> str:
    """The most used way of writing it; on a tie, one that does not shout."""
    return min(
        spellings,
        key=lambda text: (-spellings[text], sum(c.isupper() for c in text) > 1, text),
    )


def touchpoint_measures(groups: Sequence[TouchpointGroup]) -> TouchpointMeasures:
    kinds: Counter[Kind] = Counter()
    stages: Counter[str | None] = Counter()
    for group in groups:
        kinds[group.kind] += group.count
        stages[group.stage] += group.count
    standard = [s.value for s in JourneyStage]
    own = sorted(s for s in stages if s is not None and s not in standard)
    stage_order = [*standard, *own, None]
    answers = sum(g.promoter_count for g in groups)
    return TouchpointMeasures(
        total=sum(kinds.values()),
        by_kind=tuple(sorted(kinds.items(), key=lambda kc: (-kc[1], list(Kind).index(kc[0])))),
        by_stage=tuple((s, stages[s]) for s in stage_order if stages[s]),
        satisfaction=_score(
            sum(g.satisfaction_sum for g in groups),
            sum(g.satisfaction_count for g in groups),
            SATISFACTION_RANGE[1],
        ),
        effort=_score(
            sum(g.effort_sum for g in groups),
            sum(g.effort_count for g in groups),
            EFFORT_RANGE[1],
        ),
        promoter=NetPromoter(
            sum(g.promoters for g in groups), sum(g.detractors for g in groups), answers
        )
        if answers
        else None,
    )


def _score(total_score: int, count: int, scale: int) -> Score | None:
    return Score(total_score / count, count, scale) if count else None
