"""The reminder engine: plan what is due, then deliver the outbox through the notifiers.

No business logic lives here: decisions are in ``bot.core.reminders``; this module only
runs them (database work in worker threads, platform calls on the event loop) and routes
each delivery to its team's platform.

Delivery is concurrent: up to ``concurrency`` sends are in flight at once, each claimed,
sent and recorded exactly once. Deliveries are queued per channel, so posts to one
channel go out one after another, paced as its platform wants (Slack: about one a second),
while every other channel carries on; other instances leave the channels this one holds
alone (``bot.core.claims``), so the pace holds across instances. A failure, a rate limit
or a slow answer holds up only its own channel; the rest of the pass goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import charts
from bot.core import claims, owner_summaries, reminders, summaries
from bot.core.delivery import (
    Delivery,
    DeliveryFailed,
    DeliveryStatus,
    Notifier,
    Outgoing,
    find_sent_or_fallen_back,
)
from bot.core.ports import Clock, UnitOfWork
from bot.scheduling.metrics import EngineMetrics
from bot.scheduling.pacing import ChannelPacer

log = logging.getLogger(__name__)

# A platform call that has not answered by then counts as a failed attempt (in doubt: the
# next attempt looks for the post before sending again). A send is only started while the
# claim's lease has two of these left, so it ends, and is recorded, while the delivery is
# still this worker's: after the lease another instance may claim and send it too.
SEND_TIMEOUT = 45.0
# Sends in flight at once in one instance. Sending mostly waits on the platform (0.1-0.3 s
# an answer): with 200 ms answers, 32 in flight allow 160 posts a second (bench_burst).
SEND_CONCURRENCY = 32
# Deliveries one channel may have queued in this instance; more are given back until the
# channel's pace would reach them, so a team with a pile of posts never holds the claims
# other teams' posts need.
CHANNEL_QUEUE = 3
# Deliveries claimed and not yet recorded, in multiples of the concurrency. Most wait for
# their channel's pace, not for a slot: in the burst a team's reminder and nudge go to one
# channel, a second apart, so each claimed pair is held about 1.2 s for 0.4 s of sending.
# With three times the concurrency an instance sent about 120 posts a second (Little's
# law: 96 claimed at 120 a second are each held 0.8 s); with six, 150, near the 160 its
# 32 slots allow at 200 ms a post (bench_burst tiny, 500 teams).
CLAIMED_AHEAD = 6
# Deliveries prepared together in one worker thread; a claim's parts are prepared side by
# side (the default executor has a handful of threads). A part's digests and reminders are
# read with one query per kind for all its teams, so bigger parts cost less a delivery:
# 500 teams' burst, CPU per delivery 1.3 -> 0.9 ms (SQLite), 1.9 -> 1.1 ms (PostgreSQL)
# going from 8 to 32 (bench_burst tiny).
PREPARE_BATCH = 32


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
        concurrency: int = SEND_CONCURRENCY,
        pacer: ChannelPacer | None = None,
        metrics: EngineMetrics | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._notifiers = dict(notifiers)
        self.worker = worker or worker_id()
        self._lock = asyncio.Lock()
        self._draw_chart = draw_chart
        self._send_timeout = send_timeout
        self._concurrency = max(1, concurrency)
        self._pacer = pacer or ChannelPacer()
        self.metrics = metrics or EngineMetrics()
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
            started = time.perf_counter()
            planned = await asyncio.to_thread(
                reminders.plan_reminders, uow=self._uow(), clock=self._clock
            )
            self.metrics.scan_seconds.observe(time.perf_counter() - started)
            result = await self.deliver()
        return TickResult(planned, result.sent, result.skipped, result.failed, result.postponed)

    async def digests(self) -> TickResult:
        """Plan today's digests for teams whose digest time has come, this week's
        summaries (Mondays, at the digest time) and owners' summaries (on the team's day),
        then send."""
        if self._stopping:
            return TickResult()
        async with self._working():
            started = time.perf_counter()
            planned = await asyncio.to_thread(
                reminders.plan_digests, uow=self._uow(), clock=self._clock
            )
            planned += await asyncio.to_thread(
                summaries.plan_summaries, uow=self._uow(), clock=self._clock
            )
            planned += await asyncio.to_thread(
                owner_summaries.plan_owner_summaries, uow=self._uow(), clock=self._clock
            )
            self.metrics.digest_planning_seconds.observe(time.perf_counter() - started)
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
        """Claim and send deliveries until none are claimable now. Deliveries that fail
        wait for their retry time; the others carry on in the same pass."""
        async with self._working(), self._lock:  # one delivery pass per process at a time
            run = _DeliveryPass(self)
            await run.run()
            totals = run.totals
            return TickResult(
                0, totals["sent"], totals["skipped"], totals["failed"], totals["postponed"]
            )

    def _claim(self, limit: int) -> list[Delivery]:
        return claims.claim_deliveries(self.worker, uow=self._uow(), clock=self._clock, limit=limit)

    def _prepare(
        self, deliveries: list[Delivery]
    ) -> list[tuple[Delivery, reminders.Prepared | Exception]]:
        prepared = reminders.prepare_many(
            deliveries, uow=self._uow(), clock=self._clock, draw_chart=self._draw_chart
        )
        return list(zip(deliveries, prepared, strict=True))

    def _record(self, deliveries: list[Delivery]) -> None:
        reminders.record_outcomes(
            deliveries, uow=self._uow(), clock=self._clock, pace=self._pacer.interval
        )

    async def _deliver_one(
        self,
        delivery: Delivery,
        prepared: reminders.Prepared | Exception,
        slots: asyncio.Semaphore,
    ) -> str:
        """Send one claimed delivery (paced for its channel, within one of ``slots``) and
        set its outcome; returns "sent", "skipped", "failed" or "postponed"."""
        now = self._clock.now()
        channel_key = f"{delivery.team_id}/{delivery.channel}"
        if self._stopping:
            delivery.postpone(now)  # given back untried: the next instance sends it
            return "postponed"
        self._blocked = {k: t for k, t in self._blocked.items() if t > now}
        if channel_key in self._blocked:
            delivery.postpone(self._blocked[channel_key])
            return "postponed"
        if self._lease_too_short(delivery, now):
            delivery.postpone(now)  # given back while still ours: the next claim takes it
            return "postponed"
        notifier = self.notifier_for(delivery.team_id)
        if notifier is None:
            delivery.failed("no notifier for this platform is running", now, None, False)
            return "failed"
        if isinstance(prepared, Exception):  # the database is away: try again later
            log.error(
                "delivery %s could not be prepared",
                delivery.key,
                exc_info=prepared,
                extra=_about(delivery),
            )
            delivery.failed(
                f"{type(prepared).__name__}: {prepared}", self._clock.now(), None, False
            )
            return "failed"
        if prepared.message is None:
            delivery.skip("nothing left to say")
            return "skipped"
        await self._paced(delivery, slots)
        try:
            if self._stopping or self._lease_too_short(delivery, self._clock.now()):
                delivery.postpone(self._clock.now())
                return "postponed"
            started = time.perf_counter()
            try:
                return await self._send(delivery, notifier, prepared.message, channel_key)
            finally:
                self.metrics.send_seconds.labels(delivery.team_id.partition(":")[0]).observe(
                    time.perf_counter() - started
                )
        finally:
            slots.release()

    async def _paced(self, delivery: Delivery, slots: asyncio.Semaphore) -> None:
        """Take a send slot once the channel's pace allows a post. Waiting for the pace
        holds no slot, so other channels go on meanwhile; the pace is checked again once
        the slot is ours (waiting for a slot may take a while) and marked as the post
        leaves. Only this channel's own queue posts to it, so nothing else moves it."""
        team_id, channel = delivery.team_id, delivery.channel
        while True:
            wait = self._pacer.wait(team_id, channel)
            if wait > 0:
                await asyncio.sleep(wait)
            await slots.acquire()
            if self._pacer.wait(team_id, channel) <= 0:
                self._pacer.posting(team_id, channel)
                return
            slots.release()

    def _lease_too_short(self, delivery: Delivery, now: datetime) -> bool:
        lease_left = (delivery.lease_until or now) - now
        return lease_left < timedelta(seconds=2 * self._send_timeout)

    async def _send(
        self, delivery: Delivery, notifier: Notifier, message: Outgoing, channel_key: str
    ) -> str:
        try:
            async with asyncio.timeout(self._send_timeout):
                if delivery.in_doubt:
                    since = delivery.created_at or delivery.due_at
                    ref = await find_sent_or_fallen_back(message, since, notifier.find_sent)
                    if ref is not None:
                        log.info(
                            "delivery %s was already posted (%s); not sending again",
                            delivery.key,
                            ref,
                            extra=_about(delivery),
                        )
                        delivery.sent(ref, self._clock.now())
                        return "sent"
                ref = await _send_or_as_plain_text(notifier, message)
        except TimeoutError:
            log.warning(
                "delivery %s failed (attempt %d): no answer within %g s",
                delivery.key,
                delivery.attempts,
                self._send_timeout,
                extra=_about(delivery),
            )
            delivery.failed(
                f"no answer within {self._send_timeout:g} s", self._clock.now(), None, False
            )
            return "failed"
        except DeliveryFailed as exc:
            log.warning(
                "delivery %s failed (attempt %d): %s",
                delivery.key,
                delivery.attempts,
                exc,
                extra=_about(delivery),
            )
            delivery.failed(str(exc), self._clock.now(), exc.retry_after, exc.permanent)
            if exc.retry_after is not None and delivery.next_attempt_at is not None:
                self._blocked[channel_key] = delivery.next_attempt_at
            return "failed"
        except Exception as exc:  # a bug in a notifier must not stop the other deliveries
            log.exception("delivery %s crashed", delivery.key, extra=_about(delivery))
            delivery.failed(f"{type(exc).__name__}: {exc}", self._clock.now(), None, False)
            return "failed"
        delivery.sent(ref, self._clock.now())
        return "sent"


