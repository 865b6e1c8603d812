"""Verbs on promises and challenges typed by reference: ``kept P12 P13``, ``addressed C7
corrected invoice sent``, ``reopen P4``.

All or none: every reference is looked up and every change tried before anything is saved;
one reference that is unknown, of the wrong kind or already in that state refuses the
whole command, naming each problem. A reference of the wrong kind says what that number
is, so a challenge's number never settles somebody else's promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import UserError
from bot.core.model import Challenge, InvalidTransition, Promise, Team
from bot.core.ports import Clock, UnitOfWork
from bot.core.refs import ItemKind, Ref
from bot.core.services import MAX_ID, ChallengeChanged, PromiseChanged, load_team

PROMISE_VERBS = {"kept": "kept", "not_kept": "notkept", "cancelled": "cancel"}
CHALLENGE_VERBS = {"addressed": "addressed"}
REOPEN = "reopened"
MAX_REFS = 50  # a generous batch; more is surely a paste gone wrong
MAX_NOTE_CHARS = 1000

Changed = PromiseChanged | ChallengeChanged
Item = Promise | Challenge


@dataclass(frozen=True)
class _Target:
    kind: ItemKind
    item: Item


def verb_word(verb: str) -> str:
    """The command that does ``verb``: "not_kept" -> "notkept"."""
    return {**PROMISE_VERBS, **CHALLENGE_VERBS, REOPEN: "reopen"}.get(verb, verb)


def act(
    team_id: str,
    refs: Sequence[Ref],
    verb: str,
    actor: str,
    *,
    note: str = "",
    uow: UnitOfWork,
    clock: Clock,
) -> list[Changed]:
    """Apply ``verb`` to every referenced item, or to none of them."""
    if not refs:
        raise UserError(f"Give the number shown in the list, e.g. `{_example(verb)}`.")
    if len(refs) > MAX_REFS:
        raise UserError(f"Give at most {MAX_REFS} numbers at a time.")
    note = " ".join(note.split())
    if len(note) > MAX_NOTE_CHARS:
        raise UserError(f"Keep the note to {MAX_NOTE_CHARS:,} characters; it has {len(note):,}.")
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        problems: list[str] = []
        targets: list[_Target] = []
        seen: set[tuple[ItemKind, int]] = set()
        for ref in refs:
            target = _target(uow, team, ref, verb, problems)
            if target is None or (target.kind, ref.number) in seen:
                continue
            seen.add((target.kind, ref.number))
            try:
                _apply(target, verb, actor, now, note)
            except InvalidTransition as exc:
                problems.append(exc.message)
                continue
            targets.append(target)
        if len(refs) == 1 and problems:
            raise UserError(problems[0])
        if problems:
            listed = "\n".join(f"• {p}" for p in problems)
            raise UserError(f"Nothing was changed:\n{listed}")
        customers = uow.customers.get_many(team_id, [t.item.customer_id for t in targets])
        results: list[Changed] = []
        for target in targets:
            customer = customers[target.item.customer_id]
            if isinstance(target.item, Promise):
                uow.promises.save(target.item)
                results.append(PromiseChanged(team, customer, target.item, verb))
            else:
                uow.challenges.save(target.item)
                results.append(ChallengeChanged(team, customer, target.item, verb))
        uow.commit()
        return results


def refuse_wrong_kind(
    team_id: str, ref: Ref, wanted: ItemKind, word: str, *, uow: UnitOfWork
) -> None:
    """Raise the error saying what ``ref`` is, for a verb that acts on ``wanted``."""
    assert ref.kind is not None and ref.kind is not wanted
    with uow:
        team = load_team(uow, team_id)
        item = _load(uow, team_id, ref.kind, ref.number)
        raise UserError(_wrong_kind(uow, team, ref, ref.kind, item, wanted, word))


def _example(verb: str) -> str:
    letter = "C" if verb in CHALLENGE_VERBS else "P"
    return f"/touchpoint {verb_word(verb)} {letter}12"


def _wanted(verb: str) -> ItemKind | None:
    if verb in PROMISE_VERBS:
        return ItemKind.PROMISE
    if verb in CHALLENGE_VERBS:
        return ItemKind.CHALLENGE
    return None  # reopen: either


def _load(uow: UnitOfWork, team_id: str, kind: ItemKind, number: int) -> Item | None:
    if not 0 < number <= MAX_ID:
        return None
    if kind is ItemKind.PROMISE:
        # Locked, as every settle is: of two people settling it at once, the second reads
        # what the first saved and is told who settled it.
        return uow.promises.get_for_update(team_id, number)
    if kind is ItemKind.CHALLENGE:
        return uow.challenges.get(team_id, number)
    return None


def _target(
    uow: UnitOfWork, team: Team, ref: Ref, verb: str, problems: list[str]
) -> _Target | None:
    wanted = _wanted(verb)
    word = verb_word(verb)
    if ref.kind is None and wanted is None:  # "reopen 4": whichever exists, or ask
        found = [
            (kind, item)
            for kind in (ItemKind.PROMISE, ItemKind.CHALLENGE)
            if (item := _load(uow, team.id, kind, ref.number)) is not None
        ]
        if len(found) == 1:
            return _Target(*found[0])
        if found:
            problems.append(
                f"{ref.number} could be promise P{ref.number} or challenge C{ref.number}: "
                f"write `{word} P{ref.number}` or `{word} C{ref.number}`."
            )
        else:
            problems.append(f"There is no promise or challenge numbered {ref.number} here.")
        return None
    kind = ref.kind or wanted
    assert kind is not None
    item = _load(uow, team.id, kind, ref.number)
    if wanted is not None and kind is not wanted:
        problems.append(_wrong_kind(uow, team, ref, kind, item, wanted, word))
        return None
    if item is None:
        lists = "promises" if kind is ItemKind.PROMISE else "challenges"
        problems.append(
            f"There is no {kind.noun} {kind.value}{ref.number} in this team. "
            f"`/touchpoint {lists}` lists the open ones with their numbers."
        )
        return None
    return _Target(kind, item)


def _wrong_kind(
    uow: UnitOfWork,
    team: Team,
    ref: Ref,
    kind: ItemKind,
    item: Item | None,
    wanted: ItemKind,
    word: str,
) -> str:
    shown = f"{kind.value}{ref.number}"
    does = f"`{word}` acts on {wanted.noun}s"
    if item is None:
        return f"{shown} is not a {wanted.noun}, and there is no {kind.noun} {shown}: {does}."
    customer = uow.customers.get(team.id, item.customer_id)
    whose = f"{customer.name}: " if customer else ""
    hint = {
        ItemKind.CHALLENGE: f"`/touchpoint addressed {shown}`",
        ItemKind.PROMISE: f"`/touchpoint kept {shown}` (or notkept, cancel)",
    }.get(kind, "")
    return f"{shown} is a {kind.noun} ({whose}{item.text}), not a {wanted.noun}: {does}." + (
        f" For this {kind.noun}: {hint}." if hint else ""
    )


def _apply(target: _Target, verb: str, actor: str, now: datetime, note: str) -> None:
    item = target.item
    if isinstance(item, Promise):
        if verb == REOPEN:
            item.reopen(actor, now)
        elif verb == "kept":
            item.keep(actor, now, note)
        elif verb == "not_kept":
            item.not_keep(actor, now, note)
        elif verb == "cancelled":
            item.cancel(actor, now, note)
        return
    if verb == REOPEN:
        item.reopen(actor, now, note)
    else:
        item.address(actor, now, note)
