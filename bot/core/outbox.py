"""The outbox as the team and the operator see it: what could not be sent, and why.

A delivery the platform refused for good (an archived channel, a revoked token) is
recorded as given up with the reason and what to do about it. The team sees a count per
reason in `/touchpoint config`; an operator lists a team's outbox with `touchpoint outbox
--team ID` and, once the cause is fixed, sends the given-up deliveries again (`--retry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.delivery import REMINDING, Delivery, DeliveryKind, DeliveryStatus
from bot.core.ports import Clock, UnitOfWork
from bot.core.replies import Line, Section, line

# Given-up deliveries older than this are not mentioned in `/touchpoint config` any more:
# the team has seen them (or a newer one tells the same story).
SHOWN_FOR = timedelta(days=7)
LISTED = 50  # per state, in `touchpoint outbox`
RETRY_SCAN = 10_000  # given-up deliveries read to fold reminders back into their digests
OPEN_STATES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def undelivered(team_id: str, *, uow: UnitOfWork, clock: Clock) -> list[tuple[str, int]]:
    """(reason, how many) of the team's deliveries given up in the last week."""
    with uow:
        return uow.deliveries.given_up_since(team_id, clock.now() - SHOWN_FOR)


def undelivered_section(reasons: list[tuple[str, int]]) -> Section | None:
    """ "3 deliveries could not be sent: the team channel is archived — unarchive it ..." """
    if not reasons:
        return None
    lines: list[Line] = []
    for reason, count in reasons:
        noun = "delivery" if count == 1 else "deliveries"
        lines.append(line(f"{count} {noun} could not be sent: {reason or 'no reason recorded'}"))
    return Section("Not delivered", tuple(lines))


@dataclass(frozen=True)
class OutboxListing:
    team_id: str
    now: datetime
    pending: list[Delivery]  # waiting for a first attempt, or sending now
    failing: list[Delivery]  # failed at least once, retried later
    given_up: list[Delivery]


def listing(team_id: str, *, uow: UnitOfWork, clock: Clock, limit: int = LISTED) -> OutboxListing:
    with uow:
        open_ = uow.deliveries.of_team(team_id, OPEN_STATES, 2 * limit)
        given_up = uow.deliveries.of_team(team_id, (DeliveryStatus.FAILED,), limit)
    failing = [d for d in open_ if d.last_error and d.status is DeliveryStatus.PENDING]
    pending = [d for d in open_ if d not in failing]
    return OutboxListing(team_id, clock.now(), pending[:limit], failing[:limit], given_up)


def retry_given_up(team_id: str, *, uow: UnitOfWork, clock: Clock) -> int:
    """Send the team's given-up deliveries again (after the cause was fixed): they are
    pending and due now, with a fresh count of attempts. A given-up digest handed the
    reminders it carried back to go out on their own, often to the same broken channel;
    sent again, it lists them itself, so those reminders are folded back into it rather
    than sent beside it (each owner is mentioned once). Returns how many go again."""
    with uow:
        given_up = uow.deliveries.of_team(team_id, (DeliveryStatus.FAILED,), RETRY_SCAN)
        folded = folded_back(given_up)
        for delivery in folded:
            delivery.skip("carried by its digest, sent again")
        uow.deliveries.save_all(folded)
        count = uow.deliveries.retry_given_up(team_id, clock.now())
        uow.commit()
    return count


def folded_back(given_up: list[Delivery]) -> list[Delivery]:
    """The given-up reminders and nudges whose every promise a given-up digest to the same
    channel carried."""
    carried: dict[str, set[int]] = {}
    for digest in given_up:
        if digest.kind is DeliveryKind.DIGEST:
            carried.setdefault(digest.channel, set()).update(digest.promise_ids)
    return [
        d
        for d in given_up
        if d.kind in REMINDING
        and d.promise_ids
        and set(d.promise_ids) <= carried.get(d.channel, set())
    ]


def listing_lines(found: OutboxListing) -> list[str]:
    """The listing as text for a terminal."""
    out = [f"Outbox of {found.team_id} at {found.now:%Y-%m-%d %H:%M} UTC"]
    groups = (
        ("Pending", found.pending),
        ("Failing (retried later)", found.failing),
        ("Given up", found.given_up),
    )
    for title, deliveries in groups:
        out.append(f"{title}: {len(deliveries)}{'+' if len(deliveries) >= LISTED else ''}")
        out += [f"  {_describe(d)}" for d in deliveries]
    if found.given_up:
        out.append(
            "Fix the cause, then `touchpoint outbox --team "
            f"{found.team_id} --retry` sends the given-up ones again."
        )
    return out


def _describe(delivery: Delivery) -> str:
    text = (
        f"#{delivery.id} {delivery.kind.value} due {delivery.due_at:%Y-%m-%d %H:%M}"
        f" · {delivery.attempts} attempt{'' if delivery.attempts == 1 else 's'}"
    )
    if delivery.status is DeliveryStatus.SENDING:
        text += f" · being sent by {delivery.claimed_by}"
    elif delivery.next_attempt_at is not None and delivery.status is DeliveryStatus.PENDING:
        text += f" · next try {delivery.next_attempt_at:%H:%M:%S}"
    if delivery.last_error:
        text += f" · {delivery.last_error}"
    return text
