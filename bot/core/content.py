"""What the bot says: use-case results turned into neutral replies.

Adapters only render these; the wording lives here once for every platform.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.corrections import Found, Undone
from bot.core.custom_ids import Verb
from bot.core.dates import default_date_order
from bot.core.duplicates import Linked
from bot.core.editing import Editable, Edited
from bot.core.entry_labels import LABEL_HELP
from bot.core.errors import UserError
from bot.core.model import (
    WEEKDAYS,
    Challenge,
    ChallengeStatus,
    Customer,
    Direction,
    Kind,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
)
from bot.core.queries import ChallengeList, Digest, PromiseList, local_day_bounds
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
)
from bot.core.services import ChallengeChanged, PromiseChanged, Recorded, TeamConfigured

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


def passed_on_notice(team: Team, challenge: Challenge, customer: Customer, owner: str) -> Reply:
    """Tells an area's owner that a challenge was passed on to them."""
    passed = next((e for e in reversed(challenge.history) if e.action == "passed_on"), None)
    spans: list[Text | Strong | When | UserRef] = [
        UserRef(owner),
        Text(f": {customer.name}'s challenge "),
        Strong(f"{challenge_ref(challenge.id)} {challenge.text}"),
        Text(f" was passed on to {challenge.passed_to}"),
    ]
    if passed is not None:
        spans += [Text(" by "), UserRef(passed.actor), Text(" "), When(passed.at, team.timezone)]
    lines = (Line(tuple(spans), challenge_actions(challenge)[:1]),)
    title = f"Passed on to {challenge.passed_to}"
    return Reply(
        title, (Section(None, lines),), private=False, mentions=(owner,), kind=ReplyKind.NOTICE
    )


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
            Text(f"; it is {STATUS_WORDS[item.status]} again."),
        ]
        lines.append(Line(tuple(spans)))
    return Reply("Undone", (Section(None, tuple(lines)),), kind=ReplyKind.INFO)


def edit_form(found: Editable) -> Reply:
    """The touchpoint's entry, to be sent back corrected."""
    ref = touchpoint_ref(found.touchpoint.id)
    lines = (
        line(f"To correct {ref}, send its entry back changed:"),
        line(f"`{COMMAND} edit {ref} {found.entry}`"),
        line(
            "It replaces the touchpoint as a whole, keeping when it happened and who recorded "
            "it; dates are written out in full (change them as you would type them)."
        ),
    )
    return Reply(f"Edit {ref}", (Section(None, lines),), kind=ReplyKind.INFO)


def edited(result: Edited) -> Reply:
    reply = confirmation(result.recorded)
    note = line(
        f"This replaces {touchpoint_ref(result.replaced)}, which was removed "
        f"(now {touchpoint_ref(result.recorded.touchpoint.id)})."
    )
    first = Section(None, (*reply.sections[0].lines, note))
    return Reply("Touchpoint edited", (first, *reply.sections[1:]), kind=ReplyKind.CONFIRMATION)


def _touchpoint_summary(found: Found) -> str:
    tp = found.touchpoint
    counts = f"{_count(len(tp.challenges), 'challenge')}, {_count(len(tp.promises), 'promise')}"
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


# -- digest ---------------------------------------------------------------------------------


def digest(result: Digest) -> Reply | None:
    """The daily digest, or None when there is nothing to say (empty digests are not posted).
    Each list shows its first items and ends with how many more there are and where."""
    if result.is_empty():
        return None
    team, now, names = result.team, result.now, result.customer_names
    sections = [
        Section(
            heading,
            (
                *(
                    promise_line(p, team, now, names.get(p.customer_id), with_actions=True)
                    for p in shown.items
                ),
                *_more(shown.more, f"{COMMAND} promises"),
            ),
        )
        for heading, shown in (
            ("Our overdue promises", result.ours_overdue),
            ("Our promises due today", result.ours_due_today),
            ("Their promises to follow up", result.theirs_due),
        )
        if shown.total
    ]
    sections += _owner_sections(result)
    for entry in result.customers:
        lines = []
        if entry.headline:
            lines.append(line("Biggest difference: ", Strong(entry.headline)))
        lines += [challenge_line(c, now, with_actions=True) for c in entry.challenges]
        slug = entry.customer.slug
        lines += _more(entry.open_total - len(entry.challenges), f"{COMMAND} challenges {slug}")
        sections.append(Section(f"{entry.customer.name} — open challenges", tuple(lines)))
    shown = sum(e.open_total for e in result.customers)
    others = result.customers_with_open - len(result.customers)
    if others > 0:
        more = result.open_challenges - shown
        sections.append(
            Section(
                None,
                (
                    line(
                        f"… and {_count(more, 'more open challenge')} at "
                        f"{_count(others, 'other customer')}: `{COMMAND} challenges`"
                    ),
                ),
            )
        )
    title = f"Daily digest — {result.day.strftime('%a %d %b')}"
    owners = tuple(
        dict.fromkeys([*(entry.owner for entry in result.passed_on), *_reminded(result)])
    )
    return Reply(title, tuple(sections), private=False, mentions=owners, kind=ReplyKind.DIGEST)


