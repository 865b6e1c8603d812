"""Many people changing the same thing at once, each in their own transaction, on both
databases: every change that was answered "done" is stored, and a promise is settled once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.core import services
from bot.core.clock import ManualClock
from bot.core.errors import UserError
from bot.core.model import PromiseStatus

from .conftest import T0, Seed, UowFactory, at

T = TypeVar("T")


def _all_at_once(count: int, work: Callable[[int], T]) -> list[T | Exception]:
    """Run ``work(0..count-1)`` in as many threads, released together."""
    barrier = threading.Barrier(count)

    def run(n: int) -> T | Exception:
        barrier.wait()
        try:
            return work(n)
        except Exception as exc:  # the test looks at what each one was told
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_aliases_are_all_stored(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    seed.customer("t1", "Race Customer")

    results = _all_at_once(
        20, lambda n: services.add_alias("t1", "race customer", f"rc{n}", uow=uow_factory())
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    with uow_factory() as uow:
        stored = uow.customers.by_slug("t1", "race-customer")
    assert stored is not None
    assert sorted(stored.aliases) == sorted(f"rc{n}" for n in range(20))


def test_the_same_alias_twice_at_once_is_stored_once(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    seed.customer("t1", "Acme")
    seed.customer("t1", "Globex")

    results = _all_at_once(
        2,
        lambda n: services.add_alias("t1", ["acme", "globex"][n], "big co", uow=uow_factory()),
    )

    refused = [r for r in results if isinstance(r, UserError)]
    assert len(refused) == 1
    assert "already names" in str(refused[0])
    with uow_factory() as uow:
        holders = [c.name for c in uow.customers.list("t1") if "big co" in c.aliases]
    assert len(holders) == 1


def test_concurrent_completion_codes_are_all_stored(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    clock = ManualClock(T0)

    results = _all_at_once(
        20,
        lambda n: services.configure_team(
            "t1", "codes", f'add "code {n}"', uow=uow_factory(), clock=clock
        ),
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    with uow_factory() as uow:
        team = uow.teams.get("t1")
    assert team is not None
    assert {f"code {n}" for n in range(20)} <= set(team.completion_codes)


def test_different_settings_changed_at_once_both_stay(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    clock = ManualClock(T0)
    changes = [("timezone", "Asia/Tokyo"), ("codes", 'add "wrong number"'), ("channel", "C9")]

    results = _all_at_once(
        3,
        lambda n: services.configure_team("t1", *changes[n], uow=uow_factory(), clock=clock),
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    with uow_factory() as uow:
        team = uow.teams.get("t1")
    assert team is not None
    assert (team.timezone, team.channel) == ("Asia/Tokyo", "C9")
    assert "wrong number" in team.completion_codes


def test_only_one_of_ten_concurrent_settles_wins(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    touchpoint = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("send the quote", at(24)),)
    )
    promise_id = touchpoint.promises[0].id
    assert promise_id is not None
    clock = ManualClock(at(1))
    verbs = ["kept", "not_kept"] * 5

    results = _all_at_once(
        10,
        lambda n: services.settle_promise(
            "t1", promise_id, verbs[n], f"U{n}", uow=uow_factory(), clock=clock
        ),
    )

    winners = [r for r in results if isinstance(r, services.PromiseChanged)]
    losers = [r for r in results if not isinstance(r, services.PromiseChanged)]
    assert len(winners) == 1
    winner = winners[0].promise
    by = next(e.actor for e in reversed(winner.history))
    assert len(losers) == 9
    for loser in losers:
        assert isinstance(loser, UserError)
        assert f"already {winner.status.value.replace('_', ' ')}" in str(loser)
        assert by in str(loser)  # told who settled it
    with uow_factory() as uow:
        stored = uow.promises.get("t1", promise_id)
    assert stored is not None
    assert stored.status is winner.status is not PromiseStatus.OPEN
    assert len(stored.history) == 1


def test_a_signed_request_arriving_many_times_at_once_is_acted_on_once(
    uow_factory: UowFactory,
) -> None:
    """Slack's retries of one request, or a replay, racing the original: the replay check
    (a key in ``processed_events``) lets exactly one through, on both databases."""
    clock = ManualClock(T0)
    key = "1733563200:v0=abc123"

    def check(_: int) -> bool:
        return services.first_signed_request(key, uow=uow_factory(), clock=clock)

    answers = _all_at_once(10, check)
    assert sorted(answers, key=str) == [False] * 9 + [True]
    # And once seen, later copies stay refused.
    assert services.first_signed_request(key, uow=uow_factory(), clock=clock) is False
