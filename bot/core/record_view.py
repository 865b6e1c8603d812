"""The customer record as a handover brief: what colleagues did, said and tried.

Page 1: who spoke to the customer last, the open challenges and both sides' open promises
with their histories (who raised, passed on, addressed, reopened them and when), the most
recent closed ones and how they ended, the biggest difference over time with its changes
called out, and the recent touchpoints one line each. A long record goes on over later
pages, each list where the page before left it, and every page says what is left and the
command that shows it, so nothing ever raised is out of reach.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.content import STATUS_WORDS, age
from bot.core.model import Challenge, Direction, Event, Promise, Team, Touchpoint, TouchpointEdit
from bot.core.queries import (
    ContactSeen,
    CustomerRecord,
    DifferenceChange,
    DifferenceEntry,
    Part,
    normalised,
)
from bot.core.refs import challenge_ref, promise_ref, touchpoint_ref
from bot.core.replies import (
    Line,
    Reply,
    ReplyKind,
    Section,
    Span,
    Strong,
    Text,
    UserRef,
    When,
    line,
)

NOTE_PREVIEW = 80
EVENT_WORDS = {
    "passed_on": "passed on to {detail}",
    "addressed": "addressed",
    "reopened": "reopened",
    "kept": "kept",
    "not_kept": "not kept",
    "cancelled": "cancelled",
    "snoozed": "snoozed",
    "rescheduled": "rescheduled",
    "undone": "undid “{detail}”",
    "merged": "closed as the same as {detail}",
    "said_again": "said again as {detail}",
}

# Actions whose detail is the note someone typed ("addressed C7 invoice resent"); a
# reaction's detail only says how it was done.
NOTED = {"addressed", "kept", "not_kept", "cancelled", "reopened"}


def customer_record(record: CustomerRecord) -> Reply:
    team, now = record.team, record.now
    first = record.page == 1
    sections = [Section(None, tuple(_summary(record) if first else _counts(record)))]
    if record.contacts:
        sections.append(Section("Contacts", tuple(_contact(c, team) for c in record.contacts)))
    sections += _list_section(
        record,
        "Challenges",
        [
            (record.open_challenges, "open", "more open"),
            (record.addressed_challenges, "addressed", "earlier addressed"),
        ],
        " challenge(s)",
        [_challenge(c, team, now) for c in record.challenges],
    )
    for heading, open_part, settled_part in (
        ("Our promises", record.ours_open, record.ours_settled),
        ("Their promises", record.theirs_open, record.theirs_settled),
    ):
        sections += _list_section(
            record,
            heading,
            [(open_part, "open", "more open"), (settled_part, "settled", "earlier settled")],
            " promise(s)",
            [_promise(p, team, now) for p in (*open_part.items, *settled_part.items)],
        )
    sections += _list_section(
        record,
        "Biggest difference over time",
        [(record.changes, "", "earlier")],
        " change(s)",
        _difference_changes(record.changes, team),
    )
    sections += _list_section(
        record,
        "Recent touchpoints" if first else "Earlier touchpoints",
        [(record.touchpoints, "", "earlier")],
        " touchpoint(s)",
        [
            _touchpoint(t, team, record.edits.get(t.id or 0), record.entry_names)
            for t in record.touchpoints.items
        ],
    )
    if record.pages > 1:
        sections.append(Section(None, (_page_line(record),)))
    title = record.customer.name if first else f"{record.customer.name} (page {record.page})"
    return Reply(title, tuple(sections), kind=ReplyKind.RECORD)


def _show_command(record: CustomerRecord, page: int) -> str:
    """What to type to see ``page`` of this record."""
    name = record.customer.name
    return f"`/touchpoint show {name}`" if page == 1 else f"`/touchpoint show {name} page {page}`"


def _list_section(
    record: CustomerRecord,
    heading: str,
    parts: Sequence[tuple[Part[Any], str, str]],
    noun: str,
    lines: list[Line],
) -> list[Section]:
    """One list's section: its lines on this page, then how many of it later pages show
    and how to get there. Later pages say in the heading which items these are.

    ``parts`` are (part, label in the heading, words for what is left of it)."""
    if record.page > 1:
        shown = [
            f"{label} {_number(p.skipped + 1)}–{_number(p.skipped + len(p.items))} of "
            f"{_number(p.total)}".strip()
            for p, label, _ in parts
            if p.items
        ]
        heading = f"{heading} — {' · '.join(shown)}" if shown else heading
    left = [f"{_number(p.remaining)} {words}" for p, _, words in parts if p.remaining]
    if left:
        nxt = _show_command(record, record.page + 1)
        lines = [*lines, line(f"… and {' and '.join(left)}{noun} on page {record.page + 1}: {nxt}")]
    return [Section(heading, tuple(lines))] if lines else []


def _number(n: int) -> str:
    return f"{n:,}"


def _page_line(record: CustomerRecord) -> Line:
    parts = [f"Page {record.page} of {record.pages}"]
    if record.page < record.pages:
        parts.append(f"next: {_show_command(record, record.page + 1)}")
    if record.page > 1:
        parts.append(f"previous: {_show_command(record, record.page - 1)}")
    return line(" · ".join(parts))


def _counts(record: CustomerRecord) -> list[Line]:
    open_ours = record.ours_open.total
    open_theirs = record.theirs_open.total
    return [
        line(
            f"{_number(record.touchpoint_count)} touchpoint(s) · "
            f"{_number(record.open_challenges.total)} open challenge(s) · "
            f"{_number(open_ours)} open promise(s) of ours · {_number(open_theirs)} of theirs"
        )
    ]


def _summary(record: CustomerRecord) -> list[Line]:
    team = record.team
    lines = _counts(record)
    last = record.last_contact
    if last is not None:
        lines.append(
            line(
                "Last contact: ",
                When(last.occurred_at, team.timezone),
                f" ({last.kind.value}) by ",
                UserRef(last.author),
            )
        )
    if record.headline:
        spans: list[Span] = [Text("Biggest difference: "), Strong(record.headline)]
        previous = _previous_headline(record.differences)
        if previous is not None:
            spans += [
                Text(f" (was: {previous.text} since "),
                When(previous.at, team.timezone, with_time=False),
                Text(")"),
            ]
        lines.append(Line(tuple(spans)))
    scores = [t for t in record.recent if t.satisfaction is not None or t.effort is not None]
    if scores:
        latest = scores[0]
        parts = []
        if latest.satisfaction is not None:
            parts.append(f"satisfaction {latest.satisfaction}/5")
        if latest.effort is not None:
            parts.append(f"ease {latest.effort}/7")
        lines.append(
            line(
                "Latest scores: ",
                ", ".join(parts),
                " on ",
                When(latest.occurred_at, team.timezone, with_time=False),
            )
        )
    return lines


def _previous_headline(differences: tuple[DifferenceEntry, ...]) -> DifferenceEntry | None:
    """The headline before the current one, dated from when it was first said."""
    if not differences:
        return None
    current = normalised(differences[-1].text)
    earlier = [d for d in differences if normalised(d.text) != current]
    if not earlier:
        return None
    last_other = normalised(earlier[-1].text)
    index = max(i for i, d in enumerate(differences) if normalised(d.text) == last_other)
    start = index
    while start > 0 and normalised(differences[start - 1].text) == last_other:
        start -= 1
    return differences[start]


def _difference_changes(changes: Part[DifferenceChange], team: Team) -> list[Line]:
    """Newest first; the current one (on page 1) in bold, marked when it changed."""
    lines = []
    for index, change in enumerate(changes.items, start=changes.skipped):
        entry, times = change.entry, change.times
        spans: list[Span] = [
            When(entry.at, team.timezone, with_time=False),
            Text(": "),
            Strong(entry.text) if index == 0 else Text(entry.text),
            Text(" ("),
            UserRef(entry.author),
            Text(f"{', said ' + str(times) + ' times' if times > 1 else ''})"),
        ]
        if index == 0 and changes.total > 1:
            spans.append(Text(" — changed"))
        lines.append(Line(tuple(spans)))
    return lines


def _history(events: list[Event], team: Team) -> list[Span]:
    spans: list[Span] = []
    for event in events:
        # Only our own templates are formatted: an action read from an import is text.
        template = EVENT_WORDS.get(event.action)
        detail = event.detail.replace("_", " ") if event.action == "undone" else event.detail
        words = template.format(detail=detail) if template else event.action
        if event.action in {"snoozed", "rescheduled"}:
            continue  # noise in a handover brief; the due date shows the outcome
        spans += [
            Text(f" · {words} by "),
            UserRef(event.actor),
            Text(" "),
            When(event.at, team.timezone, with_time=False),
        ]
        if event.detail and event.action in NOTED and event.detail != "reaction":
            spans.append(Text(f": “{event.detail}”"))
    return spans


def _challenge(challenge: Challenge, team: Team, now: datetime) -> Line:
    status = STATUS_WORDS[challenge.status]
    spans: list[Span] = [
        Strong(challenge_ref(challenge.id)),
        Text(f" {challenge.text} — {status}"),
    ]
    if challenge.is_open:
        spans.append(Text(f" {age(now - challenge.opened_at())}"))
    spans += [
        Text(" · raised by "),
        UserRef(challenge.raised_by),
        Text(" "),
        When(challenge.raised_at, team.timezone, with_time=False),
    ]
    spans += _history(challenge.history, team)
    return Line(tuple(spans))


def _promise(promise: Promise, team: Team, now: datetime) -> Line:
    spans: list[Span] = [Strong(promise_ref(promise.id)), Text(f" {promise.text}")]
    if promise.due_at is not None:
        spans += [Text(" — due "), When(promise.due_at, team.timezone)]
    settled = promise.settled()
    if settled is None:
        if promise.is_overdue(now):
            spans.append(Strong(f" (overdue {age(promise.overdue_by(now))})"))
        snoozed = promise.history and promise.history[-1].action == "snoozed"
        if snoozed and promise.remind_at is not None and promise.remind_at > now:
            spans += [Text(" · snoozed until "), When(promise.remind_at, team.timezone)]
    else:
        spans.append(Strong(f" — {STATUS_WORDS[promise.status]}"))
        if promise.due_at is not None and promise.status.value == "kept":
            on_time = settled.at <= promise.due_at
            late = "" if on_time else f" {age(settled.at - promise.due_at)} late"
            spans.append(Text(" on time" if on_time else late))
    if promise.direction is Direction.OURS:
        spans += [Text(" · owner "), UserRef(promise.owner)]
    spans += [
        Text(" · promised by "),
        UserRef(promise.made_by),
        Text(" "),
        When(promise.made_at, team.timezone, with_time=False),
    ]
    spans += _history(promise.history, team)
    return Line(tuple(spans))


def _contact(seen: ContactSeen, team: Team) -> Line:
    times = f", {seen.touchpoints} touchpoints" if seen.touchpoints > 1 else ""
    return line(
        Strong(str(seen.contact)),
        " — last spoken to ",
        When(seen.last_at, team.timezone, with_time=False),
        times,
    )


def _touchpoint(
    touchpoint: Touchpoint,
    team: Team,
    edit: TouchpointEdit | None,
    entry_names: Mapping[int, str],
) -> Line:
    details = [touchpoint.kind.value]
    entry = entry_names.get(touchpoint.map_entry_id) if touchpoint.map_entry_id else None
    if entry is not None:  # the map's name says where on the journey it was
        details[0] = f"{entry} ({touchpoint.kind.value})"
    if touchpoint.code:
        details.append(touchpoint.code)
    if touchpoint.stage:
        details.append(touchpoint.stage)
    if touchpoint.satisfaction is not None:
        details.append(f"csat {touchpoint.satisfaction}/5")
    if touchpoint.effort is not None:
        details.append(f"ces {touchpoint.effort}/7")
    if touchpoint.promoter is not None:
        details.append(f"nps {touchpoint.promoter}/10")
    spans: list[Span] = [
        Strong(touchpoint_ref(touchpoint.id)),
        Text(" "),
        When(touchpoint.occurred_at, team.timezone),
        Text(f" {' · '.join(details)} by "),
        UserRef(touchpoint.author),
    ]
    if touchpoint.difference:
        spans.append(Text(f" — diff: {touchpoint.difference}"))
    if touchpoint.notes:
        first = touchpoint.notes.splitlines()[0]
        preview = first if len(first) <= NOTE_PREVIEW else first[: NOTE_PREVIEW - 1] + "…"
        spans.append(Text(f" — “{preview}”"))
    if edit is not None:  # the record says it was corrected, and by whom
        spans += [
            Text(" — edited "),
            When(edit.at, team.timezone),
            Text(" by "),
            UserRef(edit.actor),
        ]
    return Line(tuple(spans))
