"""APScheduler wiring: two periodic jobs, no job per promise.

The database says what is due; APScheduler only wakes the engine up. Both jobs also run
once at start-up, so whatever fell due while the bot was down goes out at once.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.ports import Clock
from bot.scheduling.engine import ReminderEngine

log = logging.getLogger(__name__)

DIGEST_CHECK_SECONDS = 60.0


def start_scheduler(
    engine: ReminderEngine,
    clock: Clock,
    *,
    scan_seconds: float,
    digest_seconds: float = DIGEST_CHECK_SECONDS,
) -> AsyncIOScheduler:
    """Start the periodic jobs on the running event loop; the caller shuts it down."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(
        engine.scan,
        IntervalTrigger(seconds=scan_seconds),
        id="reminders",
        next_run_time=clock.now(),
        **common,
    )
    scheduler.add_job(
        engine.digests,
        IntervalTrigger(seconds=digest_seconds),
        id="digests",
        next_run_time=clock.now(),
        **common,
    )
    scheduler.start()
    log.info(
        "reminder engine %s: scanning every %gs, digests checked every %gs",
        engine.worker,
        scan_seconds,
        digest_seconds,
    )
    return scheduler