def _reminded(result: Digest) -> list[str]:
    """Whom the digest pings about promises: it carries the morning's reminders, so the
    owners of those due today, and of overdue ones while overdue repeats are on. Owners
    who take their reminders by direct message got them there."""
    team = result.team
    promises = [*result.ours_due_today.items, *result.theirs_due.items]
    if team.remind_overdue:
        promises += result.ours_overdue.items
    start = local_day_bounds(team, result.day)[0]
    return [
        p.owner
        for p in promises
        if p.due_at is not None
        and (team.remind_overdue or p.due_at >= start)
        and not (p.direction is Direction.OURS and team.reminds_by_dm(p.owner))
    ]


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _more(count: int, command: str) -> tuple[Line, ...]:
    """ "… and 12 more: `/touchpoint promises`", or nothing when the list was shown whole."""
    return (line(f"… and {count:,} more: `{command}`"),) if count > 0 else ()


def _owner_sections(result: Digest) -> list[Section]:
    """Each area owner sees what was passed on to them, with the customer."""
    sections = []
    for entry in result.passed_on:
        items = [
            challenge_line(c, result.now, result.customer_names.get(c.customer_id),
                           with_actions=True)
            for c in entry.challenges
        ]  # fmt: skip
        head = Line((Text("Owner: "), UserRef(entry.owner)))
        more = _more(entry.total - len(entry.challenges), f"{COMMAND} challenges")
        sections.append(Section(f"Passed on to {entry.area}", (head, *items, *more)))
    return sections


# -- configuration and help ------------------------------------------------------------------


def team_settings(team: Team, undelivered: Section | None = None) -> Reply:
    """The team's settings; ``undelivered`` says what could not be sent lately and why."""
    days = ",".join(WEEKDAYS[d] for d in team.digest_days)
    lines = [
        line("Team channel: ", team.channel or "(not set: the first channel used becomes it)"),
        line("Timezone: ", team.timezone),
        line("Digest: ", f"{team.digest_time:%H:%M} on {days}"),
        line("Working day starts: ", f"{team.day_start:%H:%M} (dates without a time are due then)"),
        line("Numeric dates: ", _date_order_shown(team)),
        line("Completion codes: ", ", ".join(team.completion_codes) or "(none)"),
        line(
            "Overdue promises: ",
            "reminded again each working day" if team.remind_overdue else "reminded once",
        ),
        line(
            "Reminders of our promises: ",
            "by direct message to each owner" if team.dm_reminders else "in the team channel",
            " (anyone can choose for themselves: `/touchpoint reminders dm|channel|team`)",
        ),
    ]
    if team.area_owners:
        owners: list[Text | UserRef] = [Text("Area owners: ")]
        for n, (area, owner) in enumerate(sorted(team.area_owners.items())):
            owners += [Text(f"{', ' if n else ''}{area} → "), UserRef(owner)]
        lines.append(Line(tuple(owners)))
    else:
        lines.append(line("Area owners: (none; `/touchpoint config owner billing @someone`)"))
    followups = ", ".join(f"“{c}” → {r}" for c, r in sorted(team.code_followups.items()))
    lines.append(line("Code follow-ups: ", followups or "(none)"))
    lines.append(line(f"`{COMMAND} config help` explains each setting and how to change it."))
    sections = (Section(None, tuple(lines)),) + ((undelivered,) if undelivered else ())
    return Reply("Settings", sections, kind=ReplyKind.INFO)


def _date_order_shown(team: Team) -> str:
    order = team.date_order or default_date_order(team.timezone)
    shown = "day first (3/12 is 3 Dec)" if order == "dmy" else "month first (12/3 is 3 Dec)"
    return shown if team.date_order else f"{shown}, from the time zone"


def reminder_route(team: Team, user: str) -> Reply:
    """Where the person's reminders go now, and whose choice that is."""
    where = "by direct message" if team.reminds_by_dm(user) else "in the team channel"
    whose = "your choice" if user in team.reminder_prefs else "the team's choice"
    change = "`/touchpoint reminders dm`, `channel`, or `team` to follow the team"
    return Reply(
        "Your reminders",
        (Section(None, (line(f"Your reminders come {where} ({whose}). Change with {change}."),)),),
        kind=ReplyKind.INFO,
    )


