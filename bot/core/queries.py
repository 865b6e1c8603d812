"""Use cases that read: the customer record, open lists and the digest content."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.core.customers import MAX_CUSTOMER_SEARCH, find_customer
from bot.core.entry_labels import clean_text
from bot.core.errors import UserError
from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Contact,
    Customer,
    Direction,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
    TouchpointEdit,
)
from bot.core.ports import Clock, UnitOfWork, Window
from bot.core.services import load_team
from bot.core.workdays import digest_instant

T = TypeVar("T")


@dataclass(frozen=True)
class PageSize:
    """How many items of one list of the customer record a page shows: ``first`` on
    page 1 (the handover brief), ``later`` on each page after it."""

    first: int
    later: int

    def window(self, page: int, total: int) -> Window:
        """The items of a list of ``total`` that ``page`` shows (limit 0: none left)."""
        offset = 0 if page == 1 else self.first + (page - 2) * self.later
        size = self.first if page == 1 else self.later
        return Window(offset, max(0, min(size, total - offset)))

    def pages(self, total: int) -> int:
        """How many pages it takes to show a list of ``total`` (at least one)."""
        if total <= self.first:
            return 1
        return 1 + -(-(total - self.first) // self.later)


# A page of the record must fit each platform's limits, the tightest being Discord's five
# messages of 6,000 characters; a record line runs to about 150 of them with a challenge or
# promise of a few words and its history. So every page has about 90 lines. Page 1 gives
# open items the most room (capped too: a customer can have 800 open challenges) and shows
# the most recent few closed ones; later pages go on with every list ten at a time.
OPEN_ITEMS = PageSize(first=15, later=10)
CLOSED_ITEMS = PageSize(first=5, later=10)
TOUCHPOINTS = PageSize(first=10, later=10)
CHANGES = PageSize(first=10, later=10)


@dataclass(frozen=True)
class Part(Generic[T]):
    """What one page of the record shows of one of its lists."""

    items: tuple[T, ...]
    skipped: int  # how many of the list earlier pages show
    total: int  # how many the list has in all

    @property
    def remaining(self) -> int:
        """How many of the list later pages show."""
        return max(0, self.total - self.skipped - len(self.items))


@dataclass(frozen=True)
class DifferenceEntry:
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class DifferenceChange:
    """The biggest difference as first said, and how many touchpoints in a row said it."""

    entry: DifferenceEntry
    times: int


@dataclass(frozen=True)
class ContactSeen:
    """Someone at the customer, when they were last spoken to and on how many touchpoints
    (of the recent mentions read)."""

    contact: Contact  # as last written (the latest role)
    last_at: datetime
    touchpoints: int


CONTACTS_SHOWN = 10


def contacts_seen(mentions: Sequence[tuple[Contact, datetime]]) -> tuple[ContactSeen, ...]:
    """Newest-first mentions -> one entry per person (names match ignoring case), newest
    first, the role as last given."""
    seen: dict[str, ContactSeen] = {}
    for contact, at in mentions:
        key = " ".join(contact.name.casefold().split())
        known = seen.get(key)
        if known is None:
            seen[key] = ContactSeen(contact, at, 1)
        else:
            role = known.contact.role or contact.role
            seen[key] = ContactSeen(
                Contact(known.contact.name, role), known.last_at, known.touchpoints + 1
            )
    return tuple(seen.values())[:CONTACTS_SHOWN]


@dataclass(frozen=True)
class CustomerRecord:
    """One page of a customer's record. Page 1 is the handover brief: every open item
    (up to a cap), the most recent closed ones, the latest changes of the biggest
    difference and the recent touchpoints; each later page continues every list."""

    team: Team
    customer: Customer
    now: datetime
    page: int
    pages: int
    open_challenges: Part[Challenge]  # open or passed on, oldest raised first
    addressed_challenges: Part[Challenge]  # newest raised first
    ours_open: Part[Promise]  # open ones oldest made first
    ours_settled: Part[Promise]  # kept, not kept or cancelled, newest made first
    theirs_open: Part[Promise]
    theirs_settled: Part[Promise]
    changes: Part[DifferenceChange]  # newest first
    touchpoints: Part[Touchpoint]  # newest first
    differences: tuple[DifferenceEntry, ...]  # every one, oldest first
    last_contact: Touchpoint | None  # read for page 1 only
    contacts: tuple[ContactSeen, ...] = ()  # page 1 only; last spoken to first
    # The newest edit of each touchpoint on the page that was edited (and not undone).
    edits: Mapping[int, TouchpointEdit] = field(default_factory=dict)
    # The map entries the page's touchpoints name: id -> name (retired ones too).
    entry_names: Mapping[int, str] = field(default_factory=dict)

    @property
    def headline(self) -> str | None:
        return self.differences[-1].text if self.differences else None

    @property
    def challenges(self) -> tuple[Challenge, ...]:
        """The challenges on this page, open ones first."""
        return self.open_challenges.items + self.addressed_challenges.items

    @property
    def promises(self) -> tuple[Promise, ...]:
        """The promises on this page: ours, then theirs; open ones first."""
        return (
            self.ours_open.items
            + self.ours_settled.items
            + self.theirs_open.items
            + self.theirs_settled.items
        )

    @property
    def recent(self) -> tuple[Touchpoint, ...]:
        return self.touchpoints.items

    @property
    def touchpoint_count(self) -> int:
        return self.touchpoints.total


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


# The digest is read bounded: a team with 10,000 customers and 100,000 open challenges
# gets the same few screens as a small one, each list ending in how many more there are and
# the command that lists them all. Sized for Slack, the tightest: a reply is up to four
# messages of 50 blocks, and a line with buttons takes two (its text, its buttons).
# It lists in full what is due (the promises: the morning's reminders) and what is new;
# challenges still open from before are counted, with the few waiting longest named, so
# a morning does not repeat yesterday's list.
DIGEST_PROMISES = 10  # per promise section, the soonest due first
DIGEST_NEW = 10  # challenges raised since the last digest, oldest first
DIGEST_OLDEST = 3  # the open challenges waiting longest
DIGEST_PASSED_ON = 5  # per owned area


@dataclass(frozen=True)
class PassedOnDigest:
    area: str
    owner: str
    challenges: tuple[Challenge, ...]  # oldest first, at most DIGEST_PASSED_ON
    total: int


@dataclass(frozen=True)
class Shown(Generic[T]):
    """The first items of a list, and how many the whole list has."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Digest:
    team: Team
    day: date  # the team's local day the digest is for
    now: datetime
    ours_overdue: Shown[Promise]
    ours_due_today: Shown[Promise]
    theirs_due: Shown[Promise]  # overdue or due today
    customer_names: dict[int, Customer]
    passed_on: tuple[PassedOnDigest, ...] = ()  # areas with an owner and something passed on
    open_challenges: int = 0  # the team's, shown or not
    customers_with_open: int = 0
    since: datetime | None = None  # the previous working day's digest time
    new_challenges: Shown[Challenge] = Shown((), 0)  # open, raised since then
    oldest: tuple[Challenge, ...] = ()  # waiting longest (not in an area's or the new list)
    # (customer id, biggest difference) of the new challenges' customers whose biggest
    # difference was named, or changed, since then
    differences: tuple[tuple[int, str], ...] = ()

    def is_empty(self) -> bool:
        return not (
            self.open_challenges
            or self.ours_overdue.total
            or self.ours_due_today.total
            or self.theirs_due.total
        )


