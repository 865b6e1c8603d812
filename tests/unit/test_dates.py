"""Due dates at the end of promises, and standalone when-phrases, against fixed clocks."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time

import pytest

from bot.core.dates import due_context, format_local, split_due
from bot.core.drafts import FormFields, PromiseDraft
from bot.core.errors import ParseError
from bot.core.parsing import parse_due, parse_form

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
NINE = time(9, 0)
WED = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wednesday 14:00 in London (GMT)
SUN = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # Sunday
SAT = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # Saturday
MONTH_END = datetime(2026, 1, 30, 12, 0, tzinfo=UTC)  # Friday 30 January


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def promise(item: str, *, now: datetime = WED, tz: str = LONDON) -> PromiseDraft:
    draft = parse_form(FormFields(our_promises=item), now=now, tz=tz, day_start=NINE)
    return draft.our_promises[0]


def due(item: str, *, now: datetime = WED, tz: str = LONDON) -> datetime | None:
    return promise(item, now=now, tz=tz).due_at


def problem(item: str, *, now: datetime = WED, tz: str = LONDON) -> str:
    with pytest.raises(ParseError) as caught:
        parse_form(FormFields(our_promises=item), now=now, tz=tz, day_start=NINE)
    return caught.value.errors[0].message


def when(phrase: str, *, now: datetime = WED, tz: str = LONDON) -> datetime:
    return parse_due(phrase, now=now, tz=tz, day_start=NINE)


# -- the phrases in the product description ------------------------------------------------


def test_by_friday_resolves_to_the_coming_friday_at_day_start() -> None:
    found = promise("send fibre quote by friday")
    assert found == PromiseDraft("send fibre quote", utc(2026, 11, 27), "by friday")


def test_due_with_a_day_and_month_resolves_to_that_day_this_year() -> None:
    assert promise("send quote due 3 Dec") == PromiseDraft(
        "send quote", utc(2026, 12, 3), "due 3 Dec"
    )


def test_tomorrow_with_a_time_keeps_the_time() -> None:
    assert promise("call back tomorrow 10am") == PromiseDraft(
        "call back", utc(2026, 11, 26, 10), "tomorrow 10am"
    )


def test_a_date_without_a_trigger_word_is_still_read_at_the_end() -> None:
    assert promise("demo 3 Dec") == PromiseDraft("demo", utc(2026, 12, 3), "3 Dec")


def test_in_two_weeks_is_that_day_at_day_start() -> None:
    assert promise("chase invoice in 2 weeks") == PromiseDraft(
        "chase invoice", utc(2026, 12, 9), "in 2 weeks"
    )


def test_by_end_of_month_is_the_last_day_of_this_month() -> None:
    assert promise("quote by end of month") == PromiseDraft(
        "quote", utc(2026, 11, 30), "by end of month"
    )


def test_before_next_tuesday_is_tuesday_of_next_week() -> None:
    assert promise("read brochure before next tue") == PromiseDraft(
        "read brochure", utc(2026, 12, 1), "before next tue"
    )


def test_on_day_slash_month_reads_the_day_first() -> None:
    assert promise("meet on 27/11") == PromiseDraft("meet", utc(2026, 11, 27), "on 27/11")


def test_iso_dates_are_read() -> None:
    assert due("ship on 2026-12-03") == utc(2026, 12, 3)


def test_month_first_date_with_a_time() -> None:
    assert promise("call by Dec 3 2pm") == PromiseDraft(
        "call", utc(2026, 12, 3, 14), "by Dec 3 2pm"
    )


def test_by_noon_tomorrow_is_tomorrow_at_twelve() -> None:
    assert due("call by noon tomorrow") == utc(2026, 11, 26, 12)


def test_by_eow_is_this_friday() -> None:
    assert due("send report by eow") == utc(2026, 11, 27)


def test_a_promise_without_a_date_has_no_due_date() -> None:
    assert promise("send the brochure") == PromiseDraft("send the brochure")


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("send quote 3rd December", utc(2026, 12, 3)),
        ("send quote December 3rd, 2026", utc(2026, 12, 3)),
        ("send quote on the 3rd of December", utc(2026, 12, 3)),
        ("send quote by 27/11/2026", utc(2026, 11, 27)),
        ("send quote by 27/11/26", utc(2026, 11, 27)),
        ("send quote by 3.12.2026", utc(2026, 12, 3)),
        ("call fri 27 nov", utc(2026, 11, 27)),
        ("call friday, 27 November 2pm", utc(2026, 11, 27, 14)),
        ("call 3 Dec at 2:30pm", utc(2026, 12, 3, 14, 30)),
        ("call 2pm on fri", utc(2026, 11, 27, 14)),
        ("call 10 am tomorrow", utc(2026, 11, 26, 10)),
        ("call tomorrow at 10.30am", utc(2026, 11, 26, 10, 30)),
        ("call tomorrow 14:00", utc(2026, 11, 26, 14)),
        ("call tomorrow morning", utc(2026, 11, 26, 9)),
        ("call tomorrow afternoon", utc(2026, 11, 26, 14)),
        ("call the day after tomorrow", utc(2026, 11, 27)),
        ("call tmrw", utc(2026, 11, 26)),
        ("call in a week", utc(2026, 12, 2)),
        ("call in 2 days at 3pm", utc(2026, 11, 27, 15)),
        ("call in a fortnight", utc(2026, 12, 9)),
        ("call in 1 month", utc(2026, 12, 25)),
        ("call within 3 days", utc(2026, 11, 28)),
        ("call by the end of next week", utc(2026, 12, 4)),
        ("call by end of next month", utc(2026, 12, 31)),
        ("call by eoy", utc(2026, 12, 31)),
        ("call no later than thu", utc(2026, 11, 26)),
        ("call due by fri", utc(2026, 11, 27)),
        ("call by friday the 11th", utc(2026, 12, 11)),
    ],
)
def test_other_common_phrases_resolve_by_our_own_rules(item: str, expected: datetime) -> None:
    assert due(item) == expected


def test_weeks_time_is_read_like_weeks() -> None:
    assert due("chase invoice in 2 weeks time") == utc(2026, 12, 9)


def test_brackets_around_the_date_phrase_are_not_kept() -> None:
    assert promise("send quote (by fri).") == PromiseDraft(
        "send quote", utc(2026, 11, 27), "by fri"
    )


def test_a_bare_afternoon_hour_after_a_day_is_read_as_24_hour_time() -> None:
    assert due("call next tuesday at 14") == utc(2026, 12, 1, 14)


def test_a_bare_hour_that_could_be_am_or_pm_after_a_day_asks_which() -> None:
    message = problem("call next tuesday at 10")
    assert "Can't read the due date “next tuesday at 10”" in message
    assert "say 10am or 10pm" in message


def test_the_date_phrase_and_its_trigger_word_leave_the_promise_text() -> None:
    assert promise("send quote, due by fri.") == PromiseDraft(
        "send quote", utc(2026, 11, 27), "due by fri"
    )


def test_an_earlier_by_stays_in_the_text() -> None:
    assert promise("send quote by email by fri").text == "send quote by email"


# -- weekdays -----------------------------------------------------------------------------


def test_a_bare_weekday_is_today_when_its_time_is_still_ahead() -> None:
    assert due("call wed 5pm") == utc(2026, 11, 25, 17)


def test_a_bare_weekday_is_next_week_when_today_has_passed_its_time() -> None:
    assert due("call wed") == utc(2026, 12, 2)


def test_next_friday_is_friday_of_next_week_unlike_dateparser() -> None:
    assert due("call next friday") == utc(2026, 12, 4)


def test_next_monday_on_a_sunday_is_tomorrow_because_weeks_start_on_monday() -> None:
    assert due("call next mon", now=SUN) == utc(2026, 11, 23)


def test_this_friday_is_in_the_current_week() -> None:
    assert due("call this fri") == utc(2026, 11, 27)


def test_this_monday_once_past_is_the_coming_monday() -> None:
    assert due("call this monday") == utc(2026, 11, 30)


def test_end_of_week_on_a_saturday_is_next_friday() -> None:
    assert due("call by end of week", now=SAT) == utc(2026, 12, 4)


def test_a_weekday_that_disagrees_with_the_date_is_refused_naming_the_real_weekday() -> None:
    message = problem("call fri 28 nov")
    assert "“fri 28 nov”" in message
    assert "28 Nov 2026 is a Saturday" in message


# -- today, times -------------------------------------------------------------------------


def test_a_time_alone_is_today_when_still_ahead() -> None:
    assert due("call at 3pm") == utc(2026, 11, 25, 15)


def test_a_time_alone_is_tomorrow_once_passed() -> None:
    assert due("call at 1pm") == utc(2026, 11, 26, 13)


def test_today_before_day_start_is_due_at_day_start() -> None:
    assert due("call today", now=utc(2026, 11, 25, 7)) == utc(2026, 11, 25, 9)


def test_today_after_day_start_is_due_at_five_rather_than_refused() -> None:
    assert due("call today") == utc(2026, 11, 25, 17)


def test_today_in_the_evening_is_due_at_the_last_minute_of_the_day() -> None:
    assert due("call today", now=utc(2026, 11, 25, 18)) == utc(2026, 11, 25, 23, 59)


def test_tonight_is_eight_in_the_evening() -> None:
    assert due("call tonight") == utc(2026, 11, 25, 20)


def test_eod_is_five_in_the_afternoon() -> None:
    assert due("send figures by eod") == utc(2026, 11, 25, 17)


@pytest.mark.parametrize(
    ("item", "reason"), [("call by 25:00", "not a time of day"), ("call at 13pm", "1 to 12")]
)
def test_an_impossible_time_is_refused(item: str, reason: str) -> None:
    message = problem(item)
    assert "Can't read the due date" in message
    assert reason in message


# -- days and months without a year -------------------------------------------------------


def test_a_day_and_month_that_passed_lately_is_refused_as_past() -> None:
    message = problem("send quote 20 Nov")
    assert message == (
        "“send quote 20 Nov”: the due date Fri 20 Nov 09:00 is in the past. Pick a future date."
    )


def test_a_day_and_month_long_past_means_next_year() -> None:
    assert due("renew contract 1 Sep") == utc(2027, 9, 1, 8)  # 09:00 BST


def test_a_day_and_month_that_is_today_but_past_its_time_is_refused() -> None:
    assert "is in the past" in problem("call 25 Nov")


def test_the_29th_of_february_is_the_next_leap_year() -> None:
    assert due("audit 29 Feb") == utc(2028, 2, 29)


def test_an_ordinal_alone_is_that_day_this_month_when_ahead() -> None:
    assert due("pay by the 28th") == utc(2026, 11, 28)


def test_an_ordinal_alone_is_next_month_once_passed() -> None:
    assert due("pay by 1st") == utc(2026, 12, 1)


def test_a_month_alone_after_a_trigger_is_its_first_day() -> None:
    assert due("review pricing by march") == utc(2027, 3, 1)


# -- month end ----------------------------------------------------------------------------


def test_in_two_days_crosses_the_month_end() -> None:
    assert due("call in 2 days", now=MONTH_END, tz="UTC") == utc(2026, 2, 1)


def test_end_of_month_on_the_30th_is_the_31st() -> None:
    assert due("pay by end of month", now=MONTH_END, tz="UTC") == utc(2026, 1, 31)


def test_end_of_month_on_the_last_day_after_day_start_is_next_months_end() -> None:
    assert due("pay by eom", now=utc(2026, 1, 31, 10), tz="UTC") == utc(2026, 2, 28)


def test_by_the_first_at_month_end_is_the_first_of_next_month() -> None:
    assert due("pay by 1st", now=MONTH_END, tz="UTC") == utc(2026, 2, 1)


def test_in_one_month_from_the_30th_of_january_is_the_last_day_of_february() -> None:
    assert due("call in 1 month", now=MONTH_END, tz="UTC") == utc(2026, 2, 28)


def test_next_month_is_the_first_of_next_month() -> None:
    assert due("call next month", now=MONTH_END, tz="UTC") == utc(2026, 2, 1)


def test_next_week_is_monday_of_next_week() -> None:
    assert due("call next week", now=MONTH_END, tz="UTC") == utc(2026, 2, 2)


# -- daylight saving ----------------------------------------------------------------------

LONDON_SAT_BEFORE_FALL_BACK = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # 13:00 BST
NEW_YORK_SAT_BEFORE_SPRING_FORWARD = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)  # 12:00 EST


def test_a_wall_time_that_happens_twice_takes_the_first_one() -> None:
    found = due("call tomorrow 1:30am", now=LONDON_SAT_BEFORE_FALL_BACK)
    assert found == utc(2026, 10, 25, 0, 30)  # 01:30 BST, not 01:30 GMT


def test_a_date_after_the_fall_back_uses_winter_time() -> None:
    assert due("call tomorrow", now=LONDON_SAT_BEFORE_FALL_BACK) == utc(2026, 10, 25, 9)


def test_in_hours_across_the_fall_back_keeps_the_exact_instant() -> None:
    assert due("call in 24 hours", now=LONDON_SAT_BEFORE_FALL_BACK) == utc(2026, 10, 25, 12)


def test_a_wall_time_that_does_not_exist_moves_forward_by_the_gap() -> None:
    found = due("call tomorrow 2:30am", now=NEW_YORK_SAT_BEFORE_SPRING_FORWARD, tz=NEW_YORK)
    assert found == utc(2026, 3, 8, 7, 30)  # read with EST's offset: 03:30 EDT


def test_a_date_after_the_spring_forward_uses_summer_time() -> None:
    found = due("call in 1 day", now=NEW_YORK_SAT_BEFORE_SPRING_FORWARD, tz=NEW_YORK)
    assert found == utc(2026, 3, 8, 13)  # 09:00 EDT


def test_in_hours_across_the_spring_forward_keeps_the_exact_instant() -> None:
    found = due("call in 24 hours", now=NEW_YORK_SAT_BEFORE_SPRING_FORWARD, tz=NEW_YORK)
    assert found == utc(2026, 3, 8, 17)


# -- false positives ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    [
        "send 2 quotes",
        "order 3 units",
        "call back",
        "ask about may",
        "ask if they may",
        "email sat",
        "buy sun cream",
        "call jan",
        "offer support 24/7",
        "pay 1/2",
        "upgrade to 3.12",
        "read chapter 3",
        "meet by the office",
        "get sign-off by 2 people",
        "march on",
        "ask by flurbsday",
    ],
)
def test_ordinary_words_and_numbers_are_not_dates(item: str) -> None:
    assert promise(item) == PromiseDraft(item)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("meet by sat", utc(2026, 11, 28)),
        ("meet on sun", utc(2026, 11, 29)),
        ("meet next sat", utc(2026, 12, 5)),
        ("ask by may", utc(2027, 5, 1, 8)),
        ("ask in may", utc(2027, 5, 1, 8)),
        ("demo 3 may", utc(2027, 5, 3, 8)),
        ("pay by 1/2", utc(2027, 2, 1)),
    ],
)
def test_ambiguous_words_are_dates_after_a_trigger_or_in_an_unambiguous_phrase(
    item: str, expected: datetime
) -> None:
    assert due(item) == expected


# -- errors -------------------------------------------------------------------------------


def test_an_impossible_date_is_refused_with_examples() -> None:
    assert problem("send quote by 31 Feb") == (
        "Can't read the due date “31 Feb” in “send quote by 31 Feb”. Dates that work: "
        "“by fri”, “tomorrow 10am”, “3 Dec”, “in 2 weeks”, “end of month”."
    )


def test_a_misspelt_weekday_after_a_trigger_is_refused_rather_than_kept_as_text() -> None:
    assert "Can't read the due date “firday”" in problem("call by firday")


def test_a_date_in_the_past_is_refused_showing_the_resolved_date() -> None:
    assert problem("pay invoice by yesterday", now=SUN) == (
        "“pay invoice by yesterday”: the due date Sat 21 Nov 09:00 is in the past. "
        "Pick a future date."
    )


@pytest.mark.parametrize("item", ["renew in 10000 years", "renew in 11 years", "renew 3 Dec 2099"])
def test_a_date_more_than_ten_years_ahead_is_refused(item: str) -> None:
    assert "is more than 10 years ahead" in problem(item)


def test_a_date_nine_years_ahead_is_fine() -> None:
    assert due("renew in 9 years") == utc(2035, 11, 25)


def test_a_date_with_no_promise_text_is_refused() -> None:
    assert problem("by fri") == (
        "“by fri” has a due date but no promise. Say what will be done, e.g. “send quote by fri”."
    )


# -- the long tail, read by dateparser ----------------------------------------------------


def test_an_ordinal_of_next_month_is_read_by_dateparser() -> None:
    assert promise("pay by the 3rd of next month") == PromiseDraft(
        "pay", utc(2026, 12, 3), "by the 3rd of next month"
    )


def test_midnight_is_read_by_dateparser_with_its_time() -> None:
    assert due("send by midnight") == utc(2026, 11, 26, 0)


def test_the_long_tail_reads_each_entry_against_its_own_now() -> None:
    assert due("pay by the 3rd of next month") == utc(2026, 12, 3)
    assert due("pay by the 3rd of next month", now=utc(2027, 1, 5)) == utc(2027, 2, 3)


def test_importing_and_common_phrases_do_not_load_dateparser() -> None:
    script = (
        "import sys\n"
        "from datetime import UTC, datetime, time\n"
        "from bot.core.parsing import parse_quick_entry\n"
        "assert 'dateparser' not in sys.modules\n"
        "parse_quick_entry('acme | we: quote by fri; call tomorrow 10am; demo 3 Dec',"
        " now=datetime(2026, 11, 25, tzinfo=UTC), tz='Europe/London', day_start=time(9))\n"
        "assert 'dateparser' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# -- standalone phrases (snooze, reschedule) ----------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("1h", utc(2026, 11, 25, 15)),
        ("30m", utc(2026, 11, 25, 14, 30)),
        ("in 2 hours", utc(2026, 11, 25, 16)),
        ("2 days", utc(2026, 11, 27)),
        ("tomorrow", utc(2026, 11, 26)),
        ("next week", utc(2026, 11, 30)),
        ("fri 2pm", utc(2026, 11, 27, 14)),
        ("3 Dec", utc(2026, 12, 3)),
        ("sat", utc(2026, 11, 28)),
        ("until monday", utc(2026, 11, 30)),
        ("end of month", utc(2026, 11, 30)),
    ],
)
def test_standalone_when_phrases_resolve_to_the_future(phrase: str, expected: datetime) -> None:
    assert when(phrase) == expected


def test_an_unreadable_when_phrase_is_refused_with_examples() -> None:
    with pytest.raises(ParseError) as caught:
        parse_due("flurbsday", now=WED, tz=LONDON, day_start=NINE, field="until")
    assert caught.value.by_field() == {
        "until": "Can't read the date “flurbsday”. Dates that work: “1h”, “in 2 hours”, "
        "“tomorrow”, “fri 2pm”, “next week”, “3 Dec”."
    }


def test_a_past_when_phrase_is_refused() -> None:
    with pytest.raises(ParseError, match="“yesterday”: the date Tue 24 Nov 09:00 is in the past"):
        when("yesterday")


def test_an_empty_when_phrase_asks_for_one() -> None:
    with pytest.raises(ParseError, match="Say when"):
        when("  ")


# -- context and formatting ---------------------------------------------------------------


def test_an_unknown_time_zone_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(ParseError, match="time zone “Mars/Olympus” is unknown"):
        parse_due("tomorrow", now=WED, tz="Mars/Olympus", day_start=NINE)


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_context(datetime(2026, 11, 25), LONDON, NINE)


def test_a_now_no_working_clock_gives_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="1900-8999"):
        due_context(datetime(9999, 12, 31, tzinfo=UTC), LONDON, NINE)


def test_format_local_shows_weekday_day_month_and_time_in_the_zone() -> None:
    assert format_local(utc(2026, 11, 27), LONDON) == "Fri 27 Nov 09:00"
    assert format_local(utc(2026, 11, 27), NEW_YORK) == "Fri 27 Nov 04:00"


def test_format_local_adds_the_year_only_when_it_differs_from_now() -> None:
    assert format_local(utc(2027, 2, 1), LONDON, now=WED) == "Mon 1 Feb 2027 09:00"
    assert format_local(utc(2026, 12, 1), LONDON, now=WED) == "Tue 1 Dec 09:00"


def test_split_due_returns_none_for_text_without_a_date() -> None:
    assert split_due("send the brochure", due_context(WED, LONDON, NINE)) is None
