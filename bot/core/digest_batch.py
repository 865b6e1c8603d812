"""Many teams' digests read together: the digests of a claimed batch (the 09:00 burst)
come from one query per kind for all its teams (``bot.core.batch_reads``), where
``queries.digest`` reads one team with about ten. The content is the same, item for item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.batch_reads import DueWindow, Section
from bot.core.model import Challenge, Promise
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
            teams = uow.teams.get_many(sorted(days))
            windows = {t: local_day_bounds(team, days[t]) for t, team in teams.items()}
            since = {t: previous_digest(team, days[t]) for t, team in teams.items()}
            due = uow.batch.due_promises(
                [DueWindow(t, *bounds) for t, bounds in windows.items()], DIGEST_PROMISES
            )
            counts = uow.batch.open_challenge_counts(sorted(teams))
            # A team with no open challenge has none new, passed on or waiting: not asked.
            asking = {t: since[t] for t in teams if t in counts}
            new = uow.batch.open_raised_since(asking, DIGEST_NEW)
            areas = [(t, area) for t in asking for area in teams[t].area_owners]
            passed = uow.batch.open_passed_to(areas, DIGEST_PASSED_ON)
            passed_on = {
                t: [
                    PassedOnDigest(area, owner, tuple(passed[(t, area)][0]), passed[(t, area)][1])
                    for area, owner in teams[t].area_owners.items()
                    if (t, area) in passed
                ]
                for t in teams
            }
            listed = {
                t: {c.id for c in new.get(t, ([], 0))[0]}
                | {c.id for e in passed_on[t] for c in e.challenges}
                for t in teams
            }
            candidates = uow.batch.oldest_open({t: DIGEST_OLDEST + len(listed[t]) for t in asking})
            oldest: dict[str, list[Challenge]] = {
                t: [c for c in candidates.get(t, []) if c.id not in listed[t]][:DIGEST_OLDEST]
                for t in teams
            }

            sections = {t: tuple(_shown(due.get((t, s), ([], 0))) for s in Section) for t in teams}
            customers = uow.batch.customers(
                {
                    t: digest_customer_ids(
                        [p for s in sections[t] for p in s.items],
                        [*new.get(t, ([], 0))[0], *oldest[t]],
                        passed_on[t],
                    )
                    for t in teams
                }
            )
            for t, team in teams.items():
                fresh, fresh_total = new.get(t, ([], 0))
                total, with_open = counts.get(t, (0, 0))
                out[(t, days[t])] = Digest(
                    team=team,
                    day=days[t],
                    now=now,
                    ours_overdue=sections[t][0],
                    ours_due_today=sections[t][1],
                    theirs_due=sections[t][2],
                    customer_names=customers[t],
                    passed_on=tuple(passed_on[t]),
                    open_challenges=total,
                    customers_with_open=with_open,
                    since=since[t],
                    new_challenges=Shown(tuple(fresh), fresh_total),
                    oldest=tuple(oldest[t]),
                    differences=tuple(new_differences(uow, t, fresh, since[t])),
                )
    return out


def _shown(found: tuple[list[Promise], int]) -> Shown[Promise]:
    return Shown(tuple(found[0]), found[1])
