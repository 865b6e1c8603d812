"""'Business days' are the team's working days (`config days`), not always Monday-Friday.

Read on Wednesday 25 November 2026, 14:00 in London (GMT: local times equal UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.drafts import FormFields
from bot.core.parsing import parse_due, parse_form
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

WED = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
NINE = time(9, 0)
MON_FRI = (0, 1, 2, 3, 4)
SUN_THU = (6, 0, 1, 2, 3)


def due(phrase: str, workdays: tuple[int, ...] | None) -> datetime:
    return parse_due(
        phrase, now=WED, tz="Europe/London", day_start=NINE, order="dmy", workdays=workdays
    )


@pytest.mark.parametrize(
    ("phrase", "workdays", "expected"),
    [
        ("in 2 business days", MON_FRI, datetime(2026, 11, 27, 9, tzinfo=UTC)),  # Thu, Fri
        ("in 2 business days", SUN_THU, datetime(2026, 11, 29, 9, tzinfo=UTC)),  # Thu, Sun
        ("in 2 business days", None, datetime(2026, 11, 27, 9, tzinfo=UTC)),  # the default
        ("in 2 working days", (0, 1, 2, 3, 4, 5), datetime(2026, 11, 27, 9, tzinfo=UTC)),
        ("in 3 working days", (0, 1, 2, 3, 4, 5), datetime(2026, 11, 28, 9, tzinfo=UTC)),  # Sat
        ("last working day of january", MON_FRI, datetime(2027, 1, 29, 9, tzinfo=UTC)),  # Fri
        ("last working day of january", SUN_THU, datetime(2027, 1, 31, 9, tzinfo=UTC)),  # Sun
    ],
)
def test_business_days_count_the_teams_working_days(
    phrase: str, workdays: tuple[int, ...] | None, expected: datetime
) -> None:
    assert due(phrase, workdays) == expected


def test_next_working_day_from_a_thursday_is_sunday_for_a_sunday_to_thursday_team() -> None:
    thursday = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    found = parse_form(
        FormFields(our_promises="send the quote next working day"),
        now=thursday,
        tz="Asia/Jerusalem",
        day_start=NINE,
        workdays=SUN_THU,
    )
    assert found.our_promises[0].due_at == datetime(2026, 11, 29, 7, tzinfo=UTC)  # 09:00 local


def test_a_promise_recorded_after_config_days_counts_the_new_days() -> None:
    store = FakeStore()
    clock = ManualClock(WED)
    commands = Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults())
    ctx = Context("slack:T1", "U1", "C1", "Team", can_manage=True)
    commands.handle("config days sun-thu", ctx)
    commands.handle("acme call | we: send the quote in 2 business days", ctx)
    [promise] = store.promises.values()
    assert promise.due_at == datetime(2026, 11, 29, 9, tzinfo=UTC)  # Thu, then Sun