def customer_record(
    team_id: str, customer_text: str, *, page: int = 1, uow: UnitOfWork, clock: Clock
) -> CustomerRecord:
    """Page ``page`` of the customer's record: counts first, then only the rows the page
    shows (a customer with 1,000 touchpoints has thousands of items; a page about 100)."""
    if page < 1:
        raise UserError("Pages start at 1, e.g. `/touchpoint show acme page 2`.")
    with uow:
        team = load_team(uow, team_id)
        customer = find_customer(uow, team_id, customer_text)
        assert customer.id is not None
        cid = customer.id
        challenge_tally = uow.challenges.tally_for_customer(team_id, cid)
        promise_tally = uow.promises.tally_for_customer(team_id, cid)
        touchpoint_total = uow.touchpoints.count_for_customer(team_id, cid)
        differences = tuple(
            DifferenceEntry(at, author, text)
            for at, author, text in uow.touchpoints.differences_for_customer(team_id, cid)
        )
        changes = difference_changes(differences)
        addressed_total = challenge_tally.get(ChallengeStatus.ADDRESSED, 0)
        open_total = sum(challenge_tally.values()) - addressed_total
        promise_totals = {
            (direction, is_open): sum(
                n
                for (d, status), n in promise_tally.items()
                if d is direction and (status is PromiseStatus.OPEN) == is_open
            )
            for direction in (Direction.OURS, Direction.THEIRS)
            for is_open in (True, False)
        }
        sized = [
            (OPEN_ITEMS, open_total),
            (CLOSED_ITEMS, addressed_total),
            *((OPEN_ITEMS if key[1] else CLOSED_ITEMS, n) for key, n in promise_totals.items()),
            (CHANGES, len(changes)),
            (TOUCHPOINTS, touchpoint_total),
        ]
        pages = max(size.pages(total) for size, total in sized)
        if page > pages:
            raise UserError(
                f"The record of “{customer.name}” has {pages} page(s): "
                f"`/touchpoint show {customer.name} page {pages}` is the last."
            )
        open_window = OPEN_ITEMS.window(page, open_total)
        addressed_window = CLOSED_ITEMS.window(page, addressed_total)
        open_challenges, addressed = uow.challenges.page_for_customer(
            team_id, cid, open_window, addressed_window
        )
        promise_windows = {
            key: (OPEN_ITEMS if key[1] else CLOSED_ITEMS).window(page, total)
            for key, total in promise_totals.items()
        }
        promises = uow.promises.page_for_customer(team_id, cid, promise_windows)
        touchpoint_window = TOUCHPOINTS.window(page, touchpoint_total)
        touchpoints = (
            uow.touchpoints.recent_for_customer(
                team_id, cid, touchpoint_window.limit, touchpoint_window.offset
            )
            if touchpoint_window.limit
            else []
        )
        mentions = uow.touchpoints.contacts_for_customer(team_id, cid) if page == 1 else []
        ids = [t.id for t in touchpoints if t.id is not None]
        edits = uow.touchpoints.last_edits(team_id, ids) if ids else {}
        named = {t.map_entry_id for t in touchpoints if t.map_entry_id is not None}
        entry_names = (
            {e.id: e.name for e in uow.touchmap.entries(team_id, with_notes=False) if e.id in named}
            if named
            else {}
        )
    change_window = CHANGES.window(page, len(changes))

    def part(items: Sequence[T], window: Window, total: int) -> Part[T]:
        return Part(tuple(items), window.offset, total)

    def promise_part(direction: Direction, is_open: bool) -> Part[Promise]:
        key = (direction, is_open)
        return part(promises[key], promise_windows[key], promise_totals[key])

    return CustomerRecord(
        team=team,
        customer=customer,
        now=clock.now(),
        page=page,
        pages=pages,
        open_challenges=part(open_challenges, open_window, open_total),
        addressed_challenges=part(addressed, addressed_window, addressed_total),
        ours_open=promise_part(Direction.OURS, True),
        ours_settled=promise_part(Direction.OURS, False),
        theirs_open=promise_part(Direction.THEIRS, True),
        theirs_settled=promise_part(Direction.THEIRS, False),
        changes=part(
            changes[change_window.offset : change_window.offset + change_window.limit],
            change_window,
            len(changes),
        ),
        touchpoints=part(touchpoints, touchpoint_window, touchpoint_total),
        differences=differences,
        last_contact=touchpoints[0] if page == 1 and touchpoints else None,
        contacts=contacts_seen(mentions),
        edits=edits,
        entry_names=entry_names,
    )


