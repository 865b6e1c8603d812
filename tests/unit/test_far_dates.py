"""A count of years (or any unit) too big to be a date is refused as too far ahead, like
"in 20 years", never saved as an undated promise."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.errors import ParseError
from bot.core.parsing import parse_quick_entry

NOW = datetime(2026, 11, 19, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "phrase",
    ["in 20 years", "in 99999999999999999999 years", "in 12345678 minutes", "in 9999999 hours"],
)
def test_a_due_date_past_ten_years_is_refused_however_it_is_written(phrase: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_quick_entry(f"acme | we: call {phrase}", now=NOW, tz="UTC", day_start=time(9))
    assert "more than 10 years ahead" in str(refused.value)
