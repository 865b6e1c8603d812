"""Saving an edit of a touchpoint in place, and undoing it.

The touchpoint keeps its number, who recorded it and when (unless the edit says
``when:``). Its own fields take the edit's values. Its challenges and promises are
compared line by line: a line given back unchanged is the same item, untouched; a
promise whose text stays but whose date changed is re-dated (in its history, and
undoable like ``due P12``); a new line is a new item; a line taken out removes its item,
which only an item nobody has acted on may be (one that was kept, addressed, snoozed...
stays, and the edit is refused naming it, nothing saved).

Each edit is kept (``TouchpointEdit``) with what it replaced, so ``undo`` can put the
touchpoint back as it was: its fields, the items it removed, without the items it added.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.catalogue import team_stages
from bot.core.customers import find_customer
from bot.core.drafts import FormFields, PromiseDraft, TouchpointDraft
from bot.core.duplicates import Item, open_items_of, repeats
from bot.core.editing import form_values, place_name, stored, unchanged_lines
from bot.core.errors import UserError
from bot.core.model import (
    Challenge,
    Contact,
    Direction,
    InvalidTransition,
    Kind,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
    TouchpointEdit,
    map_key,
    stage_key,
)
from bot.core.parsing import parse_form, parse_quick_entry
from bot.core.ports import Clock, UnitOfWork
from bot.core.refs import challenge_ref, promise_ref, touchpoint_ref
from bot.core.services import Recorded, code_followups, load_team, matched_code, placed
from bot.core.workdays import keep_by

# The touchpoint's own fields an edit replaces (and an undo puts back).
_FIELDS = (
    "kind",
    "code",
    "notes",
    "difference",
    "stage",
    "satisfaction",
    "effort",
    "promoter",
    "map_entry_id",
    "occurred_at",
)


@dataclass(frozen=True)
class Edited:
    recorded: Recorded  # the touchpoint as it now is, for the confirmation
    added: tuple[str, ...] = ()  # references of the new items
    removed: tuple[str, ...] = ()  # ... of the items taken out
    redated: tuple[str, ...] = ()  # ... of the promises given another date
    changed: bool = True  # False: the edit gave everything back as it was


def edit_by_text(
    team_id: str, number: int, text: str, actor: str, *, uow: UnitOfWork, clock: Clock
) -> Edited:
    """``edit T12 <entry>``: the touchpoint as the quick entry ``text`` records it."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        old, customer = stored(uow, team_id, number)
        entry = parse_quick_entry(text, **_reading(team, old, now))
        named = find_customer(uow, team_id, entry.customer)
        if named.id != customer.id:
            raise UserError(
                f"{touchpoint_ref(number)} is with {customer.name}; an edit keeps the customer. "
                f"A touchpoint recorded for the wrong customer goes with "
                f"`/touchpoint delete {touchpoint_ref(number)}`, then record it again."
            )
        return _apply(uow, team, old, entry.draft, old.author, actor, now)


def edit_by_form(
    team_id: str,
    number: int,
    fields: FormFields,
    actor: str,
    *,
    given: frozenset[str] | None = None,
    owner: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> Edited:
    """A submitted edit form. ``given``: the fields the form had (None: all of them); the
    others keep the touchpoint's values. ``owner``: the form's owner of our promises."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        old, _ = stored(uow, team_id, number)
        return _edit_form(uow, team, old, fields, given, owner or old.author, actor, now)


DETAILS = frozenset({"map_entry", "stage", "contacts", "satisfaction", "promoter", "effort"})


def edit_details(
    team_id: str,
    number: int,
    place: str,
    fields: FormFields,
    actor: str,
    *,
    sent: frozenset[str] | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> Edited:
    """An edit's second step (where a form holds five fields): ``place``, a map entry's
    name or a stage, and the contacts and scores in ``fields``, each replacing the
    touchpoint's (an emptied one empties it). ``sent``: the boxes the form sent ("place"
    and the names of the others; None: all); one not sent changes nothing."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        old, _ = stored(uow, team_id, number)
        current = place_name(uow, old)
        place = " ".join(place.split())
        entry, stage = place, ""
        if place and current and map_key(place) == map_key(current):
            stage = old.stage or ""  # the same entry: its stage as it was
        elif place and stage_key(place) in team_stages(uow, team_id):
            entry, stage = "", stage_key(place)
        placed_fields = dataclasses.replace(fields, map_entry=entry, stage=stage)
        given = DETAILS
        if sent is not None:
            place_sent = {"map_entry", "stage"} if "place" in sent else set()
            given = frozenset((DETAILS & sent) | place_sent)
        return _edit_form(uow, team, old, placed_fields, given, old.author, actor, now)


