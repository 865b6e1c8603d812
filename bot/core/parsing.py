"""Text and form fields -> ``TouchpointDraft``, or one ``ParseError`` listing every problem.

Pure and deterministic: the caller passes ``now`` (aware UTC), the team's zone and its
working-day start. Nothing here raises anything but ``ParseError`` for any text; a naive
``now``, or one outside the years 1900-8999, is the caller's bug and raises ValueError. An
unknown time zone is a ParseError (a team setting someone can fix). Due dates: see
``bot.core.dates``.

Quick entry (the text after ``/touchpoint``)
--------------------------------------------
* Segments are split by ``|`` and new lines. The first non-blank segment starts with the
  head: the customer, then optionally the kind ("acme corp video call"; the last one or two
  words are the kind when they spell one and leave a name). A leading "+" on the customer
  is kept (it means "create it"). The head ends at the first known label in that segment
  ("acme call: ch: slow internet", "acme code: no answer") or at a colon.
* A segment starting with ``label:`` fills that field. Labels are case-insensitive; see
  ``LABELS`` for the aliases. A one- or two-word ``word:`` that is not a label is an error
  listing the labels, but ``https://...`` and times like ``10:30`` are not labels.
* Items are split by ``;``. After a ``;`` only a KNOWN label switches field, so
  "ch: billing: confusing" keeps its text. In diff/code/notes/kind a ``;`` that does not
  start a label is just text.
* A segment without a label continues the field before it: another item (or items) of a
  list (leading ``-``, ``*``, ``•``, ``1.`` are dropped, and such bulleted lines are always
  items, never labels) or another line of the notes. After diff:/code:/kind: (one value
  each) or right after the head it is an error, rather than guessing where it belongs.
* Blank items are skipped; whitespace is collapsed; control characters are dropped.

Forms (``parse_form``)
----------------------
One item per line in challenges and both promise lists (bullets dropped; ``;`` is text);
kind, code and difference are single values ("" = not given); notes keep their non-blank
lines. The same content typed either way gives an equal ``TouchpointDraft``.

Checks (all collected into one ParseError)
------------------------------------------
Missing customer; nothing to record; unknown label; unlabelled text; biggest difference
over ``MAX_DIFFERENCE_WORDS`` words or given twice; an item over ``MAX_ITEM_CHARS``; more
than ``MAX_ITEMS_PER_LIST`` items in a list; notes over ``MAX_NOTES_CHARS``; an unknown
kind; a completion code given twice; a due date that cannot be read, is past, is more
than ten years ahead, or has no promise text with it.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from types import MappingProxyType
from typing import Final

from bot.core.dates import (
    DateOrder,
    DueContext,
    DueProblem,
    UnknownTimeZone,
    due_context,
    resolve_when,
    split_due,
)
from bot.core.drafts import FormFields, PromiseDraft, QuickEntry, TouchpointDraft
from bot.core.errors import FieldError, ParseError
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

__all__ = ["LABELS", "clean_text", "parse_due", "parse_form", "parse_quick_entry"]

LABELS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "challenges": ("ch", "challenges", "challenge", "issues", "issue", "problems", "problem"),
        "our_promises": ("we", "us", "todo", "todos", "ours", "our promises", "our promise"),
        "their_promises": ("they", "them", "theirs", "their promises", "their promise"),
        "difference": ("diff", "difference", "biggest difference", "bd"),
        "code": ("code", "outcome", "completion", "result", "completion code"),
        "notes": ("notes", "note"),
        "kind": ("kind", "type"),
        "stage": ("stage", "journey", "journey stage"),
        "satisfaction": ("csat", "satisfaction"),
        "effort": ("ces", "effort"),
        "promoter": ("nps", "recommend"),
        "map_entry": ("tp", "touchpoint"),
        "contacts": ("with", "contact", "contacts"),
    }
)
"""Canonical field -> the labels that fill it (the first is the short one help shows)."""

# Labels of quick entry only (a spreadsheet has its own date and author columns).
ENTRY_LABELS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "when": ("when", "at", "happened"),
        "owner": ("owner", "assign", "assigned to"),
    }
)

# The whole input, generously: fifty 300-character items in three lists plus notes.
MAX_ENTRY_CHARS = 60_000

_LISTS = ("challenges", "our_promises", "their_promises", "contacts")
_SCORES = ("stage", "satisfaction", "effort", "promoter", "map_entry")
_FORM_FIELDS = (*_LISTS, "difference", "code", "kind", "notes", *_SCORES)
_FORM_SINGLES = ("difference", "code", "kind", *_SCORES)
_SINGLES = ("difference", "code", "kind", *_SCORES, "when", "owner")
LABEL_HELP = (
    "ch (challenges), we (our promises), they (their promises), "
    "diff (biggest difference), code (completion code), kind, "
    "stage (journey stage), csat (satisfaction 1-5), ces (ease 1-7, 7 very easy), "
    "nps (would recommend 0-10), tp (the touchpoint on the team's map), "
    "with (who at the customer, e.g. Jane Smith (CFO)), "
    "when (a past moment it happened), owner (@who owns our promises), notes (last: the rest "
    "of the entry is notes)"
)
_EXAMPLE = "/touchpoint acme call | ch: slow internet | we: send quote by fri | they: read brochure"
_USAGE = (
    f"Write the customer, then what happened, e.g. `{_EXAMPLE} | diff: needs fibre`. "
    "Only an outcome works too: `/touchpoint acme code: no answer`."
)
_KINDS = ", ".join(k.value for k in Kind)
_LIST_NOUNS = {
    "challenges": ("challenge", "challenges"),
    "our_promises": ("promise of ours", "of our promises"),
    "their_promises": ("promise of theirs", "of their promises"),
    "contacts": ("contact", "contacts"),
}
_SINGLE_NOUNS = {
    "difference": "biggest difference",
    "code": "completion code",
    "kind": "kind",
    "stage": "journey stage",
    "satisfaction": "satisfaction score",
    "effort": "effort score",
    "when": "time it happened",
    "owner": "owner",
    "promoter": "recommend score (NPS)",
    "map_entry": "touchpoint on the map",
}

_ALIAS_FIELD = {
    alias: name for name, aliases in [*LABELS.items(), *ENTRY_LABELS.items()] for alias in aliases
}
_ALIASES = "|".join(
    re.escape(alias).replace(r"\ ", r"\s+") for alias in sorted(_ALIAS_FIELD, key=len, reverse=True)
)
# A label is its name then a colon, but never the scheme of a URL ("https://").
_LABEL_AT_START = re.compile(rf"\s*(?P<label>{_ALIASES})\s*:(?!//)", re.IGNORECASE)
_LABEL_IN_HEAD = re.compile(rf"(?<![\w+])(?P<label>{_ALIASES})\s*:(?!//)", re.IGNORECASE)
_UNKNOWN_LABEL = re.compile(r"\s*(?P<label>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)?)\s*:(?!//)")
_HEAD_COLON = re.compile(r":(?!//)")
_BULLET = re.compile(r"(?:[•·‣◦▪]\s*|[-*]\s+|\d{1,3}[.)]\s+)")

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[\t\x1f]")
# Other C0/C1 controls and lone surrogates (the database could not even encode those).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


# -- public API ---------------------------------------------------------------------------


def parse_quick_entry(
    text: str,
    *,
    customer: str | None = None,
    kind: Kind | None = None,
    code: str | None = None,
    now: datetime,
    tz: str,
    day_start: time,
    order: DateOrder | None = None,
) -> QuickEntry:
    """`acme call | ch: slow internet | we: send quote by fri | diff: needs fibre`.

    With ``customer`` (and ``kind``, ``code``) given apart, as typed options, ``text`` is
    only the labelled fields: `ch: slow internet | we: send quote by fri`. A kind: or code:
    label there must agree with the one given. ``order`` is how numeric dates are read
    ("dmy" or "mdy"); None: the zone's custom."""
    text = _checked_entry(text)
    reader = _QuickReader()
    body, notes = _split_notes(text)
    if customer is None:
        head = reader.read(body)
        customer, kind = _customer_and_kind(head, explicit_kind=bool(reader.raw.kind))
    else:
        if code:
            reader.raw.code.append(code)
        for segment in re.split(r"[|\n]", body):
            reader.segment(segment)
        if kind is not None and reader.raw.kind:
            reader.raw.kind.insert(0, kind.value)  # so a different one is "give one kind"
        customer = " ".join(_clean_text(customer).split())
    if notes is not None:
        reader.raw.notes.extend(notes.split("\n"))
    return _entry(reader, customer, kind, _context(now, tz, day_start, "entry", order))


