"""The reminder engine's decisions: what is due, what to send, what happened.

The database is the single source of truth. Planning turns due promises and digests into
delivery records in the same transaction that advances the promises, so a crash either
leaves both undone (planned again next scan) or both done (sent from the outbox).
Sending is separate: a delivery is claimed (with a lease) before it goes out and marked
sent with the platform's message reference after.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import (
    claims,
    digest_batch,
    digest_content,
    owner_content,
    owner_summaries,
    queries,
    summaries,
)
from bot.core.claims import (  # noqa: F401 (claim_deliveries: claimed through here too)
    Pace,
    claim_deliveries,
)
from bot.core.delivery import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Outgoing,
    direct_channel,
    parse_notice_key,
)
from bot.core.errors import NotFound
from bot.core.model import Direction, Promise, Team
from bot.core.ports import Clock, UnitOfWork
from bot.core.workdays import digest_instant, next_working_day_start

log = logging.getLogger(__name__)

UTC = ZoneInfo("UTC")
SCAN_LIMIT = 1000
NO_CHANNEL_RETRY = timedelta(hours=1)


# -- planning -------------------------------------------------------------------------------


def plan_reminders(*, uow: UnitOfWork, clock: Clock, limit: int = SCAN_LIMIT) -> int:
    """Turn promises due now into deliveries: one grouped message per team, direction and
    destination (a burst of reminders becomes one message), and move each promise to its
    next repeat. Reminders that fall at the start of a digest day go in that day's digest
    instead of beside it (see ``_folding``); an owner who asked for direct messages gets
    theirs there. With overdue repeats off, a repeat planned earlier is dropped unsent.
    Returns the number of deliveries created."""
    now = clock.now()
    with uow:
        due = uow.promises.due_for_reminder(now, limit)
        if not due:
            return 0
        found = uow.teams.get_many(sorted({p.team_id for p in due}))  # one query, not one a team
        teams = {tid: found.get(tid) for tid in {p.team_id for p in due}}
        groups: dict[tuple[str, Direction, str], list[tuple[Promise, datetime]]] = defaultdict(list)
        changes: list[tuple[int, datetime | None, int]] = []
        digests: dict[tuple[str, date], Delivery] = {}
        # Most due promises of a team repeat at the same instant (the next working day's
        # start after now): worked out once per team and instant, not once per promise.
        repeats: dict[tuple[str, datetime], datetime] = {}
        folds: dict[tuple[str, datetime], datetime | tuple[date, datetime] | None] = {}
        carried: dict[tuple[str, date], list[tuple[Promise, datetime, str]]] = defaultdict(list)
        for promise in due:
            team = teams[promise.team_id]
            if team is None or promise.id is None:
                continue
            scheduled = promise.remind_at or now
            sent = promise.reminders_sent
            if sent and not team.remind_overdue:
                changes.append((promise.id, None, sent))  # `config overdue off`: at once
                continue
            to_dm = _by_direct_message(team, promise)
            route = direct_channel(promise.owner) if to_dm else team.channel
            if not route:
                # Nowhere to post yet: look again in a while rather than at every scan.
                changes.append((promise.id, now + NO_CHANNEL_RETRY, sent))
                continue
            after = max(now, scheduled)
            repeat = repeats.get((team.id, after))
            if repeat is None:
                repeat = repeats[(team.id, after)] = next_working_day_start(team, after)
            advanced = (promise.id, repeat if team.remind_overdue else None, sent + 1)
            fold = None
            if not to_dm:  # worked out once per team and instant, like the repeats
                key = (team.id, scheduled)
                if key not in folds:
                    folds[key] = _folding(team, scheduled, now)
                fold = folds[key]
            if isinstance(fold, datetime):
                changes.append((promise.id, fold, sent))  # waits for the digest
                continue
            if fold is not None:
                day, at = fold
                digests.setdefault((team.id, day), _digest_delivery(team, day, at, now))
                carried[(team.id, day)].append((promise, scheduled, route))
                changes.append(advanced)
                continue
            groups[(team.id, promise.direction, route)].append((promise, scheduled))
            changes.append(advanced)
        uow.promises.advance_reminders(changes)
        for where, folded in carried.items():
            digests[where].promise_ids = tuple(p.id for p, _, _ in folded if p.id is not None)
        created = uow.deliveries.add_all_if_absent(list(digests.values()))
        for where, digest in digests.items():
            if digest.id is None and not _carried_by(uow, digest):
                # That day's digest is gone (given up, or found empty before these fell
                # due): each reminder goes out on its own rather than not at all.
                for promise, scheduled, route in carried[where]:
                    groups[(where[0], promise.direction, route)].append((promise, scheduled))
        created += uow.deliveries.add_all_if_absent(
            [
                _reminder_delivery(team_id, direction, route, items, now)
                for (team_id, direction, route), items in groups.items()
            ]
        )
        uow.commit()
    return created


def _by_direct_message(team: Team, promise: Promise) -> bool:
    return promise.direction is Direction.OURS and team.reminds_by_dm(promise.owner)


def _carried_by(uow: UnitOfWork, digest: Delivery) -> bool:
    """Whether the day's digest, planned before, still carries ``digest.promise_ids``: it
    takes them on while it waits to be sent; once sent it showed them (they were due when
    it was read); a digest given up or skipped carries nothing more."""
    status = uow.deliveries.carry(digest.key, digest.promise_ids)
    return status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)


# A start-of-day reminder waits this long at most for the day's digest to carry it.
FOLD_WINDOW = timedelta(hours=2)


def _folding(
    team: Team, scheduled: datetime, now: datetime
) -> datetime | tuple[date, datetime] | None:
    """Whether a reminder goes in the digest rather than beside it: one that falls at the
    start of a digest day (a date without a time, an overdue repeat, a snooze until
    tomorrow) or at the digest time itself, when the digest comes then or up to
    ``FOLD_WINDOW`` later. One that falls at the start of a day off waits for the next
    working day's. Returns the instant to wait for, the digest's day and instant (once it
    has come), or None: a message of its own. A reminder from a day already gone (after
    downtime) goes on its own, as the old digest does not."""
    zone = ZoneInfo(team.timezone)
    local = scheduled.astimezone(zone)
    day = local.date()
    start = team.day_start
    at_day_start = (local.hour, local.minute, local.second) == (start.hour, start.minute, 0)
    if day != now.astimezone(zone).date():
        return None
    if not team.is_working_day(day.weekday()):
        return next_working_day_start(team, scheduled) if at_day_start else None
    at = digest_instant(team, day)
    if not (at_day_start or scheduled == at) or scheduled > at or at - scheduled > FOLD_WINDOW:
        return None
    return at if now < at else (day, at)


def _reminder_delivery(
    team_id: str,
    direction: Direction,
    route: str,
    items: list[tuple[Promise, datetime]],
    now: datetime | None,
) -> Delivery:
    kind = DeliveryKind.REMINDER if direction is Direction.OURS else DeliveryKind.NUDGE
    ids = tuple(sorted({p.id for p, _ in items if p.id is not None}))  # each promise once
    # A group is late only if even its newest item is: an old promise caught up with
    # this morning's does not make the whole message "delayed" (its line says overdue).
    scheduled = max(s for _, s in items)
    # The same promises due at the same instant always make the same key, so two planners
    # racing on one database can only ever create one delivery for them.
    digest_of_ids = hashlib.sha1(repr((ids, route)).encode(), usedforsecurity=False).hexdigest()
    return Delivery(
        team_id=team_id,
        kind=kind,
        key=f"{kind.value}:{team_id}:{scheduled.isoformat()}:{digest_of_ids[:16]}",
        channel=route,
        due_at=scheduled,
        promise_ids=ids,
        created_at=now,
    )


def _digest_delivery(team: Team, day: date, at: datetime, now: datetime) -> Delivery:
    """A team's digest for a local day: one key per team and day, whoever plans it."""
    assert team.channel
    return Delivery(
        team_id=team.id,
        kind=DeliveryKind.DIGEST,
        key=f"digest:{team.id}:{day.isoformat()}",
        channel=team.channel,
        due_at=at,
        day=day.isoformat(),
        created_at=now,
    )


