"""A spreadsheet's date cells: read as written, in the team's order, never guessed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.exchange import date_cells
from bot.core.exchange.date_cells import MAX_DATE_CHARS, read_date_cell

DAY_FIRST, MONTH_FIRST = False, True


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A wall time: the sheet puts it in the team's zone."""
    return datetime(year, month, day, hour, minute, second)


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("19/11/2026", (local(2026, 11, 19), False)),
        ("19.11.2026 14:30:15", (local(2026, 11, 19, 14, 30, 15), True)),
        ("19-11-2026 2 PM", (local(2026, 11, 19, 14), True)),
        ("19 November 2026 2:30PM", (local(2026, 11, 19, 14, 30), True)),
        ("Nov 19 2026 2pm", (local(2026, 11, 19, 14), True)),
        ("Tue, 3rd Dec. 2026 at 2 p.m.", (local(2026, 12, 3, 14), True)),
        ("November 5th, 2026 at 2:30 p.m.", (local(2026, 11, 5, 14, 30), True)),
        ("19/11/2026 12am", (local(2026, 11, 19, 0, 0), True)),
        ("2026-11-19", (local(2026, 11, 19), False)),
        ("2026-11-19 00:00", (local(2026, 11, 19), True)),
        ("2026-11-19T14:30", (local(2026, 11, 19, 14, 30), True)),
    ],
)
def test_a_cell_is_read_with_whether_it_gives_a_time_of_day(
    cell: str, read: tuple[datetime, bool]
) -> None:
    assert read_date_cell(cell, DAY_FIRST) == read
    assert read_date_cell(f"  {cell.replace(' ', '   ')} ", DAY_FIRST) == read


def test_iso_cells_keep_their_offset() -> None:
    at, has_clock = read_date_cell("2026-11-18T16:45+01:00", DAY_FIRST) or (None, None)
    assert at == datetime(2026, 11, 18, 15, 45, tzinfo=UTC) and has_clock
    assert read_date_cell("2026-11-18T16:45Z", MONTH_FIRST) == (
        datetime(2026, 11, 18, 16, 45, tzinfo=timezone(timedelta(0))),
        True,
    )


def test_numeric_dates_follow_the_teams_order() -> None:
    assert read_date_cell("05/11/2026", DAY_FIRST) == (local(2026, 11, 5), False)
    assert read_date_cell("05/11/2026", MONTH_FIRST) == (local(2026, 5, 11), False)
    assert read_date_cell("11/19/2026 4:45pm", MONTH_FIRST) == (local(2026, 11, 19, 16, 45), True)


def test_a_date_that_exists_only_in_the_other_order_is_refused_not_swapped() -> None:
    assert read_date_cell("11/19/2026", DAY_FIRST) is None
    assert read_date_cell("19/11/2026", MONTH_FIRST) is None
    assert read_date_cell("19/11/2026 14:30", MONTH_FIRST) is None
    assert read_date_cell("31/02/2026", DAY_FIRST) is None


def test_a_date_starting_with_its_year_is_year_month_day_in_either_order() -> None:
    for order in (DAY_FIRST, MONTH_FIRST):
        assert read_date_cell("2026/11/05", order) == (local(2026, 11, 5), False)
        assert read_date_cell("2026-11-05 2:30pm", order) == (local(2026, 11, 5, 14, 30), True)
        assert read_date_cell("2026/19/11", order) is None


def test_two_digit_years_are_read_as_strptime_reads_them_whatever_the_year_now() -> None:
    assert read_date_cell("19/11/26", DAY_FIRST) == (local(2026, 11, 19), False)
    assert read_date_cell("19/11/68 9:00", DAY_FIRST) == (local(2068, 11, 19, 9), True)
    assert read_date_cell("19/11/69", DAY_FIRST) == (local(1969, 11, 19), False)
    assert read_date_cell("11/19/99", MONTH_FIRST) == (local(1999, 11, 19), False)


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "soon",
        "Acme",
        "today",
        "5",
        "2026",
        "45000",
        "19 Nov",  # no year
        "19/11",
        "Nov 2026",  # no day
        "Tue Nov 2026",  # a weekday is not a day
        "Thursday",
        "19 2026",  # no month
        "14:30",
        "12h30",
    ],
)
def test_a_cell_that_is_not_a_whole_date_is_refused(cell: str) -> None:
    assert read_date_cell(cell, DAY_FIRST) is None
    assert read_date_cell(cell, MONTH_FIRST) is None


@pytest.mark.parametrize(
    "cell",
    [
        "19/11/2026 14",  # a bare number is not an hour
        "19/11/2026 30m",  # minutes with no hour
        "19 Nov 2026 1430",  # four digits that are not the year
        "5 6 Nov 2026",  # dateutil: 6 Nov 2005, 20:26
        "05 6 Nov 2026",
        "1/2/3",  # dateutil: 1 Feb 2003
        "5 Nov 2026 14:00 GMT+3",  # dateutil: three hours behind GMT
        "5 Nov 2026 14:00 EST",
        "5 Nov 2026 14:00 UTC",  # a zone only in ISO 8601
        "19 Nov 2026 14:30 ACME",
        "19/11/2026 " + "x" * MAX_DATE_CHARS,
    ],
)
def test_a_cell_dateutil_would_guess_at_is_refused(cell: str) -> None:
    assert read_date_cell(cell, DAY_FIRST) is None


DAYS = st.dates(date(1990, 1, 1), date(2030, 12, 31))
DAY_FORMS = st.sampled_from(
    ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%y", "%Y-%m-%d", "%Y/%m/%d", "%a, %d %b. %Y at", "%B %d %Y"]
)
CLOCK_FORMS = st.sampled_from(["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p"])


@settings(max_examples=300, deadline=None)
@given(
    day=DAYS,
    day_form=DAY_FORMS,
    clock=st.times(),
    clock_form=CLOCK_FORMS,
    month_first=st.booleans(),
)
def test_a_cell_ending_in_a_time_of_day_reads_as_it_does_whole(
    day: date, day_form: str, clock: time, clock_form: str, month_first: bool
) -> None:
    """Days and times of day are read apart, and each kept, so that a sheet's repeated
    days and times are parsed once: that must not change what any cell says."""
    cell = f"{day.strftime(day_form)} {clock.strftime(clock_form)}"
    assert read_date_cell(cell, month_first) == date_cells._read(cell, month_first)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("0123456789 /.-:,apmTZ+Nov2026tue"), max_size=30))
def test_any_text_is_read_or_refused_without_an_error(text: str) -> None:
    for order in (DAY_FIRST, MONTH_FIRST):
        found = read_date_cell(text, order)
        assert found is None or (isinstance(found[0], datetime) and isinstance(found[1], bool))