def _checked_entry(text: str) -> str:
    text = _clean_text(text)
    if len(text) > MAX_ENTRY_CHARS:
        raise ParseError([FieldError("entry", _too_long_entry(len(text)))])
    if not text.strip():
        raise ParseError([FieldError("entry", _USAGE)])
    return _NAMED_MENTION.sub(r"<@\g<id>>", text)  # Slack's "<@U1|sam>": its "|" is no separator


def _entry(reader: _QuickReader, customer: str, kind: Kind | None, ctx: DueContext) -> QuickEntry:
    draft, errors = _build(reader.raw, ctx, kind, owners=True)
    errors = reader.errors + reader.unknown_labels() + errors
    if not customer:
        errors.insert(0, FieldError("customer", f"Start with the customer's name: `{_EXAMPLE}`."))
    elif reader.raw.is_empty() and not errors:
        # Only when nothing else explains it: an unknown label already says what went wrong.
        errors.append(FieldError("entry", _nothing_to_record(customer)))
    if errors:
        raise ParseError(errors)
    return QuickEntry(customer=customer, draft=draft)


def parse_form(
    fields: FormFields,
    *,
    now: datetime,
    tz: str,
    day_start: time,
    order: DateOrder | None = None,
) -> TouchpointDraft:
    """A submitted modal: one item per line in the lists, single values elsewhere."""
    ctx = _context(now, tz, day_start, "entry", order)
    total = sum(len(getattr(fields, name)) for name in _FORM_FIELDS)
    if total > MAX_ENTRY_CHARS:
        raise ParseError([FieldError("entry", _too_long_entry(total))])
    raw = _Raw()
    for name in _LISTS:
        raw.lists[name].extend(_clean_text(getattr(fields, name)).split("\n"))
    for name in _FORM_SINGLES:
        raw.single(name).append(_clean_text(getattr(fields, name)))
    raw.notes.extend(_clean_text(fields.notes).split("\n"))
    draft, errors = _build(raw, ctx, None, owners=False)
    if raw.is_empty() and not errors:
        errors.append(FieldError("entry", _NOTHING_IN_FORM))
    if errors:
        raise ParseError(errors)
    return draft


