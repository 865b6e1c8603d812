"""The customer record as a handover brief: what colleagues did, said and tried.

Everything ever raised with its history (who raised, passed on, addressed, reopened it and
when), both sides' promises and how they ended, the biggest difference over time with its
changes called out, and the recent touchpoints one line each.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.content import STATUS_WORDS, age
from bot.core.model import Challenge, Direction, Event, Promise, Team, Touchpoint
from bot.core.queries import CustomerRecord, DifferenceEntry
from bot.core.replies import Line, Reply, Section, Span, Strong, Text, UserRef, When, line

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
}


def customer_record(record: CustomerRecord) -> Reply:
    team, now = record.team, record.now
    sections = [Section(None, tuple(_summary(record)))]
    if record.challenges:
        open_first = sorted(record.challenges, key=lambda c: (not c.is_open, c.raised_at))
        sections.append(Section("Challenges", tuple(_challenge(c, team, now) for c in open_first)))
    for direction, heading in (
        (Direction.OURS, "Our promises"),
        (Direction.THEIRS, "Their promises"),
    ):
        items = [p for p in record.promises if p.direction is direction]
        if items:
            promises = sorted(items, key=lambda p: (not p.is_open, p.made_at))
            sections.append(Section(heading, tuple(_promise(p, team, now) for p in promises)))
    changes = _difference_changes(record.differences, team)
    if changes:
        sections.append(Section("Biggest difference over time", tuple(changes)))
    if record.recent:
        sections.append(
            Section("Recent touchpoints", tuple(_touchpoint(t, team) for t in record.recent))
        )
    return Reply(record.customer.name, tuple(sections), kind="record")


def _summary(record: CustomerRecord) -> list[Line]:
    team = record.team
    open_challenges = sum(c.is_open for c in record.challenges)
    open_ours = sum(p.is_open and p.direction is Direction.OURS for p in record.promises)
    open_theirs = sum(p.is_open and p.direction is Direction.THEIRS for p in record.promises)
    lines = [
        line(
            f"{record.touchpoint_count} touchpoint(s) · {open_challenges} open challenge(s) · "
            f"{open_ours} open promise(s) of ours · {open_theirs} of theirs"
        )
    ]
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
            parts.append(f"effort {latest.effort}/7")
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
    current = _norm(differences[-1].text)
    earlier = [d for d in differences if _norm(d.text) != current]
    if not earlier:
        return None
    last_other = _norm(earlier[-1].text)
    index = max(i for i, d in enumerate(differences) if _norm(d.text) == last_other)
    start = index
    while start > 0 and _norm(differences[start - 1].text) == last_other:
        start -= 1
    return differences[start]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _difference_changes(differences: tuple[DifferenceEntry, ...], team: Team) -> list[Line]:
    """Newest first; repeats of the same phrase fold into its first mention."""
    runs: list[tuple[DifferenceEntry, int]] = []
    for entry in differences:
        if runs and _norm(runs[-1][0].text) == _norm(entry.text):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((entry, 1))
    lines = []
    for index, (entry, times) in enumerate(reversed(runs)):
        spans: list[Span] = [
            When(entry.at, team.timezone, with_time=False),
            Text(": "),
            Strong(entry.text) if index == 0 else Text(entry.text),
            Text(" ("),
            UserRef(entry.author),
            Text(f"{', said ' + str(times) + ' times' if times > 1 else ''})"),
        ]
        if index == 0 and len(runs) > 1:
            spans.append(Text(" — changed"))
        lines.append(Line(tuple(spans)))
    return lines


def _history(events: list[Event], team: Team) -> list[Span]:
    spans: list[Span] = []
    for event in events:
        # Only our own templates are formatted: an action read from an import is text.
        template = EVENT_WORDS.get(event.action)
        words = template.format(detail=event.detail) if template else event.action
        if event.action in {"snoozed", "rescheduled"}:
            continue  # noise in a handover brief; the due date shows the outcome
        spans += [
            Text(f" · {words} by "),
            UserRef(event.actor),
            Text(" "),
            When(event.at, team.timezone, with_time=False),
        ]
    return spans


def _challenge(challenge: Challenge, team: Team, now: datetime) -> Line:
    status = STATUS_WORDS[challenge.status]
    spans: list[Span] = [
        Strong(f"#{challenge.id}"),
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
    spans: list[Span] = [Strong(f"#{promise.id}"), Text(f" {promise.text}")]
    if promise.due_at is not None:
        spans += [Text(" — due "), When(promise.due_at, team.timezone)]
    settled = promise.settled()
    if settled is None:
        if promise.is_overdue(now):
            spans.append(Strong(f" (overdue {age(promise.overdue_by(now))})"))
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


def _touchpoint(touchpoint: Touchpoint, team: Team) -> Line:
    details = [touchpoint.kind.value]
    if touchpoint.code:
        details.append(touchpoint.code)
    if touchpoint.stage:
        details.append(touchpoint.stage.value)
    if touchpoint.satisfaction is not None:
        details.append(f"csat {touchpoint.satisfaction}/5")
    if touchpoint.effort is not None:
        details.append(f"ces {touchpoint.effort}/7")
    spans: list[Span] = [
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
    return Line(tuple(spans))
