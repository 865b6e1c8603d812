"""A customer with a record too long for one page, made through the real use cases (on
the fakes or on a database), and a walk through every page of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core import queries, services
from bot.core.clock import ManualClock
from bot.core.model import Direction
from bot.core.ports import UnitOfWork
from bot.core.services import TeamDefaults


@dataclass
class LongRecord:
    """The ids made, oldest first, and which of them were closed."""

    challenges: list[int] = field(default_factory=list)
    ours: list[int] = field(default_factory=list)
    theirs: list[int] = field(default_factory=list)
    touchpoints: list[int] = field(default_factory=list)
    addressed: list[int] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)


def make_long_record(
    uow: Callable[[], UnitOfWork],
    clock: ManualClock,
    team_id: str,
    *,
    customer: str = "acme",
    touchpoints: int = 40,
    addressed: int = 30,
    kept_ours: int = 25,
    kept_theirs: int = 10,
    wording: str = "",
) -> LongRecord:
    """``touchpoints`` touchpoints an hour apart, each raising challenge "problem NN", our
    "promise NN" and their "reply NN" (``wording`` appended), the biggest difference
    alternating (so every touchpoint changes it); then the oldest ``addressed``
    challenges addressed and the oldest ``kept_ours`` / ``kept_theirs`` promises kept."""
    services.ensure_team(team_id, "T", defaults=TeamDefaults(), uow=uow(), clock=clock)
    made = LongRecord()
    for n in range(touchpoints):
        difference = "needs fibre" if n % 2 else "cheaper plan"
        recorded = services.record_quick_entry(
            team_id,
            f"U{n % 3 + 1}",
            f"{customer} call | ch: problem {n:02d}{wording} | we: promise {n:02d}{wording}"
            f" | they: reply {n:02d}{wording} | diff: {difference}",
            uow=uow(),
            clock=clock,
        ).touchpoint
        made.touchpoints.append(recorded.id or 0)
        made.challenges.append(recorded.challenges[0].id or 0)
        for promise in recorded.promises:
            mine = made.ours if promise.direction is Direction.OURS else made.theirs
            mine.append(promise.id or 0)
        clock.advance(timedelta(hours=1))
    for challenge_id in made.challenges[:addressed]:
        services.change_challenge(team_id, challenge_id, "addressed", "U2", uow=uow(), clock=clock)
        made.addressed.append(challenge_id)
    for promise_id in made.ours[:kept_ours] + made.theirs[:kept_theirs]:
        services.settle_promise(team_id, promise_id, "kept", "U2", uow=uow(), clock=clock)
        made.settled.append(promise_id)
    return made


def every_page(
    uow: Callable[[], UnitOfWork], clock: ManualClock, team_id: str, customer: str = "acme"
) -> list[queries.CustomerRecord]:
    first = queries.customer_record(team_id, customer, uow=uow(), clock=clock)
    return [first] + [
        queries.customer_record(team_id, customer, page=page, uow=uow(), clock=clock)
        for page in range(2, first.pages + 1)
    ]
