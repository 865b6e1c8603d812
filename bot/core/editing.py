"""Giving a stored touchpoint back to be corrected: as the form's values (``edit T12``
opens the form prefilled on every platform) and as the quick entry that records it
(``edit T12 <entry>``, by text).

Every field comes back (the map entry, the stage, the scores, who took part, the
owners of our promises, the notes), so an edit never drops one. A promise comes back as
its text and its due date written out in full ("send quote by 2026-11-20 09:00"); a line
sent back exactly as given is that same promise, its date not read again (it may have
passed since), so an unchanged promise keeps its number, its history and its reminders.
Saving the edit: ``bot.core.revisions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.drafts import FormFields, PromiseDraft
from bot.core.errors import NotFound
from bot.core.model import Customer, Direction, Promise, Team, Touchpoint
from bot.core.ports import UnitOfWork
from bot.core.services import MAX_ID, load_team

FORM_LISTS = {Direction.OURS: "our_promises", Direction.THEIRS: "their_promises"}


@dataclass(frozen=True)
class Editable:
    team: Team
    customer: Customer
    touchpoint: Touchpoint
    place: str  # the touchpoint's map entry by name; "" when it names none
    values: FormFields  # every field of the form, filled in as the touchpoint is
    owner: str  # who owns our promises, for a form's single owner field

    @property
    def entry(self) -> str:
        """The quick entry that records the same touchpoint."""
        return entry_text(self.touchpoint, self.customer, self.team, self.place)


def promise_line(promise: Promise, team: Team) -> str:
    """A promise as one line of the form: its text, then its due date in full."""
    if promise.due_at is None:
        return promise.text
    return f"{promise.text} by {promise.due_at.astimezone(ZoneInfo(team.timezone)):%Y-%m-%d %H:%M}"


def default_owner(touchpoint: Touchpoint) -> str:
    """Who owns our promises: the one person they were all given to, else the author."""
    owners = {p.owner for p in touchpoint.promises if p.direction is Direction.OURS}
    return owners.pop() if len(owners) == 1 else touchpoint.author


def unchanged_lines(touchpoint: Touchpoint, team: Team) -> dict[str, PromiseDraft]:
    """Each stored promise by the line that gives it back as it was (``field:line``)."""
    lines: dict[str, PromiseDraft] = {}
    for p in touchpoint.promises:
        given = p.direction is Direction.OURS and p.owner != touchpoint.author
        key = f"{FORM_LISTS[p.direction]}:{' '.join(promise_line(p, team).split())}"
        draft = PromiseDraft(p.text, p.due_at, owner=p.owner if given else None, was=p.id)
        lines.setdefault(key, draft)
    return lines


def form_values(touchpoint: Touchpoint, team: Team, place: str) -> FormFields:
    def promises(direction: Direction) -> str:
        return "\n".join(
            promise_line(p, team) for p in touchpoint.promises if p.direction is direction
        )

    def number(value: int | None) -> str:
        return "" if value is None else str(value)

    return FormFields(
        kind=touchpoint.kind.value,
        code=touchpoint.code or "",
        challenges="\n".join(c.text for c in touchpoint.challenges),
        our_promises=promises(Direction.OURS),
        their_promises=promises(Direction.THEIRS),
        difference=touchpoint.difference or "",
        notes=touchpoint.notes,
        stage=touchpoint.stage or "",
        satisfaction=number(touchpoint.satisfaction),
        effort=number(touchpoint.effort),
        promoter=number(touchpoint.promoter),
        map_entry=place,
        contacts="\n".join(str(c) for c in touchpoint.contacts),
    )


def entry_text(touchpoint: Touchpoint, customer: Customer, team: Team, place: str = "") -> str:
    """The quick entry that would record ``touchpoint`` again, every field included."""

    def promise(p: Promise) -> str:
        given = p.direction is Direction.OURS and p.owner != touchpoint.author
        return f"@{p.owner} {promise_line(p, team)}" if given else promise_line(p, team)

    parts = [f"{_name(customer.name)} {touchpoint.kind.value}"]
    lists = (
        ("ch", [c.text for c in touchpoint.challenges]),
        ("we", [promise(p) for p in touchpoint.promises if p.direction is Direction.OURS]),
        ("they", [promise(p) for p in touchpoint.promises if p.direction is Direction.THEIRS]),
    )
    parts += [f"{label}: {'; '.join(items)}" for label, items in lists if items]
    singles = (
        ("tp", place or None),
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
        parts.append(f"notes: {touchpoint.notes}")  # last: everything after it is notes
    return " | ".join(parts)


def _name(name: str) -> str:
    """Quoted when the name itself holds what an entry would read as structure."""
    return f'"{name}"' if any(c in name for c in "|:;") else name


def editable(team_id: str, number: int, *, uow: UnitOfWork) -> Editable:
    with uow:
        team = load_team(uow, team_id)
        touchpoint, customer = stored(uow, team_id, number)
        place = place_name(uow, touchpoint)
        values = form_values(touchpoint, team, place)
        return Editable(team, customer, touchpoint, place, values, default_owner(touchpoint))


def stored(uow: UnitOfWork, team_id: str, number: int) -> tuple[Touchpoint, Customer]:
    touchpoint = uow.touchpoints.get(team_id, number) if 0 < number <= MAX_ID else None
    if touchpoint is None:
        raise NotFound(
            f"There is no touchpoint T{number} in this team. The customer record "
            "(`/touchpoint show acme`) numbers its recent touchpoints."
        )
    customer = uow.customers.get(team_id, touchpoint.customer_id)
    assert customer is not None
    return touchpoint, customer


def place_name(uow: UnitOfWork, touchpoint: Touchpoint) -> str:
    if touchpoint.map_entry_id is None:
        return ""
    entries = uow.touchmap.entries(touchpoint.team_id)
    return next((e.name for e in entries if e.id == touchpoint.map_entry_id), "")
