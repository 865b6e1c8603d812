"""Use cases that read: the customer record, open lists and the digest content."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.model import Challenge, Customer, Direction, Promise, Team, Touchpoint
from bot.core.parsing import clean_text
from bot.core.ports import Clock, UnitOfWork
from bot.core.services import MAX_CUSTOMER_SEARCH, find_customer, load_team

RECENT_TOUCHPOINTS = 10


@dataclass(frozen=True)
class DifferenceEntry:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class CustomerRecord:
    team: Team
    customer: Customer
    now: datetime
    challenges: tuple[Challenge, ...]  # every one ever raised, oldest first
    promises: tuple[Promise, ...]  # every one, both directions, oldest first
    differences: tuple[DifferenceEntry, ...]  # oldest first
    recent: tuple[Touchpoint, ...]  # newest first
    touchpoint_count: int

    @property
    def headline(self) -> str | None:
        return self.differences[-1].text if self.differences else None

    @property
    def last_contact(self) -> Touchpoint | None:
        return self.recent[0] if self.recent else None


@dataclass(frozen=True)
class PromiseList:
    team: Team
    now: datetime
    promises: tuple[Promise, ...]
    customers: dict[int, Customer]
    owner: str | None


@dataclass(frozen=True)
class ChallengeList:
    team: Team
    now: datetime
    challenges: tuple[Challenge, ...]
    customers: dict[int, Customer]


@dataclass(frozen=True)
class CustomerDigest:
    customer: Customer
    challenges: tuple[Challenge, ...]  # oldest first
    headline: str | None


@dataclass(frozen=True)
class Digest:
    team: Team
    day: date  # the team's local day the digest is for
    now: datetime
    customers: tuple[CustomerDigest, ...]  # customer with the oldest open challenge first
    ours_overdue: tuple[Promise, ...]
    ours_due_today: tuple[Promise, ...]
    theirs_due: tuple[Promise, ...]  # overdue or due today
    customer_names: dict[int, Customer]

    def is_empty(self) -> bool:
        return not (self.customers or self.ours_overdue or self.ours_due_today or self.theirs_due)


def customer_record(
    team_id: str, customer_text: str, *, uow: UnitOfWork, clock: Clock
) -> CustomerRecord:
    with uow:
        team = load_team(uow, team_id)
        customer = find_customer(uow, team_id, customer_text)
        assert customer.id is not None
        return CustomerRecord(
            team=team,
            customer=customer,
            now=clock.now(),
            challenges=tuple(uow.challenges.for_customer(team_id, customer.id)),
            promises=tuple(uow.promises.for_customer(team_id, customer.id)),
            differences=tuple(
                DifferenceEntry(at, author, text)
                for at, author, text in uow.touchpoints.differences_for_customer(
                    team_id, customer.id
                )
            ),
            recent=tuple(
                uow.touchpoints.recent_for_customer(team_id, customer.id, RECENT_TOUCHPOINTS)
            ),
            touchpoint_count=uow.touchpoints.count_for_customer(team_id, customer.id),
        )


def open_promises(
    team_id: str,
    *,
    owner: str | None = None,
    direction: Direction | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> PromiseList:
    with uow:
        team = load_team(uow, team_id)
        promises = uow.promises.open_for_team(team_id, owner=owner, direction=direction)
        customers = uow.customers.get_many(team_id, _ids(p.customer_id for p in promises))
        return PromiseList(team, clock.now(), tuple(promises), customers, owner)


def open_challenges(
    team_id: str, customer_text: str | None = None, *, uow: UnitOfWork, clock: Clock
) -> ChallengeList:
    with uow:
        team = load_team(uow, team_id)
        customer_id = None
        if customer_text:
            customer_id = find_customer(uow, team_id, customer_text).id
        challenges = uow.challenges.open_for_team(team_id, customer_id=customer_id)
        customers = uow.customers.get_many(team_id, _ids(c.customer_id for c in challenges))
        return ChallengeList(team, clock.now(), tuple(challenges), customers)


def local_day_bounds(team: Team, day: date) -> tuple[datetime, datetime]:
    """The UTC instants where the team's local ``day`` starts and ends (DST-correct)."""
    zone = ZoneInfo(team.timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    end = start.replace(tzinfo=None) + timedelta(days=1)
    return start.astimezone(ZoneInfo("UTC")), end.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def local_today(team: Team, now: datetime) -> date:
    return now.astimezone(ZoneInfo(team.timezone)).date()


def digest(team_id: str, day: date | None = None, *, uow: UnitOfWork, clock: Clock) -> Digest:
    """The digest content for the team's local ``day`` (today by default)."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        day = day or local_today(team, now)
        day_start, day_end = local_day_bounds(team, day)
        challenges = uow.challenges.open_for_team(team_id)
        due = uow.promises.open_for_team(team_id, due_before=day_end)
        customer_ids = _ids([*(c.customer_id for c in challenges), *(p.customer_id for p in due)])
        customers = uow.customers.get_many(team_id, customer_ids)
        headlines = uow.touchpoints.latest_differences(team_id, customer_ids)
    by_customer: dict[int, list[Challenge]] = {}
    for challenge in sorted(challenges, key=lambda c: c.opened_at()):
        by_customer.setdefault(challenge.customer_id, []).append(challenge)
    ours = [p for p in due if p.direction is Direction.OURS and p.due_at is not None]
    return Digest(
        team=team,
        day=day,
        now=now,
        customers=tuple(
            CustomerDigest(customers[cid], tuple(items), headlines.get(cid))
            for cid, items in by_customer.items()
            if cid in customers
        ),
        ours_overdue=tuple(p for p in ours if p.due_at is not None and p.due_at < day_start),
        ours_due_today=tuple(p for p in ours if p.due_at is not None and p.due_at >= day_start),
        theirs_due=tuple(p for p in due if p.direction is Direction.THEIRS),
        customer_names=customers,
    )


def _ids(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


def customer_suggestions(
    team_id: str, text: str, *, limit: int = 25, uow: UnitOfWork
) -> list[Customer]:
    """Customers whose name, slug or alias contains ``text``, best first (autocomplete)."""
    text = clean_text(text).strip()
    with uow:
        if not text:
            return uow.customers.list(team_id)[:limit]
        if len(text) > MAX_CUSTOMER_SEARCH:  # names are shorter: nothing can match
            return []
        return uow.customers.search(team_id, text, limit=limit)