async def _send_or_as_plain_text(notifier: Notifier, message: Outgoing) -> str:
    """Send; if the platform refuses the message itself (too large, invalid formatting),
    send it once more as plain text split to fit. A refusal of that too is final."""
    try:
        return await notifier.send(message)
    except DeliveryFailed as exc:
        if not exc.content or message.plain:
            raise
        log.warning("delivery %s: %s; sending it as plain text instead", message.key, exc)
        try:
            return await notifier.send(replace(message, plain=True))
        except DeliveryFailed as again:
            if not again.content:
                raise
            raise DeliveryFailed(
                f"{exc}; its plain-text version was refused too ({again})", permanent=True
            ) from again


def _about(delivery: Delivery) -> dict[str, str]:
    """What a log line about a delivery carries beside its text (LOG_FORMAT=json)."""
    return {"team_id": delivery.team_id}


def _outcome_label(delivery: Delivery, outcome: str) -> str:
    """The metrics' name for an outcome: a failure is a retry or the end of the road."""
    if outcome != "failed":
        return outcome
    return "given_up" if delivery.status is DeliveryStatus.FAILED else "retry"


class _DeliveryPass:
    """One ``deliver``: claims as much as the engine can start sending soon, keeps one
    queue (and one task) per channel, and records outcomes in batches as they come in.

    Claimed and not yet recorded stays under ``CLAIMED_AHEAD`` times the concurrency, so a
    claim is a share of the work other instances can still split; a delivery's outcome is recorded
    within moments of its send (a crash in between leaves it in doubt, looked up before
    any resend)."""

    def __init__(self, engine: ReminderEngine) -> None:
        self.engine = engine
        self.totals: Counter[str] = Counter()
        self.slots = asyncio.Semaphore(engine._concurrency)
        self.queues: dict[str, deque[tuple[Delivery, reminders.Prepared | Exception]]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.finished: list[Delivery] = []
        self.open = 0  # claimed and not yet recorded
        self.claimed = 0  # by the current claimer
        self.changed = asyncio.Event()  # something finished, or a claim came in
        self.room = asyncio.Event()  # claimed deliveries were recorded: room to claim

    async def run(self) -> None:
        """Send and record until the claimer finds nothing more and every channel is done.
        Claiming (with preparing) runs beside the sending, a batch ahead, so the sends in
        flight never wait for the next claim.

        A pass that sent anything looks once more after its last outcome is recorded: a
        claim that came back short may have missed deliveries to a channel this instance
        holds (another instance had them locked for a moment, then left them to their
        channel's holder), and they would otherwise wait for the next scan."""
        claimer = self._claiming()
        try:
            while True:
                self.changed.clear()
                if self.finished:
                    await self._record()
                    continue
                if claimer.done() and not self.tasks:
                    claimer.result()  # a claim that failed (database away) ends the pass
                    if self.finished:
                        continue
                    if not self.claimed or self.engine._stopping:
                        return
                    claimer = self._claiming()
                    continue
                await self.changed.wait()
        finally:
            claimer.cancel()
            await asyncio.gather(claimer, return_exceptions=True)
            await self._wind_down()

    def _claiming(self) -> asyncio.Task[None]:
        self.claimed = 0
        claimer = asyncio.create_task(self._claim_ahead())
        claimer.add_done_callback(lambda _: self.changed.set())
        return claimer

    async def _claim_ahead(self) -> None:
        """Keep up to ``CLAIMED_AHEAD`` times the concurrency claimed: the sends in flight,
        the next ones prepared, and those waiting for their channel's pace. Ends when a
        claim comes back short (nothing more is claimable now) or the engine stops."""
        engine = self.engine
        budget = CLAIMED_AHEAD * engine._concurrency
        step = max(1, engine._concurrency // 2)  # claim in batches, not one by one
        while not engine._stopping:
            room = budget - self.open
            if room < step:
                self.room.clear()
                await self.room.wait()
                continue
            claimed = await asyncio.to_thread(engine._claim, room)
            self.open += len(claimed)
            self.claimed += len(claimed)
            await self._prepare_and_dispatch(claimed)
            if len(claimed) < room:
                return

    async def _prepare_and_dispatch(self, claimed: list[Delivery]) -> None:
        """Build the messages in a few worker threads at once (reading a digest mostly
        waits on the database), a team's deliveries together; each part is queued for
        sending as soon as it is ready."""
        claimed = sorted(claimed, key=lambda d: d.team_id)
        parts = [claimed[i : i + PREPARE_BATCH] for i in range(0, len(claimed), PREPARE_BATCH)]
        for ready in asyncio.as_completed(
            [asyncio.to_thread(self.engine._prepare, part) for part in parts]
        ):
            self._dispatch(await ready)
            self.changed.set()

    def _dispatch(self, claimed: list[tuple[Delivery, reminders.Prepared | Exception]]) -> None:
        now = self.engine._clock.now()
        for delivery, prepared in claimed:
            key = f"{delivery.team_id}/{delivery.channel}"
            queue = self.queues.get(key)
            if queue is None:
                queue = self.queues[key] = deque()
                task = asyncio.create_task(self._channel(key, queue))
                self.tasks.add(task)
                task.add_done_callback(self._task_done)
            elif len(queue) >= CHANNEL_QUEUE:
                # Back when the channel's pace would reach it (at least a second).
                pace = self.engine._pacer.interval(delivery.team_id)
                delivery.postpone(now + timedelta(seconds=max(1.0, pace * len(queue))))
                self._finish(delivery, "postponed")
                continue
            queue.append((delivery, prepared))

    async def _channel(
        self, key: str, queue: deque[tuple[Delivery, reminders.Prepared | Exception]]
    ) -> None:
        """Send one channel's deliveries in order; the queue may grow meanwhile."""
        try:
            while queue:
                delivery, prepared = queue[0]
                outcome = await self.engine._deliver_one(delivery, prepared, self.slots)
                queue.popleft()
                self._finish(delivery, outcome)
        finally:
            self.queues.pop(key, None)
            # Left over only if this channel's task failed: those stay claimed until their
            # lease runs out (then in doubt, looked up before any resend). The pass goes on.
            if queue:
                self.open -= len(queue)
                self.room.set()

    def _finish(self, delivery: Delivery, outcome: str) -> None:
        self.totals[outcome] += 1
        self.engine.metrics.sent(
            delivery.team_id.partition(":")[0], _outcome_label(delivery, outcome)
        )
        self.finished.append(delivery)
        self.changed.set()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a channel's deliveries stopped", exc_info=task.exception())
        self.changed.set()

    async def _record(self) -> None:
        batch, self.finished = self.finished, []
        try:
            await asyncio.to_thread(self.engine._record, batch)
        except BaseException:
            self.finished = batch + self.finished  # left for the wind-down to try again
            raise
        self.open -= len(batch)
        self.room.set()

    async def _wind_down(self) -> None:
        """On an error or cancellation: stop the channels, then record what is known.
        Deliveries left claimed are taken again once their lease runs out (in doubt, so
        looked up on the platform before any resend)."""
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.finished:
            batch, self.finished = self.finished, []
            try:
                await asyncio.to_thread(self.engine._record, batch)
            except Exception:
                log.exception("could not record %d delivery outcomes", len(batch))