def parse_due(
    phrase: str,
    *,
    now: datetime,
    tz: str,
    day_start: time,
    field: str = "when",
    order: DateOrder | None = None,
) -> datetime:
    """A standalone when-phrase ("1h", "tomorrow", "fri 2pm", "3 Dec") -> aware UTC, future."""
    ctx = _context(now, tz, day_start, field, order)
    text = " ".join(_clean_text(phrase).split())
    if not text:
        raise ParseError([FieldError(field, _SAY_WHEN)])
    try:
        return resolve_when(text, ctx)
    except DueProblem as problem:
        raise ParseError([FieldError(field, problem.message(ctx))]) from None


# -- shared helpers -----------------------------------------------------------------------

_SAY_WHEN = "Say when, e.g. “1h”, “in 2 hours”, “tomorrow”, “fri 2pm”, “next week”, “3 Dec”."
_NOTHING_IN_FORM = (
    "Nothing to record yet: add a challenge, a promise, the biggest difference, "
    "a completion code or a note."
)


def _context(
    now: datetime, tz: str, day_start: time, field_name: str, order: DateOrder | None
) -> DueContext:
    try:
        return due_context(now, tz, day_start, order)
    except UnknownTimeZone:
        message = (
            f"The team's time zone “{tz}” is unknown, so due dates can't be worked out. "
            "Ask an admin to set a time zone such as Europe/London."
        )
        raise ParseError([FieldError(field_name, message)]) from None


def _clean_text(text: str) -> str:
    """One kind of line break, tabs as spaces, no other control characters."""
    return _CONTROLS.sub("", _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text)))


def clean_text(text: str) -> str:
    """Typed text as the parsers read it: for text that is stored without being parsed
    (names, aliases, settings). Neither database can store a lone surrogate, and
    PostgreSQL refuses NUL: these never get past here."""
    return _clean_text(text)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _too_long_entry(length: int) -> str:
    return f"This entry is {length:,} characters; the most is {MAX_ENTRY_CHARS:,}. Shorten it."