def plan_digests(*, uow: UnitOfWork, clock: Clock) -> int:
    """Create today's digest delivery for every team whose digest time has come. The key
    (team, local date) is unique, so each team gets one digest a day, whatever the number
    of instances or restarts. A day missed entirely is superseded by the next day's."""
    now = clock.now()
    with uow:
        due: list[Delivery] = []
        for team in uow.teams.list_all():
            if not team.channel:
                continue
            day = now.astimezone(ZoneInfo(team.timezone)).date()
            if not team.is_working_day(day.weekday()):
                continue
            at = digest_instant(team, day)
            if now < at:
                continue
            due.append(_digest_delivery(team, day, at, now))
        # Once a day's digests exist, each check plans nothing new: one statement for all
        # (2,000 teams' INSERTs one by one took seconds at 09:00).
        created = uow.deliveries.add_all_if_absent(due)
        uow.commit()
    return created


# -- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    delivery: Delivery
    message: Outgoing | None  # None: nothing left to say; the delivery is skipped


def prepare(
    delivery: Delivery,
    *,
    uow: UnitOfWork,
    clock: Clock,
    draw_chart: summaries.ChartDrawer | None = None,
) -> Prepared:
    """Build the message from the current state: promises settled, re-dated or snoozed
    since the reminder was planned are left out (``still_planned``), and a message sent
    late says so. ``draw_chart`` draws the weekly summary's chart (without it, the summary
    goes out as text only)."""
    now = clock.now()
    if delivery.kind is DeliveryKind.SUMMARY:
        message = summaries.prepare_summary(delivery, uow=uow, clock=clock, draw=draw_chart)
        return Prepared(delivery, message)
    delayed_since = delivery.due_at if delivery.is_delayed(now) else None
    if delivery.kind is DeliveryKind.OWNER_SUMMARY:
        return Prepared(delivery, _prepare_owner_summary(delivery, uow=uow, now=now))
    if delivery.kind is DeliveryKind.NOTICE:
        return _prepare_notice(delivery, uow=uow)
    if delivery.kind is DeliveryKind.DIGEST:
        try:
            result = queries.digest(
                delivery.team_id, date.fromisoformat(delivery.day), uow=uow, clock=clock
            )
        except NotFound:
            return Prepared(delivery, None)
        return _digest_prepared(delivery, result, now)
    with uow:
        found = uow.teams.get(delivery.team_id)
        if found is None:
            return Prepared(delivery, None)
        team = found
        promises = [
            p
            for p in (uow.promises.get(team.id, pid) for pid in delivery.promise_ids)
            if p is not None and still_planned(p, delivery)
        ]
        customers = uow.customers.get_many(team.id, [p.customer_id for p in promises])
    reply = (
        digest_content.reminder(team, promises, customers, now, delayed_since=delayed_since)
        if promises
        else None
    )
    if reply is None:
        return Prepared(delivery, None)
    return Prepared(delivery, Outgoing(delivery.key, team, delivery.channel, reply))


