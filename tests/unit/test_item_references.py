"""Commands on promises and challenges by reference: P12, C12, several at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.model import ChallengeStatus, PromiseStatus
from bot.core.refs import ItemKind, Ref, split_refs
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "slack:T1"
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


@pytest.fixture
def run() -> tuple[FakeStore, object]:
    store = FakeStore()
    commands = Commands(lambda: FakeUnitOfWork(store), ManualClock(NOW), TeamDefaults())

    def handle(text: str) -> Reply:
        outcome = commands.handle(text, Context(TEAM, "U1", "C1", "Team"))
        assert isinstance(outcome, Reply)
        return outcome

    return store, handle


def text_of(reply: Reply) -> str:
    return "\n".join(
        "".join(getattr(span, "text", "") for span in item.spans)
        for section in reply.sections
        for item in section.lines
    )


def record(handle, entry: str) -> None:  # type: ignore[no-untyped-def]
    assert handle(entry).kind == "confirmation"


def ids(store: FakeStore, kind: str) -> dict[str, int]:
    items = store.promises if kind == "p" else store.challenges
    return {item.text: number for number, item in items.items()}


def test_references_are_read_with_or_without_their_letter() -> None:
    assert split_refs("P12 c13, #14 15 thanks a lot") == (
        [
            Ref(ItemKind.PROMISE, 12),
            Ref(ItemKind.CHALLENGE, 13),
            Ref(None, 14),
            Ref(None, 15),
        ],
        "thanks a lot",
    )
    assert split_refs("12,13") == ([Ref(None, 12), Ref(None, 13)], "")


def test_the_confirmation_shows_each_item_with_its_letter(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    reply = handle("acme call | ch: slow internet | we: send quote by fri")
    shown = text_of(reply)
    c = ids(store, "c")["slow internet"]
    p = ids(store, "p")["send quote"]
    assert f"C{c} slow internet" in shown and f"P{p} send quote" in shown
    assert "(T" in shown


def test_a_challenge_reference_never_settles_a_promise(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | we: confirm PO number by fri")
    record(handle, "cafe lumiere call | ch: German invoices missing")
    c = ids(store, "c")["German invoices missing"]
    reply = handle(f"done C{c}")
    assert reply.kind == "error"
    said = text_of(reply)
    assert f"C{c} is a challenge (cafe lumiere: German invoices missing)" in said
    assert f"`/touchpoint addressed C{c}`" in said
    assert all(p.status is PromiseStatus.OPEN for p in store.promises.values())


def test_a_settled_promise_names_its_customer(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | we: confirm PO number by fri")
    p = ids(store, "p")["confirm PO number"]
    said = text_of(handle(f"kept P{p}"))
    assert f"P{p} acme: confirm PO number — marked kept" in said


def test_several_references_change_all_or_none(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | we: send quote; call back")
    numbers = ids(store, "p")
    quote, back = numbers["send quote"], numbers["call back"]
    refused = handle(f"kept {quote} 999")
    assert refused.kind == "error" and "Nothing was changed" in text_of(refused)
    assert "no promise P999" in text_of(refused)
    assert store.promises[quote].status is PromiseStatus.OPEN
    both = handle(f"kept {quote} {back}")
    assert both.title == "2 items updated"
    assert {store.promises[n].status for n in (quote, back)} == {PromiseStatus.KEPT}


def test_addressed_keeps_the_note_typed_after_the_number(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | ch: wrong invoice")
    c = ids(store, "c")["wrong invoice"]
    handle(f"addressed {c} corrected invoice INV-2291 sent")
    challenge = store.challenges[c]
    assert challenge.status is ChallengeStatus.ADDRESSED
    assert challenge.history[-1].detail == "corrected invoice INV-2291 sent"
    shown = text_of(handle("show acme"))
    assert "corrected invoice INV-2291 sent" in shown


def test_reopen_works_for_promises(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | we: send quote by fri")
    p = ids(store, "p")["send quote"]
    handle(f"kept P{p}")
    reply = handle(f"reopen P{p}")
    assert "reopened" in text_of(reply)
    assert store.promises[p].status is PromiseStatus.OPEN
    assert [e.action for e in store.promises[p].history] == ["kept", "reopened"]


def test_a_bare_number_that_could_be_either_asks_which(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | ch: slow internet | we: send quote")
    c = ids(store, "c")["slow internet"]
    handle(f"addressed C{c}")
    store.promises[c] = store.promises.pop(ids(store, "p")["send quote"])  # same number
    store.promises[c].id = c
    reply = handle(f"reopen {c}")
    assert reply.kind == "error"
    assert f"`reopen P{c}` or `reopen C{c}`" in text_of(reply)


def test_snooze_refuses_a_challenge_reference_saying_what_it_is(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | ch: slow internet")
    c = ids(store, "c")["slow internet"]
    reply = handle(f"snooze C{c} tomorrow")
    assert reply.kind == "error"
    assert f"C{c} is a challenge (acme: slow internet), not a promise" in text_of(reply)


def test_a_backdated_entry_with_a_colleague_s_promise_is_saved_as_said(run) -> None:  # type: ignore[no-untyped-def]
    store, handle = run
    record(handle, "acme call | when: yesterday 2pm | ch: slow | we: @priya send quote by fri")
    (touchpoint,) = store.touchpoints.values()
    (promise,) = store.promises.values()
    (challenge,) = store.challenges.values()
    assert touchpoint.occurred_at == datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    assert challenge.raised_at == touchpoint.occurred_at
    assert promise.owner == "priya" and promise.made_by == "U1"