def _nothing_to_record(customer: str) -> str:
    name = customer if len(customer) <= 40 else "acme"
    return (
        f"Nothing to record for “{name}” yet. Add what happened after the name, e.g. "
        f"`/touchpoint {name} call | ch: slow internet | we: send quote by fri | "
        f"they: read brochure | diff: needs fibre`, or just an outcome: "
        f"`/touchpoint {name} code: no answer`."
    )


def _label_field(label: str) -> str:
    return _ALIAS_FIELD[" ".join(label.lower().split())]


# -- quick entry: reading -----------------------------------------------------------------


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


_LOST = "lost"  # after an unknown label: its following lines are already reported


class _QuickReader:
    """Walks the segments of a quick entry, filling ``raw`` and noting errors."""

    def __init__(self) -> None:
        self.raw = _Raw()
        self.errors: list[FieldError] = []
        self.unknown: list[str] = []  # labels not known, reported once together
        self.current: str | None = None  # the field unlabelled text continues

    def unknown_labels(self) -> list[FieldError]:
        """One error for every unknown label, each with its nearest known one."""
        if not self.unknown:
            return []
        named = []
        for label in dict.fromkeys(self.unknown):
            near = _nearest_label(label)
            named.append(f"“{label}:”" + (f" (did you mean “{near}:”?)" if near else ""))
        noun = "label" if len(named) == 1 else "labels"
        message = f"Unknown {noun} {', '.join(named)}. Known labels: {LABEL_HELP}."
        return [FieldError("entry", message)]

    def read(self, text: str) -> str:
        """Reads everything; returns the head (customer and kind)."""
        segments = re.split(r"[|\n]", text)
        first = next((i for i, s in enumerate(segments) if s.strip()), len(segments))
        head = ""
        if first < len(segments):
            head, rest = _split_head(segments[first])
            segment = segments[first]
            known = _LABEL_IN_HEAD.search(segment, 0, _HEAD_SEARCH_CHARS)
            plain = known is None and _HEAD_COLON.search(segment)
            typo = _label_typo_in_head(head) if plain else None
            if typo is not None:  # "acme chalenges: slow internet"
                head, label = typo
                self.unknown.append(label)
                self.current = _LOST
            else:
                self.segment(rest)
        for segment in segments[first + 1 :]:
            self.segment(segment)
        return head

    def segment(self, segment: str) -> None:
        text = segment.strip()
        if not text:
            return
        known = _LABEL_AT_START.match(text)
        if known:
            self._switch(_label_field(known["label"]))
            self._content(text[known.end() :])
            return
        unknown = _UNKNOWN_LABEL.match(text[:80])
        if unknown:
            self.unknown.append(unknown["label"])
            self.current = _LOST
            return
        self._continue(text)

    def _continue(self, text: str) -> None:
        """A segment with no label of its own."""
        if self.current in _LISTS or self.current == "notes":
            if self.current == "notes":
                self.raw.notes.append("")
            self._content(text)
        elif self.current in _SINGLES:
            label = LABELS[self.current][0]
            message = (
                f"“{_quote(text)}” follows {label}: which takes one value. Put it on the "
                f"{label}: line, or start the line with a label: {LABEL_HELP}."
            )
            self.errors.append(FieldError(self.current, message))
        elif self.current is None:
            message = f"“{_quote(text)}” has no label. Start it with one of: {LABEL_HELP}."
            self.errors.append(FieldError("entry", message))

    def _switch(self, name: str) -> None:
        self.current = name
        if name in _SINGLES:
            self.raw.single(name).append("")
        elif name == "notes":
            self.raw.notes.append("")

    def _content(self, content: str) -> None:
        """Text after a label (or continuing one); ``;`` splits items and may switch label."""
        for n, piece in enumerate(content.split(";")):
            known = _LABEL_AT_START.match(piece) if n else None
            if known:
                self._switch(_label_field(known["label"]))
                piece = piece[known.end() :]
            self._put(piece, glued=bool(n) and not known)

    def _put(self, piece: str, *, glued: bool) -> None:
        name = self.current
        if name in _LISTS:
            self.raw.lists[name].append(piece)
        elif name in _SINGLES or name == "notes":
            values = self.raw.notes if name == "notes" else self.raw.single(name)
            # In one-value fields and notes a ";" not followed by a label is just text.
            values[-1] = f"{values[-1]};{piece}" if glued else values[-1] + piece


# The head is a customer's name (at most 80 characters) and perhaps a kind, so the label
# that ends it is looked for near the start: searching a 60,000-character line for one
# cost 75 ms of the event loop's time.
_HEAD_SEARCH_CHARS = 400