def prepare_many(
    deliveries: Sequence[Delivery],
    *,
    uow: UnitOfWork,
    clock: Clock,
    draw_chart: summaries.ChartDrawer | None = None,
) -> list[Prepared | Exception]:
    """``prepare`` for a claimed batch, in order. Reminders and nudges are read together
    (their teams in one query, each team's promises and customers in one query each), the
    rest one by one. A delivery that could not be prepared gets its exception in its place:
    the others go out regardless."""
    now = clock.now()
    grouped = [d for d in deliveries if d.kind in (DeliveryKind.REMINDER, DeliveryKind.NUDGE)]
    digests = [d for d in deliveries if d.kind is DeliveryKind.DIGEST]
    ready: dict[int, Prepared | Exception] = {}
    if grouped:
        try:
            ready.update(_prepare_reminders(grouped, uow=uow, now=now))
        except Exception as exc:  # the database went away: each one fails alike
            ready.update({id(d): exc for d in grouped})
    if digests:
        try:
            ready.update(_prepare_digests(digests, uow=uow, clock=clock))
        except Exception as exc:
            ready.update({id(d): exc for d in digests})
    out: list[Prepared | Exception] = []
    for delivery in deliveries:
        found = ready.get(id(delivery))
        if found is None:
            try:
                found = prepare(delivery, uow=uow, clock=clock, draw_chart=draw_chart)
            except Exception as exc:
                found = exc
        out.append(found)
    return out


def _digest_prepared(delivery: Delivery, result: queries.Digest, now: datetime) -> Prepared:
    team, reply = result.team, digest_content.digest(result)
    if reply is not None and delivery.is_delayed(now):
        reply = digest_content.delayed(reply, delivery.due_at, team)
    if reply is None:
        return Prepared(delivery, None)
    return Prepared(delivery, Outgoing(delivery.key, team, delivery.channel, reply))