def configured(result: TeamConfigured) -> Reply:
    base = team_settings(result.team)
    return Reply(f"Updated {', '.join(result.changed)}", base.sections, kind=ReplyKind.INFO)


CONFIG_HELP = (
    ("config", "show every setting"),
    ("config channel #customers", "the team channel for reminders and the digest"),
    ("config timezone Europe/London", "the team's timezone (an IANA name)"),
    ("config digest 08:30", "when the daily digest is posted"),
    ("config days mon-fri", "the working days: digest days, and what “working day” means"),
    ("config daystart 09:00", "when a date without a time is due"),
    ("config overdue off", "remind an overdue promise once, not every working day (`on` again)"),
    (
        "config reminders dm · reminders channel",
        "reminders of our promises by direct message to each owner, or in the team channel",
    ),
    (
        "config dates mdy · dates dmy · dates auto",
        "read 10/12 as 12 October, as 10 December, or as the time zone's custom",
    ),
    (
        'config codes add "callback booked" · codes remove "no answer"',
        "the completion codes a touchpoint can end with",
    ),
    (
        "config owner billing @priya · owner billing none",
        "an area's owner, who is told of challenges passed on to it (`pass C7 billing`)",
    ),
    (
        'config followup "no answer" = call back next working day · followup "no answer" = none',
        "a promise a completion code adds by itself, with its due date",
    ),
)


def config_help() -> Reply:
    lines = tuple(line(Strong(f"{COMMAND} {cmd}"), f" — {what}") for cmd, what in CONFIG_HELP)
    return Reply("Team settings", (Section(None, lines),), kind=ReplyKind.HELP)


HELP_LINES = (
    ("/touchpoint acme", "open the form for a touchpoint with Acme (`+acme`: a new customer)"),
    (
        "/touchpoint acme call | ch: slow internet | we: send quote by fri | they: read "
        "brochure | diff: needs fibre | code: meeting booked",
        "record in one line (or one `label: items` per line; items separated by ;)",
    ),
    ("/touchpoint show acme [page 2]", "the customer record (a long one page by page)"),
    ("/touchpoint promises [mine|ours|theirs|acme]", "open promises"),
    ("/touchpoint challenges [acme]", "open challenges"),
    (
        "/touchpoint kept P12 · notkept P12 · cancel P12",
        "settle promise P12 (several at once: `kept P12 P13`; a note may follow)",
    ),
    ("/touchpoint reopen P12", "reopen a settled promise (or an addressed challenge: C7)"),
    ("/touchpoint snooze P12 tomorrow · due P12 fri 3pm", "remind later / change the due date"),
    (
        "/touchpoint addressed C7 [note] · reopen C7 · pass C7 billing team",
        "act on challenge C7",
    ),
    ("/touchpoint undo", "revert your last change (within 15 minutes)"),
    ("/touchpoint edit T12", "correct a touchpoint: its entry comes back to change and resend"),
    ("/touchpoint delete T12", "delete a touchpoint recorded by mistake (asks first)"),
    ("/touchpoint alias acme corp = ACME Ltd", "another name for a customer"),
    ("/touchpoint map", "the team's touchpoints by journey stage, moments of truth marked ★"),
    (
        '/touchpoint map add "first invoice" email-out purchase truth active @someone',
        "add a touchpoint to the map (also: change, owner, truth, retire, restore; "
        'admins only) · `map note "first invoice" ...` an improvement note · '
        "`map stages pre-purchase, purchase, onboarding, post-purchase` the team's stages",
    ),
    ("/touchpoint link promise 32 3 · link challenge 9 4", "close a repeat as the same as #3"),
    ("/touchpoint digest", "today's digest, now"),
    ("/touchpoint calendar [team|revoke]", "your (or the team's) calendar feed link"),
    ("/touchpoint reminders dm|channel|team", "where your reminders come"),
    ("/touchpoint stats [mine|acme]", "promises kept on time, challenge age, recurring needs"),
    ("/touchpoint config", "the team's settings; `config help` explains each one"),
    *((f"{COMMAND} {cmd}", what) for cmd, what in CONFIG_HELP[1:]),
    ("/touchpoint help", "all of the above"),
)


