"""Reading the outbox straight from the database, and driving the engine round by round."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import Engine, text

from bot.core.clock import ManualClock
from bot.scheduling.engine import ReminderEngine, TickResult


def deliveries(engine: Engine) -> dict[str, tuple[str, int]]:
    """key -> (status, attempts) of every delivery."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key, status, attempts FROM deliveries"))
        return {str(key): (str(status), int(attempts)) for key, status, attempts in rows}


def unsettled(engine: Engine) -> list[str]:
    return [k for k, (status, _) in deliveries(engine).items() if status in {"pending", "sending"}]


async def until_settled(
    engine: Engine,
    reminders: ReminderEngine,
    clock: ManualClock,
    *,
    step: timedelta = timedelta(minutes=2),
    rounds: int = 15,
    each_round: Callable[[TickResult], Awaitable[None]] | None = None,
) -> list[TickResult]:
    """Plan and deliver, moving the clock on by ``step`` between rounds, until no delivery
    is pending (or ``rounds`` have passed)."""
    results = []
    for _ in range(rounds):
        result = await reminders.tick()
        results.append(result)
        if each_round is not None:
            await each_round(result)
        if not unsettled(engine):
            break
        clock.advance(step)
    return results
