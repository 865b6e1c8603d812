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

import difflib
import re
from collections.abc import Collection
from datetime import datetime, time
from typing import TypedDict

from bot.core.dates import (
    DateOrder,
    DueContext,
    DueProblem,
    UnknownTimeZone,
    due_context,
    resolve_when,
)
from bot.core.draft_fields import Unchanged, _build, _Raw
from bot.core.drafts import FormFields, QuickEntry, TouchpointDraft
from bot.core.entry_labels import (
    _ALIAS_FIELD,
    _EXAMPLE,
    _FORM_FIELDS,
    _FORM_SINGLES,
    _HEAD_COLON,
    _LABEL_AT_START,
    _LABEL_IN_HEAD,
    _LISTS,
    _SINGLES,
    _UNKNOWN_LABEL,
    _USAGE,
    LABEL_HELP,
    LABELS,
    _clean_text,
    _label_field,
    _quote,
)
from bot.core.errors import FieldError, ParseError
from bot.core.model import (
    Kind,
    Team,
    parse_kind,
)

__all__ = ["parse_due", "parse_form", "parse_quick_entry"]

# The whole input, generously: fifty 300-character items in three lists plus notes.
MAX_ENTRY_CHARS = 60_000


# -- public API ---------------------------------------------------------------------------


class TeamReading(TypedDict):
    """How a team's dates are read: its zone, day start, numeric order and working days."""

    tz: str
    day_start: time
    order: DateOrder | None
    workdays: Collection[int] | None


def reading(team: Team) -> TeamReading:
    """The keyword arguments every reader of a team's entries and dates takes from it."""
    return TeamReading(
        tz=team.timezone,
        day_start=team.day_start,
        order=team.date_order,
        workdays=team.digest_days,
    )


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
    workdays: Collection[int] | None = None,
    unchanged: Unchanged | None = None,
) -> QuickEntry:
    """`acme call | ch: slow internet | we: send quote by fri | diff: needs fibre`.

    With ``customer`` (and ``kind``, ``code``) given apart, as typed options, ``text`` is
    only the labelled fields: `ch: slow internet | we: send quote by fri`. A kind: or code:
    label there must agree with the one given. ``order`` is how numeric dates are read
    ("dmy" or "mdy"); None: the zone's custom. ``workdays`` are the team's working days
    (Monday is 0; None: Monday to Friday), counted by "in 3 business days"."""
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
    ctx = _context(now, tz, day_start, "entry", order, workdays)
    return _entry(reader, customer, kind, ctx, unchanged)


def _checked_entry(text: str) -> str:
    text = _clean_text(text)
    if len(text) > MAX_ENTRY_CHARS:
        raise ParseError([FieldError("entry", _too_long_entry(len(text)))])
    if not text.strip():
        raise ParseError([FieldError("entry", _USAGE)])
    return _NAMED_MENTION.sub(r"<@\g<id>>", text)  # Slack's "<@U1|sam>": its "|" is no separator


def _entry(
    reader: _QuickReader,
    customer: str,
    kind: Kind | None,
    ctx: DueContext,
    unchanged: Unchanged | None = None,
) -> QuickEntry:
    draft, errors = _build(reader.raw, ctx, kind, owners=True, unchanged=unchanged)
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
    workdays: Collection[int] | None = None,
    unchanged: Unchanged | None = None,
) -> TouchpointDraft:
    """A submitted modal: one item per line in the lists, single values elsewhere.
    ``unchanged``: on an edit, the lines that give stored promises back as they were."""
    ctx = _context(now, tz, day_start, "entry", order, workdays)
    total = sum(len(getattr(fields, name)) for name in _FORM_FIELDS)
    if total > MAX_ENTRY_CHARS:
        raise ParseError([FieldError("entry", _too_long_entry(total))])
    raw = _Raw()
    for name in _LISTS:
        raw.lists[name].extend(_clean_text(getattr(fields, name)).split("\n"))
    for name in _FORM_SINGLES:
        raw.single(name).append(_clean_text(getattr(fields, name)))
    raw.notes.extend(_clean_text(fields.notes).split("\n"))
    draft, errors = _build(raw, ctx, None, owners=False, unchanged=unchanged)
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
    workdays: Collection[int] | None = None,
) -> datetime:
    """A standalone when-phrase ("1h", "tomorrow", "fri 2pm", "3 Dec") -> aware UTC, future."""
    ctx = _context(now, tz, day_start, field, order, workdays)
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
    now: datetime,
    tz: str,
    day_start: time,
    field_name: str,
    order: DateOrder | None,
    workdays: Collection[int] | None = None,
) -> DueContext:
    try:
        return due_context(now, tz, day_start, order, workdays)
    except UnknownTimeZone:
        message = (
            f"The team's time zone “{tz}” is unknown, so due dates can't be worked out. "
            "Ask an admin to set a time zone such as Europe/London."
        )
        raise ParseError([FieldError(field_name, message)]) from None


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


# -- quick entry: reading -----------------------------------------------------------------


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
    # "chal:" is a label cut short: the shortest label it begins
    cut = (
        sorted((a for a in _ALIAS_FIELD if a.startswith(typed)), key=len) if len(typed) > 3 else []
    )
    near = swapped or cut or difflib.get_close_matches(typed, _ALIAS_FIELD, 1, 0.7)
    return near[0] if near else None


def _label_typo_in_head(head: str) -> tuple[str, str] | None:
    """ "acme chalenges" before a colon: the customer, and a mistyped label."""
    words = head.split()
    if len(words) > 1 and _nearest_label(words[-1]) and words[-1].lower() not in _ALIAS_FIELD:
        return " ".join(words[:-1]), words[-1]
    return None


QUOTES = "\"'“”‘’"


def unquoted(name: str) -> str:
    """ "\"Due North Outdoors\"" -> "Due North Outdoors": quotes only mark a name."""
    plus = "+" if name.startswith("+") else ""
    bare = name.removeprefix("+").strip()
    if len(bare) >= 2 and bare[0] in QUOTES and bare[-1] in QUOTES:
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