def place_shown(touchpoint: Touchpoint, place: str) -> str:
    """What an edit's second step shows as the place: the map entry, else the stage."""
    return place or touchpoint.stage or ""


def _edit_form(
    uow: UnitOfWork,
    team: Team,
    old: Touchpoint,
    fields: FormFields,
    given: frozenset[str] | None,
    owner: str,
    actor: str,
    now: datetime,
) -> Edited:
    if given is not None:
        kept = form_values(old, team, place_name(uow, old))
        fields = FormFields(
            **{
                f.name: getattr(fields if f.name in given else kept, f.name)
                for f in dataclasses.fields(FormFields)
            }
        )
    draft = parse_form(fields, **_reading(team, old, now))
    return _apply(uow, team, old, draft, owner, actor, now)


def _reading(team: Team, old: Touchpoint, now: datetime) -> dict[str, Any]:
    """How an edit of ``old`` is read: dates as the team writes them, and the lines that
    give its promises back unchanged."""
    return {
        "now": now,
        "tz": team.timezone,
        "day_start": team.day_start,
        "order": team.date_order,
        "workdays": team.digest_days,
        "unchanged": unchanged_lines(old, team),
    }


def _apply(
    uow: UnitOfWork,
    team: Team,
    old: Touchpoint,
    draft: TouchpointDraft,
    owner: str,
    actor: str,
    now: datetime,
) -> Edited:
    assert old.id is not None
    before = _written(old)
    code = matched_code(team, draft.code)
    place = place_name(uow, old)
    same_place = bool(draft.map_entry) and map_key(draft.map_entry or "") == map_key(place)
    if same_place:  # named as before: kept, even if the entry was retired since
        draft = dataclasses.replace(draft, map_entry=None)
    kind, stage, entry = placed(uow, team, draft)
    new = draft.touchpoint(
        team.id, old.customer_id, author=old.author, at=old.occurred_at, code=code, owner=owner
    )
    drafts = [*draft.our_promises, *draft.their_promises]
    challenges, gone_challenges = _challenges(old.challenges, new.challenges)
    added_promises, gone_promises, redated = _promises(old, new.promises, drafts, team, actor, now)
    # Lines an edit adds are recorded as a new entry's would be: a code given now brings
    # its follow-up, and a line repeating one of the customer's open items is flagged.
    followups: list[Promise] = []
    if code is not None and (old.code or "").lower() != code.lower():
        followups = code_followups(team, old.customer_id, code, draft.owner or owner, actor, now)
    added_promises += followups
    refused = [challenge_ref(c.id) for c in gone_challenges if c.history]
    refused += [promise_ref(p.id) for p in gone_promises if _acted_on(uow, p)]
    if refused:
        raise UserError(
            f"{', '.join(refused)} of {touchpoint_ref(old.id)} "
            f"{'has' if len(refused) == 1 else 'have'} been acted on, so "
            f"{'it stays' if len(refused) == 1 else 'they stay'}: put "
            f"{'its line' if len(refused) == 1 else 'their lines'} back as "
            f"{'it was' if len(refused) == 1 else 'they were'} (or cancel a promise with "
            "`/touchpoint cancel P12`). Nothing was saved."
        )
    edited = dataclasses.replace(old, contacts=new.contacts)
    for name in _FIELDS:
        setattr(edited, name, getattr(new, name))
    edited.kind, edited.stage = kind, stage
    edited.map_entry_id = old.map_entry_id if same_place else (entry.id if entry else None)
    for promise in added_promises:
        promise.keep_by = keep_by(team, promise.due_at)
    changed = bool(challenges or gone_challenges or added_promises or gone_promises or redated)
    changed = changed or _written(edited)["fields"] != before["fields"]
    changed = changed or _written(edited)["contacts"] != before["contacts"]
    already_open = _open_besides(uow, old, gone_challenges, gone_promises) if changed else []
    if changed:
        # Added before the others go: SQLite gives a freed highest number out again, and a
        # new item must not take the number of the one it replaces.
        uow.touchpoints.add_items(edited, challenges, added_promises)
        uow.touchpoints.remove_items(
            team.id,
            [c.id for c in gone_challenges if c.id is not None],
            [p.id for p in gone_promises if p.id is not None],
        )
        for promise in redated:
            uow.promises.save(promise)
        uow.touchpoints.save_edit(edited)
        before["added"] = {
            "challenges": [c.id for c in challenges],
            "promises": [p.id for p in added_promises],
        }
        before["removed"] = {
            "challenges": [_challenge_values(c) for c in gone_challenges],
            "promises": [_promise_values(p) for p in gone_promises],
        }
        uow.touchpoints.add_edit(
            TouchpointEdit(team.id, old.id, now, actor, json.dumps(before, sort_keys=True))
        )
    now_stored, customer = stored(uow, team.id, old.id)
    if entry is None and now_stored.map_entry_id is not None:
        entries = uow.touchmap.entries(team.id)
        entry = next((e for e in entries if e.id == edited.map_entry_id), None)
    uow.commit()
    said_again = repeats([*challenges, *added_promises], already_open)
    shown = Recorded(
        team,
        customer,
        False,
        now_stored,
        followups=tuple(p for p in now_stored.promises if p.id in {f.id for f in followups}),
        map_entry=entry,
        repeats=tuple(said_again),
    )
    return Edited(
        shown,
        added=_refs(challenges, added_promises),
        removed=_refs(gone_challenges, gone_promises),
        redated=tuple(promise_ref(p.id) for p in redated),
        changed=changed,
    )


