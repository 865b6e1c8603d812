"""Correcting a touchpoint: ``edit T12`` gives back its entry as text to change, and
``edit T12 <entry>`` replaces it.

The same on every platform: the entry comes back as the quick entry that would record it,
due dates written out in full ("by 2026-11-20 09:00"), to be sent back corrected. The
replacement keeps when the touchpoint happened and who recorded it (unless it says
``when:``), and is saved in the same transaction that removes the old one: nothing is
half-saved. Only a touchpoint whose challenges and promises nobody has acted on yet can be
edited, so no item's history is lost; the others are changed item by item (``due P12``,
``reopen C7``, ``cancel P12``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.errors import UserError
from bot.core.model import Customer, Direction, Promise, Team, Touchpoint
from bot.core.parsing import parse_quick_entry
from bot.core.ports import Clock, UnitOfWork
from bot.core.refs import challenge_ref, promise_ref, touchpoint_ref
from bot.core.services import MAX_ID, Recorded, load_team, record_parsed


@dataclass(frozen=True)
class Editable:
    team: Team
    customer: Customer
    touchpoint: Touchpoint
    entry: str  # the quick entry that records the same touchpoint


@dataclass(frozen=True)
class Edited:
    replaced: int  # the old touchpoint's number
    recorded: Recorded


def entry_text(touchpoint: Touchpoint, customer: Customer, team: Team) -> str:
    """The quick entry that would record ``touchpoint`` again."""
    zone = ZoneInfo(team.timezone)

    def promise(p: Promise) -> str:
        given = p.direction is Direction.OURS and p.owner != touchpoint.author
        who = f"@{p.owner} " if given else ""
        due = f" by {p.due_at.astimezone(zone):%Y-%m-%d %H:%M}" if p.due_at else ""
        return f"{who}{p.text}{due}"

    parts = [f"{_name(customer.name)} {touchpoint.kind.value}"]
    lists = (
        ("ch", [c.text for c in touchpoint.challenges]),
        ("we", [promise(p) for p in touchpoint.promises if p.direction is Direction.OURS]),
        ("they", [promise(p) for p in touchpoint.promises if p.direction is Direction.THEIRS]),
    )
    parts += [f"{label}: {'; '.join(items)}" for label, items in lists if items]
    singles = (
        ("diff", touchpoint.difference),
        ("code", touchpoint.code),
        ("stage", touchpoint.stage),
        ("csat", touchpoint.satisfaction),
        ("ces", touchpoint.effort),
        ("nps", touchpoint.promoter),
        ("with", "; ".join(str(c) for c in touchpoint.contacts) or None),
    )
    parts += [f"{label}: {value}" for label, value in singles if value is not None and value != ""]
    if touchpoint.notes:
        parts.append(f"notes: {touchpoint.notes}")
    return " | ".join(parts)


def _name(name: str) -> str:
    """Quoted when the name itself holds what an entry would read as structure."""
    return f'"{name}"' if any(c in name for c in "|:;") else name


def editable(team_id: str, number: int, *, uow: UnitOfWork) -> Editable:
    with uow:
        team = load_team(uow, team_id)
        touchpoint, customer = _unchanged(uow, team_id, number)
        return Editable(team, customer, touchpoint, entry_text(touchpoint, customer, team))


def edit_touchpoint(
    team_id: str, number: int, text: str, *, uow: UnitOfWork, clock: Clock
) -> Edited:
    """Replace touchpoint ``number`` with what ``text`` records."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        old, _ = _unchanged(uow, team_id, number)
        entry = parse_quick_entry(
            text,
            now=now,
            tz=team.timezone,
            day_start=team.day_start,
            order=team.date_order,
            workdays=team.digest_days,
        )
        draft = entry.draft
        if draft.occurred_at is None:
            draft = dataclasses.replace(draft, occurred_at=old.occurred_at)
        uow.touchpoints.delete(team_id, number)
        recorded = record_parsed(uow, team, old.author, entry.customer, draft, old.author, now)
        return Edited(number, dataclasses.replace(recorded, backdated=True))


def _unchanged(uow: UnitOfWork, team_id: str, number: int) -> tuple[Touchpoint, Customer]:
    touchpoint = uow.touchpoints.get(team_id, number) if 0 < number <= MAX_ID else None
    if touchpoint is None:
        raise UserError(
            f"There is no touchpoint T{number} in this team. The customer record "
            "(`/touchpoint show acme`) numbers its recent touchpoints."
        )
    acted = [challenge_ref(c.id) for c in touchpoint.challenges if c.history]
    acted += [promise_ref(p.id) for p in touchpoint.promises if p.history]
    if acted:
        raise UserError(
            f"{touchpoint_ref(number)} can't be edited as a whole: {', '.join(acted)} "
            "have been acted on since. Change items one by one (`due P12 fri`, `reopen C7`, "
            "`cancel P12`), or add what was missed in a new touchpoint."
        )
    customer = uow.customers.get(team_id, touchpoint.customer_id)
    assert customer is not None
    return touchpoint, customer
