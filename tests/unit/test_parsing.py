"""Quick entries and forms -> drafts, and the messages for what cannot be understood."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.drafts import FormFields, PromiseDraft, QuickEntry, TouchpointDraft
from bot.core.entry_labels import LABELS
from bot.core.errors import FieldError, ParseError
from bot.core.model import (
    MAX_ITEM_CHARS,
    MAX_ITEMS_PER_LIST,
    MAX_NOTES_CHARS,
    Contact,
    JourneyStage,
    Kind,
)
from bot.core.parsing import parse_form, parse_quick_entry

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wednesday, London on GMT
TZ = "Europe/London"
NINE = time(9, 0)

PIPES = (
    "acme call | ch: slow internet; disconnects daily | we: send fibre quote by fri; "
    "call back tomorrow 10am | they: read brochure before next tue | diff: needs fibre | "
    "code: meeting booked"
)
LINES = """acme call
ch: slow internet
- disconnects daily
we: send fibre quote by fri
• call back tomorrow 10am
they: read brochure before next tue
diff: needs fibre
code: meeting booked"""
EXPECTED = TouchpointDraft(
    kind=Kind.CALL,
    code="meeting booked",
    challenges=("slow internet", "disconnects daily"),
    our_promises=(
        PromiseDraft("send fibre quote", datetime(2026, 11, 27, 9, tzinfo=UTC), "by fri"),
        PromiseDraft("call back", datetime(2026, 11, 26, 10, tzinfo=UTC), "tomorrow 10am"),
    ),
    their_promises=(
        PromiseDraft("read brochure", datetime(2026, 12, 1, 9, tzinfo=UTC), "before next tue"),
    ),
    difference="needs fibre",
)


def quick(text: str) -> QuickEntry:
    return parse_quick_entry(text, now=NOW, tz=TZ, day_start=NINE)


def form(**fields: str) -> TouchpointDraft:
    return parse_form(FormFields(**fields), now=NOW, tz=TZ, day_start=NINE)


def quick_errors(text: str) -> list[FieldError]:
    with pytest.raises(ParseError) as caught:
        quick(text)
    return caught.value.errors


def form_errors(**fields: str) -> list[FieldError]:
    with pytest.raises(ParseError) as caught:
        form(**fields)
    return caught.value.errors


# -- input styles -------------------------------------------------------------------------


def test_a_piped_quick_entry_fills_every_field() -> None:
    assert quick(PIPES) == QuickEntry("acme", EXPECTED)


def test_one_label_per_line_with_bulleted_continuations_reads_the_same() -> None:
    assert quick(LINES) == QuickEntry("acme", EXPECTED)


def test_plain_continuation_lines_add_items_to_the_list_above() -> None:
    entry = quick("acme\nch:\nslow internet\n1. disconnects daily\n* billing confusing")
    assert entry.draft.challenges == ("slow internet", "disconnects daily", "billing confusing")


def test_the_products_colon_style_reads_the_head_then_semicolon_separated_fields() -> None:
    entry = quick(
        "acme call: challenges: slow internet; we: send quote by fri; they: read brochure; "
        "diff: needs fibre"
    )
    assert entry == QuickEntry(
        "acme",
        TouchpointDraft(
            kind=Kind.CALL,
            challenges=("slow internet",),
            our_promises=(
                PromiseDraft("send quote", datetime(2026, 11, 27, 9, tzinfo=UTC), "by fri"),
            ),
            their_promises=(PromiseDraft("read brochure"),),
            difference="needs fibre",
        ),
    )


def test_a_touchpoint_with_only_a_completion_code_is_valid() -> None:
    assert quick("acme code: no answer") == QuickEntry("acme", TouchpointDraft(code="no answer"))


def test_multi_word_customers_keep_their_name_and_lose_the_kind() -> None:
    entry = quick("acme corp video call | ch: slow internet")
    assert (entry.customer, entry.draft.kind) == ("acme corp", Kind.VIDEO)


@pytest.mark.parametrize(
    ("head", "customer", "kind"),
    [
        ("acme email in", "acme", Kind.EMAIL_IN),
        ("acme phone call", "acme", Kind.CALL),
        ("acme visit", "acme", Kind.VISIT),
        ("acme corp", "acme corp", None),
        ("call", "call", None),
    ],
)
def test_the_heads_last_words_are_the_kind_only_if_they_spell_one_and_leave_a_name(
    head: str, customer: str, kind: Kind | None
) -> None:
    entry = quick(f"{head} | ch: slow internet")
    assert (entry.customer, entry.draft.kind) == (customer, kind)


def test_a_leading_plus_on_the_customer_is_kept() -> None:
    assert quick("+acme call | ch: slow internet").customer == "+acme"


def test_a_kind_label_wins_and_leaves_the_whole_head_as_the_name() -> None:
    entry = quick("The Social | kind: visit | ch: noisy venue")
    assert (entry.customer, entry.draft.kind) == ("The Social", Kind.VISIT)


# -- labels -------------------------------------------------------------------------------

ALIASES = [(name, alias) for name, aliases in LABELS.items() for alias in aliases]


@pytest.mark.parametrize(("name", "alias"), ALIASES)
def test_every_label_alias_fills_its_field(name: str, alias: str) -> None:
    value = {
        "kind": "video",
        "stage": "post",
        "satisfaction": "4",
        "effort": "2",
        "promoter": "9",
        "contacts": "Jane Smith (CFO)",
    }.get(name, "needs fibre")
    draft = quick(f"acme | ch: slow internet | {alias}: {value}").draft
    expected = {
        "challenges": ("slow internet", "needs fibre"),
        "our_promises": (PromiseDraft("needs fibre"),),
        "their_promises": (PromiseDraft("needs fibre"),),
        "difference": "needs fibre",
        "code": "needs fibre",
        "notes": "needs fibre",
        "kind": Kind.VIDEO,
        "stage": JourneyStage.POST_PURCHASE,
        "satisfaction": 4,
        "effort": 2,
        "promoter": 9,
        "map_entry": "needs fibre",
        "contacts": (Contact("Jane Smith", "CFO"),),
    }[name]
    assert getattr(draft, name) == expected


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ("acme | csat: 6", "satisfaction", "from 1 to 5"),
        ("acme | ces: 0", "effort", "from 1 to 7"),
        ("acme | ces: easy", "effort", "whole number"),
        ("acme | nps: 11", "promoter", "from 0 to 10"),
        ("acme | stage: a very long stage name", "stage", "at most 16 characters"),
        ("acme | with: (CFO)", "contacts", "not a contact"),
    ],
)
def test_scores_and_stages_out_of_range_are_refused_by_field(
    entry: str, field: str, message: str
) -> None:
    with pytest.raises(ParseError) as caught:
        quick(entry)
    assert message in caught.value.by_field()[field]


def test_a_touchpoint_with_only_a_satisfaction_score_is_valid() -> None:
    assert quick("acme | csat: 5/5").draft.satisfaction == 5


def test_labels_ignore_case_and_spacing() -> None:
    draft = quick("acme | CH : slow internet | Biggest  Difference: needs fibre").draft
    assert (draft.challenges, draft.difference) == (("slow internet",), "needs fibre")


def test_labels_are_exported_by_canonical_field_for_help_text() -> None:
    assert LABELS["challenges"][0] == "ch"
    assert set(LABELS) == {
        "challenges",
        "our_promises",
        "their_promises",
        "difference",
        "code",
        "notes",
        "kind",
        "stage",
        "satisfaction",
        "effort",
        "promoter",
        "map_entry",
        "contacts",
    }
    assert all(isinstance(aliases, tuple) for aliases in LABELS.values())


def test_an_unknown_label_is_refused_listing_the_known_ones() -> None:
    errors = quick_errors("acme | ch: slow internet | foo: bar")
    assert errors == [
        FieldError(
            "entry",
            "Unknown label “foo:”. Known labels: ch (challenges), we (our promises), they "
            "(their promises), diff (biggest difference), code (completion code), kind, "
            "stage (journey stage), csat (satisfaction 1-5), ces (ease 1-7, 7 very easy), "
            "nps (would recommend 0-10), tp (the touchpoint on the team's map), "
            "with (who at the customer, e.g. Jane Smith (CFO)), when (a past "
            "moment it happened), owner (@who owns our promises), notes (last: the rest of the "
            "entry is notes).",
        )
    ]


def test_after_a_semicolon_only_known_labels_switch_field() -> None:
    draft = quick("acme | ch: billing: confusing; we: send quote").draft
    assert draft.challenges == ("billing: confusing",)
    assert draft.our_promises == (PromiseDraft("send quote"),)


def test_a_url_is_not_mistaken_for_a_label() -> None:
    draft = quick("acme | ch: slow internet\nhttps://status.example.com/x | we: send link").draft
    assert draft.challenges == ("slow internet", "https://status.example.com/x")
    assert draft.our_promises == (PromiseDraft("send link"),)


def test_a_semicolon_in_notes_or_the_difference_is_just_text() -> None:
    draft = quick("acme | diff: fibre; or 5G | notes: called twice; no answer").draft
    assert (draft.notes, draft.difference) == ("called twice; no answer", "fibre; or 5G")


def test_notes_continue_over_following_lines() -> None:
    assert (
        quick("acme\nnotes: called twice\nasked for Bob").draft.notes
        == "called twice\nasked for Bob"
    )


def test_an_unlabelled_line_after_the_difference_is_refused() -> None:
    [error] = quick_errors("acme\ndiff: needs fibre\nand faster support")
    assert error.field == "difference"
    assert "“and faster support” follows diff: which takes one value" in error.message


def test_unlabelled_text_right_after_the_head_is_refused() -> None:
    [error] = quick_errors("acme call: slow internet")
    assert error.field == "entry"
    assert error.message.startswith("“slow internet” has no label. Start it with one of: ch")


# -- cleaning -----------------------------------------------------------------------------


def test_blank_items_are_skipped_silently() -> None:
    assert quick("acme | ch: ;; slow internet ;; ; ").draft.challenges == ("slow internet",)


def test_whitespace_is_collapsed_and_control_characters_dropped() -> None:
    draft = quick("acme |\tch:  slow\x00  inter\x07net ;\r\n- billing\u2028we: call\x1bback").draft
    assert draft.challenges == ("slow internet", "billing")
    assert draft.our_promises == (PromiseDraft("callback"),)


# -- errors -------------------------------------------------------------------------------


def test_an_empty_entry_explains_what_to_write_with_an_example() -> None:
    [error] = quick_errors("   ")
    assert error.field == "entry"
    assert "/touchpoint acme call | ch: slow internet" in error.message
    assert "acme code: no answer" in error.message


def test_a_customer_with_nothing_to_record_is_told_what_to_add() -> None:
    [error] = quick_errors("acme call")
    assert error.field == "entry"
    assert error.message.startswith("Nothing to record for “acme” yet.")
    assert "`/touchpoint acme call | ch: slow internet" in error.message


def test_a_missing_customer_is_refused() -> None:
    [error] = quick_errors("ch: slow internet")
    assert error.field == "customer"
    assert "Start with the customer's name" in error.message


def test_a_biggest_difference_over_twelve_words_is_refused_saying_how_many() -> None:
    [error] = quick_errors("acme | diff: " + " ".join(["word"] * 13))
    assert error == FieldError(
        "difference",
        "The biggest difference has 13 words; keep it to 12 or fewer, one short phrase "
        "such as “Needs fibre”.",
    )


def test_a_biggest_difference_of_twelve_words_is_fine() -> None:
    assert quick("acme | diff: " + " ".join(["word"] * 12)).draft.difference is not None


def test_two_different_biggest_differences_are_refused() -> None:
    [error] = quick_errors("acme | diff: fibre | diff: cheaper")
    assert error.message == "Give one biggest difference; this entry has 2: “fibre”, “cheaper”."


def test_an_item_over_the_length_limit_is_refused_saying_its_length() -> None:
    [error] = quick_errors("acme | ch: " + "x" * (MAX_ITEM_CHARS + 1))
    assert error.field == "challenges"
    assert f"is {MAX_ITEM_CHARS + 1} characters long" in error.message
    assert f"Keep each to {MAX_ITEM_CHARS}" in error.message


def test_too_many_items_in_a_list_are_refused() -> None:
    items = "; ".join(f"promise {n}" for n in range(MAX_ITEMS_PER_LIST + 1))
    [error] = quick_errors(f"acme | we: {items}")
    assert error == FieldError(
        "our_promises",
        f"Too many of our promises: {MAX_ITEMS_PER_LIST + 1}. The most is {MAX_ITEMS_PER_LIST}.",
    )


def test_notes_over_the_limit_are_refused() -> None:
    [error] = quick_errors("acme | notes: " + "n" * (MAX_NOTES_CHARS + 1))
    assert error.field == "notes"
    assert f"{MAX_NOTES_CHARS + 1:,} characters; the most is {MAX_NOTES_CHARS:,}" in error.message


def test_an_unknown_kind_is_refused_listing_the_kinds() -> None:
    [error] = quick_errors("acme | kind: spaceship | ch: slow internet")
    assert error == FieldError(
        "kind",
        "“spaceship” is not a kind of touchpoint. Kinds: call, video, meeting, email-in, "
        "email-out, visit, chat, social, web, other.",
    )


def test_date_problems_of_their_promises_are_reported_on_their_field() -> None:
    [error] = quick_errors("acme | they: pay invoice by 31 Feb")
    assert error.field == "their_promises"
    assert error.message.startswith("Can't read the due date “31 Feb” in “pay invoice by 31 Feb”.")


def test_every_problem_of_an_entry_is_reported_at_once() -> None:
    errors = quick_errors(
        "acme | we: pay by yesterday; send quote by 31 Feb | foo: bar | kind: boat | "
        "diff: " + " ".join(["w"] * 20)
    )
    assert [e.field for e in errors] == [
        "entry",
        "our_promises",
        "our_promises",
        "kind",
        "difference",
    ]


def test_the_parse_error_message_lists_each_problem_on_its_own_line() -> None:
    with pytest.raises(ParseError) as caught:
        quick("acme | foo: x | kind: boat")
    assert str(caught.value).count("\n• ") == 1


# -- forms --------------------------------------------------------------------------------


def test_a_form_with_the_same_content_gives_an_equal_draft() -> None:
    draft = form(
        kind="call",
        code="meeting booked",
        challenges="slow internet\ndisconnects daily",
        our_promises="send fibre quote by fri\ncall back tomorrow 10am",
        their_promises="read brochure before next tue",
        difference="needs fibre",
    )
    assert draft == EXPECTED == quick(PIPES).draft


def test_form_notes_equal_multi_line_quick_entry_notes() -> None:
    typed = quick("acme\nch: slow internet\nnotes: called twice\n\n  asked   for Bob").draft
    filled = form(challenges="slow internet", notes="called twice\n\nasked for Bob")
    assert typed == filled


def test_form_lists_take_one_item_per_line_dropping_bullets() -> None:
    draft = form(challenges="- slow internet\n* billing\n• outages\n1. support\n\n")
    assert draft.challenges == ("slow internet", "billing", "outages", "support")


def test_a_semicolon_in_a_form_item_is_text() -> None:
    assert form(challenges="slow; flaky internet").challenges == ("slow; flaky internet",)


def test_blank_form_kind_and_code_are_not_given() -> None:
    draft = form(kind=" ", code="", challenges="slow internet")
    assert (draft.kind, draft.code) == (None, None)


def test_an_unknown_form_kind_is_refused_on_the_kind_field() -> None:
    errors = form_errors(kind="carrier pigeon", challenges="slow internet")
    assert [e.field for e in errors] == ["kind"]
    assert "Kinds: call, video" in errors[0].message


def test_an_empty_form_is_refused() -> None:
    [error] = form_errors()
    assert error.field == "entry"
    assert error.message.startswith("Nothing to record yet")


def test_a_form_collects_problems_by_field() -> None:
    with pytest.raises(ParseError) as caught:
        form(our_promises="call by 31 Feb", difference=" ".join(["w"] * 13), kind="boat")
    assert set(caught.value.by_field()) == {"our_promises", "difference", "kind"}
