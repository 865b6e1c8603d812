"""Measures per touchpoint of the map and per journey stage (`stats map`, `stats stage`),
and the overlooked touchpoints.

For each place (a map entry, or a stage) over the last ``weeks`` weeks, and the same span
before it for the trend: how many touchpoints happened there, their average CSAT and CES and
their NPS; our promises made there that count for on time (``bot.core.measures`` defines
it) and how many were kept on time; and the challenges raised there in the last
``OPEN_HORIZON`` weeks (or the span, if longer) and how many are still open.

Overlooked: entries in use with no touchpoint recorded in the last ``weeks`` weeks (ever,
first), and entries whose challenges most often stay open (at least ``MIN_RAISED`` raised,
at least half still open). These are the touchpoints a team forgets to look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.catalogue import team_stages
from bot.core.errors import UserError
from bot.core.model import MapEntry, Team
from bot.core.ports import Clock, UnitOfWork
from bot.core.services import load_team
from bot.core.values import Grouping, PlaceFigures

DEFAULT_WEEKS = 4
MAX_WEEKS = 52
OPEN_HORIZON = 13  # weeks of challenges looked at for "left open", at least
MIN_RAISED = 2  # fewer challenges say nothing about how often they stay open
OVERLOOKED_LISTED = 5


@dataclass(frozen=True)
class Place:
    name: str  # the entry's name or the stage
    entry: MapEntry | None  # None for a stage, or for touchpoints named on no entry
    now: PlaceFigures  # the last ``weeks`` weeks (challenges: ever)
    before: PlaceFigures  # the ``weeks`` weeks before that, for the trend


@dataclass(frozen=True)
class MapReport:
    team: Team
    by: Grouping
    weeks: int
    since: datetime
    places: tuple[Place, ...]  # moments of truth first, then journey order
    quiet: tuple[Place, ...]  # entries with no touchpoint in the window, never-used first
    left_open: tuple[Place, ...]  # entries whose challenges most often stay open
    owner: str | None = None  # `stats map mine`: only the entries this person owns


def owns(team: Team, entry: MapEntry, person: str) -> bool:
    """A person owns an entry named for them, or for an area they own (``config owner``)."""
    if entry.owner is None:
        return False
    if entry.owner_is_person:
        return entry.owner == person
    return team.area_owners.get(entry.owner) == person


def journey_order(entries: Iterable[MapEntry], stages: Sequence[str]) -> list[MapEntry]:
    """Moments of truth first, then in the order of the journey's stages, then by name."""
    order = {s: n for n, s in enumerate(stages)}
    return sorted(
        entries, key=lambda e: (not e.moment_of_truth, order.get(e.stage, len(order)), e.name)
    )


def parse_weeks(text: str) -> int:
    """ "" -> the default; "8" or "8 weeks" -> 8."""
    words = text.lower().split()
    if not words:
        return DEFAULT_WEEKS
    number = words[0]
    if (
        len(words) <= 2
        and number.isascii()
        and number.isdigit()
        and 1 <= int(number) <= MAX_WEEKS
        and (len(words) == 1 or words[1] in {"week", "weeks", "w"})
    ):
        return int(number)
    raise UserError(
        f"Write `/touchpoint stats map` (the last {DEFAULT_WEEKS} weeks) or `stats map 8` "
        f"for 1 to {MAX_WEEKS} weeks; `stats stage` works the same way."
    )


def map_report(
    team_id: str,
    by: Grouping,
    text: str,
    *,
    person: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> MapReport:
    """``text``: the weeks ("", "8"), or "mine" first (map only) for the entries ``person``
    owns."""
    words = text.split()
    owner = None
    if by == "entry" and words and words[0].lower() in {"mine", "me", "my"}:
        owner, text = person, " ".join(words[1:])
    weeks = parse_weeks(text)
    now = clock.now()
    since = now - timedelta(weeks=weeks)
    with uow:
        team = load_team(uow, team_id)
        horizon = now - timedelta(weeks=max(weeks, OPEN_HORIZON))
        current = uow.touchmap.figures(team_id, by, since, now, now, state_since=horizon)
        previous = uow.touchmap.figures(team_id, by, since - timedelta(weeks=weeks), since, now)
        entries = uow.touchmap.entries(team_id)
        stages = team_stages(uow, team_id)
    empty = PlaceFigures()
    if by == "entry":
        shown = [e for e in entries if not e.is_retired or current.get(e.id, empty).touchpoints]
        if owner is not None:
            shown = [e for e in shown if owns(team, e, owner)]
        shown = journey_order(shown, stages)
        places = [
            Place(e.name, e, current.get(e.id, empty), previous.get(e.id, empty)) for e in shown
        ]
        loose = current.get(None, empty)
        if loose.touchpoints and owner is None:
            places.append(Place("not on the map", None, loose, previous.get(None, empty)))
        live = [p for p in places if p.entry is not None and not p.entry.is_retired]
        quiet = sorted(
            (p for p in live if not p.now.touchpoints),
            key=lambda p: (p.now.last_at is not None, p.now.last_at or since, p.name),
        )
        left_open = sorted(
            (p for p in live if p.now.challenges_raised >= MIN_RAISED and p.now.open_share >= 0.5),
            key=lambda p: (-p.now.open_share, -p.now.challenges_open, p.name),
        )
    else:
        keys = [*stages, *sorted(k for k in current if isinstance(k, str) and k not in stages)]
        places = [Place(s, None, current.get(s, empty), previous.get(s, empty)) for s in keys]
        unset = current.get(None, empty)
        if unset.touchpoints or unset.challenges_raised:
            places.append(Place("no stage", None, unset, previous.get(None, empty)))
        quiet, left_open = [], []
    return MapReport(
        team,
        by,
        weeks,
        since,
        tuple(places),
        tuple(quiet[:OVERLOOKED_LISTED]),
        tuple(left_open[:OVERLOOKED_LISTED]),
        owner,
    )