def _prepare_digests(
    deliveries: Sequence[Delivery], *, uow: UnitOfWork, clock: Clock
) -> dict[int, Prepared]:
    """The batch's digests read together (one query per kind for all their teams)."""
    now = clock.now()
    wanted = [(d.team_id, date.fromisoformat(d.day)) for d in deliveries]
    found = digest_batch.digests(wanted, uow=uow, clock=clock)
    out: dict[int, Prepared] = {}
    for delivery, key in zip(deliveries, wanted, strict=True):
        result = found.get(key)
        out[id(delivery)] = (
            Prepared(delivery, None) if result is None else _digest_prepared(delivery, result, now)
        )
    return out


def _prepare_reminders(
    deliveries: Sequence[Delivery], *, uow: UnitOfWork, now: datetime
) -> dict[int, Prepared]:
    """The batch's reminders and nudges: their teams, promises and customers read in one
    query each for all the batch's teams."""
    by_team: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_team[delivery.team_id].append(delivery)
    out: dict[int, Prepared] = {}
    with uow:
        teams = uow.teams.get_many(sorted(by_team))
        for team_id, batch in by_team.items():
            if team_id not in teams:
                out.update({id(d): Prepared(d, None) for d in batch})
        all_promises = uow.batch.promises(
            {t: [pid for d in by_team[t] for pid in d.promise_ids] for t in teams}
        )
        open_by_team = {
            t: {pid: p for pid, p in found.items() if p.is_open}
            for t, found in all_promises.items()
        }
        all_customers = uow.batch.customers(
            {t: sorted({p.customer_id for p in o.values()}) for t, o in open_by_team.items()}
        )
        for team_id, team in teams.items():
            batch = by_team[team_id]
            open_, customers = open_by_team[team_id], all_customers[team_id]
            for delivery in batch:
                shown = [
                    open_[pid]
                    for pid in delivery.promise_ids
                    if pid in open_ and still_planned(open_[pid], delivery)
                ]
                delayed_since = delivery.due_at if delivery.is_delayed(now) else None
                reply = (
                    digest_content.reminder(
                        team, shown, customers, now, delayed_since=delayed_since
                    )
                    if shown
                    else None
                )
                message = Outgoing(delivery.key, team, delivery.channel, reply) if reply else None
                out[id(delivery)] = Prepared(delivery, message)
    return out


# Changes that give a promise a new reminder plan: a reminder planned before one of them is
# about a date or a snooze that no longer holds (the new plan brings its own reminder).
# Undoing a settle does not (the promise is due as it was, and nothing plans it again).
REPLANNED = frozenset({"rescheduled", "snoozed", "reopened"})


def still_planned(promise: Promise, delivery: Delivery) -> bool:
    """Whether ``promise`` is still open and as it was when ``delivery`` was planned: a
    reminder queued before its date was changed (by ``due``, an edit, an undo), before it
    was snoozed or settled and reopened, must not go out for the replaced plan."""
    planned = delivery.created_at
    if not promise.is_open or planned is None:
        return promise.is_open
    for event in reversed(promise.history):  # oldest first: the recent ones are at the end
        if event.at <= planned:
            return True
        if event.action in REPLANNED or (event.action == "undone" and event.detail in REPLANNED):
            return False
    return True


def _prepare_owner_summary(
    delivery: Delivery, *, uow: UnitOfWork, now: datetime
) -> Outgoing | None:
    """A touchpoint owner's week, for their direct messages (None: a quiet week)."""
    summary = owner_summaries.summary_for(delivery, uow=uow, now=now)
    if summary is None:
        return None
    reply = owner_content.owner_summary(summary)
    if delivery.is_delayed(now):
        reply = digest_content.delayed(reply, delivery.due_at, summary.team)
    return Outgoing(delivery.key, summary.team, delivery.channel, reply)


def _prepare_notice(delivery: Delivery, *, uow: UnitOfWork) -> Prepared:
    """A challenge passed on to an area: mention its owner (if the area still has one)."""
    about = parse_notice_key(delivery.key)
    with uow:
        team = uow.teams.get(delivery.team_id)
        if about is None or team is None:
            return Prepared(delivery, None)
        challenge = uow.challenges.get(team.id, about[1])
        owner = team.area_owners.get(challenge.passed_to or "") if challenge else None
        if challenge is None or owner is None:
            return Prepared(delivery, None)
        customer = uow.customers.get(team.id, challenge.customer_id)
    if customer is None:
        return Prepared(delivery, None)
    reply = digest_content.passed_on_notice(team, challenge, customer, owner)
    return Prepared(delivery, Outgoing(delivery.key, team, delivery.channel, reply))


