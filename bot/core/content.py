"""What the bot says: use-case results turned into neutral replies.

Adapters only render these; the wording lives here once for every platform. This module
holds the shared item lines, confirmations, changes, lists and errors; what the scheduler
posts (digest, reminders, notices) is in ``digest_content`` and the settings and help in
``help_content``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.corrections import Found, Undone
from bot.core.custom_ids import Verb
from bot.core.duplicates import Linked
from bot.core.editing import Editable
from bot.core.errors import UserError
from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Customer,
    Direction,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
)
from bot.core.queries import ChallengeList, PromiseList
from bot.core.refs import challenge_ref, promise_ref, touchpoint_ref
from bot.core.replies import (
    Action,
    Line,
    Reply,
    ReplyKind,
    Section,
    Strong,
    Style,
    Text,
    UserRef,
    When,
    line,
    message,
)
from bot.core.revisions import Edited
from bot.core.services import ChallengeChanged, PromiseChanged, Recorded

COMMAND = "/touchpoint"
STATUS_WORDS = {
    PromiseStatus.OPEN: "open",
    PromiseStatus.KEPT: "kept",
    PromiseStatus.NOT_KEPT: "not kept",
    PromiseStatus.CANCELLED: "cancelled",
    ChallengeStatus.OPEN: "open",
    ChallengeStatus.PASSED_ON: "passed on",
    ChallengeStatus.ADDRESSED: "addressed",
}


def age(delta: timedelta) -> str:
    """A short human age: "3 h", "2 days", "5 weeks"."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    days = seconds // 86400
    if days < 14:
        return f"{days} day" + ("s" if days != 1 else "")
    if days < 60:
        return f"{days // 7} weeks"
    return f"{days // 30} months"


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def promise_actions(promise: Promise) -> tuple[Action, ...]:
    assert promise.id is not None
    pid = promise.id
    return (
        Action(Verb.KEPT, pid, "Kept", style=Style.PRIMARY),
        Action(Verb.SNOOZE, pid, "Snooze 1 h", option="1h"),
        Action(Verb.SNOOZE, pid, "Tomorrow", option="tomorrow"),
        Action(Verb.SNOOZE, pid, "Next week", option="next_week"),
        Action(Verb.NOT_KEPT, pid, "Not kept", style=Style.DANGER),
    )


def challenge_actions(challenge: Challenge) -> tuple[Action, ...]:
    assert challenge.id is not None
    return (
        Action(Verb.ADDRESSED, challenge.id, "Addressed", style=Style.PRIMARY),
        Action(Verb.PASS_ON, challenge.id, "Pass on"),
    )


def _due_spans(promise: Promise, team: Team, now: datetime) -> list[Text | When | Strong]:
    if promise.due_at is None:
        return [Text(" (no due date)")] if promise.is_open else []
    spans: list[Text | When | Strong] = [Text(" — due "), When(promise.due_at, team.timezone)]
    if promise.is_overdue(now):
        spans.append(Strong(f" (overdue {age(promise.overdue_by(now))})"))
    return spans


def promise_line(
    promise: Promise,
    team: Team,
    now: datetime,
    customer: Customer | None = None,
    *,
    with_actions: bool = False,
) -> Line:
    who = "" if customer is None else f"{customer.name}: "
    status = "" if promise.is_open else f" [{STATUS_WORDS[promise.status]}]"
    spans: list[Text | When | Strong | UserRef] = [
        Strong(promise_ref(promise.id)),
        Text(f" {who}{promise.text}"),
        *_due_spans(promise, team, now),
    ]
    if promise.direction is Direction.OURS:
        spans += [Text(" · owner "), UserRef(promise.owner)]
    spans.append(Text(status))
    return Line(tuple(spans), promise_actions(promise) if with_actions and promise.is_open else ())


def challenge_line(
    challenge: Challenge,
    now: datetime,
    customer: Customer | None = None,
    *,
    with_actions: bool = False,
) -> Line:
    who = "" if customer is None else f"{customer.name}: "
    extra = ""
    if challenge.status is ChallengeStatus.PASSED_ON and challenge.passed_to:
        extra = f" → passed on to {challenge.passed_to}"
    elif challenge.status is ChallengeStatus.ADDRESSED:
        extra = " [addressed]"
    spans = (
        Strong(challenge_ref(challenge.id)),
        Text(f" {who}{challenge.text} ({age(now - challenge.opened_at())}){extra}"),
    )
    actions = challenge_actions(challenge) if with_actions and challenge.is_open else ()
    return Line(spans, actions)