def help_reply() -> Reply:
    usage = tuple(line(Strong(cmd), f" — {what}") for cmd, what in HELP_LINES)
    labels = line(
        f"Labels: {LABEL_HELP}. Due dates go at the end of a promise: “by fri”, "
        "“tomorrow 10am”, “3 Dec”, “in 2 weeks”, “end of month”; “no date” keeps one undated. "
        "`we: @priya send quote` gives a promise to a colleague. Numbers: P12 a promise, "
        "C7 a challenge, T3 a touchpoint."
    )
    kinds = line(
        "Kinds: " + ", ".join(k.value for k in Kind) + ". Journey stages: pre-purchase, "
        "purchase, post-purchase (`stage: post`); satisfaction `csat: 1-5`; effort `ces: 1-7`."
    )
    return Reply(
        "How to use Touchpoint",
        (Section(None, usage), Section(None, (labels, kinds))),
        kind=ReplyKind.HELP,
    )


def did_you_mean(text: str, commands: Sequence[str], question: bool) -> Reply:
    """The nearest commands for a question or a mistyped command."""
    shown = " or ".join(f"`{COMMAND} {c}`" for c in commands)
    quoted = text if len(text) <= 60 else text[:59] + "…"
    if question:
        lines = [
            line(f"Touchpoint answers commands rather than questions. Did you mean {shown}?"),
            line(f"`{COMMAND} help` lists every command."),
        ]
    else:
        lines = [
            line(f"“{quoted}” is not a command. Did you mean {shown}?"),
            line(
                f"To record a touchpoint with a customer called “{quoted}”, write "
                f"`{COMMAND} +{quoted}`."
            ),
        ]
    return Reply("Did you mean…?", (Section(None, tuple(lines)),), kind=ReplyKind.ERROR)


def error_reply(exc: UserError) -> Reply:
    return Reply("That didn't work", (Section(None, (line(exc.message),)),), kind=ReplyKind.ERROR)


# -- reminders ---------------------------------------------------------------------------------


def reminder(
    team: Team,
    promises: list[Promise],
    customers: dict[int, Customer],
    now: datetime,
    *,
    delayed_since: datetime | None = None,
) -> Reply:
    """A reminder (our promises) or a nudge (theirs), one line per promise, each with its own
    buttons while open; settled ones show who settled them and when."""
    theirs = bool(promises) and all(p.direction is Direction.THEIRS for p in promises)
    lines = [_reminder_line(p, team, now, customers.get(p.customer_id)) for p in promises]
    open_count = sum(p.is_open for p in promises)
    if theirs:
        title = (
            "Follow up: the customer's promise is due"
            if len(promises) == 1
            else (f"Follow up: {len(promises)} customer promises are due")
        )
    else:
        title = (
            "Reminder: a promise is due"
            if len(promises) == 1
            else (f"Reminder: {len(promises)} promises are due")
        )
    if promises and not open_count:
        title = title.replace("Reminder:", "Settled:").replace("Follow up:", "Settled:")
    sections = [Section(None, tuple(lines))]
    if delayed_since is not None:
        sections.append(
            Section(
                None,
                (
                    line(
                        "Delayed: this should have reached you at ",
                        When(delayed_since, team.timezone),
                        ".",
                    ),
                ),
            )
        )
    if len(promises) == 1 and open_count:
        sections.append(Section(None, (line("React with ✅ to mark it kept."),)))
    owners = tuple(dict.fromkeys(p.owner for p in promises if p.is_open))
    return Reply(title, tuple(sections), private=False, mentions=owners, kind=ReplyKind.REMINDER)


def _reminder_line(promise: Promise, team: Team, now: datetime, customer: Customer | None) -> Line:
    name = customer.name if customer else "?"
    spans: list[Text | Strong | When | UserRef] = [Strong(promise_ref(promise.id)), Text(" ")]
    if promise.direction is Direction.THEIRS:
        spans += [Text(f"{name} said they would: {promise.text}")]
    else:
        spans += [UserRef(promise.owner), Text(f" — {name}: {promise.text}")]
    if promise.due_at is not None:
        spans += [Text(" — due "), When(promise.due_at, team.timezone)]
        if promise.is_overdue(now) and now - promise.due_at >= timedelta(hours=1):
            spans.append(Strong(f" (overdue {age(promise.overdue_by(now))})"))
    spans += [
        Text(" · promised by "),
        UserRef(promise.made_by),
        Text(" on "),
        When(promise.made_at, team.timezone, with_time=False),
    ]
    settled = promise.settled()
    if settled is not None:
        spans += [
            Strong(f" — {STATUS_WORDS[promise.status]}"),
            Text(" by "),
            UserRef(settled.actor),
            Text(" "),
            When(settled.at, team.timezone),
        ]
        return Line(tuple(spans))
    return Line(tuple(spans), promise_actions(promise))


def delayed(reply: Reply, due_at: datetime, team: Team) -> Reply:
    note = Section(
        None, (line("Delayed: this should have been posted at ", When(due_at, team.timezone), "."),)
    )
    return dataclasses.replace(reply, sections=(*reply.sections, note))
