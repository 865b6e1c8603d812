"""What the scheduler posts: the daily digest, reminders and nudges of promises due, and the
notice to an area's owner of a challenge passed on to them."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.core.content import (
    COMMAND,
    STATUS_WORDS,
    age,
    challenge_actions,
    challenge_line,
    plural,
    promise_actions,
    promise_line,
)
from bot.core.model import Challenge, Customer, Direction, Promise, Team
from bot.core.queries import Digest, local_day_bounds
from bot.core.refs import challenge_ref, promise_ref
from bot.core.replies import (
    Line,
    Reply,
    ReplyKind,
    Section,
    Strong,
    Text,
    UserRef,
    When,
    line,
)

# -- notices ------------------------------------------------------------------------------------


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
                        f"… and {plural(more, 'more open challenge')} at "
                        f"{plural(others, 'other customer')}: `{COMMAND} challenges`"
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
