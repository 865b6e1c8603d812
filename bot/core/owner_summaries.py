"""The owners' weekly summary: each touchpoint owner is told, privately, how *their*
touchpoints went that week.

Planning mirrors the team's weekly summary (``bot.core.summaries``): on the team's day
(``Team.owner_summary_day``: Monday unless changed, None when turned off) at its digest
time, one delivery per owner, keyed ``owners:<team>:<iso-week>:<user>`` and addressed to
the owner's direct messages, goes to the outbox. The key is unique in the database, so
whatever the number of instances or restarts, an owner gets one summary a week. A day
missed (the bot was down) is still planned later that week, and labelled delayed.

The summary covers the week that ends at the planned instant (``Delivery.due_at``), not
at the moment it is sent, so a retry or a late send tells the same week.

An owner is a person named on a live map entry, or the owner of an area named on one
(``config owner billing @priya``; ``map_measures.owns``). An owner none of whose
touchpoints had a touchpoint that week, still has a challenge open, or gained an
improvement note that week is sent nothing: a summary of zeros teaches people to ignore it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core import measures
from bot.core.catalogue import team_stages
from bot.core.delivery import Delivery, DeliveryKind, direct_channel, direct_recipient
from bot.core.map_measures import OPEN_HORIZON, journey_order, owns
from bot.core.model import MapEntry, MapNote, Team
from bot.core.ports import Clock, UnitOfWork
from bot.core.summaries import this_monday
from bot.core.values import PlaceFigures
from bot.core.workdays import digest_instant

WEEK = timedelta(weeks=1)
EARLIER_WEEKS = 4  # the trend compares the week with the four before it
LISTED = 15  # entries in one summary; `stats map mine` lists them all
NOTES_LISTED = 2  # the newest improvement notes of the week, per entry


@dataclass(frozen=True)
class OwnedPlace:
    entry: MapEntry
    week: PlaceFigures  # touchpoints and scores of the week
    earlier: PlaceFigures  # the same of the EARLIER_WEEKS weeks before it
    # Our promises made there in the week and the EARLIER_WEEKS before it, and the
    # challenges raised there in the last OPEN_HORIZON weeks.
    state: PlaceFigures
    notes: tuple[MapNote, ...]  # improvement notes added during the week, oldest first

    @property
    def is_quiet(self) -> bool:
        """Nothing to tell: no touchpoint, no challenge still open, no new note."""
        return not (self.week.touchpoints or self.state.challenges_open or self.notes)


@dataclass(frozen=True)
class OwnerSummary:
    team: Team
    owner: str
    start: datetime  # the week is (start, end]
    end: datetime
    places: tuple[OwnedPlace, ...]  # moments of truth first, then journey order
    more: int = 0  # owned entries past LISTED, left out

    def is_empty(self) -> bool:
        return all(p.is_quiet for p in self.places)


def owner_summary_key(team_id: str, day: date, owner: str) -> str:
    return f"owners:{team_id}:{measures.iso_week(day)}:{owner}"


def summary_day(team: Team, now: datetime) -> date | None:
    """This week's day for the owners' summaries (team-local), None when they are off."""
    if team.owner_summary_day is None:
        return None
    return this_monday(team, now) + timedelta(days=team.owner_summary_day)


def recipients(team: Team, named: set[tuple[str, bool]]) -> set[str]:
    """The people behind the owners named on the map: persons, and areas' owners."""
    people = {owner for owner, is_person in named if is_person}
    areas = (team.area_owners.get(owner) for owner, is_person in named if not is_person)
    return people | {person for person in areas if person}


def plan_owner_summaries(*, uow: UnitOfWork, clock: Clock) -> int:
    """Create this week's summary delivery for every owner of every team whose summary
    day and digest time have come. A team that joined after that instant waits a week.
    One query for the owners of all such teams, one statement for the deliveries.
    Returns how many were created."""
    now = clock.now()
    with uow:
        due: dict[str, tuple[Team, date, datetime]] = {}
        for team in uow.teams.list_all():
            day = summary_day(team, now)
            if day is None:
                continue
            at = digest_instant(team, day)
            if now < at or (team.created_at is not None and team.created_at > at):
                continue
            due[team.id] = (team, day, at)
        named = uow.touchmap.owners(sorted(due)) if due else {}
        deliveries = [
            Delivery(
                team_id=team_id,
                kind=DeliveryKind.OWNER_SUMMARY,
                key=owner_summary_key(team_id, day, person),
                channel=direct_channel(person),
                due_at=at,
                day=day.isoformat(),
                created_at=now,
            )
            for team_id, owners in named.items()
            for team, day, at in (due[team_id],)
            for person in sorted(recipients(team, owners))
        ]
        created = uow.deliveries.add_all_if_absent(deliveries)
        uow.commit()
    return created


def build_owner_summary(
    uow: UnitOfWork, team: Team, owner: str, end: datetime, now: datetime
) -> OwnerSummary:
    """The summary of the week ending at ``end`` for ``owner`` (inside an open unit of
    work): a few grouped queries over the touchpoints of the entries they own, whatever
    the number of entries. The promises and challenges are read once for the whole span,
    the scores per part of it."""
    start = end - WEEK
    entries = [
        e for e in uow.touchmap.entries(team.id) if not e.is_retired and owns(team, e, owner)
    ]
    if not entries:
        return OwnerSummary(team, owner, start, end, ())
    horizon = end - timedelta(weeks=OPEN_HORIZON)
    first = start - EARLIER_WEEKS * WEEK
    owned = [e.id for e in entries if e.id is not None]
    figures = functools.partial(uow.touchmap.figures, team.id, "entry", entry_ids=owned)
    state = figures(first, end, now, state_since=horizon, last_seen=False)
    week = figures(start, end, now)
    earlier = figures(first, start, now)
    ordered = journey_order(entries, team_stages(uow, team.id))
    empty = PlaceFigures()
    places = tuple(
        OwnedPlace(
            e,
            week.get(e.id, empty),
            earlier.get(e.id, empty),
            state.get(e.id, empty),
            tuple(n for n in e.notes if start < n.at <= end)[-NOTES_LISTED:],
        )
        for e in ordered[:LISTED]
    )
    return OwnerSummary(team, owner, start, end, places, max(0, len(ordered) - LISTED))


def summary_for(delivery: Delivery, *, uow: UnitOfWork, now: datetime) -> OwnerSummary | None:
    """The owner's summary for the week ending at ``delivery.due_at``, or None when the
    team is gone, the person owns nothing now, or their week was quiet."""
    owner = direct_recipient(delivery.channel)
    with uow:
        team = uow.teams.get(delivery.team_id)
        if team is None or owner is None:
            return None
        summary = build_owner_summary(uow, team, owner, delivery.due_at, now)
    return None if summary.is_empty() else summary
