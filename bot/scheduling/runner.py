"""Running the scheduler beside a synchronous front end (the console)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.ports import Clock
from bot.scheduling.engine import ReminderEngine
from bot.scheduling.scheduler import start_scheduler

JOB_GRACE_SECONDS = 10  # how long a scan in progress may take to finish at shutdown


def _is_job(task: asyncio.Task[object], current: asyncio.Task[object] | None) -> bool:
    """A periodic job APScheduler is running (its executor wraps each in this coroutine)."""
    coro = task.get_coro()
    return task is not current and getattr(coro, "__qualname__", "") == "run_coroutine_job"


@contextmanager
def scheduler_in_background(
    engine: ReminderEngine,
    clock: Clock,
    *,
    scan_seconds: float,
    also: Callable[[], Awaitable[object]] | None = None,
) -> Iterator[None]:
    """Run the periodic jobs on an event loop in a daemon thread until the block ends;
    ``also`` is started on the same loop (the console's HTTP server for calendar feeds)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    schedulers: list[AsyncIOScheduler] = []

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            schedulers.append(start_scheduler(engine, clock, scan_seconds=scan_seconds))
            if also is not None:
                await also()
            started.set()

        loop.run_until_complete(boot())
        loop.run_forever()

    thread = threading.Thread(target=run, name="touchpoint-scheduler", daemon=True)
    thread.start()
    started.wait(timeout=10)
    try:
        yield
    finally:

        async def stop() -> None:
            # A scan in progress finishes first (cancelling it would log its traceback);
            # then every task still pending (the HTTP server's) is cancelled and awaited
            # before the loop stops: a loop closed over pending tasks prints "Task was
            # destroyed but it is pending!" when piped input ends the console.
            current = asyncio.current_task()
            for scheduler in schedulers:
                scheduler.pause()
            running = [task for task in asyncio.all_tasks() if _is_job(task, current)]
            if running:
                await asyncio.wait(running, timeout=JOB_GRACE_SECONDS)
            for scheduler in schedulers:
                scheduler.shutdown(wait=False)
            pending = [task for task in asyncio.all_tasks() if task is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await loop.shutdown_asyncgens()
            loop.stop()

        if thread.is_alive():
            asyncio.run_coroutine_threadsafe(stop(), loop)
            thread.join(timeout=10)
        if not thread.is_alive():  # a loop still running cannot be closed
            loop.close()
