"""The reminder engine on a real database (SQLite and PostgreSQL) during a burst: sends run
concurrently, a failing team holds up nobody else, a refused message falls back to plain
text once, and posts to one channel are paced."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from bot.core import outbox, reminders
from bot.core.clock import ManualClock
from bot.core.delivery import Delivery, DeliveryFailed, DeliveryKind, DeliveryStatus, Outgoing
from bot.core.model import Direction, Team
from bot.core.replies import Reply
from bot.scheduling.engine import ReminderEngine
from bot.scheduling.pacing import ChannelPacer

from .conftest import T0, Seed, UowFactory, at

DUE = at(25)  # 10:00: a timed reminder of its own, not folded into the 09:00 digest


class FakePlatform:
    """Answers after ``latency`` seconds; a channel in ``dead`` is refused for good, one in
    ``flaky`` fails for now, one in ``too_big`` refuses formatted messages (and plain ones
    too when ``refuse_plain``). Records when each post started, per channel."""

    def __init__(self, latency: float = 0.02) -> None:
        self.latency = latency
        self.dead: set[str] = set()
        self.flaky: set[str] = set()
        self.too_big: set[str] = set()
        self.refuse_plain = False
        self.posted: list[Outgoing] = []
        self.started: dict[str, list[float]] = defaultdict(list)
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, message: Outgoing) -> str:
        self.started[message.channel].append(time.monotonic())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1
        if message.channel in self.dead:
            raise DeliveryFailed("the team channel is archived (is_archived) — unarchive it",
                                 permanent=True)  # fmt: skip
        if message.channel in self.flaky:
            raise DeliveryFailed("Slack answered HTTP 503")
        if message.channel in self.too_big and (self.refuse_plain or not message.plain):
            raise DeliveryFailed("Slack refused the message (msg_blocks_too_long)", content=True)
        self.posted.append(message)
        return f"{message.channel}:{len(self.posted)}"

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        return None

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        return None


def _teams(seed: Seed, count: int, prefix: str = "slack") -> list[str]:
    """``count`` teams, each with one of our promises and one of theirs due at DUE."""
    ids = []
    for n in range(count):
        team_id = f"{prefix}:T{n:03d}"
        seed.team(team_id, channel=f"C{n:03d}")
        customer = seed.customer(team_id, f"Customer {n}")
        seed.touchpoint(customer, T0, promises=(("send the quote", DUE),))
        seed.touchpoint(
            customer, T0, promises=(("sign the form", DUE),), direction=Direction.THEIRS
        )
        ids.append(team_id)
    return ids


def _engine(
    uow_factory: UowFactory,
    clock: ManualClock,
    platform: FakePlatform,
    *,
    concurrency: int = 8,
    pace: float = 0.0,
) -> ReminderEngine:
    return ReminderEngine(
        uow_factory,
        clock,
        {"slack": platform},  # type: ignore[dict-item]
        worker="w1",
        concurrency=concurrency,
        pacer=ChannelPacer({"slack": pace}),
    )


def _statuses(uow_factory: UowFactory) -> dict[str, list[DeliveryStatus]]:
    with uow_factory() as uow:
        found = uow.deliveries.of_team  # every team's deliveries, by channel
        teams = [t.id for t in uow.teams.list_all()]
        by_channel: dict[str, list[DeliveryStatus]] = defaultdict(list)
        for team_id in teams:
            for d in found(team_id, tuple(DeliveryStatus), 100):
                by_channel[d.channel].append(d.status)
    return by_channel


def test_a_permanently_failing_team_does_not_delay_the_others_in_the_same_pass(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _teams(seed, 20)
    clock = ManualClock(DUE + timedelta(minutes=1))
    platform = FakePlatform()
    platform.dead = {"C003", "C011"}
    platform.flaky = {"C007"}

    result = asyncio.run(_engine(uow_factory, clock, platform).scan())

    # One pass: every other team's reminder and nudge went out, none waits for a scan.
    assert result.planned == 40 and result.sent == 34 and result.failed == 6
    statuses = _statuses(uow_factory)
    for channel, found in statuses.items():
        if channel in platform.dead:
            assert found == [DeliveryStatus.FAILED] * 2, channel
        elif channel in platform.flaky:
            assert found == [DeliveryStatus.PENDING] * 2, channel  # retried later
        else:
            assert found == [DeliveryStatus.SENT] * 2, channel
    assert 1 < platform.most_in_flight <= 8
    # The team learns why, and what to do, from its settings.
    reasons = outbox.undelivered("slack:T003", uow=uow_factory(), clock=clock)
    assert reasons == [("the team channel is archived (is_archived) — unarchive it", 2)]


def test_a_refused_message_goes_out_as_plain_text_instead(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _teams(seed, 3)
    clock = ManualClock(DUE + timedelta(minutes=1))
    platform = FakePlatform()
    platform.too_big = {"C001"}

    result = asyncio.run(_engine(uow_factory, clock, platform).scan())

    assert result.sent == 6 and result.failed == 0
    assert sorted(m.plain for m in platform.posted if m.channel == "C001") == [True, True]
    assert not any(m.plain for m in platform.posted if m.channel != "C001")


def test_a_message_refused_as_plain_text_too_is_given_up_visibly_after_one_fallback(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _teams(seed, 3)
    clock = ManualClock(DUE + timedelta(minutes=1))
    platform = FakePlatform()
    platform.too_big, platform.refuse_plain = {"C001"}, True

    result = asyncio.run(_engine(uow_factory, clock, platform).scan())

    assert result.sent == 4 and result.failed == 2
    assert len(platform.started["C001"]) == 4  # each: formatted once, plain once, no more
    assert _statuses(uow_factory)["C001"] == [DeliveryStatus.FAILED] * 2
    [(reason, count)] = outbox.undelivered("slack:T001", uow=uow_factory(), clock=clock)
    assert count == 2 and "plain-text version was refused too" in reason
    listed = outbox.listing("slack:T001", uow=uow_factory(), clock=clock)
    assert len(listed.given_up) == 2 and not listed.pending and not listed.failing

    # Nothing is retried on its own: a later pass leaves them be ...
    clock.advance(timedelta(hours=2))
    assert asyncio.run(_engine(uow_factory, clock, platform).deliver()).sent == 0
    # ... until the operator, having fixed the cause, sends them again.
    platform.too_big = set()
    assert outbox.retry_given_up("slack:T001", uow=uow_factory(), clock=clock) == 2
    assert asyncio.run(_engine(uow_factory, clock, platform).deliver()).sent == 2
    assert outbox.undelivered("slack:T001", uow=uow_factory(), clock=clock) == []


def test_posts_to_one_channel_are_paced_while_other_channels_go_at_once(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _teams(seed, 6)
    clock = ManualClock(DUE + timedelta(minutes=1))
    platform = FakePlatform(latency=0.01)
    pace = 0.3
    began = time.monotonic()

    result = asyncio.run(_engine(uow_factory, clock, platform, pace=pace).scan())

    assert result.sent == 12
    firsts = []
    for channel, starts in platform.started.items():
        assert len(starts) == 2, channel
        assert starts[1] - starts[0] >= pace - 0.01, channel  # the second waited its turn
        firsts.append(starts[0] - began)
    # The channels did not queue behind one another: every first post went out at once.
    assert max(firsts) - min(firsts) < pace


def test_a_pass_looks_again_after_its_last_outcome_before_it_ends(
    seed: Seed, uow_factory: UowFactory
) -> None:
    """What came claimable while the pass sent (a retry come due; deliveries another
    instance had locked for a moment when this one claimed) goes out in the same pass,
    not a scan later."""
    _teams(seed, 2)
    clock = ManualClock(DUE + timedelta(minutes=1))
    with uow_factory() as uow:
        [customer] = uow.customers.list("slack:T000")
        assert customer.id is not None
        promise = next(p for p in uow.promises.for_customer("slack:T000", customer.id))
        retry = Delivery("slack:T000", DeliveryKind.REMINDER, "reminder:retry", "C000", DUE)
        retry.promise_ids, retry.created_at = (promise.id or 0,), T0
        retry.next_attempt_at = clock.now() + timedelta(seconds=30)
        uow.deliveries.add_if_absent(retry)
        uow.commit()

    class Platform(FakePlatform):
        async def send(self, message: Outgoing) -> str:
            if not self.posted:  # the retry comes due while the first posts go out
                clock.advance(timedelta(minutes=1))
            return await super().send(message)

    platform = Platform()
    result = asyncio.run(_engine(uow_factory, clock, platform).scan())

    assert result.sent == 5
    assert "reminder:retry" in [m.key for m in platform.posted]


class RunningClock:
    """The bot's clock going at real speed from ``start``: channels are paced in real
    time, and postponed deliveries come due while the engines run."""

    def __init__(self, start: datetime) -> None:
        self._start, self._began = start, time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._began)


def _promised(seed: Seed, uow_factory: UowFactory, channels: int, per_channel: int) -> int:
    """Teams with one channel each and ``per_channel`` reminders due there, each its own
    delivery (as planned by different scans); returns how many deliveries."""
    planned = []
    for n in range(channels):
        team_id = f"slack:T{n:03d}"
        seed.team(team_id, channel=f"C{n:03d}")
        customer = seed.customer(team_id, f"Customer {n}")
        seed.touchpoint(customer, T0, promises=tuple((f"p{k}", DUE) for k in range(per_channel)))
        with uow_factory() as uow:
            assert customer.id is not None
            for k, promise in enumerate(uow.promises.for_customer(team_id, customer.id)):
                assert promise.id is not None
                key = f"reminder:{team_id}:{k}"
                due = DUE + timedelta(seconds=k * channels + n)  # the channels interleaved
                reminder = Delivery(team_id, DeliveryKind.REMINDER, key, f"C{n:03d}", due)
                reminder.promise_ids, reminder.created_at = (promise.id,), T0
                planned.append(reminder)
    with uow_factory() as uow:
        added = uow.deliveries.add_all_if_absent(planned)
        uow.commit()
    return added


def test_instances_sharing_the_outbox_never_post_to_one_channel_closer_than_its_pace(
    seed: Seed, uow_factory: UowFactory
) -> None:
    """Three engines (as three instances) deliver one outbox together: posts to one
    channel keep its pace whichever instance sends them, and each goes out once."""
    planned = _promised(seed, uow_factory, channels=4, per_channel=5)
    clock = RunningClock(DUE + timedelta(minutes=1))
    pace = 0.3
    platforms = [FakePlatform(latency=0.02) for _ in range(3)]
    engines = [
        ReminderEngine(
            uow_factory,
            clock,
            {"slack": platform},  # type: ignore[dict-item]
            worker=f"w{n}",
            concurrency=2,  # claims a few at a time, so the instances share the channels
            pacer=ChannelPacer({"slack": pace}),
        )
        for n, platform in enumerate(platforms)
    ]

    async def drain(engine: ReminderEngine) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await engine.deliver()
            with uow_factory() as uow:
                depth = uow.deliveries.outbox_depth(clock.now())
            if depth.due == depth.waiting == depth.sending == 0:
                return
            await asyncio.sleep(0.05)  # postponed deliveries come due a second later

    async def together() -> None:
        await asyncio.gather(*(drain(engine) for engine in engines))

    asyncio.run(together())

    keys = [m.key for p in platforms for m in p.posted]
    assert len(keys) == len(set(keys)) == planned == 20
    by_channel: dict[str, list[float]] = defaultdict(list)
    for platform in platforms:
        for channel, starts in platform.started.items():
            by_channel[channel] += starts
    gaps = [b - a for starts in by_channel.values() for a, b in itertools.pairwise(sorted(starts))]
    assert len(gaps) == 16 and min(gaps) >= pace - 0.01


@pytest.mark.parametrize("concurrency", [1, 32])
def test_each_claimed_delivery_is_sent_and_recorded_once_whatever_the_concurrency(
    seed: Seed, uow_factory: UowFactory, concurrency: int
) -> None:
    _teams(seed, 12, prefix="console")
    clock = ManualClock(DUE + timedelta(minutes=1))
    platform = FakePlatform(latency=0.005)
    engine = ReminderEngine(
        uow_factory,
        clock,
        {"console": platform},  # type: ignore[dict-item]
        concurrency=concurrency,
    )
    result = asyncio.run(engine.tick())

    keys = [m.key for m in platform.posted]
    # Reminders, nudges, digests and weekly summaries: each once.
    assert len(keys) == len(set(keys)) == result.sent == result.planned >= 36
    assert platform.most_in_flight <= concurrency
    with uow_factory() as uow:
        depth = uow.deliveries.outbox_depth(clock.now())
    assert (depth.due, depth.waiting, depth.sending, depth.oldest_due) == (0, 0, 0, None)
    assert reminders.claim_deliveries("w2", uow=uow_factory(), clock=clock) == []


def test_the_outbox_depth_counts_due_waiting_and_sending_and_the_oldest_due(
    seed: Seed, uow_factory: UowFactory
) -> None:
    _teams(seed, 3, prefix="console")
    now = DUE + timedelta(minutes=5)
    clock = ManualClock(now)
    assert reminders.plan_reminders(uow=uow_factory(), clock=clock) == 6
    [_sending] = reminders.claim_deliveries("w1", uow=uow_factory(), clock=clock, limit=1)
    [later] = reminders.claim_deliveries("w1", uow=uow_factory(), clock=clock, limit=1)
    later.failed("Slack answered HTTP 503", now, None, False)
    reminders.record_outcomes([later], uow=uow_factory(), clock=clock)

    with uow_factory() as uow:
        depth = uow.deliveries.outbox_depth(now)

    assert (depth.due, depth.waiting, depth.sending) == (4, 1, 1)
    assert depth.oldest_due == DUE