# -- confirmations ---------------------------------------------------------------------


def confirmation(recorded: Recorded) -> Reply:
    tp, team, customer = recorded.touchpoint, recorded.team, recorded.customer
    head = f"{tp.kind.value.replace('-', ' ').capitalize()} with {customer.name}"
    lines = [line("Recorded: ", Strong(head), f" ({touchpoint_ref(tp.id)})")]
    if recorded.backdated:
        lines.append(line("Happened: ", When(tp.occurred_at, team.timezone)))
    if recorded.customer_created:
        lines.append(line(f"New customer “{customer.name}” added."))
    if recorded.map_entry is not None:
        entry = recorded.map_entry
        truth = ", a moment of truth" if entry.moment_of_truth else ""
        lines.append(line("Touchpoint: ", Strong(entry.name), f" ({entry.stage}{truth})"))
    if tp.contacts:
        lines.append(line("With: ", ", ".join(str(c) for c in tp.contacts)))
    if tp.code:
        lines.append(line("Outcome: ", tp.code))
    measures = _touchpoint_measures(tp)
    if measures:
        lines.append(line(measures))
    sections = [Section(None, tuple(lines))]
    if tp.challenges:
        sections.append(
            Section(
                "Challenges",
                tuple(line(Strong(challenge_ref(c.id)), f" {c.text}") for c in tp.challenges),
            )
        )
    for direction, heading in (
        (Direction.OURS, "We promised"),
        (Direction.THEIRS, "They promised"),
    ):
        promises = [
            p for p in tp.promises if p.direction is direction and p not in recorded.followups
        ]
        if promises:
            sections.append(
                Section(heading, tuple(promise_line(p, team, tp.occurred_at) for p in promises))
            )
    if recorded.followups:
        sections.append(
            Section(
                f"Follow-up added for “{tp.code}”",
                tuple(promise_line(p, team, tp.occurred_at) for p in recorded.followups),
            )
        )
    if tp.difference:
        sections.append(Section("Biggest difference", (line(tp.difference),)))
    if tp.notes:
        sections.append(Section("Notes", (line(notes_preview(tp.notes)),)))
    if recorded.repeats:
        sections.append(_repeats_section(recorded))
    return Reply("Touchpoint recorded", tuple(sections), kind=ReplyKind.CONFIRMATION)


NOTES_PREVIEW = 280


def notes_preview(notes: str) -> str:
    """The start of long notes, saying how long they are: a pasted email is saved whole
    but would drown a confirmation."""
    if len(notes) <= NOTES_PREVIEW:
        return notes
    cut = notes[:NOTES_PREVIEW].rsplit(maxsplit=1)[0]
    return f"{cut} … ({len(notes):,} characters saved)"


def _repeats_section(recorded: Recorded) -> Section:
    """Each new item that repeats one already open, with the command that links them."""
    lines = []
    for repeat in recorded.repeats:
        new, old = repeat.new, repeat.existing
        since = old.raised_at if isinstance(old, Challenge) else old.made_at
        lines.append(
            line(
                Strong(_ref_of(new)),
                f" {new.text} looks like {repeat.kind} ",
                Strong(_ref_of(old)),
                f" {old.text}, open since ",
                When(since, recorded.team.timezone, with_time=False),
                f". If it is the same, keep one: `{COMMAND} link {repeat.kind} {new.id} {old.id}`",
            )
        )
    return Section(f"Already open for {recorded.customer.name}?", tuple(lines))


def _ref_of(item: Challenge | Promise) -> str:
    return challenge_ref(item.id) if isinstance(item, Challenge) else promise_ref(item.id)


def _touchpoint_measures(tp: Touchpoint) -> str:
    parts = []
    if tp.stage:
        parts.append(f"Stage: {tp.stage}")
    if tp.satisfaction is not None:
        parts.append(f"satisfaction {tp.satisfaction}/5")
    if tp.effort is not None:
        parts.append(f"ease (CES) {tp.effort}/7")
    if tp.promoter is not None:
        parts.append(f"would recommend (NPS) {tp.promoter}/10")
    return " · ".join(parts)


