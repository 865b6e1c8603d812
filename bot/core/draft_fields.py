"""Building a ``TouchpointDraft`` from what an entry or form said, checking every field.

Each check appends a ``FieldError`` instead of raising, so one ``ParseError`` can list
every problem at once.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.dates import DueContext, DueProblem, split_due
from bot.core.drafts import PromiseDraft, TouchpointDraft
from bot.core.entry_labels import (
    _BULLET,
    _KINDS,
    _LIST_NOUNS,
    _LISTS,
    _SINGLE_NOUNS,
    _quote,
    _squash,
)
from bot.core.errors import FieldError
from bot.core.model import (
    EFFORT_RANGE,
    MAX_DIFFERENCE_WORDS,
    MAX_ITEM_CHARS,
    MAX_ITEMS_PER_LIST,
    MAX_NOTES_CHARS,
    MAX_STAGE_CHARS,
    PROMOTER_RANGE,
    SATISFACTION_RANGE,
    Contact,
    Kind,
    parse_kind,
    stage_key,
)
from bot.core.occurred import NotInThePast, resolve_past


@dataclass
class _Raw:
    """What the text said, field by field, before any checking."""

    lists: dict[str, list[str]] = field(default_factory=lambda: {n: [] for n in _LISTS})
    difference: list[str] = field(default_factory=list)  # one entry per time it was given
    code: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    satisfaction: list[str] = field(default_factory=list)
    effort: list[str] = field(default_factory=list)
    when: list[str] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)
    promoter: list[str] = field(default_factory=list)
    map_entry: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines

    def single(self, name: str) -> list[str]:
        values: list[str] = getattr(self, name)
        return values

    def is_empty(self) -> bool:
        filled = [*self.difference, *self.code, *self.notes, *self.satisfaction, *self.effort]
        filled += [*self.promoter, *self.map_entry]
        filled += [item for items in self.lists.values() for item in items]
        return not any(_strip_bullet(_squash(v)) for v in filled)


Unchanged = Mapping[str, PromiseDraft]


def _build(
    raw: _Raw,
    ctx: DueContext,
    head_kind: Kind | None,
    *,
    owners: bool,
    unchanged: Unchanged | None = None,
) -> tuple[TouchpointDraft, list[FieldError]]:
    """``owners``: a promise of ours may start with the colleague it is given to (quick
    entry; a form has its own owner field, and its lines are taken as written).
    ``unchanged``: on an edit, the stored promises by the line that gives each back as it
    was (``promise_line``); such a line is taken as that promise, its date not read again."""
    errors: list[FieldError] = []
    known = unchanged or {}
    challenges = _items(raw.lists["challenges"], "challenges", errors)
    ours = _promises(
        raw.lists["our_promises"], "our_promises", ctx, errors, owners=owners, known=known
    )
    theirs = _promises(
        raw.lists["their_promises"], "their_promises", ctx, errors, owners=False, known=known
    )
    kind_text = _single(raw.kind, "kind", errors)
    kind = _kind(kind_text, errors) if kind_text else head_kind
    draft = TouchpointDraft(
        kind=kind,
        code=_single(raw.code, "code", errors),
        challenges=challenges,
        our_promises=ours,
        their_promises=theirs,
        difference=_difference(_single(raw.difference, "difference", errors), errors),
        notes=_notes(raw.notes, errors),
        stage=_stage(_single(raw.stage, "stage", errors), errors),
        satisfaction=_score(
            _single(raw.satisfaction, "satisfaction", errors), "satisfaction", errors
        ),
        effort=_score(_single(raw.effort, "effort", errors), "effort", errors),
        occurred_at=_occurred(_single(raw.when, "when", errors), ctx, errors),
        owner=_owner(_single(raw.owner, "owner", errors), errors),
        promoter=_score(_single(raw.promoter, "promoter", errors), "promoter", errors),
        map_entry=_single(raw.map_entry, "map_entry", errors),
        contacts=_contacts(raw.lists["contacts"], errors),
    )
    return draft, errors


_NOT_PEOPLE = {"everyone", "here", "channel"}  # a promise can't be given to a crowd
MENTION = re.compile(r"<@!?(?P<id>[A-Za-z0-9]+)(?:\|[^>]*)?>|@(?P<name>[A-Za-z0-9._-]+)")
_MENTION_FIRST = re.compile(rf"(?:{MENTION.pattern})[\s,:]*(?:to\s+)?", re.IGNORECASE)


def mentioned(text: str) -> str | None:
    """The user a whole ``text`` mentions ("<@U123>", "<@U1|sam>", "@sam"), or None."""
    match = MENTION.fullmatch(text.strip())
    return (match["id"] or match["name"]) if match else None


def _owner(text: str | None, errors: list[FieldError]) -> str | None:
    if not text:
        return None
    who = mentioned(text)
    if who is not None and who.lower() in _NOT_PEOPLE:
        who = None
    if who is None:
        message = f"Name the owner by mention: `owner: @priya` (not “{_quote(text, 40)}”)."
        errors.append(FieldError("owner", message))
    return who


def _occurred(text: str | None, ctx: DueContext, errors: list[FieldError]) -> datetime | None:
    if not text:
        return None
    try:
        return resolve_past(text, ctx)
    except NotInThePast as exc:
        errors.append(FieldError("when", str(exc)))
        return None


def _strip_bullet(text: str) -> str:
    bullet = _BULLET.match(text)
    return text[bullet.end() :].strip() if bullet else text


def _items(pieces: list[str], name: str, errors: list[FieldError]) -> tuple[str, ...]:
    """Clean, non-blank items; too many or too long ones are reported."""
    items = [item for item in (_strip_bullet(_squash(p)) for p in pieces) if item]
    singular, plural = _LIST_NOUNS[name]
    if len(items) > MAX_ITEMS_PER_LIST:
        message = f"Too many {plural}: {len(items)}. The most is {MAX_ITEMS_PER_LIST}."
        errors.append(FieldError(name, message))
        items = items[:MAX_ITEMS_PER_LIST]  # and spare the date reader the rest
    for item in items:
        if len(item) > MAX_ITEM_CHARS:
            message = (
                f"This {singular} is {len(item)} characters long: “{_quote(item)}”. "
                f"Keep each to {MAX_ITEM_CHARS}; split it or put the detail in notes."
            )
            errors.append(FieldError(name, message))
    return tuple(items)


def _promises(
    pieces: list[str],
    name: str,
    ctx: DueContext,
    errors: list[FieldError],
    *,
    owners: bool,
    known: Unchanged,
) -> tuple[PromiseDraft, ...]:
    promises = []
    for item in _items(pieces, name, errors):
        if len(item) > MAX_ITEM_CHARS:
            continue  # already reported; its date would only add noise
        owner = None
        mention = _MENTION_FIRST.match(item) if owners else None
        if mention is not None and (mention["name"] or "").lower() in _NOT_PEOPLE:
            mention = None
        if mention is not None and item[mention.end() :].strip():
            owner = mention["id"] or mention["name"]  # "we: @priya to send the quote"
            item = item[mention.end() :].strip()
        same = known.get(f"{name}:{' '.join(item.split())}")
        if same is not None:
            promises.append(dataclasses.replace(same, owner=owner) if owner else same)
            continue
        promise = _promise(item, name, ctx, errors)
        if promise is not None:
            promises.append(dataclasses.replace(promise, owner=owner) if owner else promise)
    return tuple(promises)


def _promise(
    item: str, name: str, ctx: DueContext, errors: list[FieldError]
) -> PromiseDraft | None:
    try:
        split = split_due(item, ctx)
    except DueProblem as problem:
        errors.append(FieldError(name, problem.message(ctx, item)))
        return None
    if split is None:
        return PromiseDraft(text=item)
    if split.due_at is None:  # "no date", on purpose
        if split.text:
            return PromiseDraft(text=split.text)
        errors.append(FieldError(name, f"“{item}” has no promise. Say what will be done."))
        return None
    if not split.text:
        message = (
            f"“{item}” has a due date but no promise. Say what will be done, "
            f"e.g. “send quote {split.phrase}”."
        )
        errors.append(FieldError(name, message))
        return None
    return PromiseDraft(text=split.text, due_at=split.due_at, due_phrase=split.phrase)


def _single(values: list[str], name: str, errors: list[FieldError]) -> str | None:
    """The one value of diff/code/kind; several different ones are an error."""
    given = list(dict.fromkeys(v for v in (_squash(v) for v in values) if v))
    noun = _SINGLE_NOUNS[name]
    if len(given) > 1:
        shown = ", ".join(f"“{_quote(v, 40)}”" for v in given)
        errors.append(FieldError(name, f"Give one {noun}; this entry has {len(given)}: {shown}."))
    if given and len(given[0]) > MAX_ITEM_CHARS:
        message = f"The {noun} is {len(given[0])} characters long; keep it to {MAX_ITEM_CHARS}."
        errors.append(FieldError(name, message))
    return given[0] if given else None


def _kind(text: str, errors: list[FieldError]) -> Kind | None:
    kind = parse_kind(text)
    if kind is None:
        message = f"“{_quote(text, 40)}” is not a kind of touchpoint. Kinds: {_KINDS}."
        errors.append(FieldError("kind", message))
    return kind


def _stage(text: str | None, errors: list[FieldError]) -> str | None:
    """The stage as written down; whether the team has it is the service's to check."""
    if not text:
        return None
    if len(text) > MAX_STAGE_CHARS:
        message = f"A journey stage has at most {MAX_STAGE_CHARS} characters, e.g. `stage: post`."
        errors.append(FieldError("stage", message))
        return None
    return stage_key(text)