def _split_head(segment: str) -> tuple[str, str]:
    """ "acme call: ch: slow" -> ("acme call", "ch: slow"); the rest may be empty."""
    label = _LABEL_IN_HEAD.search(segment, 0, _HEAD_SEARCH_CHARS)
    if label:
        return segment[: label.start()].strip().rstrip(":;").strip(), segment[label.start() :]
    colon = _HEAD_COLON.search(segment)
    if colon:
        return segment[: colon.start()].strip(), segment[colon.end() :]
    return segment.strip(), ""


def reads_as_entry(text: str) -> bool:
    """Whether text has the shape of a quick entry: fields after "|" or a known label."""
    return "|" in text or _LABEL_IN_HEAD.search(text, 0, _HEAD_SEARCH_CHARS) is not None


_NAMED_MENTION = re.compile(r"<@(?P<id>[A-Za-z0-9]+)\|[^>|]{0,80}>")
_NOTES_LABEL = re.compile(r"(?<![\w+])notes?\s*:(?!//)", re.IGNORECASE)


def _split_notes(text: str) -> tuple[str, str | None]:
    """The entry before its ``notes:`` label, and everything after it: notes are free text
    to the end of the entry, so a pasted email's "To:" or "Type:" lines are not labels.

    ``notes:`` counts as a label where any label would: in the first segment after the
    customer, or at the start of a segment or after a ``;``."""
    first = len(text) - len(text.lstrip())
    head_end = min((i for i in (text.find("|", first), text.find("\n", first)) if i >= 0),
                   default=len(text))  # fmt: skip
    for match in _NOTES_LABEL.finditer(text):
        before = text[: match.start()]
        segment_start = max(before.rfind("|"), before.rfind("\n"), before.rfind(";"))
        if match.start() < head_end or not before[segment_start + 1 :].strip():
            return before, text[match.end() :]
    return text, None


def _nearest_label(word: str) -> str | None:
    """The known label a typo most likely meant; swapped letters ("thye") first."""
    typed = " ".join(word.lower().split())
    swapped = [alias for alias in _ALIAS_FIELD if sorted(alias) == sorted(typed)]
    near = swapped or difflib.get_close_matches(typed, _ALIAS_FIELD, 1, 0.7)
    return near[0] if near else None


def _label_typo_in_head(head: str) -> tuple[str, str] | None:
    """ "acme chalenges" before a colon: the customer, and a mistyped label."""
    words = head.split()
    if len(words) > 1 and _nearest_label(words[-1]) and words[-1].lower() not in _ALIAS_FIELD:
        return " ".join(words[:-1]), words[-1]
    return None


_QUOTES = "\"'“”‘’"


def unquoted(name: str) -> str:
    """ "\"Due North Outdoors\"" -> "Due North Outdoors": quotes only mark a name."""
    plus = "+" if name.startswith("+") else ""
    bare = name.removeprefix("+").strip()
    if len(bare) >= 2 and bare[0] in _QUOTES and bare[-1] in _QUOTES:
        bare = bare[1:-1].strip()
    return plus + bare


def _customer_and_kind(head: str, *, explicit_kind: bool) -> tuple[str, Kind | None]:
    """ "acme corp video call" -> ("acme corp", VIDEO): the longest kind that leaves a name.

    With a kind: label the whole head is the name ("The Social | kind: visit").
    """
    words = head.split()
    if not explicit_kind:
        for k in (2, 1):
            kind = parse_kind(" ".join(words[-k:])) if len(words) > k else None
            if kind is not None:
                return unquoted(" ".join(words[:-k])), kind
    return unquoted(" ".join(words)), None


# -- building and checking the draft ------------------------------------------------------


def _build(
    raw: _Raw, ctx: DueContext, head_kind: Kind | None, *, owners: bool
) -> tuple[TouchpointDraft, list[FieldError]]:
    """``owners``: a promise of ours may start with the colleague it is given to (quick
    entry; a form has its own owner field, and its lines are taken as written)."""
    errors: list[FieldError] = []
    challenges = _items(raw.lists["challenges"], "challenges", errors)
    ours = _promises(raw.lists["our_promises"], "our_promises", ctx, errors, owners=owners)
    theirs = _promises(raw.lists["their_promises"], "their_promises", ctx, errors, owners=False)
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
