"""Putting mistakes right: undo your last change, delete a touchpoint recorded by mistake.

Undo reverts the last change you made to a promise or challenge, or your last edit of a
touchpoint, in the last ``UNDO_WINDOW``, if nobody changed it since; the history keeps
both the change and its undoing. Deleting a touchpoint (a double submission, the wrong
customer) removes it with its challenges and promises, so it no longer counts anywhere;
it asks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.errors import NotFound, UserError
from bot.core.model import Challenge, Customer, Promise, Team, Touchpoint
from bot.core.ports import Clock, UnitOfWork
from bot.core.revisions import undo_edit
from bot.core.services import MAX_ID, load_team

UNDO_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Change:
    item: Promise | Challenge
    action: str  # what was undone: "kept", "addressed", ...


@dataclass(frozen=True)
class Undone:
    team: Team
    customers: dict[int, Customer]
    changes: tuple[Change, ...]
    edited: Touchpoint | None = None  # a touchpoint put back as it was before an edit


@dataclass(frozen=True)
class Found:
    team: Team
    customer: Customer
    touchpoint: Touchpoint


def undo_last(team_id: str, actor: str, *, uow: UnitOfWork, clock: Clock) -> Undone:
    """Revert ``actor``'s last command: every item it changed, or none of them."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        since = now - UNDO_WINDOW
        found = {
            "promise": uow.promises.last_change_by(team_id, actor, since),
            "challenge": uow.challenges.last_change_by(team_id, actor, since),
        }
        edit = uow.touchpoints.last_edit_by(team_id, actor, since)
        times = [c.at for c in found.values() if c is not None]
        latest = max([*times, *([edit.at] if edit else [])], default=None)
        if latest is None:
            minutes = int(UNDO_WINDOW.total_seconds() // 60)
            raise UserError(
                f"Nothing to undo: you changed no promise, challenge or touchpoint in the last "
                f"{minutes} minutes. A touchpoint recorded by mistake goes with "
                "`/touchpoint delete T12`."
            )
        # An edit that re-dated promises changed them at the same instant: both go back.
        edited = undo_edit(uow, edit, actor, now) if edit and edit.at == latest else None
        items: list[Promise | Challenge] = []
        for kind, change in found.items():
            if change is None or change.at != latest:
                continue
            for item_id in change.item_ids:
                item = (
                    uow.promises.get_for_update(team_id, item_id)
                    if kind == "promise"
                    else uow.challenges.get(team_id, item_id)
                )
                assert item is not None
                items.append(item)
        changes = []
        for item in items:  # any refusal (changed since by someone else) undoes none
            changes.append(Change(item, item.undo(actor, now)))
            if isinstance(item, Promise):
                uow.promises.save(item)
            else:
                uow.challenges.save(item)
        owners = [i.customer_id for i in items] + ([edited.customer_id] if edited else [])
        customers = uow.customers.get_many(team_id, owners)
        uow.commit()
        return Undone(team, customers, tuple(changes), edited)


def find_touchpoint(team_id: str, number: int, *, uow: UnitOfWork) -> Found:
    with uow:
        return _found(uow, team_id, number)


def delete_touchpoint(team_id: str, number: int, *, uow: UnitOfWork) -> Found:
    """Remove touchpoint ``number`` with its challenges and promises."""
    with uow:
        found = _found(uow, team_id, number)
        uow.touchpoints.delete(team_id, number)
        uow.commit()
        return found


def _found(uow: UnitOfWork, team_id: str, number: int) -> Found:
    team = load_team(uow, team_id)
    touchpoint = uow.touchpoints.get(team_id, number) if 0 < number <= MAX_ID else None
    if touchpoint is None:
        raise NotFound(
            f"There is no touchpoint T{number} in this team. The customer record "
            "(`/touchpoint show acme`) numbers its recent touchpoints."
        )
    customer = uow.customers.get(team_id, touchpoint.customer_id)
    assert customer is not None
    return Found(team, customer, touchpoint)