def record_outcome(
    delivery: Delivery, *, uow: UnitOfWork, clock: Clock, pace: Pace | None = None
) -> None:
    """Store what happened to a claimed delivery (sent, skipped, failed or retrying)."""
    record_outcomes([delivery], uow=uow, clock=clock, pace=pace)


def record_outcomes(
    deliveries: Sequence[Delivery], *, uow: UnitOfWork, clock: Clock, pace: Pace | None = None
) -> None:
    """``record_outcome`` for many deliveries in one transaction (a burst's outcomes). A
    digest given up hands the reminders it carried back, each to go out on its own. A
    channel none of whose claimed deliveries is left unrecorded is let go, free for any
    worker once ``pace`` has passed since now (after the last post to it began)."""
    if not deliveries:
        return
    now = clock.now()
    with uow:
        uow.deliveries.save_all(deliveries)
        for worker, recorded in claims.releases(deliveries, now, pace).items():
            uow.deliveries.release_channels(worker, recorded)
        given_up = [
            d
            for d in deliveries
            if d.kind is DeliveryKind.DIGEST and d.status is DeliveryStatus.FAILED
        ]
        if given_up:
            uow.deliveries.add_all_if_absent(_uncarried(given_up, uow=uow))
        uow.commit()


def _uncarried(digests: Sequence[Delivery], *, uow: UnitOfWork) -> list[Delivery]:
    """The reminders and nudges the given-up ``digests`` carried, still open, as messages
    of their own, due when the digest was (so a late one says it is delayed)."""
    out: list[Delivery] = []
    for digest in digests:
        # Read again: reminders folded in after this digest was claimed count too (the
        # status saved just before holds off any more, see ``_carried_by``).
        stored = uow.deliveries.get(digest.id) if digest.id is not None else None
        team = uow.teams.get(digest.team_id)
        if stored is None or not stored.promise_ids or team is None:
            continue
        groups: dict[tuple[Direction, str], list[tuple[Promise, datetime]]] = defaultdict(list)
        for promise in uow.promises.get_many(team.id, stored.promise_ids).values():
            to_dm = _by_direct_message(team, promise)
            route = direct_channel(promise.owner) if to_dm else team.channel
            if promise.is_open and route:
                groups[(promise.direction, route)].append((promise, digest.due_at))
        # Planned when the digest was: a promise re-dated since is left out of them too.
        out += [
            _reminder_delivery(team.id, direction, route, items, digest.created_at)
            for (direction, route), items in groups.items()
        ]
        if out:
            log.warning("%s was given up: its reminders go out on their own", digest.key)
    return out


def reminder_for_message(
    team_id: str, message_ref: str, *, uow: UnitOfWork, clock: Clock
) -> tuple[Delivery, Outgoing] | None:
    """The current content of a posted reminder (to update it after a promise changes)."""
    now = clock.now()
    with uow:
        delivery = uow.deliveries.by_message_ref(team_id, message_ref)
        team = uow.teams.get(team_id)
        if delivery is None or team is None or delivery.kind is DeliveryKind.DIGEST:
            return None
        if delivery.kind in (DeliveryKind.SUMMARY, DeliveryKind.OWNER_SUMMARY):
            return None
        promises = [
            p for p in (uow.promises.get(team_id, pid) for pid in delivery.promise_ids) if p
        ]
        customers = uow.customers.get_many(team_id, [p.customer_id for p in promises])
    reply = digest_content.reminder(team, promises, customers, now)
    return delivery, Outgoing(delivery.key, team, delivery.channel, reply)


def team_of_direct_reminder(user: str, message_ref: str, *, uow: UnitOfWork) -> str | None:
    """The team of the reminder posted in ``user``'s direct messages as ``message_ref``."""
    with uow:
        return uow.deliveries.team_of_direct_message(direct_channel(user), message_ref)


def reminders_showing(team_id: str, promise_id: int, *, uow: UnitOfWork) -> list[Delivery]:
    """Sent reminders that carry this promise (so they can be updated when it is settled)."""
    with uow:
        return uow.deliveries.sent_for_promise(team_id, promise_id)
