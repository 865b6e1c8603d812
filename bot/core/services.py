"""Use cases that change state. Each runs in one unit of work and is the only place that
commits: either everything an action implies is saved, or nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from bot.core.catalogue import find_entry, seed_default_map, team_stages
from bot.core.customers import MAX_CUSTOMER_NAME, find_customer, resolve_or_create_customer
from bot.core.delivery import REMINDING, Delivery, DeliveryKind, notice_key
from bot.core.drafts import FormFields, TouchpointDraft
from bot.core.duplicates import Repeat, open_items_of, repeats
from bot.core.entry_labels import clean_text
from bot.core.errors import (
    FieldError,
    NotFound,
    ParseError,
    UserError,
)
from bot.core.model import (
    MAX_ITEM_CHARS,
    Challenge,
    Customer,
    Direction,
    Kind,
    MapEntry,
    Promise,
    Team,
    Touchpoint,
    slugify,
)
from bot.core.parsing import (
    parse_due,
    parse_form,
    parse_quick_entry,
    reading,
)
from bot.core.ports import Clock, UnitOfWork
from bot.core.team_settings import (
    apply_setting,
    parse_followup,
    parse_route,
    unknown_code_message,
)
from bot.core.workdays import keep_by

# Ids are 32-bit integers in the database; a bigger number names nothing (PostgreSQL
# would refuse to compare it).
MAX_ID = 2**31 - 1
SNOOZE_CHOICES = {"1h": "in 1 hour", "tomorrow": "tomorrow", "next_week": "next week"}


@dataclass(frozen=True)
class TeamDefaults:
    """What a new team starts with (from the deployment's settings)."""

    timezone: str = "UTC"
    digest_time: time = time(9, 0)
    day_start: time = time(9, 0)


@dataclass(frozen=True)
class Recorded:
    team: Team
    customer: Customer
    customer_created: bool
    touchpoint: Touchpoint
    # Promises the completion code's follow-up rule added ("no answer" -> "call back").
    followups: tuple[Promise, ...] = ()
    backdated: bool = False  # "when: ..." said when it happened
    map_entry: MapEntry | None = None  # the touchpoint on the team's map it was
    # New items near-identical to ones of the customer already open (offered to link).
    repeats: tuple[Repeat, ...] = ()


@dataclass(frozen=True)
class PromiseChanged:
    team: Team
    customer: Customer
    promise: Promise
    change: str  # "kept", "not_kept", "cancelled", "snoozed", "rescheduled", "reopened"


@dataclass(frozen=True)
class ChallengeChanged:
    team: Team
    customer: Customer
    challenge: Challenge
    change: str  # "addressed", "reopened", "passed_on"
    # Passed on: the area's owner (None: the area has no owner) and whether they were told
    # (not when they passed it on themselves).
    owner: str | None = None
    notified: bool = False


@dataclass(frozen=True)
class TeamConfigured:
    team: Team
    changed: tuple[str, ...] = field(default_factory=tuple)


# -- teams -------------------------------------------------------------------------------


def ensure_team(
    team_id: str, name: str, *, defaults: TeamDefaults, uow: UnitOfWork, clock: Clock
) -> Team:
    """The team, created with the deployment's defaults on first contact."""
    with uow:
        team = uow.teams.get(team_id)
        if team is not None:
            return team
        team = Team(
            id=team_id,
            name=name or team_id,
            timezone=defaults.timezone,
            digest_time=defaults.digest_time,
            day_start=defaults.day_start,
            created_at=clock.now(),
        )
        if not uow.teams.add(team):  # another request created it a moment ago
            found = uow.teams.get(team_id)
            assert found is not None
            return found
        seed_default_map(uow, team_id, clock.now())
        uow.commit()
        return team


def load_team(uow: UnitOfWork, team_id: str) -> Team:
    team = uow.teams.get(team_id)
    if team is None:
        raise NotFound("This workspace is not set up yet; run `/touchpoint help` to start.")
    return team


def configure_team(
    team_id: str, setting: str, value: str, *, uow: UnitOfWork, clock: Clock
) -> TeamConfigured:
    """Change one setting: channel, timezone, digest, daystart, days, codes add|remove."""
    with uow:
        team = _team_for_update(uow, team_id)
        owners = dict(team.area_owners)
        changed = apply_setting(team, setting.strip().lower(), value.strip(), clock.now())
        for area in team.area_owners.keys() - owners.keys():
            # Challenges passed on before the area had an owner join the owner's list.
            uow.challenges.route_to_area(team.id, area)
        uow.teams.save(team)
        uow.commit()
        return TeamConfigured(team, changed)


def claim_channel_if_unset(team_id: str, channel: str, *, uow: UnitOfWork) -> bool:
    """Until a team channel is configured, the first channel used becomes it."""
    with uow:
        team = _team_for_update(uow, team_id)
        if team.channel:
            return False
        team.channel = channel
        uow.teams.save(team)
        uow.commit()
        return True


def _team_for_update(uow: UnitOfWork, team_id: str) -> Team:
    """The team, locked until the unit of work ends: its settings are saved whole, so two
    changes at once (two codes added) must not both start from the same copy."""
    team = uow.teams.get_for_update(team_id)
    if team is None:
        raise NotFound("This workspace is not set up yet; run `/touchpoint help` to start.")
    return team


def set_reminder_route(team_id: str, user: str, value: str, *, uow: UnitOfWork) -> Team:
    """A person's own choice of where their reminders go: "dm", "channel", or "team" (the
    team's choice, ``config reminders``)."""
    with uow:
        team = _team_for_update(uow, team_id)  # prefs are saved whole
        route = parse_route(value, "reminders", allow_team=True)
        prefs = {u: r for u, r in team.reminder_prefs.items() if u != user}
        if route != "team":
            prefs[user] = route
        team.reminder_prefs = prefs
        uow.teams.save(team)
        uow.commit()
        return team


# -- customers -------------------------------------------------------------------------


def add_alias(team_id: str, customer_text: str, alias: str, *, uow: UnitOfWork) -> Customer:
    with uow:
        customer = find_customer(uow, team_id, customer_text)
        alias = " ".join(alias.split())
        if not alias or len(alias) > MAX_CUSTOMER_NAME:
            raise UserError(
                "Give an alias of 1 to 80 characters: `/touchpoint alias acme ACME Ltd`."
            )
        other = uow.customers.by_slug(team_id, slugify(alias))
        if other is not None:
            raise UserError(f"“{alias}” already names “{other.name}”.")
        customer = uow.customers.add_alias(customer, alias)
        uow.commit()
        return customer


# -- recording ---------------------------------------------------------------------------


def record_quick_entry(
    team_id: str,
    author: str,
    text: str,
    *,
    customer: str | None = None,
    kind: Kind | None = None,
    code: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> Recorded:
    """`/touchpoint acme call | ch: ... | we: ...`: parse, resolve the customer, save.
    With ``customer`` (and ``kind``, ``code``) given apart as typed options, ``text`` is
    only the labelled fields."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        entry = parse_quick_entry(
            text,
            customer=customer,
            kind=kind,
            code=code,
            now=now,
            **reading(team),
        )
        return _record(uow, team, author, entry.customer, entry.draft, author, now)


def record_form(
    team_id: str,
    author: str,
    customer: str,
    fields: FormFields,
    *,
    owner: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> Recorded:
    """A submitted form (Slack or Discord modal, console walk-through)."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        errors: list[FieldError] = []
        draft: TouchpointDraft | None = None
        try:
            draft = parse_form(
                fields,
                now=now,
                **reading(team),
            )
        except ParseError as exc:
            errors.extend(exc.errors)
        customer = clean_text(customer)  # a form's fields reach here unparsed
        if not customer.strip():
            errors.append(FieldError("customer", "Name the customer this touchpoint was with."))
        if errors or draft is None:
            raise ParseError(errors)
        return _record(uow, team, author, customer, draft, owner or author, now)


def _record(
    uow: UnitOfWork,
    team: Team,
    author: str,
    customer_text: str,
    draft: TouchpointDraft,
    owner: str,
    now: datetime,
) -> Recorded:
    code = matched_code(team, draft.code)
    kind, stage, entry = placed(uow, team, draft)
    customer, created = resolve_or_create_customer(uow, team.id, customer_text, now)
    assert customer.id is not None
    touchpoint = draft.touchpoint(
        team.id, customer.id, author=author, at=now, code=code, owner=owner
    )
    # The map's place: a named entry gives the kind and stage the draft left unsaid.
    touchpoint.kind, touchpoint.stage = kind, stage
    touchpoint.map_entry_id = entry.id if entry else None
    for promise in touchpoint.promises:  # a date without a time is on time all that day
        promise.keep_by = keep_by(team, promise.due_at)
    followups = code_followups(team, customer.id, code, draft.owner or owner, author, now)
    touchpoint.promises.extend(followups)
    already_open = [] if created else open_items_of(uow, team.id, customer.id)
    uow.touchpoints.add(touchpoint)
    uow.commit()
    backdated = draft.occurred_at is not None
    said_again = repeats([*touchpoint.challenges, *touchpoint.promises], already_open)
    return Recorded(
        team,
        customer,
        created,
        touchpoint,
        tuple(followups),
        backdated,
        map_entry=entry,
        repeats=tuple(said_again),
    )


def matched_code(team: Team, written: str | None) -> str | None:
    """The team's own spelling of a completion code as written; a field error if unknown."""
    if not written:
        return None
    code = team.find_code(written)
    if code is None:
        raise ParseError([FieldError("code", unknown_code_message(team, written))])
    return code


def placed(
    uow: UnitOfWork, team: Team, draft: TouchpointDraft
) -> tuple[Kind, str | None, MapEntry | None]:
    """Kind, stage and map entry: a named map entry gives its channel and stage, unless the
    entry says otherwise; a stage must be one of the team's."""
    kind, stage, entry = draft.kind, draft.stage, None
    errors: list[FieldError] = []
    if draft.map_entry:
        try:
            entries = uow.touchmap.entries(team.id, with_notes=False)
            entry = find_entry(entries, draft.map_entry, for_recording=True)
        except UserError as exc:
            errors.append(FieldError("map_entry", exc.message))
        else:
            kind, stage = kind or entry.channel, stage or entry.stage
    if draft.stage:
        stages = team_stages(uow, team.id)
        if draft.stage not in stages:
            message = (
                f"“{draft.stage}” is not one of this team's journey stages: "
                f"{', '.join(stages)}. `/touchpoint map stages ...` changes them."
            )
            errors.append(FieldError("stage", message))
    if errors:
        raise ParseError(errors)
    return kind or Kind.OTHER, stage, entry


def code_followups(
    team: Team, customer_id: int, code: str | None, owner: str, author: str, now: datetime
) -> list[Promise]:
    """The promise a completion code's follow-up rule creates, due as the rule says."""
    rule = team.code_followups.get(code.lower()) if code else None
    if not rule:
        return []
    text, due = parse_followup(rule, team, now)
    followup = Promise(team.id, customer_id, Direction.OURS, text, owner, author, now, due)
    followup.keep_by = keep_by(team, due)
    return [followup]


# -- promises and challenges -------------------------------------------------------------


def settle_promise(
    team_id: str, promise_id: int, verb: str, actor: str, *, uow: UnitOfWork, clock: Clock
) -> PromiseChanged:
    """Mark a promise kept, not kept or cancelled (or reopen it)."""
    now = clock.now()
    with uow:
        team, promise = load_team(uow, team_id), _promise_of(uow, team_id, promise_id)
        actions = {
            "kept": promise.keep,
            "not_kept": promise.not_keep,
            "cancelled": promise.cancel,
        }
        if verb == "reopened":
            promise.reopen(actor, now)
        elif verb in actions:
            actions[verb](actor, now)
        else:
            raise UserError(f"Unknown action “{verb}”.")
        return _save_promise(uow, team, promise, verb)


def keep_from_reaction(
    team_id: str,
    message_ref: str,
    actor: str,
    event_key: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> PromiseChanged | None:
    """A check-mark reaction on a reminder that carries a single open promise keeps it.
    Anything else (another message, a group reminder, a settled promise, a platform retry
    of the same event) does nothing and returns None."""
    now = clock.now()
    with uow:
        if not uow.events.remember(event_key, team_id, now):
            return None
        delivery = uow.deliveries.by_message_ref(team_id, message_ref)
        if delivery is None or delivery.kind not in REMINDING or len(delivery.promise_ids) != 1:
            uow.commit()
            return None
        promise = uow.promises.get_for_update(team_id, delivery.promise_ids[0])
        if promise is None or not promise.is_open:
            uow.commit()
            return None
        promise.keep(actor, now, "reaction")
        team = load_team(uow, team_id)
        return _save_promise(uow, team, promise, "kept")


def first_delivery(team_id: str, event_key: str, *, uow: UnitOfWork, clock: Clock) -> bool:
    """True the first time a platform event id is seen; False for its retries."""
    with uow:
        fresh = uow.events.remember(event_key, team_id, clock.now())
        uow.commit()
        return fresh


SIGNED_REQUEST_KEY = "signed-request:"
# Slack refuses a signature older than five minutes, so a replay can only come within
# them; keys are kept twice as long (a clock a little off) and then dropped.
REPLAY_WINDOW = timedelta(minutes=5)


def first_signed_request(key: str, *, uow: UnitOfWork, clock: Clock, sweep: bool = True) -> bool:
    """True the first time a request Slack signed (its timestamp and signature), or sent
    over the app's own connection (its envelope id), is seen; False for a replay of it,
    which must change nothing. ``sweep`` also drops keys old enough to be useless (a
    caller asks for it now and then, not on every request)."""
    now = clock.now()
    with uow:
        if sweep:
            uow.events.forget(SIGNED_REQUEST_KEY, before=now - 2 * REPLAY_WINDOW)
        fresh = uow.events.remember(SIGNED_REQUEST_KEY + key, "", now)
        uow.commit()
        return fresh


def snooze_promise(
    team_id: str, promise_id: int, when: str, actor: str, *, uow: UnitOfWork, clock: Clock
) -> PromiseChanged:
    """Remind again later: "1h", "tomorrow", "next_week" (buttons) or any when-phrase."""
    now = clock.now()
    with uow:
        team, promise = load_team(uow, team_id), _promise_of(uow, team_id, promise_id)
        phrase = SNOOZE_CHOICES.get(when.strip().lower(), when)
        until = parse_due(
            phrase,
            now=now,
            **reading(team),
        )
        promise.snooze(until, actor, now)
        return _save_promise(uow, team, promise, "snoozed")


def reschedule_promise(
    team_id: str, promise_id: int, when: str, actor: str, *, uow: UnitOfWork, clock: Clock
) -> PromiseChanged:
    now = clock.now()
    with uow:
        team, promise = load_team(uow, team_id), _promise_of(uow, team_id, promise_id)
        due = parse_due(
            when,
            now=now,
            **reading(team),
        )
        promise.reschedule(due, actor, now, keep_by(team, due))
        return _save_promise(uow, team, promise, "rescheduled")


def _promise_of(uow: UnitOfWork, team_id: str, promise_id: int) -> Promise:
    # Locked: of two people settling it at once, the second reads the first one's result
    # and is told who settled it, instead of both being told "settled".
    found = 0 < promise_id <= MAX_ID
    promise = uow.promises.get_for_update(team_id, promise_id) if found else None
    if promise is None:
        raise NotFound(
            f"There is no promise P{promise_id} in this team. "
            "`/touchpoint promises` lists the open ones with their numbers."
        )
    return promise


def _save_promise(uow: UnitOfWork, team: Team, promise: Promise, change: str) -> PromiseChanged:
    uow.promises.save(promise)
    customer = uow.customers.get(team.id, promise.customer_id)
    assert customer is not None
    uow.commit()
    return PromiseChanged(team, customer, promise, change)


def _notify_owner(
    uow: UnitOfWork, team: Team, challenge: Challenge, actor: str, now: datetime
) -> bool:
    """A challenge passed on to an area with an owner: tell the owner, through the outbox,
    unless the owner is the one who passed it on. True when a notice was planned."""
    owner = team.area_owners.get(challenge.passed_to or "")
    if owner is None or owner == actor or not team.channel or challenge.id is None:
        return False
    uow.deliveries.add_if_absent(
        Delivery(
            team_id=team.id,
            kind=DeliveryKind.NOTICE,
            key=notice_key(team.id, "passed_on", challenge.id, len(challenge.history)),
            channel=team.channel,
            due_at=now,
            created_at=now,
        )
    )
    return True


def change_challenge(
    team_id: str,
    challenge_id: int,
    verb: str,
    actor: str,
    *,
    to: str = "",
    uow: UnitOfWork,
    clock: Clock,
) -> ChallengeChanged:
    """Address, reopen or pass on a challenge."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        found = 0 < challenge_id <= MAX_ID
        challenge = uow.challenges.get(team_id, challenge_id) if found else None
        if challenge is None:
            raise NotFound(
                f"There is no challenge C{challenge_id} in this team. "
                "`/touchpoint challenges` lists the open ones with their numbers."
            )
        if verb == "addressed":
            challenge.address(actor, now)
        elif verb == "reopened":
            challenge.reopen(actor, now)
        elif verb == "passed_on":
            to = clean_text(to)
            if len(to) > MAX_ITEM_CHARS:
                raise UserError(f"Say who takes it on in at most {MAX_ITEM_CHARS} characters.")
            area = " ".join(to.split()).lower()
            challenge.pass_on(area if area in team.area_owners else to, actor, now)
            owner = team.area_owners.get(area)
            notified = _notify_owner(uow, team, challenge, actor, now)
        else:
            raise UserError(f"Unknown action “{verb}”.")
        uow.challenges.save(challenge)
        customer = uow.customers.get(team_id, challenge.customer_id)
        assert customer is not None
        uow.commit()
        if verb == "passed_on":
            return ChallengeChanged(team, customer, challenge, verb, owner, notified)
        return ChallengeChanged(team, customer, challenge, verb)