_SCALES = {
    "satisfaction": (SATISFACTION_RANGE, "csat", "1 very dissatisfied to 5 very satisfied"),
    "effort": (EFFORT_RANGE, "ces", "1 very difficult to 7 very easy"),
    "promoter": (PROMOTER_RANGE, "nps", "0 would not recommend us to 10 surely would"),
}
_ROLE = re.compile(r"(?P<name>[^()]*?)\s*\((?P<role>[^()]*)\)\s*")
MAX_CONTACT_CHARS = 80


def _contacts(pieces: list[str], errors: list[FieldError]) -> tuple[Contact, ...]:
    """ "Jane Smith (CFO)" -> Contact("Jane Smith", "CFO"); a name alone has no role."""
    contacts: dict[str, Contact] = {}
    for item in _items(pieces, "contacts", errors):
        match = _ROLE.fullmatch(item)
        name, role = (match["name"], match["role"]) if match else (item, "")
        name, role = _squash(name), _squash(role)
        if not name or len(name) > MAX_CONTACT_CHARS or len(role) > MAX_CONTACT_CHARS:
            message = (
                f"“{_quote(item)}” is not a contact: write a name of at most "
                f"{MAX_CONTACT_CHARS} characters, with the role in brackets if you like: "
                "`with: Jane Smith (CFO)`."
            )
            errors.append(FieldError("contacts", message))
            continue
        contacts.setdefault(name.casefold(), Contact(name, role))
    return tuple(contacts.values())


