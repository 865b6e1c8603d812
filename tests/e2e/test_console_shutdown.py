"""The console's background loop ends cleanly when piped input runs out."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from datetime import UTC, datetime

import pytest

from bot.core.clock import ManualClock
from bot.scheduling.engine import ReminderEngine
from bot.scheduling.runner import scheduler_in_background
from tests.fakes import FakeStore, FakeUnitOfWork


def test_ending_with_work_still_pending_leaves_no_destroyed_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FakeStore()
    clock = ManualClock(datetime(2026, 11, 19, 10, 0, tzinfo=UTC))
    engine = ReminderEngine(lambda: FakeUnitOfWork(store), clock, {})
    cancelled: list[bool] = []
    started: list[asyncio.Future[None]] = []

    async def busy() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def also() -> None:
        started.append(asyncio.ensure_future(busy()))  # like a scan or a request in progress

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        with scheduler_in_background(engine, clock, scan_seconds=3600, also=also):
            pass
        started.clear()
        gc.collect()
    assert cancelled == [True]
    assert "Task was destroyed" not in caplog.text


STARTED = threading.Event()
FINISHED: list[bool] = []


class SlowScan(ReminderEngine):
    """A scan that is still running when the console's input ends."""

    async def scan(self) -> None:  # type: ignore[override]
        STARTED.set()
        await asyncio.sleep(0.5)
        FINISHED.append(True)


def test_a_scan_in_progress_at_the_end_finishes_instead_of_logging_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FakeStore()
    clock = ManualClock(datetime(2026, 11, 19, 10, 0, tzinfo=UTC))
    engine = SlowScan(lambda: FakeUnitOfWork(store), clock, {})
    with (
        caplog.at_level(logging.WARNING),
        scheduler_in_background(engine, clock, scan_seconds=3600),
    ):
        assert STARTED.wait(timeout=10)
    assert FINISHED == [True]
    assert "Traceback" not in caplog.text and "raised an exception" not in caplog.text
