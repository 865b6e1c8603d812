"""The customer record reads as a handover brief."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import queries, services
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.errors import UserError
from bot.core.model import Challenge, Promise, Touchpoint
from bot.core.record_view import customer_record
from bot.core.replies import Reply, Strong, Text
from bot.core.requests import split_page
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.records import every_page, make_long_record
from tests.unit.test_reminders import flatten

TEAM = "console:test"


def test_the_record_shows_history_outcomes_and_a_changed_difference() -> None:
    store, clock = FakeStore(), ManualClock(datetime(2026, 10, 3, 10, 0, tzinfo=UTC))

    def uow() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    services.ensure_team(TEAM, "T", defaults=TeamDefaults(), uow=uow(), clock=clock)
    first = services.record_quick_entry(
        TEAM,
        "U1",
        "acme call | ch: slow internet | we: send quote tomorrow | diff: needs fibre",
        uow=uow(),
        clock=clock,
    ).touchpoint
    clock.advance(timedelta(days=1, hours=-2))  # before the due time
    services.settle_promise(TEAM, first.promises[0].id or 0, "kept", "U2", uow=uow(), clock=clock)
    services.change_challenge(
        TEAM, first.challenges[0].id or 0, "passed_on", "U2", to="tech team", uow=uow(), clock=clock
    )
    clock.advance(timedelta(days=5))
    services.change_challenge(
        TEAM, first.challenges[0].id or 0, "addressed", "U3", uow=uow(), clock=clock
    )
    services.record_quick_entry(
        TEAM, "U3", "acme email-out | diff: needs fibre | csat: 3", uow=uow(), clock=clock
    )
    clock.advance(timedelta(days=30))
    services.record_quick_entry(
        TEAM,
        "U4",
        "acme visit | diff: cheaper plan | note: met the CFO\nlong story",
        uow=uow(),
        clock=clock,
    )
    text = flatten(customer_record(queries.customer_record(TEAM, "acme", uow=uow(), clock=clock)))
    assert "3 touchpoint(s) · 0 open challenge(s)" in text
    assert "Biggest difference: cheaper plan (was: needs fibre since )" in text
    assert "slow internet — addressed" in text
    assert "passed on to tech team by" in text and "addressed by" in text
    assert "send quote — due" in text and "— kept on time" in text
    assert "needs fibre (, said 2 times)" in text and "cheaper plan ( — changed" not in text
    assert "— “met the CFO”" in text and "csat 3/5" in text


# -- long records are paged -------------------------------------------------------------------


def _world() -> tuple[Callable[[], FakeUnitOfWork], ManualClock]:
    store, clock = FakeStore(), ManualClock(datetime(2026, 10, 3, 10, 0, tzinfo=UTC))
    return (lambda: FakeUnitOfWork(store)), clock


def _text(reply: Reply) -> str:
    """Headings and lines, as the console prints them (mentions and dates left out)."""
    parts = [reply.title]
    for section in reply.sections:
        if section.heading:
            parts.append(f"## {section.heading}")
        parts += [
            "".join(s.text for s in ln.spans if isinstance(s, Text | Strong))
            for ln in section.lines
        ]
    return "\n".join(parts)


def _ids(items: Iterable[Challenge | Promise | Touchpoint]) -> list[int]:
    return [item.id or 0 for item in items]


def test_page_one_of_a_long_record_has_the_open_items_the_latest_closed_and_a_way_on() -> None:
    uow, clock = _world()
    made = make_long_record(uow, clock, TEAM)
    record = queries.customer_record(TEAM, "acme", uow=uow(), clock=clock)
    assert (record.page, record.pages) == (1, 4)
    # Every open challenge (10) and our 15 open promises; their 30 open ones capped at 15.
    assert _ids(record.open_challenges.items) == made.challenges[30:]
    assert _ids(record.ours_open.items) == made.ours[25:]
    assert _ids(record.theirs_open.items) == made.theirs[10:25]
    # The closed ones raised most recently, newest first.
    assert _ids(record.addressed_challenges.items) == made.challenges[25:30][::-1]
    assert _ids(record.ours_settled.items) == made.ours[20:25][::-1]
    assert _ids(record.recent) == made.touchpoints[30:][::-1]
    assert record.last_contact is not None and record.last_contact.id == made.touchpoints[-1]
    text = _text(customer_record(record))
    assert text.startswith("acme\n40 touchpoint(s) · 10 open challenge(s) · 15 open promise(s)")
    assert "Biggest difference: needs fibre (was: cheaper plan since )" in text
    assert "problem 39 — open" in text and "problem 29 — addressed" in text
    assert "problem 24 —" not in text  # an older addressed one: on page 2
    assert (
        "… and 25 earlier addressed challenge(s) on page 2: `/touchpoint show acme page 2`" in text
    )
    assert "… and 20 earlier settled promise(s) on page 2" in text  # ours
    assert "… and 15 more open and 5 earlier settled promise(s) on page 2" in text  # theirs
    assert "… and 30 earlier change(s) on page 2" in text
    assert "… and 30 earlier touchpoint(s) on page 2" in text
    assert text.endswith("Page 1 of 4 · next: `/touchpoint show acme page 2`")


def test_later_pages_go_on_to_the_oldest_items_and_nothing_is_lost_or_shown_twice() -> None:
    uow, clock = _world()
    made = make_long_record(uow, clock, TEAM)
    pages = every_page(uow, clock, TEAM)
    assert [p.page for p in pages] == [1, 2, 3, 4]
    shown_challenges = [i for p in pages for i in _ids(p.challenges)]
    shown_promises = [i for p in pages for i in _ids(p.promises)]
    shown_touchpoints = [i for p in pages for i in _ids(p.recent)]
    assert sorted(shown_challenges) == sorted(made.challenges)  # each exactly once
    assert sorted(shown_promises) == sorted(made.ours + made.theirs)
    assert shown_touchpoints == made.touchpoints[::-1]  # newest to oldest, in page order
    changes = [c for p in pages for c in p.changes.items]
    assert len(changes) == 40 and changes[-1].entry.at == pages[0].differences[0].at
    last = pages[-1]
    assert _ids(last.addressed_challenges.items) == made.challenges[:5][::-1]  # the oldest
    assert last.recent[-1].id == made.touchpoints[0]
    text = _text(customer_record(last))
    assert text.startswith("acme (page 4)\n40 touchpoint(s) · 10 open challenge(s)")
    assert "## Challenges — addressed 26–30 of 30" in text and "problem 00 — addressed" in text
    assert "## Earlier touchpoints — 31–40 of 40" in text
    assert "… and" not in text
    assert text.endswith("Page 4 of 4 · previous: `/touchpoint show acme page 3`")
    middle = _text(customer_record(pages[1]))
    assert "## Challenges — addressed 6–15 of 30" in middle
    assert "## Their promises — open 16–25 of 30 · settled 6–10 of 10" in middle
    assert (
        "… and 15 earlier addressed challenge(s) on page 3: `/touchpoint show acme page 3`"
        in middle
    )
    assert (
        "Page 2 of 4 · next: `/touchpoint show acme page 3` · previous: `/touchpoint show acme`"
        in middle
    )


def test_hundreds_of_open_challenges_are_capped_and_continue_on_the_next_pages() -> None:
    uow, clock = _world()
    made = make_long_record(
        uow, clock, TEAM, touchpoints=33, addressed=0, kept_ours=33, kept_theirs=33
    )
    pages = every_page(uow, clock, TEAM)
    # 15 on page 1, then 10 a page; page 4 is there for the touchpoints.
    assert [len(p.open_challenges.items) for p in pages] == [15, 10, 8, 0]
    assert [i for p in pages for i in _ids(p.open_challenges.items)] == made.challenges
    text = _text(customer_record(pages[0]))
    assert "… and 18 more open challenge(s) on page 2: `/touchpoint show acme page 2`" in text


def test_a_short_record_is_one_page_with_nothing_left_over() -> None:
    uow, clock = _world()
    make_long_record(uow, clock, TEAM, touchpoints=5, addressed=2, kept_ours=1, kept_theirs=0)
    record = queries.customer_record(TEAM, "acme", uow=uow(), clock=clock)
    assert record.pages == 1 and len(record.challenges) == 5 and len(record.promises) == 10
    text = _text(customer_record(record))
    assert "Page " not in text and "… and" not in text and "## Challenges\n" in text


def test_a_page_past_the_last_or_below_one_is_refused_clearly() -> None:
    uow, clock = _world()
    make_long_record(uow, clock, TEAM)
    with pytest.raises(UserError, match=r"“acme” has 4 page\(s\): `/touchpoint show acme page 4`"):
        queries.customer_record(TEAM, "acme", page=5, uow=uow(), clock=clock)
    with pytest.raises(UserError, match="Pages start at 1"):
        queries.customer_record(TEAM, "acme", page=0, uow=uow(), clock=clock)


def test_show_takes_a_page_after_the_customer_name() -> None:
    uow, clock = _world()
    make_long_record(uow, clock, TEAM)
    make_long_record(uow, clock, TEAM, customer="+Front page 2", touchpoints=3)
    commands = Commands(uow, clock, TeamDefaults())
    ctx = Context(TEAM, "U1")
    assert split_page("acme corp Page 12") == ("acme corp", 12)
    assert split_page("acme corp") == ("acme corp", 1)
    second = commands.handle("show acme page 2", ctx)
    assert isinstance(second, Reply) and second.title == "acme (page 2)"
    assert "Page 2 of 4" in _text(second)
    # No customer "Front" exists, so this names the customer "Front page 2".
    front = commands.handle("show front page 2", ctx)
    assert isinstance(front, Reply) and front.title == "Front page 2"
    refused = commands.handle("show acme page 9", ctx)
    assert isinstance(refused, Reply) and "has 4 page(s)" in _text(refused)
    unknown = commands.handle("show nobody page 2", ctx)
    assert isinstance(unknown, Reply) and "No customer is called “nobody”" in _text(unknown)