def promise_changed(result: PromiseChanged, actor: str) -> Reply:
    p = result.promise
    words = {
        "kept": "marked kept",
        "not_kept": "marked not kept",
        "cancelled": "cancelled",
        "reopened": "reopened",
        "snoozed": "snoozed until",
        "rescheduled": "now due",
    }
    spans: list[Text | Strong | When | UserRef] = [
        Strong(promise_ref(p.id)),
        Text(f" {result.customer.name}: {p.text} — {words.get(result.change, result.change)}"),
    ]
    if result.change == "snoozed" and p.remind_at is not None:
        spans += [Text(" "), When(p.remind_at, result.team.timezone)]
    elif result.change == "rescheduled" and p.due_at is not None:
        spans += [Text(" "), When(p.due_at, result.team.timezone)]
    spans += [Text(" by "), UserRef(actor)]
    return Reply("Promise updated", (Section(None, (Line(tuple(spans)),)),), kind=ReplyKind.INFO)


def linked(result: Linked, actor: str) -> Reply:
    kind = "challenge" if isinstance(result.kept, Challenge) else "promise"
    spans = (
        Strong(f"#{result.closed.id}"),
        Text(f" {result.customer_name}: {result.closed.text} — closed as the same as "),
        Strong(f"#{result.kept.id}"),
        Text(f" {result.kept.text}, which stays open, by "),
        UserRef(actor),
    )
    return Reply(f"Linked {kind}s", (Section(None, (Line(spans),)),), kind=ReplyKind.INFO)


def challenge_changed(result: ChallengeChanged, actor: str) -> Reply:
    c = result.challenge
    what = {
        "addressed": "marked addressed",
        "reopened": "reopened",
        "passed_on": f"passed on to {c.passed_to}",
    }[result.change]
    spans = (
        Strong(challenge_ref(c.id)),
        Text(f" {result.customer.name}: {c.text} — {what} by "),
        UserRef(actor),
    )
    lines = [Line(spans)]
    if result.change == "passed_on":
        lines.append(_passed_on_note(result, actor))
    return Reply("Challenge updated", (Section(None, tuple(lines)),), kind=ReplyKind.INFO)


def _passed_on_note(result: ChallengeChanged, actor: str) -> Line:
    """Who hears about a challenge passed on: its area's owner, you (your own area), or
    nobody yet, with the command that names an owner."""
    area = result.challenge.passed_to or ""
    if result.owner is None:
        return line(
            f"Nobody owns “{area}” yet, so nobody was told. Name its owner and they will "
            f"see it in the digest: `{COMMAND} config owner {area} @someone`."
        )
    if result.owner == actor:
        return line(f"You own “{area}”: it is in your list in the digest.")
    if result.notified:
        return line("Its owner ", UserRef(result.owner), " has been told.")
    return line("Its owner ", UserRef(result.owner), " will see it in the digest.")


def items_changed(results: Sequence[PromiseChanged | ChallengeChanged], actor: str) -> Reply:
    """One line per item a verb changed, each naming its customer."""
    lines: list[Line] = []
    for result in results:
        reply = (
            promise_changed(result, actor)
            if isinstance(result, PromiseChanged)
            else challenge_changed(result, actor)
        )
        lines += [item for section in reply.sections for item in section.lines]
    if len(results) == 1:
        only = results[0]
        title = "Promise updated" if isinstance(only, PromiseChanged) else "Challenge updated"
    else:
        title = f"{len(results)} items updated"
    return Reply(title, (Section(None, tuple(lines)),), kind=ReplyKind.INFO)


def undone(result: Undone, actor: str) -> Reply:
    lines = []
    for change in result.changes:
        item = change.item
        ref = promise_ref(item.id) if isinstance(item, Promise) else challenge_ref(item.id)
        customer = result.customers.get(item.customer_id)
        whose = f"{customer.name}: " if customer else ""
        what = change.action.replace("_", " ")
        spans: list[Text | Strong | When | UserRef] = [
            Strong(ref),
            Text(f" {whose}{item.text} — “{what}” undone by "),
            UserRef(actor),
            *_state_again(item, change.action, result.team.timezone),
        ]
        lines.append(Line(tuple(spans)))
    if result.edited is not None:
        tp = result.edited
        customer = result.customers.get(tp.customer_id)
        whose = f" with {customer.name}" if customer else ""
        lines.insert(
            0,
            line(
                Strong(touchpoint_ref(tp.id)),
                f" {tp.kind.value}{whose} — your edit undone by ",
                UserRef(actor),
                "; it is as it was before.",
            ),
        )
    return Reply("Undone", (Section(None, tuple(lines)),), kind=ReplyKind.INFO)