def _open_besides(
    uow: UnitOfWork, old: Touchpoint, challenges: Sequence[Challenge], promises: Sequence[Promise]
) -> list[Item]:
    """The customer's open items but the ones the edit takes out (a reworded line is not a
    repeat of the line it replaces)."""
    gone = {(Challenge, c.id) for c in challenges} | {(Promise, p.id) for p in promises}
    found = open_items_of(uow, old.team_id, old.customer_id)
    return [item for item in found if (type(item), item.id) not in gone]


def _acted_on(uow: UnitOfWork, promise: Promise) -> bool:
    """Whether someone acted on a promise the edit would remove: read again under its
    lock, so a reminder's "Kept" pressed at this moment is never removed unseen (it
    waits for the edit, then finds the promise gone)."""
    assert promise.id is not None
    now = uow.promises.get_for_update(promise.team_id, promise.id)
    return now is None or bool(now.history) or not now.is_open


def _refs(challenges: Sequence[Challenge], promises: Sequence[Promise]) -> tuple[str, ...]:
    return (*(challenge_ref(c.id) for c in challenges), *(promise_ref(p.id) for p in promises))


def _challenges(
    old: Sequence[Challenge], new: Sequence[Challenge]
) -> tuple[list[Challenge], list[Challenge]]:
    """(the new challenges to add, the stored ones taken out): a line is the stored
    challenge with the same text, each stored one matched once."""
    left = list(old)
    added = []
    for challenge in new:
        same = next((c for c in left if c.text == challenge.text), None)
        if same is None:
            added.append(challenge)
        else:
            left.remove(same)
    return added, left


def _promises(
    old: Touchpoint,
    new: Sequence[Promise],
    drafts: Sequence[PromiseDraft],
    team: Team,
    actor: str,
    now: datetime,
) -> tuple[list[Promise], list[Promise], list[Promise]]:
    """(the new promises to add, the stored ones taken out, the stored ones re-dated)."""
    left = {p.id: p for p in old.promises}
    added: list[Promise] = []
    redated: list[Promise] = []
    for promise, draft in zip(new, drafts, strict=True):
        if draft.was is not None and draft.was in left:
            del left[draft.was]  # given back as it was
            continue
        same = next(
            (
                p
                for p in left.values()
                if (p.direction, p.text, p.owner)
                == (promise.direction, promise.text, promise.owner)
                and p.status is PromiseStatus.OPEN
                and promise.due_at is not None
            ),
            None,
        )
        if same is not None and same.id is not None:
            assert promise.due_at is not None
            same.reschedule(promise.due_at, actor, now, keep_by(team, promise.due_at))
            redated.append(same)
            del left[same.id]
            continue
        added.append(promise)
    return added, list(left.values()), redated