def _score(text: str | None, name: str, errors: list[FieldError]) -> int | None:
    if not text:
        return None
    (low, high), label, meaning = _SCALES[name]
    value = text.strip().removesuffix(f"/{high}").strip()
    if value.isascii() and value.isdigit() and low <= int(value) <= high:  # not "²"
        return int(value)
    message = (
        f"The {_SINGLE_NOUNS[name]} “{_quote(text, 20)}” must be a whole number from {low} "
        f"to {high} ({meaning}), e.g. `{label}: {high - 1}`."
    )
    errors.append(FieldError(name, message))
    return None


def _difference(text: str | None, errors: list[FieldError]) -> str | None:
    if text is not None and len(text.split()) > MAX_DIFFERENCE_WORDS:
        message = (
            f"The biggest difference has {len(text.split())} words; keep it to "
            f"{MAX_DIFFERENCE_WORDS} or fewer, one short phrase such as “Needs fibre”."
        )
        errors.append(FieldError("difference", message))
    return text


def _notes(lines: list[str], errors: list[FieldError]) -> str:
    notes = "\n".join(line for line in (_squash(v) for v in lines) if line)
    if len(notes) > MAX_NOTES_CHARS:
        message = f"Notes are {len(notes):,} characters; the most is {MAX_NOTES_CHARS:,}."
        errors.append(FieldError("notes", message))
    return notes