def difference_changes(differences: Sequence[DifferenceEntry]) -> tuple[DifferenceChange, ...]:
    """Newest first; repeats of the same phrase in a row fold into its first mention."""
    runs: list[DifferenceChange] = []
    previous = None
    for entry in differences:
        text = normalised(entry.text)
        if runs and text == previous:
            runs[-1] = DifferenceChange(runs[-1].entry, runs[-1].times + 1)
        else:
            runs.append(DifferenceChange(entry, 1))
        previous = text
    return tuple(reversed(runs))


def normalised(text: str) -> str:
    """A biggest difference as compared: case and spacing do not make a new one."""
    return " ".join(text.lower().split())


def open_promises(
    team_id: str,
    *,
    owner: str | None = None,
    direction: Direction | None = None,
    customer_text: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> PromiseList:
    with uow:
        team = load_team(uow, team_id)
        if customer_text:  # one customer's: "promises hooli"
            customer = find_customer(uow, team_id, customer_text)
            everything = uow.promises.for_customer(team_id, customer.id or 0)
            far = datetime.max.replace(tzinfo=UTC)
            promises = sorted(
                (p for p in everything if p.is_open), key=lambda p: (p.due_at or far, p.id or 0)
            )
        else:
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
    """The digest content for the team's local ``day`` (today by default): the first items
    of each list and how many each has (``DIGEST_*``)."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        day = day or local_today(team, now)
        day_start, day_end = local_day_bounds(team, day)
        promises = uow.promises

        def due(direction: Direction, before: datetime, since: datetime | None) -> Shown[Promise]:
            found = promises.open_for_team(
                team_id, direction=direction, due_before=before, due_from=since,
                limit=DIGEST_PROMISES,
            )  # fmt: skip
            total = len(found)
            if total == DIGEST_PROMISES:
                total = promises.count_open_for_team(
                    team_id, direction=direction, due_before=before, due_from=since
                )
            return Shown(tuple(found), total)

        ours_overdue = due(Direction.OURS, day_start, None)
        ours_today = due(Direction.OURS, day_end, day_start)
        theirs = due(Direction.THEIRS, day_end, None)
        _, open_total, with_open = uow.challenges.open_customers(team_id, 0)
        since = previous_digest(team, day)
        new, new_total = uow.challenges.open_raised_since(team_id, since, DIGEST_NEW)
        passed_on = []
        for area, owner in team.area_owners.items():
            items, total = uow.challenges.open_passed_to(team_id, area, DIGEST_PASSED_ON)
            if total:
                passed_on.append(PassedOnDigest(area, owner, tuple(items), total))
        listed = {c.id for c in new} | {c.id for e in passed_on for c in e.challenges}
        candidates = uow.challenges.open_for_team(team_id, limit=DIGEST_OLDEST + len(listed))
        oldest = [c for c in candidates if c.id not in listed][:DIGEST_OLDEST]
        shown_promises = [*ours_overdue.items, *ours_today.items, *theirs.items]
        customer_ids = digest_customer_ids(shown_promises, [*new, *oldest], passed_on)
        customers = uow.customers.get_many(team_id, customer_ids)
        differences = new_differences(uow, team_id, new, since)
    return Digest(
        team=team,
        day=day,
        now=now,
        ours_overdue=ours_overdue,
        ours_due_today=ours_today,
        theirs_due=theirs,
        customer_names=customers,
        passed_on=tuple(passed_on),
        open_challenges=open_total,
        customers_with_open=with_open,
        since=since,
        new_challenges=Shown(tuple(new), new_total),
        oldest=tuple(oldest),
        differences=tuple(differences),
    )


def digest_customer_ids(
    promises: Sequence[Promise],
    challenges: Sequence[Challenge],
    passed_on: Sequence[PassedOnDigest],
) -> list[int]:
    """The customers a digest names, each once, in the order it names them."""
    return _ids(
        [
            *(p.customer_id for p in promises),
            *(c.customer_id for c in challenges),
            *(c.customer_id for entry in passed_on for c in entry.challenges),
        ]
    )


def new_differences(
    uow: UnitOfWork, team_id: str, new: Sequence[Challenge], since: datetime
) -> list[tuple[int, str]]:
    """(customer id, biggest difference) of the new challenges' customers whose biggest
    difference was named, or changed, since ``since`` (at most DIGEST_NEW customers)."""
    differences = []
    for cid in _ids(c.customer_id for c in new):
        named = uow.touchpoints.differences_for_customer(team_id, cid)
        runs = difference_changes([DifferenceEntry(*entry) for entry in named])
        if runs and runs[0].entry.at >= since:
            differences.append((cid, runs[0].entry.text))
    return differences


def previous_digest(team: Team, day: date) -> datetime:
    """The digest time of the working day before ``day``: what a digest calls new is what
    came since then (over a weekend, since Friday's)."""
    before = day
    for _ in range(7):
        before -= timedelta(days=1)
        if team.is_working_day(before.weekday()):
            break
    return digest_instant(team, before)


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
