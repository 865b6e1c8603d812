"""Any text at all either parses or raises ParseError, the same way every time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.drafts import FormFields, PromiseDraft, QuickEntry, TouchpointDraft
from bot.core.entry_labels import LABELS
from bot.core.errors import ParseError
from bot.core.model import MAX_DIFFERENCE_WORDS, MAX_ITEM_CHARS
from bot.core.parsing import MAX_ENTRY_CHARS, parse_due, parse_form, parse_quick_entry

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
SETTINGS = settings(max_examples=300, deadline=None)

# Every code point hypothesis can make, surrogates and controls included.
ANY_CHAR = st.characters(exclude_categories=())
FRAGMENTS = st.sampled_from(
    [
        *(f"{alias}:" for aliases in LABELS.values() for alias in aliases),
        *"|;:\n\r\t\x00\u2028•-*+/.,",
        "acme ",
        "+acme corp video call",
        " by ",
        " due ",
        " on ",
        " at ",
        " in ",
        "fri",
        "next tue",
        "tomorrow 10am",
        "3 Dec",
        "27/11",
        "31 Feb",
        "2026-12-03",
        "in 2 weeks",
        "end of month",
        "eow",
        "the 3rd of next month",
        "yesterday",
        "in 10000 years",
        "99:99",
        "13pm",
        "29 feb",
        "https://x.example/a",
        "1. ",
        "مرحبا",  # right-to-left
        "\u202e",  # right-to-left override
        "🙂👍🏽",
        "  ",
    ]
)
STRUCTURED = st.lists(FRAGMENTS | st.text(ANY_CHAR, max_size=8), max_size=40).map("".join)
TEXT = st.text(ANY_CHAR, max_size=300) | STRUCTURED
ZONES = st.sampled_from(
    ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
)
# Every year a clock may give, so the ten-year limit and year ends meet the calendar's edges.
NOWS = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(8999, 12, 31), timezones=st.just(UTC)
)
DAY_STARTS = st.times(max_value=time(23, 59))


def outcome(call: Callable[[], object]) -> object:
    """What a parse gives: its result, or the messages of its ParseError."""
    try:
        return call()
    except ParseError as error:
        assert error.errors, "a ParseError always says what was wrong"
        return [(e.field, e.message) for e in error.errors]


def check_promises(promises: tuple[PromiseDraft, ...], now: datetime) -> None:
    for promise in promises:
        assert promise.text
        if promise.due_at is not None:
            assert promise.due_at.utcoffset() == timedelta(0)
            assert now < promise.due_at <= now + timedelta(days=3653)
            assert promise.due_phrase


def check_draft(draft: TouchpointDraft, now: datetime) -> None:
    check_promises(draft.our_promises, now)
    check_promises(draft.their_promises, now)
    assert not draft.is_empty()
    assert all(0 < len(item) <= MAX_ITEM_CHARS for item in draft.challenges)
    if draft.difference is not None:
        assert len(draft.difference.split()) <= MAX_DIFFERENCE_WORDS


@SETTINGS
@given(text=TEXT, tz=ZONES, now=NOWS, day_start=DAY_STARTS)
def test_any_quick_entry_parses_or_raises_parse_error_deterministically(
    text: str, tz: str, now: datetime, day_start: time
) -> None:
    def call() -> object:
        return parse_quick_entry(text, now=now, tz=tz, day_start=day_start)

    first = outcome(call)
    assert outcome(call) == first
    if isinstance(first, QuickEntry):
        assert first.customer
        check_draft(first.draft, now)


@SETTINGS
@given(
    fields=st.builds(
        FormFields,
        kind=TEXT,
        code=TEXT,
        challenges=TEXT,
        our_promises=TEXT,
        their_promises=TEXT,
        difference=TEXT,
        notes=TEXT,
    ),
    now=NOWS,
)
def test_any_form_parses_or_raises_parse_error_deterministically(
    fields: FormFields, now: datetime
) -> None:
    def call() -> object:
        return parse_form(fields, now=now, tz="Europe/London", day_start=time(9))

    first = outcome(call)
    assert outcome(call) == first
    if isinstance(first, TouchpointDraft):
        check_draft(first, now)


@SETTINGS
@given(phrase=TEXT, tz=ZONES, now=NOWS)
def test_any_when_phrase_gives_a_future_instant_or_raises_parse_error(
    phrase: str, tz: str, now: datetime
) -> None:
    def call() -> object:
        return parse_due(phrase, now=now, tz=tz, day_start=time(9))

    first = outcome(call)
    assert outcome(call) == first
    if isinstance(first, datetime):
        assert first.utcoffset() == timedelta(0)
        assert now < first <= now + timedelta(days=3653)


@settings(max_examples=20, deadline=None)
@given(text=st.text(ANY_CHAR, min_size=1000, max_size=5000))
def test_long_random_entries_are_handled(text: str) -> None:
    outcome(lambda: parse_quick_entry("acme | we: " + text, now=NOW, tz="UTC", day_start=time(9)))


def test_an_entry_over_the_size_limit_is_refused_without_reading_it() -> None:
    text = "acme | ch: " + "x; " * MAX_ENTRY_CHARS
    errors = outcome(lambda: parse_quick_entry(text, now=NOW, tz="UTC", day_start=time(9)))
    assert isinstance(errors, list)
    assert errors[0][0] == "entry"
    assert "the most is 60,000" in errors[0][1]


def test_a_huge_when_phrase_is_refused_not_read() -> None:
    errors = outcome(lambda: parse_due("3 Dec " * 10_000, now=NOW, tz="UTC", day_start=time(9)))
    assert isinstance(errors, list)
    assert "Can't read the date" in errors[0][1]
