"""`edit T12`: the form comes back filled in, and the correction is saved in place."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import content, editing
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context, OpenForm
from bot.core.drafts import FormFields
from bot.core.interactions import Interactions, Submission
from bot.core.model import ChallengeStatus, PromiseStatus
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "console:local"
CTX = Context(TEAM, "U1", "C1", "Team")


@pytest.fixture
def commands(store: FakeStore, clock: ManualClock) -> Commands:
    return Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults())


@pytest.fixture
def inside(commands: Commands, store: FakeStore, clock: ManualClock) -> Interactions:
    return Interactions(commands, lambda: FakeUnitOfWork(store), clock)


def handle(commands: Commands, text: str, user: str = "U1") -> Reply | OpenForm:
    return commands.handle(text, dataclasses.replace(CTX, user_id=user))


def said(outcome: Reply | OpenForm | None) -> str:
    assert isinstance(outcome, Reply)
    return "\n".join(
        "".join(getattr(span, "text", "") for span in item.spans)
        for section in outcome.sections
        for item in section.lines
    )


FULL = (
    "acme call | tp: first invoice | ch: slow internet | we: @priya send quote by fri; "
    "call back | they: read brochure | diff: fibre | code: meeting booked | stage: purchase "
    "| csat: 4 | ces: 6 | nps: 9 | with: Jane Smith (CFO); Raj | notes: called about: VAT"
)


def only_touchpoint(store: FakeStore) -> int:
    (number,) = store.touchpoints
    return number


def test_edit_opens_the_form_filled_in_with_every_field(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, FULL)
    number = only_touchpoint(store)
    form = handle(commands, f"edit T{number}")
    assert isinstance(form, OpenForm) and form.edit is not None
    assert (form.customer, form.kind) == ("acme", store.touchpoints[number].kind)
    assert form.edit.values == FormFields(
        kind="call",
        code="meeting booked",
        challenges="slow internet",
        our_promises="send quote by 2026-11-20 09:00\ncall back",
        their_promises="read brochure",
        difference="fibre",
        notes="called about: VAT",
        stage="purchase",
        satisfaction="4",
        effort="6",
        promoter="9",
        map_entry="first invoice",
        contacts="Jane Smith (CFO)\nRaj",
    )
    assert form.edit.owner == "U1"  # promises given to others keep their owners anyway


def test_the_entry_given_back_names_every_field_so_resending_it_changes_nothing(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, FULL)
    number = only_touchpoint(store)
    # The text form: what `edit` shows where no form can hold the touchpoint.
    found = editing.editable(TEAM, number, uow=FakeUnitOfWork(store))
    text = re.search(rf"`/touchpoint edit T{number} (.+)`", said(content.edit_form(found)))
    assert text is not None
    assert "tp: first invoice" in text.group(1) and "with: Jane Smith (CFO); Raj" in text.group(1)
    assert "we: @priya send quote by 2026-11-20 09:00; call back" in text.group(1)
    before = dataclasses.replace(store.touchpoints[number])
    reply = handle(commands, f"edit T{number} {text.group(1)}")
    assert isinstance(reply, Reply) and reply.title == "Nothing changed"
    assert store.touchpoints[number] == before
    assert store.edits == {}


def test_a_text_edit_corrects_the_touchpoint_in_place_keeping_unchanged_items(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | ch: slow internet; billing | we: send quote by fri | diff: x")
    number = only_touchpoint(store)
    occurred = store.touchpoints[number].occurred_at
    billing = next(c for c, v in store.challenges.items() if v.text == "billing")
    (quote,) = store.promises
    clock.advance(timedelta(minutes=5))
    edited = handle(
        commands,
        f"edit T{number} acme video | ch: slow wifi; billing | we: send quote by 2026-11-20 09:00"
        " | diff: fibre | csat: 5",
    )
    assert isinstance(edited, Reply) and edited.title == "Touchpoint edited"
    assert f"T{number} is corrected in place (added C" in said(edited)
    assert list(store.touchpoints) == [number]
    tp = store.touchpoints[number]
    assert (tp.kind.value, tp.difference, tp.satisfaction) == ("video", "fibre", 5)
    assert tp.occurred_at == occurred and tp.author == "U1"
    assert sorted(c.text for c in store.challenges.values()) == ["billing", "slow wifi"]
    assert billing in store.challenges and list(store.promises) == [quote]


def test_a_promise_whose_date_has_passed_comes_back_unchanged(
    commands: Commands, store: FakeStore, clock: ManualClock, inside: Interactions
) -> None:
    handle(commands, "acme call | we: send quote by fri | ch: slow")
    number = only_touchpoint(store)
    (quote,) = store.promises
    clock.advance(timedelta(days=3))  # Friday 09:00 has gone by
    form = handle(commands, f"edit T{number}")
    assert isinstance(form, OpenForm) and form.edit is not None
    fields = dataclasses.replace(form.edit.values, challenges="slow\nnoisy line")
    result = inside.submit(CTX, Submission("acme", fields, edit=number))
    assert not result.failed, said(result.reply)
    assert store.promises[quote].due_at == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert store.promises[quote].history == []


def test_a_new_date_in_the_edit_re_dates_the_promise_and_undo_brings_all_back(
    commands: Commands, store: FakeStore, clock: ManualClock, inside: Interactions
) -> None:
    handle(commands, "acme call | ch: slow | we: send quote by fri | they: read brochure")
    number = only_touchpoint(store)
    quote = next(p for p, v in store.promises.items() if v.text == "send quote")
    old_due = store.promises[quote].due_at
    slow = next(iter(store.challenges))
    form = handle(commands, f"edit T{number}")
    assert isinstance(form, OpenForm) and form.edit is not None
    fields = dataclasses.replace(
        form.edit.values,
        challenges="line drops",
        our_promises="send quote by next wed",
        their_promises="",
        satisfaction="2",
    )
    clock.advance(timedelta(minutes=1))
    result = inside.submit(CTX, Submission("acme", fields, edit=number))
    assert not result.failed, said(result.reply)
    assert store.promises[quote].due_at == datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert [e.action for e in store.promises[quote].history] == ["rescheduled"]
    assert [c.text for c in store.challenges.values()] == ["line drops"]
    assert [p.text for p in store.promises.values()] == ["send quote"]
    clock.advance(timedelta(minutes=2))
    undone = handle(commands, "undo")
    assert f"T{number} call with acme — your edit undone" in said(undone)
    assert store.promises[quote].due_at == old_due
    assert sorted(c.text for c in store.challenges.values()) == ["slow"]
    assert slow not in store.challenges  # put back as a new item
    assert sorted(p.text for p in store.promises.values()) == ["read brochure", "send quote"]
    assert store.touchpoints[number].satisfaction is None
    assert "already undone" in said(handle(commands, "undo"))


def test_an_item_someone_acted_on_cannot_be_taken_out_but_can_stay(
    commands: Commands, store: FakeStore
) -> None:
    handle(commands, "acme call | ch: slow internet | we: send quote")
    number = only_touchpoint(store)
    (c,) = store.challenges
    (p,) = store.promises
    handle(commands, f"addressed C{c}")
    handle(commands, f"kept P{p}")
    refused = handle(commands, f"edit T{number} acme call | ch: other | we: send quote")
    assert isinstance(refused, Reply) and refused.kind == "error"
    assert f"C{c} of T{number} has been acted on, so it stays" in said(refused)
    assert [v.text for v in store.challenges.values()] == ["slow internet"]
    done = handle(
        commands, f"edit T{number} acme call | ch: slow internet | we: send quote | csat: 3"
    )
    assert isinstance(done, Reply) and done.title == "Touchpoint edited"
    assert store.challenges[c].status is ChallengeStatus.ADDRESSED
    assert store.promises[p].status is PromiseStatus.KEPT
    assert store.touchpoints[number].satisfaction == 3


def test_a_form_without_some_fields_leaves_them_as_they_were(
    commands: Commands, store: FakeStore, inside: Interactions
) -> None:
    handle(commands, FULL)
    number = only_touchpoint(store)
    given = frozenset({"challenges", "our_promises", "their_promises", "difference", "notes"})
    fields = FormFields(
        challenges="slow internet",
        our_promises="send quote by 2026-11-20 09:00\ncall back",
        their_promises="read brochure",
        difference="needs fibre",
        notes="called about: VAT",
    )
    result = inside.submit(CTX, Submission("acme", fields, edit=number, given=given))
    assert not result.failed, said(result.reply)
    tp = store.touchpoints[number]
    assert tp.difference == "needs fibre"
    assert (tp.code, tp.stage, tp.satisfaction, tp.effort, tp.promoter) == (
        "meeting booked",
        "purchase",
        4,
        6,
        9,
    )
    assert [str(c) for c in tp.contacts] == ["Jane Smith (CFO)", "Raj"]
    assert tp.map_entry_id is not None
    owners = sorted(p.owner for p in store.promises.values())
    assert owners == ["U1", "U1", "priya"]


def test_an_edit_keeps_the_customer(commands: Commands, store: FakeStore) -> None:
    handle(commands, "acme call | ch: slow")
    handle(commands, "globex call | ch: other")
    number = min(store.touchpoints)
    reply = handle(commands, f"edit T{number} globex call | ch: slow")
    assert isinstance(reply, Reply) and reply.kind == "error"
    assert "an edit keeps the customer" in said(reply)


def test_undo_of_an_edit_is_refused_once_an_item_it_added_was_acted_on(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | ch: slow")
    number = only_touchpoint(store)
    handle(commands, f"edit T{number} acme call | ch: slow; outage")
    added = max(store.challenges)
    clock.advance(timedelta(minutes=1))
    handle(commands, f"addressed C{added}", user="U2")
    refused = handle(commands, "undo")
    assert f"C{added}, added by your edit of T{number}, has been acted on since" in said(refused)
    assert sorted(c.text for c in store.challenges.values()) == ["outage", "slow"]


def test_undo_of_an_edit_is_refused_when_someone_edited_it_again(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | ch: slow")
    number = only_touchpoint(store)
    handle(commands, f"edit T{number} acme call | ch: slow | csat: 2")
    clock.advance(timedelta(minutes=1))
    handle(commands, f"edit T{number} acme call | ch: slow | csat: 5", user="U2")
    assert f"T{number} was edited again since" in said(handle(commands, "undo"))
    assert store.touchpoints[number].satisfaction == 5


def test_an_edit_s_second_step_changes_only_the_boxes_it_sent(
    commands: Commands, store: FakeStore, inside: Interactions
) -> None:
    handle(commands, FULL)
    number = only_touchpoint(store)
    fields = FormFields(contacts="Raj", satisfaction="1")
    result = inside.edit_details(CTX, number, "", fields, frozenset({"contacts"}))
    assert not result.failed, said(result.reply)
    tp = store.touchpoints[number]
    assert [str(c) for c in tp.contacts] == ["Raj"]
    assert (tp.satisfaction, tp.stage, tp.map_entry_id is not None) == (4, "purchase", True)
    moved = inside.edit_details(CTX, number, "post-purchase", FormFields(), frozenset({"place"}))
    assert not moved.failed, said(moved.reply)
    tp = store.touchpoints[number]
    assert (tp.stage, tp.map_entry_id, tp.satisfaction) == ("post-purchase", None, 4)


def test_an_edit_giving_a_code_adds_its_follow_up_as_recording_does(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, 'config followup "No answer" = call back next working day')
    handle(commands, "acme call | ch: slow internet")
    number = only_touchpoint(store)
    clock.advance(timedelta(minutes=5))
    edited = handle(commands, f"edit T{number} acme call | ch: slow internet | code: no answer")
    (followup,) = store.promises.values()
    assert followup.text == "call back" and followup.made_by == "U1"
    assert followup.touchpoint_id == number and followup.due_at is not None
    assert "Follow-up added for “no answer”" in str(edited)
    assert f"added P{followup.id}" in said(edited)
    # Given back as `edit` shows it, with the same code, nothing is added twice.
    found = editing.editable(TEAM, number, uow=FakeUnitOfWork(store))
    text = re.search(rf"`/touchpoint edit T{number} (.+)`", said(content.edit_form(found)))
    assert text is not None and "code: no answer" in text.group(1)
    clock.advance(timedelta(minutes=1))
    again = handle(commands, f"edit T{number} {text.group(1)} | csat: 4")
    assert isinstance(again, Reply) and again.title == "Touchpoint edited"
    assert list(store.promises) == [followup.id] and "Follow-up added" not in str(again)


def test_a_line_an_edit_adds_that_repeats_an_open_item_is_flagged_as_recording_does(
    commands: Commands, store: FakeStore, clock: ManualClock
) -> None:
    handle(commands, "acme call | we: send the fibre quote by fri")
    handle(commands, "acme call | ch: billing")
    number = max(store.touchpoints)
    clock.advance(timedelta(minutes=5))
    edited = handle(
        commands, f"edit T{number} acme call | ch: billing | we: send fibre quote by fri"
    )
    assert "Already open for acme?" in str(edited)
    assert "send fibre quote looks like promise" in said(edited)
    # A reworded line is not a repeat of the one it replaces.
    reworded = handle(commands, f"edit T{number} acme call | ch: billing confusion")
    assert "Already open" not in str(reworded)
