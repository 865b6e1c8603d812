"""For any promise text: its due instant is in the future, or the entry is refused naming
the field, or the text it keeps holds no date-like word. Never a silently partial date."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.drafts import FormFields
from bot.core.errors import ParseError
from bot.core.parsing import parse_form, parse_quick_entry

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def words(text: str) -> list[str]:
    return text.split()


# Our own list, not the reader's: what a person would call a date word.
WEEKDAYS = words("monday tuesday wednesday thursday friday mon tue tues wed thu thur thurs fri")
MONTHS = words(
    "january february april june july august september october november december "
    "feb apr jun jul aug sep sept oct nov dec"
)
DAY_WORDS = words("today tomorrow tonight eod cob eow eom noon midnight weekend")
SHAPES = re.compile(r"\d{1,2}(?::\d{2})?(?:am|pm)|\d{1,2}:\d{2}|\d{1,2}/\d{1,2}|\d{1,2}\.\d{1,2}\.")
NOT_DATES = {"1/2", "24/7"}

WORDS = st.sampled_from(
    [
        *WEEKDAYS,
        *MONTHS,
        *DAY_WORDS,
        *words("sat sun may march jan"),
        *words("by due on at before until in of the this next last end early mid late"),
        *words("week weeks month day days hour hours every each weekly a couple few"),
        *words("morning afternoon evening pm am o'clock quarter half past to from now"),
        *words("send quote call acme raj report meeting slides invoice people"),
        *words("1 2 3 5 10 12 14 27 31 2026 3pm 10am 2:30 14:00 27/11 3/12 16.12. 1/2 24/7"),
        *words("1st 2nd 3rd 12th q1 wk w/c xmas 2moro tmrw 1.5 , . ( )"),
    ]
)
TEXTS = st.lists(WORDS, min_size=1, max_size=9).map(" ".join)


def date_words_in(text: str) -> list[str]:
    stripped = [w.strip(".,()!?").lower() for w in text.split()]
    found = [w for w in stripped if w in WEEKDAYS or w in MONTHS or w in DAY_WORDS]
    found += [w for w in text.lower().split() if SHAPES.fullmatch(w) and w not in NOT_DATES]
    return found


@settings(max_examples=600, deadline=None)
@given(TEXTS)
def test_a_promise_is_due_in_the_future_or_refused_or_holds_no_date_word(text: str) -> None:
    try:
        draft = parse_form(
            FormFields(our_promises=text), now=NOW, tz="Europe/London", day_start=time(9)
        )
    except ParseError as refused:
        assert {e.field for e in refused.errors} <= {"our_promises"}
        assert all(e.message for e in refused.errors)
        return
    for promise in draft.our_promises:
        if promise.due_at is not None:
            assert promise.due_at > NOW
        else:
            assert date_words_in(promise.text) == [], promise


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_quick_entry_holds_the_same_promise(text: str) -> None:
    try:
        entry = parse_quick_entry(
            f"acme | we: {text}", now=NOW, tz="Europe/London", day_start=time(9)
        )
    except ParseError as refused:
        assert {e.field for e in refused.errors} <= {"our_promises", "entry"}
        return
    for promise in entry.draft.our_promises:
        if promise.due_at is not None:
            assert promise.due_at > NOW
        else:
            assert date_words_in(promise.text) == [], promise
