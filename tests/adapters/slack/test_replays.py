"""Which Slack deliveries are checked for a replay, and what a check costs."""

from __future__ import annotations

from bot.adapters.slack.replays import ReplayGuard, needs_check

from . import payloads


class FakeStore:
    """The database's side: keys remembered, and which calls swept old ones."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.sweeps: list[bool] = []

    def first_seen(self, key: str, sweep: bool) -> bool:
        self.sweeps.append(sweep)
        fresh = key not in self.keys
        self.keys.add(key)
        return fresh


def test_commands_buttons_and_forms_are_checked_reads_and_reactions_are_not() -> None:
    checked = [
        payloads.slash_command("acme call | ch: slow internet"),
        payloads.block_actions("tp:kept:1", home_view=True),
        {"type": "view_submission", "view": {}},
        {"type": "message_action", "callback_id": "record_touchpoint"},
        payloads.event_callback({"type": "app_uninstalled"}, event_id="Ev1"),
        {"type": "something new"},
    ]
    unchecked = [
        payloads.event_callback(payloads.app_home_opened("U1"), event_id="Ev2"),
        payloads.event_callback(payloads.reaction_added("C1", "1.2"), event_id="Ev3"),
        {"type": "url_verification", "challenge": "x"},
        {"type": "block_suggestion", "value": "ac"},
        {"type": "view_closed", "view": {}},
    ]
    assert all(needs_check(body) for body in checked)
    assert not any(needs_check(body) for body in unchecked)


async def test_old_keys_are_swept_once_a_minute_not_on_every_request() -> None:
    store, now = FakeStore(), [1000.0]
    guard = ReplayGuard(store.first_seen, clock=lambda: now[0])
    for n in range(5):
        assert await guard.first_time(f"k{n}")
        now[0] += 10
    now[0] += 20
    assert await guard.first_time("k5")
    assert store.sweeps == [True, False, False, False, False, True]


async def test_a_key_forgotten_in_memory_is_still_known_to_the_database() -> None:
    store, now = FakeStore(), [0.0]
    guard = ReplayGuard(store.first_seen, clock=lambda: now[0])
    assert await guard.first_time("k")
    assert not await guard.first_time("k") and guard.database_checks == 1
    now[0] += 601  # past what memory keeps: the database answers, and still says "seen"
    assert not await guard.first_time("k") and guard.database_checks == 2
    other = ReplayGuard(store.first_seen)  # another instance, sharing the database
    assert not await other.first_time("k")


async def test_the_check_fails_open_when_the_database_is_away() -> None:
    def away(key: str, sweep: bool) -> bool:
        raise ConnectionError("database unavailable")

    assert await ReplayGuard(away).first_time("k")
