"""The reminder engine: plan what is due, then deliver the outbox through the notifiers.

No business logic lives here: decisions are in ``bot.core.reminders``; this module only
runs them (database work in a worker thread, platform calls on the event loop) and
routes each delivery to its team's platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import charts
from bot.core import reminders, summaries
from bot.core.delivery import Delivery, DeliveryFailed, Notifier
from bot.core.ports import Clock, UnitOfWork

log = logging.getLogger(__name__)

# A platform call that has not answered by then counts as a failed attempt (in doubt: the
# next attempt looks for the post before sending again). A send is only started while the
# claim's lease has two of these left, so it ends, and is recorded, while the delivery is
# still this worker's: after the lease another instance may claim and send it too.
SEND_TIMEOUT = 45.0


def worker_id() -> str:
    """Unique per process, readable in the database: host, pid and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class TickResult:
    planned: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    postponed: int = 0


class ReminderEngine:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        notifiers: Mapping[str, Notifier],
        *,
        worker: str | None = None,
        draw_chart: summaries.ChartDrawer = charts.weekly_chart,
        send_timeout: float = SEND_TIMEOUT,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._notifiers = dict(notifiers)
        self.worker = worker or worker_id()
        self._lock = asyncio.Lock()
        self._draw_chart = draw_chart
        self._send_timeout = send_timeout
        # Channels a platform rate-limited, until when: a later loop (the digest planned a
        # second after a reminder hit the limit) waits too.
        self._blocked: dict[str, datetime] = {}
        self._stopping = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def stop(self) -> None:
        """Stop for good: the delivery being sent finishes and is recorded, the rest of the
        claimed batch is given back untried (pending, not in doubt), and nothing more is
        planned or claimed. Returns once no scan or delivery of this engine is running."""
        self._stopping = True
        await self._idle.wait()

    @contextlib.asynccontextmanager
    async def _working(self) -> AsyncIterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    def notifier_for(self, team_id: str) -> Notifier | None:
        """Team ids are "<platform>:<id>"; each platform registers one notifier."""
        return self._notifiers.get(team_id.partition(":")[0])

    async def scan(self) -> TickResult:
        """Plan due reminders, then send whatever the outbox holds."""
        if self._stopping:
            return TickResult()
        async with self._working():
            planned = await asyncio.to_thread(
                reminders.plan_reminders, uow=self._uow(), clock=self._clock
            )
            result = await self.deliver()
        return TickResult(planned, result.sent, result.skipped, result.failed, result.postponed)

    async def digests(self) -> TickResult:
        """Plan today's digests for teams whose digest time has come, and this week's
        summaries (Mondays, at the digest time), then send."""
        if self._stopping:
            return TickResult()
        async with self._working():
            planned = await asyncio.to_thread(
                reminders.plan_digests, uow=self._uow(), clock=self._clock
            )
            planned += await asyncio.to_thread(
                summaries.plan_summaries, uow=self._uow(), clock=self._clock
            )
            result = await self.deliver()
        return TickResult(planned, result.sent, result.skipped, result.failed, result.postponed)

    async def tick(self) -> TickResult:
        first = await self.scan()
        second = await self.digests()
        return TickResult(
            first.planned + second.planned,
            first.sent + second.sent,
            first.skipped + second.skipped,
            first.failed + second.failed,
            first.postponed + second.postponed,
        )

    async def deliver(self) -> TickResult:
        """Claim and send deliveries until none are claimable now."""
        async with self._working(), self._lock:  # one delivery loop per process at a time
            totals = {"sent": 0, "skipped": 0, "failed": 0, "postponed": 0}
            while not self._stopping:
                claimed = await asyncio.to_thread(
                    reminders.claim_deliveries, self.worker, uow=self._uow(), clock=self._clock
                )
                if not claimed:
                    break
                now = self._clock.now()
                self._blocked = {k: t for k, t in self._blocked.items() if t > now}
                for delivery in claimed:
                    outcome = await self._deliver_one(delivery, self._blocked)
                    totals[outcome] += 1
                    await asyncio.to_thread(reminders.record_outcome, delivery, uow=self._uow())
                if totals["postponed"] or totals["failed"]:
                    break  # what is left waits for its retry time, not this loop
            return TickResult(
                0, totals["sent"], totals["skipped"], totals["failed"], totals["postponed"]
            )

    async def _deliver_one(self, delivery: Delivery, blocked: dict[str, datetime]) -> str:
        now = self._clock.now()
        channel_key = f"{delivery.team_id}/{delivery.channel}"
        if self._stopping:
            delivery.postpone(now)  # given back untried: the next instance sends it
            return "postponed"
        if channel_key in blocked:
            delivery.postpone(blocked[channel_key])
            return "postponed"
        lease_left = (delivery.lease_until or now) - now
        if lease_left < timedelta(seconds=2 * self._send_timeout):
            delivery.postpone(now)  # given back while still ours: the next claim takes it
            return "postponed"
        notifier = self.notifier_for(delivery.team_id)
        if notifier is None:
            delivery.failed("no notifier for this platform is running", now, None, False)
            return "failed"
        prepared = await asyncio.to_thread(
            reminders.prepare,
            delivery,
            uow=self._uow(),
            clock=self._clock,
            draw_chart=self._draw_chart,
        )
        if prepared.message is None:
            delivery.skip("nothing left to say")
            return "skipped"
        try:
            async with asyncio.timeout(self._send_timeout):
                if delivery.in_doubt:
                    since = delivery.created_at or delivery.due_at
                    ref = await notifier.find_sent(prepared.message, since)
                    if ref is not None:
                        log.info(
                            "delivery %s was already posted (%s); not sending again",
                            delivery.key,
                            ref,
                        )
                        delivery.sent(ref, self._clock.now())
                        return "sent"
                ref = await notifier.send(prepared.message)
        except TimeoutError:
            log.warning(
                "delivery %s failed (attempt %d): no answer within %g s",
                delivery.key,
                delivery.attempts,
                self._send_timeout,
            )
            delivery.failed(
                f"no answer within {self._send_timeout:g} s", self._clock.now(), None, False
            )
            return "failed"
        except DeliveryFailed as exc:
            log.warning("delivery %s failed (attempt %d): %s", delivery.key, delivery.attempts, exc)
            delivery.failed(str(exc), self._clock.now(), exc.retry_after, exc.permanent)
            if exc.retry_after is not None and delivery.next_attempt_at is not None:
                blocked[channel_key] = delivery.next_attempt_at
            return "failed"
        except Exception as exc:  # a bug in a notifier must not stop the other deliveries
            log.exception("delivery %s crashed", delivery.key)
            delivery.failed(f"{type(exc).__name__}: {exc}", self._clock.now(), None, False)
            return "failed"
        delivery.sent(ref, self._clock.now())
        return "sent"
