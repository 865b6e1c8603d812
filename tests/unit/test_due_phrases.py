"""Due dates as people write them, family by family, against Wednesday 25 November 2026,
14:00 in London (GMT, so local times equal UTC); and what is refused rather than guessed."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.drafts import FormFields, PromiseDraft
from bot.core.errors import ParseError
from bot.core.parsing import parse_due, parse_form, parse_quick_entry

LONDON = "Europe/London"
NINE = time(9, 0)
WED = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def promise(item: str, *, tz: str = LONDON, order: str | None = None) -> PromiseDraft:
    draft = parse_form(
        FormFields(our_promises=item),
        now=WED,
        tz=tz,
        day_start=NINE,
        order=order,  # type: ignore[arg-type]
    )
    return draft.our_promises[0]


def problem(item: str, *, tz: str = LONDON, order: str | None = None) -> str:
    with pytest.raises(ParseError) as caught:
        promise(item, tz=tz, order=order)
    assert [e.field for e in caught.value.errors] == ["our_promises"]
    return caught.value.errors[0].message


def read(table: list[tuple[str, datetime]]) -> list[tuple[str, datetime | None, str]]:
    """Each phrase after "call acme": its due instant and the text left."""
    out = []
    for phrase, _ in table:
        found = promise(f"call acme {phrase}")
        out.append((phrase, found.due_at, found.text))
    return out


def expected(table: list[tuple[str, datetime]]) -> list[tuple[str, datetime | None, str]]:
    return [(phrase, when, "call acme") for phrase, when in table]


WEEKDAY_AND_NEXT_WEEK = [
    ("thursday next week", utc(2026, 12, 3)),
    ("next week on tuesday", utc(2026, 12, 1)),
    ("next week tuesday", utc(2026, 12, 1)),
    ("monday of next week at 10am", utc(2026, 11, 30, 10)),
    ("on friday of next week", utc(2026, 12, 4)),
    ("wed next week 3pm", utc(2026, 12, 2, 15)),
    ("monday week", utc(2026, 12, 7)),
    ("friday next", utc(2026, 12, 4)),
]
NTH_AND_LAST_OF_MONTH = [
    ("second tuesday of next month", utc(2026, 12, 8)),
    ("the 1st monday of december", utc(2026, 12, 7)),
    ("last thursday of november", utc(2026, 11, 26)),
    ("last friday of the month", utc(2026, 11, 27)),
    ("last day of the month", utc(2026, 11, 30)),
    ("last day of next month", utc(2026, 12, 31)),
    ("last working day of december", utc(2026, 12, 31)),
    ("first monday of january 2027", utc(2027, 1, 4)),
]
FROM_NOW_AND_FRACTIONS = [
    ("3 days from now", utc(2026, 11, 28)),
    ("2 weeks from today", utc(2026, 12, 9)),
    ("2 days from tomorrow", utc(2026, 11, 28)),
    ("in a couple of days", utc(2026, 11, 27)),
    ("in a few weeks", utc(2026, 12, 16)),
    ("in a quarter of an hour", utc(2026, 11, 25, 14, 15)),
    ("in half an hour", utc(2026, 11, 25, 14, 30)),
    ("in an hour and a half", utc(2026, 11, 25, 15, 30)),
    ("in 1.5 hours", utc(2026, 11, 25, 15, 30)),
    ("in 3 business days", utc(2026, 11, 30)),
    ("next working day", utc(2026, 11, 26)),
]
PART_OF_DAY_WITH_HOUR = [
    ("tonight at 10", utc(2026, 11, 25, 22)),
    ("tomorrow evening at 6", utc(2026, 11, 26, 18)),
    ("this afternoon at 3", utc(2026, 11, 25, 15)),
    ("tomorrow morning at 8", utc(2026, 11, 26, 8)),
    ("9pm this evening", utc(2026, 11, 25, 21)),
    ("fri at 7 in the evening", utc(2026, 11, 27, 19)),
    ("tomorrow afternoon", utc(2026, 11, 26, 14)),
]
ORDINALS_WITH_MONTHS = [
    ("12th of next month", utc(2026, 12, 12)),
    ("by the 3rd of next month", utc(2026, 12, 3)),
    ("second of april", utc(2027, 4, 2, 8)),
    ("april second", utc(2027, 4, 2, 8)),
    ("on the twenty-first of december", utc(2026, 12, 21)),
    ("the 28th of this month", utc(2026, 11, 28)),
]
PERIODS = [
    ("end of january", utc(2027, 1, 31)),
    ("early january", utc(2027, 1, 1)),
    ("mid january", utc(2027, 1, 15)),
    ("late january", utc(2027, 1, 22)),
    ("by the end of december", utc(2026, 12, 31)),
    ("mid next month", utc(2026, 12, 15)),
    ("this weekend", utc(2026, 11, 28)),
    ("next weekend", utc(2026, 12, 5)),
    ("this week", utc(2026, 11, 27)),
    ("this month", utc(2026, 11, 30)),
    ("next quarter", utc(2027, 1, 1)),
    ("end of quarter", utc(2026, 12, 31)),
    ("Q1", utc(2027, 1, 1)),
    ("by Q2", utc(2027, 4, 1, 8)),
]
CLOCK_WORDS = [
    ("tomorrow at quarter past 3pm", utc(2026, 11, 26, 15, 15)),
    ("tomorrow half past 6 in the evening", utc(2026, 11, 26, 18, 30)),
    ("fri quarter to 5pm", utc(2026, 11, 27, 16, 45)),
    ("fri 4 o'clock in the afternoon", utc(2026, 11, 27, 16)),
    ("noon friday", utc(2026, 11, 27, 12)),
    ("friday noon", utc(2026, 11, 27, 12)),
    ("midnight tomorrow", utc(2026, 11, 27, 0)),
    ("by midnight", utc(2026, 11, 26, 0)),
    ("by the end of the day", utc(2026, 11, 25, 17)),
]
CHAT_SHORTHAND = [
    ("tomorrow eod", utc(2026, 11, 26, 17)),
    ("friday cob", utc(2026, 11, 27, 17)),
    ("cob friday", utc(2026, 11, 27, 17)),
    ("eod fri", utc(2026, 11, 27, 17)),
    ("fri pm", utc(2026, 11, 27, 14)),
    ("tmrw am", utc(2026, 11, 26, 9)),
    ("2moro", utc(2026, 11, 26)),
    ("this time next week", utc(2026, 12, 2, 14)),
    ("wk 3", utc(2027, 1, 18)),
    ("w/c 14 Dec", utc(2026, 12, 14)),
    ("week commencing 7/12", utc(2026, 12, 7)),
    ("before xmas", utc(2026, 12, 24)),
    ("tomorrow by 3pm", utc(2026, 11, 26, 15)),
    ("first thing tomorrow", utc(2026, 11, 26)),
    ("tomorrow first thing", utc(2026, 11, 26)),
    ("by lunch", utc(2026, 11, 26, 12)),
    ("around 3pm", utc(2026, 11, 25, 15)),
    ("later today", utc(2026, 11, 25, 17)),
    ("later this week", utc(2026, 11, 27)),
    ("early next week", utc(2026, 11, 30)),
    ("beginning of next week", utc(2026, 11, 30)),
    ("mid next week", utc(2026, 12, 2)),
    ("mid-december", utc(2026, 12, 15)),
    ("by thu latest", utc(2026, 11, 26)),
    ("by next thursday at the latest", utc(2026, 12, 3)),
    ("on or before friday", utc(2026, 11, 27)),
    ("sometime next week", utc(2026, 11, 30)),
    ("by month end", utc(2026, 11, 30)),
    ("by year end", utc(2026, 12, 31)),
    ("by end of play", utc(2026, 11, 25, 17)),
    ("end of business friday", utc(2026, 11, 27, 17)),
]
NUMERIC_AT_THE_END = [
    ("10/12", utc(2026, 12, 10)),
    ("15/12", utc(2026, 12, 15)),
    ("16.12.", utc(2026, 12, 16)),
    ("by 16.12.", utc(2026, 12, 16)),
    ("17-12", utc(2026, 12, 17)),
    ("3/12 at 2pm", utc(2026, 12, 3, 14)),
    ("16.12.2026", utc(2026, 12, 16)),
]


@pytest.mark.parametrize(
    "table",
    [
        WEEKDAY_AND_NEXT_WEEK,
        NTH_AND_LAST_OF_MONTH,
        FROM_NOW_AND_FRACTIONS,
        PART_OF_DAY_WITH_HOUR,
        ORDINALS_WITH_MONTHS,
        PERIODS,
        CLOCK_WORDS,
        CHAT_SHORTHAND,
        NUMERIC_AT_THE_END,
    ],
    ids=[
        "weekday-and-next-week",
        "nth-and-last-of-month",
        "from-now-and-fractions",
        "part-of-day-with-hour",
        "ordinals-with-months",
        "periods",
        "clock-words",
        "chat-shorthand",
        "numeric-at-the-end",
    ],
)
def test_every_phrase_of_the_family_is_read_whole(table: list[tuple[str, datetime]]) -> None:
    assert read(table) == expected(table)


def test_a_trailing_day_and_month_with_dots_is_a_date_never_a_clock_time() -> None:
    assert promise("call Raj by 16.12.") == PromiseDraft("call Raj", utc(2026, 12, 16), "by 16.12")


# -- the team's date order ----------------------------------------------------------------


def test_a_month_first_team_reads_numeric_dates_month_first() -> None:
    assert promise("book QBR 12/10", order="mdy").due_at == utc(2026, 12, 10)


def test_a_new_york_team_reads_month_first_by_default() -> None:
    found = promise("book QBR 1/12", tz="America/New_York")
    assert found.due_at == utc(2027, 1, 12, 14)  # 09:00 EST


def test_a_london_team_reads_day_first_by_default() -> None:
    assert promise("book QBR 1/12").due_at == utc(2026, 12, 1)


def test_a_date_impossible_in_the_teams_order_is_refused_naming_the_setting() -> None:
    message = problem("book QBR 15/12", order="mdy")
    assert "“15/12”" in message
    assert "this team writes dates month first (11/27)" in message
    assert "`/touchpoint config dates dmy`" in message


def test_snooze_phrases_follow_the_teams_order() -> None:
    found = parse_due("12/10", now=WED, tz=LONDON, day_start=NINE, order="mdy")
    assert found == utc(2026, 12, 10)


def test_quick_entry_follows_the_teams_order() -> None:
    entry = parse_quick_entry(
        "acme | we: book QBR 12/10", now=WED, tz=LONDON, day_start=NINE, order="mdy"
    )
    assert entry.draft.our_promises[0].due_at == utc(2026, 12, 10)


# -- refused rather than half read --------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "quoted"),
    [
        ("send report tomorrow after lunch", "tomorrow"),
        ("prepare slides for the monday meeting", "monday"),
        ("call Raj at 5pm about pricing", "5pm"),
        ("workshop tuesday to thursday", "tuesday to"),
        ("send figures 3pm, 9 dec maybe", "3pm"),
        ("call next tuesday or wednesday", "tuesday or"),
        ("call in the next few days", "few days"),
    ],
)
def test_date_words_the_due_date_cannot_account_for_are_refused_with_them_quoted(
    item: str, quoted: str
) -> None:
    message = problem(item)
    assert f"In “{item}”, “{quoted}" in message
    assert "“no date”" in message
    assert "e.g. “send quote by fri 5pm”" in message


@pytest.mark.parametrize(
    ("item", "quoted"),
    [("pay 3 days before xmas", "3 days"), ("pay by 3 weeks on monday", "3 weeks")],
)
def test_an_offset_left_before_the_date_read_is_refused(item: str, quoted: str) -> None:
    assert f"“{quoted}” looks like part of a date" in problem(item)


@pytest.mark.parametrize(
    ("item", "phrase"),
    [
        ("pay by 2 weeks from next monday", "2 weeks from next monday"),
        ("pay by the 1st of the month after next", "the 1st of the month after next"),
    ],
)
def test_a_date_that_starts_further_left_than_can_be_read_is_refused_whole(
    item: str, phrase: str
) -> None:
    assert f"Can't read the due date “{phrase}”" in problem(item)


def test_the_ordinal_of_the_month_is_the_next_one() -> None:
    assert promise("pay by the 3rd of the month").due_at == utc(2026, 12, 3)


def test_the_long_tail_still_reads_what_our_rules_do_not() -> None:
    found = promise("pay by in 2 weeks and 3 days")
    assert (found.text, found.due_at) == ("pay", utc(2026, 12, 12))


def test_an_amount_of_time_at_the_end_that_no_rule_reads_is_refused() -> None:
    message = problem("pay deposit within 2 weeks and 3 days")
    assert "“2 weeks”, “3 days” looks like part of a date" in message


def test_an_amount_of_time_inside_the_text_is_not_a_date() -> None:
    assert promise("hire someone with 5 years experience") == PromiseDraft(
        "hire someone with 5 years experience"
    )


def test_a_word_like_later_before_a_trigger_word_stays_in_the_text() -> None:
    assert promise("ping later by mon").text == "ping later"


def test_no_date_at_the_end_keeps_a_promise_undated_on_purpose() -> None:
    assert promise("prepare slides for the monday meeting, no date") == PromiseDraft(
        "prepare slides for the monday meeting"
    )


def test_no_date_alone_is_not_a_promise() -> None:
    assert "has no promise" in problem("no date")


@pytest.mark.parametrize(
    ("item", "repeat"),
    [
        ("send usage report every monday", "every monday"),
        ("check backups weekly", "weekly"),
        ("review the account every 2 weeks", "every 2 weeks"),
        ("follow up every other week", "every other week"),
        ("call first monday of each month", "each month"),
        ("stand-up on mondays at 10am", "mondays"),
        ("team call fridays", "fridays"),
    ],
)
def test_a_repeating_promise_is_refused_rather_than_saved_once(item: str, repeat: str) -> None:
    message = problem(item)
    assert f"“{item}” repeats (“{repeat}”)" in message
    assert "repeating promises are not supported" in message


def test_weekly_inside_the_text_is_not_a_repeat() -> None:
    assert promise("send weekly report by fri").due_at == utc(2026, 11, 27)


@pytest.mark.parametrize(
    ("item", "ask"),
    [
        ("call tues 2:30", "say 2:30am or 2:30pm"),
        ("call Raj by 5", "say 5am or 5pm"),
        ("call at 3", "say 3am or 3pm"),
        ("call fri at quarter past 3", "say 3:15am or 3:15pm"),
        ("call tomorrow 4 o'clock", "say 4am or 4pm"),
    ],
)
def test_an_hour_that_could_be_morning_or_evening_asks_which(item: str, ask: str) -> None:
    assert ask in problem(item)


def test_a_clock_time_at_odds_with_its_part_of_day_is_refused() -> None:
    assert "9am is not in the evening" in problem("call 9am this evening")


def test_a_24_hour_or_zero_padded_time_needs_no_am_or_pm() -> None:
    assert promise("call tomorrow 09:30").due_at == utc(2026, 11, 26, 9, 30)
    assert promise("call tomorrow 10:30").due_at == utc(2026, 11, 26, 10, 30)


@pytest.mark.parametrize("item", ["offer support 24/7", "pay 1/2", "upgrade to 3.12"])
def test_fractions_idioms_and_versions_stay_text(item: str) -> None:
    assert promise(item) == PromiseDraft(item)
