"""Quick entry as people really type it: pasted emails as notes, typo'd labels, quoted
names, logging after the fact and giving a promise to a colleague."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.drafts import QuickEntry
from bot.core.errors import FieldError, ParseError
from bot.core.model import MAX_NOTES_CHARS, Kind
from bot.core.parsing import parse_quick_entry

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wednesday, London on GMT
TZ = "Europe/London"


def quick(text: str) -> QuickEntry:
    return parse_quick_entry(text, now=NOW, tz=TZ, day_start=time(9))


def errors_of(text: str) -> list[FieldError]:
    with pytest.raises(ParseError) as caught:
        quick(text)
    return caught.value.errors


EMAIL = (
    "From: Dana <dana@acme.example>\n"
    "Sent: Tuesday, 24 November 2026 16:02\n"
    "To: Sam\n"
    "Subject: Re: invoices | again\n"
    "Type: urgent\n"
    "\n"
    "we: this line is part of the email, not a promise"
)


def test_a_pasted_email_after_notes_is_kept_whole_and_no_label_inside_is_read() -> None:
    entry = quick(f"acme email-in | ch: invoices missing | notes: {EMAIL}")
    draft = entry.draft
    assert draft.kind is Kind.EMAIL_IN and draft.challenges == ("invoices missing",)
    assert "Subject: Re: invoices | again" in draft.notes
    assert "Type: urgent" in draft.notes and draft.our_promises == ()
    assert draft.notes.endswith("not a promise")


def test_notes_can_follow_the_customer_directly() -> None:
    entry = quick("acme notes: To: Bob\nCc: Ann")
    assert entry.customer == "acme" and entry.draft.notes == "To: Bob\nCc: Ann"


def test_a_meeting_note_of_ten_thousand_characters_fits() -> None:
    assert MAX_NOTES_CHARS >= 10_000
    notes = ("discussed the rollout plan in detail " * 260)[:9_900]
    assert len(quick(f"acme meeting | notes: {notes}").draft.notes) == len(notes.strip())


def test_typo_d_labels_get_one_did_you_mean_each_in_a_single_message() -> None:
    errors = errors_of("acme | chalenges: slow | thye: read brochure | dif: fibre | ntoes: hi")
    assert len(errors) == 1
    message = errors[0].message
    for typo, meant in (("chalenges", "challenges"), ("thye", "they"), ("dif", "diff")):
        assert f"“{typo}:” (did you mean “{meant}:”?)" in message
    assert message.count("Known labels:") == 1


def test_a_typo_d_label_right_after_the_name_is_not_taken_as_part_of_the_name() -> None:
    errors = errors_of("acme chalenges: slow internet")
    assert "“chalenges:” (did you mean “challenges:”?)" in errors[0].message


def test_a_label_cut_short_is_offered_the_label_it_begins() -> None:
    message = errors_of("acme | chal: slow invoices | notes x")[0].message
    assert "“chal:” (did you mean “challenge:”?)" in message


def test_quotes_around_a_customer_name_are_not_stored() -> None:
    entry = quick('"Due North Outdoors" call | ch: late delivery')
    assert entry.customer == "Due North Outdoors" and entry.draft.kind is Kind.CALL
    assert quick("“Acme” | ch: x").customer == "Acme"


def test_when_sets_a_past_moment_for_a_touchpoint_logged_after_the_fact() -> None:
    draft = quick("acme call | when: fri 4pm | ch: slow internet").draft
    assert draft.occurred_at == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # last Friday
    assert quick("acme | at: yesterday 2pm | ch: x").draft.occurred_at == datetime(
        2026, 11, 24, 14, 0, tzinfo=UTC
    )
    assert quick("acme | when: 2 hours ago | ch: x").draft.occurred_at == datetime(
        2026, 11, 25, 12, 0, tzinfo=UTC
    )
    assert quick("acme | when: today 09:30 | ch: x").draft.occurred_at == datetime(
        2026, 11, 25, 9, 30, tzinfo=UTC
    )


def test_when_in_the_future_is_refused_with_the_reason() -> None:
    errors = errors_of("acme | when: today 5pm | ch: x")
    assert errors[0].field == "when" and "has not happened yet" in errors[0].message


def test_a_promise_can_be_given_to_a_colleague_in_quick_entry() -> None:
    draft = quick("acme | we: @priya to send the quote by fri; <@U77|ann> call back").draft
    assert [(p.text, p.owner) for p in draft.our_promises] == [
        ("send the quote", "priya"),
        ("call back", "U77"),
    ]
    assert quick("acme | owner: <@U42> | we: send quote").draft.owner == "U42"


def test_an_owner_that_is_not_a_mention_is_refused() -> None:
    errors = errors_of("acme | owner: priya | we: send quote")
    assert errors[0].field == "owner" and "`owner: @priya`" in errors[0].message


def test_a_crowd_cannot_own_a_promise_and_a_form_line_is_taken_as_written() -> None:
    draft = quick("acme | we: @everyone send quote").draft
    assert [(p.text, p.owner) for p in draft.our_promises] == [("@everyone send quote", None)]
    from bot.core.drafts import FormFields
    from bot.core.parsing import parse_form

    form = parse_form(
        FormFields(our_promises="@priya send quote"), now=NOW, tz=TZ, day_start=time(9)
    )
    assert [(p.text, p.owner) for p in form.our_promises] == [("@priya send quote", None)]
