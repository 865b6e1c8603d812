"""Rows <-> domain dataclasses. Plain functions, no session: the domain never sees a row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any

from bot.core.delivery import Delivery, DeliveryKind, DeliveryStatus
from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Customer,
    DateOrder,
    Direction,
    Event,
    Kind,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
)
from bot.storage.orm import (
    ChallengeRow,
    CustomerRow,
    DeliveryRow,
    PromiseRow,
    TeamRow,
    TouchpointRow,
)


def team_values(team: Team) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": team.name,
        "timezone": team.timezone,
        "channel": team.channel,
        "digest_time": team.digest_time.strftime("%H:%M"),
        "day_start": team.day_start.strftime("%H:%M"),
        "digest_days": ",".join(str(d) for d in team.digest_days),
        "completion_codes": list(team.completion_codes),
        "remind_overdue": team.remind_overdue,
        "area_owners": dict(team.area_owners),
        "code_followups": dict(team.code_followups),
        "date_order": team.date_order,
        "dm_reminders": team.dm_reminders,
        "reminder_prefs": dict(team.reminder_prefs),
        "owner_summary_day": team.owner_summary_day,
    }
    if team.created_at is not None:  # else the database's clock fills it in
        values["created_at"] = team.created_at
    return values


def to_team(row: TeamRow) -> Team:
    return Team(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        channel=row.channel,
        digest_time=time.fromisoformat(row.digest_time),
        day_start=time.fromisoformat(row.day_start),
        digest_days=tuple(int(d) for d in row.digest_days.split(",") if d),
        completion_codes=tuple(row.completion_codes),
        remind_overdue=row.remind_overdue,
        area_owners=dict(row.area_owners or {}),
        code_followups=dict(row.code_followups or {}),
        date_order=_date_order(row.date_order),
        created_at=row.created_at,
        dm_reminders=bool(row.dm_reminders),
        reminder_prefs=dict(row.reminder_prefs or {}),
        owner_summary_day=row.owner_summary_day,
    )


def _date_order(value: str | None) -> DateOrder | None:
    return value if value in ("dmy", "mdy") else None  # type: ignore[return-value]


def to_customer(row: CustomerRow, aliases: Iterable[str] = ()) -> Customer:
    return Customer(
        team_id=row.team_id,
        name=row.name,
        slug=row.slug,
        aliases=tuple(aliases),
        id=row.id,
        created_at=row.created_at,
    )


def touchpoint_values(touchpoint: Touchpoint) -> dict[str, Any]:
    return {
        "team_id": touchpoint.team_id,
        "customer_id": touchpoint.customer_id,
        "author": touchpoint.author,
        "occurred_at": touchpoint.occurred_at,
        "kind": touchpoint.kind.value,
        "code": touchpoint.code,
        "notes": touchpoint.notes,
        "difference": touchpoint.difference,
        "stage": touchpoint.stage,
        "satisfaction": touchpoint.satisfaction,
        "effort": touchpoint.effort,
        "promoter": touchpoint.promoter,
        "map_entry_id": touchpoint.map_entry_id,
    }


def to_touchpoint(row: TouchpointRow) -> Touchpoint:
    return Touchpoint(
        team_id=row.team_id,
        customer_id=row.customer_id,
        author=row.author,
        occurred_at=row.occurred_at,
        kind=Kind(row.kind),
        code=row.code,
        notes=row.notes,
        difference=row.difference,
        stage=row.stage,
        satisfaction=row.satisfaction,
        effort=row.effort,
        promoter=row.promoter,
        map_entry_id=row.map_entry_id,
        id=row.id,
    )


def challenge_values(challenge: Challenge) -> dict[str, Any]:
    return {
        "team_id": challenge.team_id,
        "customer_id": challenge.customer_id,
        "touchpoint_id": challenge.touchpoint_id,
        "text": challenge.text,
        "status": challenge.status.value,
        "passed_to": challenge.passed_to,
        "raised_by": challenge.raised_by,
        "raised_at": challenge.raised_at,
    }


def to_challenge(row: ChallengeRow, history: list[Event]) -> Challenge:
    return Challenge(
        team_id=row.team_id,
        customer_id=row.customer_id,
        text=row.text,
        raised_by=row.raised_by,
        raised_at=row.raised_at,
        touchpoint_id=row.touchpoint_id,
        status=ChallengeStatus(row.status),
        passed_to=row.passed_to,
        history=history,
        id=row.id,
    )


def promise_values(promise: Promise) -> dict[str, Any]:
    return {
        "team_id": promise.team_id,
        "customer_id": promise.customer_id,
        "touchpoint_id": promise.touchpoint_id,
        "direction": promise.direction.value,
        "text": promise.text,
        "owner": promise.owner,
        "made_by": promise.made_by,
        "made_at": promise.made_at,
        "due_at": promise.due_at,
        "status": promise.status.value,
        "remind_at": promise.remind_at,
        "reminders_sent": promise.reminders_sent,
        "keep_by": promise.keep_by,
    }


def to_promise(row: PromiseRow, history: list[Event]) -> Promise:
    promise = Promise(
        team_id=row.team_id,
        customer_id=row.customer_id,
        direction=Direction(row.direction),
        text=row.text,
        owner=row.owner,
        made_by=row.made_by,
        made_at=row.made_at,
        due_at=row.due_at,
        touchpoint_id=row.touchpoint_id,
        status=PromiseStatus(row.status),
        remind_at=row.remind_at,
        reminders_sent=row.reminders_sent,
        history=history,
        id=row.id,
        keep_by=row.keep_by,
    )
    # __post_init__ fills a missing remind_at from due_at for a brand-new promise; a stored
    # one keeps exactly what was saved (None means no reminder is pending).
    promise.remind_at = row.remind_at
    return promise


def event_values(event: Event) -> dict[str, Any]:
    return {
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "detail": event.detail,
        "previous": event.previous,
    }


def delivery_values(delivery: Delivery) -> dict[str, Any]:
    """Every stored field but the id, the promise ids (a table of their own) and, when
    unset, ``created_at`` (the database's clock fills it in)."""
    values: dict[str, Any] = {
        "team_id": delivery.team_id,
        "kind": delivery.kind.value,
        "key": delivery.key,
        "channel": delivery.channel,
        "due_at": delivery.due_at,
        "day": delivery.day,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "claimed_by": delivery.claimed_by,
        "lease_until": delivery.lease_until,
        "message_ref": delivery.message_ref,
        "sent_at": delivery.sent_at,
        "last_error": delivery.last_error,
    }
    if delivery.created_at is not None:
        values["created_at"] = delivery.created_at
    return values


def to_delivery(row: DeliveryRow, promise_ids: Iterable[int]) -> Delivery:
    return Delivery(
        team_id=row.team_id,
        kind=DeliveryKind(row.kind),
        key=row.key,
        channel=row.channel,
        due_at=row.due_at,
        promise_ids=tuple(promise_ids),
        day=row.day,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        claimed_by=row.claimed_by,
        lease_until=row.lease_until,
        message_ref=row.message_ref,
        sent_at=row.sent_at,
        last_error=row.last_error,
        created_at=row.created_at,
        id=row.id,
    )
