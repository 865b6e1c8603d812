"""Many teams' digests read together: the digests of a claimed batch (the 09:00 burst)
come from one query per kind for all its teams (``bot.core.batch_reads``), where
``queries.digest`` reads one team with about ten. The content is the same, item for item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.batch_reads import DueWindow, Section
from bot.core.model import Challenge, Promise, Team
from bot.core.ports import Clock, UnitOfWork
from bot.core.queries import (
    DIGEST_NEW,
    DIGEST_OLDEST,
    DIGEST_PASSED_ON,
    DIGEST_PROMISES,
    Digest,
    PassedOnDigest,
    Shown,
    digest_customer_ids,
    local_day_bounds,
    new_differences,
    previous_digest,
)


def digests(
    wanted: Sequence[tuple[str, date]], *, uow: UnitOfWork, clock: Clock
) -> dict[tuple[str, date], Digest]:
    """The digest of each (team, local day), as ``queries.digest`` reads it; a team that
    is not set up is left out. A team asked for twice (two days) is read in a second
    round: each read takes one day per team."""
    now = clock.now()
    out: dict[tuple[str, date], Digest] = {}
    rounds: list[dict[str, date]] = []
    for team_id, day in dict.fromkeys(wanted):
        free = next((r for r in rounds if team_id not in r), None)
        if free is None:
            free = {}
            rounds.append(free)
        free[team_id] = day
    with uow:
        for days in rounds:
            out.update(_read_round(days, uow=uow, now=now))
    return out


def _read_round(
    days: dict[str, date], *, uow: UnitOfWork, now: datetime
) -> dict[tuple[str, date], Digest]:
    """The digests of teams that each appear once, one query per kind for them all."""
    teams = uow.teams.get_many(sorted(days))
    windows = [DueWindow(t, *local_day_bounds(team, days[t])) for t, team in teams.items()]
    due = uow.batch.due_promises(windows, DIGEST_PROMISES)
    sections = {t: tuple(_shown(due.get((t, s), ([], 0))) for s in Section) for t in teams}
    since = {t: previous_digest(team, days[t]) for t, team in teams.items()}
    challenges = _challenges(teams, since, uow=uow)
    customers = uow.batch.customers(
        {
            t: digest_customer_ids(
                [p for s in sections[t] for p in s.items],
                [*challenges[t].new.items, *challenges[t].oldest],
                challenges[t].passed_on,
            )
            for t in teams
        }
    )
    return {
        (t, days[t]): Digest(
            team=team,
            day=days[t],
            now=now,
            ours_overdue=sections[t][0],
            ours_due_today=sections[t][1],
            theirs_due=sections[t][2],
            customer_names=customers[t],
            passed_on=challenges[t].passed_on,
            open_challenges=challenges[t].total,
            customers_with_open=challenges[t].customers,
            since=since[t],
            new_challenges=challenges[t].new,
            oldest=challenges[t].oldest,
            differences=tuple(new_differences(uow, t, challenges[t].new.items, since[t])),
        )
        for t, team in teams.items()
    }


_NONE_NEW: Shown[Challenge] = Shown((), 0)


@dataclass(frozen=True)
class _Challenges:
    """What a digest shows of a team's open challenges."""

    total: int = 0
    customers: int = 0
    new: Shown[Challenge] = _NONE_NEW
    passed_on: tuple[PassedOnDigest, ...] = ()
    oldest: tuple[Challenge, ...] = ()


def _challenges(
    teams: dict[str, Team], since: dict[str, datetime], *, uow: UnitOfWork
) -> dict[str, _Challenges]:
    counts = uow.batch.open_challenge_counts(sorted(teams))
    # A team with no open challenge has none new, passed on or waiting: not asked.
    asking = {t: since[t] for t in teams if t in counts}
    new = uow.batch.open_raised_since(asking, DIGEST_NEW)
    areas = [(t, area) for t in asking for area in teams[t].area_owners]
    passed = uow.batch.open_passed_to(areas, DIGEST_PASSED_ON)
    passed_on = {
        t: tuple(
            PassedOnDigest(area, owner, tuple(passed[(t, area)][0]), passed[(t, area)][1])
            for area, owner in teams[t].area_owners.items()
            if (t, area) in passed
        )
        for t in asking
    }
    listed = {
        t: {c.id for c in new.get(t, ([], 0))[0]}
        | {c.id for e in passed_on[t] for c in e.challenges}
        for t in asking
    }
    candidates = uow.batch.oldest_open({t: DIGEST_OLDEST + len(listed[t]) for t in asking})
    out = {t: _Challenges() for t in teams}
    for t in asking:
        fresh, fresh_total = new.get(t, ([], 0))
        out[t] = _Challenges(
            total=counts[t][0],
            customers=counts[t][1],
            new=Shown(tuple(fresh), fresh_total),
            passed_on=passed_on[t],
            oldest=tuple(c for c in candidates.get(t, []) if c.id not in listed[t])[:DIGEST_OLDEST],
        )
    return out


def _shown(found: tuple[list[Promise], int]) -> Shown[Promise]:
    return Shown(tuple(found[0]), found[1])
