"""What the scheduler posts: the daily digest, reminders and nudges of promises due, and the
notice to an area's owner of a challenge passed on to them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.content import (
    COMMAND,
    STATUS_WORDS,
    age,
    challenge_actions,
    plural,
    promise_actions,
    promise_line,
)
from bot.core.model import Challenge, Customer, Direction, Promise, Team
from bot.core.queries import Digest, local_day_bounds
from bot.core.refs import challenge_ref, promise_ref
from bot.core.replies import (
    Action,
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
    challenges = _challenge_lines(result)
    if challenges:
        sections.append(Section(None, challenges))
    title = f"Daily digest — {result.day.strftime('%a %d %b')}"
    owners = tuple(
        dict.fromkeys([*(entry.owner for entry in result.passed_on), *_reminded(result)])
    )
    return Reply(title, tuple(sections), private=False, mentions=owners, kind=ReplyKind.DIGEST)


# A challenge's text in a digest line of several: enough to know it again.
ITEM_TEXT = 60


def _challenge_lines(result: Digest) -> tuple[Line, ...]:
    """Challenges in a few lines that do not repeat yesterday's: those raised since the
    last digest (by customer), each owned area's with its owner, and how many are open in
    all with the few waiting longest. The new and the areas' ones keep their buttons;
    ``/touchpoint challenges`` lists them all."""
    lines = []
    new = result.new_challenges
    if new.total:
        new_head = (Text(f"New challenges since the last digest ({new.total}): "),)
        lines.append(
            _items_line(new_head, new.items, new.more, result, by_customer=True, with_actions=True)
        )
    if result.differences:
        named = " · ".join(
            f"{customer.name if customer else '?'} — {text}"
            for cid, text in result.differences
            for customer in (result.customer_names.get(cid),)
        )
        lines.append(line(f"Biggest difference, new or changed: {named}"))
    for entry in result.passed_on:
        area = Text(f"Passed on to {entry.area} ({entry.total}), owner ")
        area_head = (area, UserRef(entry.owner), Text(": "))
        more = entry.total - len(entry.challenges)
        lines.append(
            _items_line(area_head, entry.challenges, more, result, in_area=True, with_actions=True)
        )
    if result.open_challenges:
        count = (
            f"Open: {plural(result.open_challenges, 'challenge')} at "
            f"{plural(result.customers_with_open, 'customer')} (`{COMMAND} challenges`)"
        )
        if result.oldest:
            oldest_head = (Text(count + "; waiting longest: "),)
            lines.append(_items_line(oldest_head, result.oldest, 0, result))
        else:
            lines.append(line(count))
    return tuple(lines)


def _items_line(
    head: tuple[Text | UserRef, ...],
    items: Sequence[Challenge],
    more: int,
    result: Digest,
    *,
    by_customer: bool = False,
    in_area: bool = False,
    with_actions: bool = False,
) -> Line:
    """ "C25 Globex: slow internet (2 days) · C28 Wonka: …", or the new ones by customer
    ("Globex: C25 slow internet, C40 … · Wonka: …"); then how many more there are."""
    names = result.customer_names
    groups: dict[int, list[Challenge]] = {}
    for challenge in items:
        key = challenge.customer_id if by_customer else challenge.id or 0
        groups.setdefault(key, []).append(challenge)
    spans: list[Text | Strong | UserRef] = list(head)
    for number, group in enumerate(groups.values()):
        customer = names.get(group[0].customer_id)
        name = customer.name if customer else "?"
        spans.append(Text(" · " if number else ""))
        for index, challenge in enumerate(group):
            ref = Strong(challenge_ref(challenge.id))
            text = _item(challenge, result, new=by_customer, area=in_area)
            if by_customer:
                spans += [Text(f"{name}: " if not index else ", "), ref, Text(f" {text}")]
            else:
                spans += [ref, Text(f" {name}: {text}")]
    if more > 0:
        spans.append(Text(f" · … and {more:,} more"))
    return Line(tuple(spans), sum((_labelled(c) for c in items), ()) if with_actions else ())


def _labelled(challenge: Challenge) -> tuple[Action, ...]:
    """A challenge's buttons, named with its reference: several share one line."""
    ref = challenge_ref(challenge.id)
    return tuple(
        dataclasses.replace(action, label=f"{action.label} {ref}")
        for action in challenge_actions(challenge)
    )


def _item(challenge: Challenge, result: Digest, *, new: bool, area: bool) -> str:
    """The challenge's text, cut short; its age unless it is new; where it was passed on
    unless the line is that area's."""
    text = challenge.text
    if len(text) > ITEM_TEXT:
        text = text[: ITEM_TEXT - 1].rstrip() + "…"
    if not new:
        text += f" ({age(result.now - challenge.opened_at())})"
    if challenge.passed_to and not area:
        text += f" → {challenge.passed_to}"
    return text


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
    owners = tuple(dict.fromkeys(p.owner for p in promises if p.is_open))
    return Reply(
        title,
        tuple(sections),
        private=False,
        mentions=owners,
        kind=ReplyKind.REMINDER,
        check_mark_keeps=len(promises) == 1 and bool(open_count),
    )


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
