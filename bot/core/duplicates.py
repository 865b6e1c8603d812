"""The same thing said twice: an open challenge or promise of the customer with
near-identical text, noticed when a touchpoint is recorded, and linked on request.

Two texts are near-identical when, ignoring case, punctuation and spacing, they are equal
or differ only by a typo or a word's ending ("send fibre quote" / "Send the fibre quote.").
Linking keeps the older item and closes the newer one as the same, in both histories, so
the record keeps everything and the measures count the thing once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import NotFound, UserError
from bot.core.model import Challenge, ChallengeStatus, Direction, Event, Promise
from bot.core.ports import Clock, UnitOfWork

SIMILAR = 0.85
# Recording compares against at most this many open items of each kind of the customer:
# a customer with more open than that has bigger problems than a repeat.
COMPARED = 200
_FILLER = frozenset({"the", "a", "an", "to", "our", "their", "we", "will", "please"})


def normalised(text: str) -> str:
    words = re.findall(r"[^\W_]+", text.lower())
    return " ".join(w for w in words if w not in _FILLER)


def near_identical(a: str, b: str) -> bool:
    return _near(normalised(a), normalised(b))


def _near(x: str, y: str) -> bool:
    """``near_identical`` on texts already normalised."""
    if not x or not y:
        return False
    if x == y:
        return True
    if re.sub(r"\d", "", x) == re.sub(r"\d", "", y):
        return False  # "invoice 2291" and "invoice 2292" are two things
    matcher = difflib.SequenceMatcher(None, x, y)
    # The quick ratios are upper bounds of ratio(): most pairs of a customer's up to 400 open
    # items fail them for a fraction of ratio()'s cost, with the same answer.
    return (
        matcher.real_quick_ratio() >= SIMILAR
        and matcher.quick_ratio() >= SIMILAR
        and matcher.ratio() >= SIMILAR
    )


Item = Challenge | Promise


@dataclass(frozen=True)
class Repeat:
    """A newly recorded item, and the open one of the same customer it repeats."""

    new: Item
    existing: Item

    @property
    def kind(self) -> str:
        return "challenge" if isinstance(self.new, Challenge) else "promise"


def repeats(new: list[Item], existing: list[Item]) -> list[Repeat]:
    """Each new item that repeats an open one (the oldest such), challenges against
    challenges and promises against promises of the same direction."""
    found = []
    said = [normalised(old.text) for old in existing]  # once each, not once per new item
    for item in new:
        text = normalised(item.text)
        for old, old_text in zip(existing, said, strict=True):
            same_kind = type(old) is type(item) and (
                not isinstance(item, Promise)
                or (isinstance(old, Promise) and old.direction is item.direction)
            )
            if same_kind and old.id != item.id and _near(text, old_text):
                found.append(Repeat(item, old))
                break
    return found


def open_items_of(uow: UnitOfWork, team_id: str, customer_id: int) -> list[Item]:
    """The customer's open challenges and promises, oldest first (bounded), without their
    histories: the comparison and its note need only number, text and date. Plain queries,
    not the customer record's paged windows: those, with up to 400 histories, were about
    half of a form submission's database time."""
    challenges = uow.challenges.open_for_team(
        team_id, customer_id, limit=COMPARED, with_history=False
    )
    return [
        *challenges,
        *uow.promises.open_for_customer(team_id, customer_id, Direction.OURS, COMPARED),
        *uow.promises.open_for_customer(team_id, customer_id, Direction.THEIRS, COMPARED),
    ]


@dataclass(frozen=True)
class Linked:
    kept: Item
    closed: Item
    customer_name: str


def link(
    team_id: str, kind: str, new_id: int, old_id: int, actor: str, *, uow: UnitOfWork, clock: Clock
) -> Linked:
    """Close item ``new_id`` as the same as ``old_id`` (same customer, same kind); the
    older one stays open and its history says it was said again."""
    now = clock.now()
    with uow:
        if new_id == old_id:
            raise UserError("Give two different numbers: the repeat first, then the one to keep.")
        new, old = (_item(uow, team_id, kind, n) for n in (new_id, old_id))
        if new.customer_id != old.customer_id:
            raise UserError(
                f"{kind.capitalize()} #{new_id} and #{old_id} are about different customers: "
                "only the same customer's items can be the same."
            )
        if isinstance(new, Promise) and isinstance(old, Promise):
            if old.direction is not new.direction:
                raise UserError("One is our promise and the other theirs: they are not the same.")
            if not new.is_open or not old.is_open:
                raise UserError(f"Both promises must be open to link them (#{new_id}, #{old_id}).")
            new.cancel(actor, now, f"same as #{old_id}")
            old.history.append(_said_again(new, now, actor))
            uow.promises.save(new)
            uow.promises.save(old)
        elif isinstance(new, Challenge) and isinstance(old, Challenge):
            if not new.is_open or not old.is_open:
                raise UserError(
                    f"Both challenges must be open to link them (#{new_id}, #{old_id})."
                )
            new.status = ChallengeStatus.ADDRESSED
            new.history.append(Event(now, actor, "merged", f"#{old_id}"))
            old.history.append(_said_again(new, now, actor))
            uow.challenges.save(new)
            uow.challenges.save(old)
        customer = uow.customers.get(team_id, old.customer_id)
        assert customer is not None
        uow.commit()
        return Linked(old, new, customer.name)


def _said_again(new: Item, now: datetime, actor: str) -> Event:
    return Event(now, actor, "said_again", f"#{new.id}")


def _item(uow: UnitOfWork, team_id: str, kind: str, number: int) -> Item:
    found: Item | None = None
    if 0 < number <= 2**31 - 1:  # ids are 32-bit: a bigger number names nothing
        found = (
            uow.challenges.get(team_id, number)
            if kind == "challenge"
            else uow.promises.get(team_id, number)
        )
    if found is None:
        raise NotFound(f"There is no {kind} #{number} in this team.")
    return found