def _state_again(item: Promise | Challenge, action: str, tz: str) -> tuple[Text | When, ...]:
    """What an undone item is again: a re-dated promise its old due date."""
    if action == "rescheduled" and isinstance(item, Promise):
        if item.due_at is None:
            return (Text("; it has no due date again."),)
        return (Text("; it is due "), When(item.due_at, tz), Text(" again."))
    return (Text(f"; it is {STATUS_WORDS[item.status]} again."),)


def edit_form(found: Editable, why: str = "") -> Reply:
    """The touchpoint's entry as text, to be sent back corrected (where no form opens)."""
    ref = touchpoint_ref(found.touchpoint.id)
    lines = [line(why)] if why else []
    lines += [
        line(f"To correct {ref}, send its entry back changed:"),
        line(f"`{COMMAND} edit {ref} {found.entry}`"),
        line(
            "It is corrected in place, keeping its number, when it happened and who recorded "
            "it. Items sent back unchanged stay as they are; dates are written out in full "
            "(change them as you would type them). `/touchpoint undo` reverts the edit."
        ),
    ]
    return Reply(f"Edit {ref}", (Section(None, tuple(lines)),), kind=ReplyKind.INFO)


def edited(result: Edited) -> Reply:
    ref = touchpoint_ref(result.recorded.touchpoint.id)
    if not result.changed:
        return message("Nothing changed", f"{ref} was given back as it was; nothing changed.")
    reply = confirmation(result.recorded)
    said = [
        f"{what} {', '.join(refs)}"
        for what, refs in (
            ("added", result.added),
            ("removed", result.removed),
            ("new due date for", result.redated),
        )
        if refs
    ]
    changes = f" ({'; '.join(said)})" if said else ""
    note = line(f"{ref} is corrected in place{changes}. `{COMMAND} undo` puts it back as it was.")
    first = Section(None, (*reply.sections[0].lines, note))
    return Reply("Touchpoint edited", (first, *reply.sections[1:]), kind=ReplyKind.CONFIRMATION)


def _touchpoint_summary(found: Found) -> str:
    tp = found.touchpoint
    counts = f"{plural(len(tp.challenges), 'challenge')}, {plural(len(tp.promises), 'promise')}"
    return f"{touchpoint_ref(tp.id)}, a {tp.kind.value} with {found.customer.name} ({counts})"


def confirm_delete(found: Found) -> Reply:
    tp = found.touchpoint
    lines = (
        line(
            f"Delete {_touchpoint_summary(found)}, recorded ",
            When(tp.occurred_at, found.team.timezone),
            " by ",
            UserRef(tp.author),
            "? Its challenges and promises go with it and stop counting in the stats.",
        ),
        line(f"To delete it, write `{COMMAND} delete {touchpoint_ref(tp.id)} confirm`."),
    )
    return Reply("Delete this touchpoint?", (Section(None, lines),), kind=ReplyKind.INFO)


def deleted(found: Found, actor: str) -> Reply:
    spans = (Text(f"Deleted {_touchpoint_summary(found)}, by "), UserRef(actor), Text("."))
    return Reply("Touchpoint deleted", (Section(None, (Line(spans),)),), kind=ReplyKind.INFO)


# -- lists and the record ----------------------------------------------------------------


def promise_list(result: PromiseList) -> Reply:
    title = "Your open promises" if result.owner else "Open promises"
    if not result.promises:
        return Reply(title, (Section(None, (line("Nothing open. 🎉"),)),), kind=ReplyKind.LIST)
    sections = []
    for direction, heading in ((Direction.OURS, "Ours"), (Direction.THEIRS, "Theirs")):
        items = [p for p in result.promises if p.direction is direction]
        if items:
            sections.append(
                Section(
                    heading,
                    tuple(
                        promise_line(
                            p, result.team, result.now, result.customers.get(p.customer_id)
                        )
                        for p in items
                    ),
                )
            )
    return Reply(title, tuple(sections), kind=ReplyKind.LIST)


def challenge_list(result: ChallengeList) -> Reply:
    if not result.challenges:
        return Reply(
            "Open challenges", (Section(None, (line("No open challenges."),)),), kind=ReplyKind.LIST
        )
    lines = tuple(
        challenge_line(c, result.now, result.customers.get(c.customer_id))
        for c in result.challenges
    )
    return Reply("Open challenges", (Section(None, lines),), kind=ReplyKind.LIST)


# -- errors ------------------------------------------------------------------------------------


def error_reply(exc: UserError) -> Reply:
    return Reply("That didn't work", (Section(None, (line(exc.message),)),), kind=ReplyKind.ERROR)
