"""The App Home tab: a person's open promises and their customers' open challenges.

Built from the core's existing queries and line content; "their customers" are those of the
promises they hold and of the challenges they raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bot.core import content, queries
from bot.core.model import Challenge, Customer, Direction
from bot.core.ports import Clock, UnitOfWork
from bot.core.replies import Line, Reply, ReplyKind, Section, line

HOME_HINT = "`/touchpoint promises mine` and `/touchpoint challenges` list them all."


@dataclass(frozen=True)
class HomeData:
    promises: queries.PromiseList
    challenges: queries.ChallengeList


def load_home(
    team_id: str, user_id: str, *, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> HomeData:
    """Synchronous (database): run it in a worker thread."""
    # owner= covers both directions: our promises they own, and the customers' promises
    # they recorded (the recorder owns the follow-up).
    promises = queries.open_promises(team_id, owner=user_id, uow=uow_factory(), clock=clock)
    challenges = queries.open_challenges(team_id, uow=uow_factory(), clock=clock)
    theirs = {p.customer_id for p in promises.promises} | {
        c.customer_id for c in challenges.challenges if c.raised_by == user_id
    }
    mine = tuple(c for c in challenges.challenges if c.customer_id in theirs)
    return HomeData(
        promises,
        queries.ChallengeList(challenges.team, challenges.now, mine, challenges.customers),
    )


def home_replies(data: HomeData) -> list[Reply]:
    return [_promises_reply(data.promises), _challenges_reply(data.challenges)]


def _promises_reply(result: queries.PromiseList) -> Reply:
    sections = []
    for direction, heading in (
        (Direction.OURS, "Ours — you own them"),
        (Direction.THEIRS, "Theirs — customers' promises you follow"),
    ):
        lines = tuple(
            content.promise_line(
                p, result.team, result.now, result.customers.get(p.customer_id), with_actions=True
            )
            for p in result.promises
            if p.direction is direction
        )
        if lines:
            sections.append(Section(heading, lines))
    if not sections:
        sections.append(Section(None, (line("Nothing open. 🎉"),)))
    return Reply("Your open promises", tuple(sections), kind=ReplyKind.LIST)


def _challenges_reply(result: queries.ChallengeList) -> Reply:
    by_customer: dict[int, list[Challenge]] = defaultdict(list)
    for challenge in result.challenges:
        by_customer[challenge.customer_id].append(challenge)
    sections = [
        Section(_name(result.customers.get(cid)), _challenge_lines(items, result))
        for cid, items in by_customer.items()
    ]
    if not sections:
        sections.append(Section(None, (line("No open challenges."),)))
    return Reply("Open challenges of your customers", tuple(sections), kind=ReplyKind.LIST)


def _challenge_lines(items: list[Challenge], result: queries.ChallengeList) -> tuple[Line, ...]:
    return tuple(content.challenge_line(c, result.now, with_actions=True) for c in items)


def _name(customer: Customer | None) -> str:
    return customer.name if customer else "?"