# -- what an edit replaced, written down for an undo --------------------------------------


def _instant(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _written(touchpoint: Touchpoint) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(touchpoint, name)
        fields[name] = value.isoformat() if isinstance(value, datetime) else value
    return {"fields": fields, "contacts": [[c.name, c.role] for c in touchpoint.contacts]}


def _challenge_values(c: Challenge) -> dict[str, Any]:
    return {"text": c.text, "raised_by": c.raised_by, "raised_at": c.raised_at.isoformat()}


def _promise_values(p: Promise) -> dict[str, Any]:
    return {
        "direction": p.direction.value,
        "text": p.text,
        "owner": p.owner,
        "made_by": p.made_by,
        "made_at": p.made_at.isoformat(),
        "due_at": _instant(p.due_at),
        "keep_by": _instant(p.keep_by),
        "remind_at": _instant(p.remind_at),
        "reminders_sent": p.reminders_sent,
    }


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def undo_edit(uow: UnitOfWork, edit: TouchpointEdit, actor: str, now: datetime) -> Touchpoint:
    """Put the touchpoint back as it was before ``edit`` (``actor``'s); the caller
    commits. Refused when it was edited again since, or an item the edit added has been
    acted on."""
    ref = touchpoint_ref(edit.touchpoint_id)
    if edit.undone_at is not None:
        raise InvalidTransition(f"Your last edit of {ref} is already undone.")
    edits = uow.touchpoints.edits_of(edit.team_id, edit.touchpoint_id)
    if not edits or edits[-1].id != edit.id:
        raise InvalidTransition(f"{ref} was edited again since; nothing was undone.")
    touchpoint, _ = stored(uow, edit.team_id, edit.touchpoint_id)
    before = json.loads(edit.previous)
    added = before.get("added", {})
    items: list[Challenge | Promise] = [*touchpoint.challenges, *touchpoint.promises]
    mine = {(type(i), i.id): i for i in items}

    def acted_on(kind: type[Challenge | Promise], item_id: int) -> bool:
        item = mine.get((kind, item_id))
        return item is None or bool(item.history)  # gone counts as acted on

    acted = [challenge_ref(i) for i in added.get("challenges", []) if acted_on(Challenge, i)]
    acted += [promise_ref(i) for i in added.get("promises", []) if acted_on(Promise, i)]
    if acted:
        raise InvalidTransition(
            f"{', '.join(acted)}, added by your edit of {ref}, "
            f"{'has' if len(acted) == 1 else 'have'} been acted on since; nothing was undone."
        )
    fields = before["fields"]
    for name in _FIELDS:
        setattr(touchpoint, name, fields[name])
    touchpoint.kind = Kind(fields["kind"])
    touchpoint.occurred_at = datetime.fromisoformat(fields["occurred_at"])
    touchpoint.contacts = tuple(Contact(name, role) for name, role in before["contacts"])
    removed = before.get("removed", {})
    challenges = [
        Challenge(
            edit.team_id,
            touchpoint.customer_id,
            c["text"],
            c["raised_by"],
            datetime.fromisoformat(c["raised_at"]),
        )
        for c in removed.get("challenges", [])
    ]
    promises = [_promise_from(p, touchpoint) for p in removed.get("promises", [])]
    uow.touchpoints.add_items(touchpoint, challenges, promises)  # first, as in an edit
    uow.touchpoints.remove_items(
        edit.team_id, added.get("challenges", []), added.get("promises", [])
    )
    uow.touchpoints.save_edit(touchpoint)
    edit.undone_at = now
    uow.touchpoints.mark_undone(edit)
    restored, _ = stored(uow, edit.team_id, edit.touchpoint_id)
    return restored


def _promise_from(values: dict[str, Any], touchpoint: Touchpoint) -> Promise:
    promise = Promise(
        touchpoint.team_id,
        touchpoint.customer_id,
        Direction(values["direction"]),
        values["text"],
        values["owner"],
        values["made_by"],
        datetime.fromisoformat(values["made_at"]),
        _when(values["due_at"]),
        keep_by=_when(values["keep_by"]),
    )
    promise.remind_at = _when(values["remind_at"])
    promise.reminders_sent = values["reminders_sent"]
    return promise
