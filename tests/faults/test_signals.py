"""SIGTERM and SIGKILL to a real ``python -m bot run`` serving Slack over HTTP, with
requests in flight and reminders going out: a stop drains and exits 0 in bounded time, a
kill loses nothing, and after a restart nothing has been sent twice."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text, update

from bot.bootstrap import build
from bot.config import load_settings
from bot.storage.orm import ChannelHoldRow

from .faulty_slack import FaultySlack
from .outbox import deliveries
from .process import (
    BotProcess,
    Sent,
    command,
    install,
    now_utc,
    post,
    posted_keys,
    seed_due_promises,
    start_bot,
    submission,
    workspace,
)

TEAMS = [workspace(n) for n in range(12)]  # 12 teams x (reminder + nudge) due at once


def outbox(db_url: str) -> dict[str, tuple[str, int]]:
    engine = create_engine(db_url)
    try:
        return deliveries(engine)
    finally:
        engine.dispose()


def touchpoints(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM touchpoints")).scalar_one())
    finally:
        engine.dispose()


async def until(condition: object, seconds: float) -> None:
    for _ in range(int(seconds / 0.05)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


async def burst(bot: BotProcess, fake: FaultySlack, n: int) -> list[tuple[str, Sent]]:
    """``n`` modal submissions and ``n`` slash commands at once, from many people."""
    bodies = []
    for i in range(n):
        team, user = TEAMS[i % len(TEAMS)], f"U{i}"
        bodies.append(("save", submission(team, user, f"burst customer {i}")))
        url = fake.response_url(f"r{i}")
        bodies.append((f"trigger-{i}", command(team, user, "acme", url, f"trigger-{i}")))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        answers = await asyncio.gather(*(post(session, bot.url, body) for _, body in bodies))
    return [(what, sent) for (what, _), sent in zip(bodies, answers, strict=True)]


async def test_sigterm_answers_requests_in_flight_finishes_or_releases_deliveries_and_exits_0(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'tp.db'}"
    fake = FaultySlack()
    await fake.start()
    try:
        install(db_url, fake, TEAMS)
        seed_due_promises(db_url, TEAMS, due_at=now_utc() - timedelta(minutes=1))
        fake.slow = {"chat.postMessage": 0.4, "views.open": 0.5}  # a slow Slack
        bot = await start_bot(tmp_path, fake, db_url)
        await fake.wait_for("chat.postMessage", 2, timeout=20)  # reminders are going out

        requests = asyncio.ensure_future(burst(bot, fake, 15))
        await asyncio.sleep(0.05)  # the burst is in flight
        stopped_at = time.perf_counter()
        code = await bot.stop(signal.SIGTERM, timeout=60)
        took = time.perf_counter() - stopped_at
        answers = await requests

        assert code == 0, bot.output()
        assert took < 15, f"took {took:.1f} s to stop"
        assert "Traceback" not in bot.output()
        acked = [(what, s) for what, s in answers if s.status is not None]
        assert all(s.status == 200 and s.text == "" for _, s in acked), acked
        refused = [s for _, s in answers if s.status is None]
        assert all(s.text == "ClientConnectorError" for s in refused), refused  # never accepted
        # Work acknowledged before the stop was finished: saved, or the modal opened.
        saves = [s for what, s in acked if what == "save"]
        assert touchpoints(db_url) == len(TEAMS) + len(saves)  # seeded + acknowledged
        opened = {str(c.args["trigger_id"]) for c in fake.calls_to("views.open")}
        assert {what for what, _ in acked if what.startswith("trigger-")} <= opened
        # Nothing is left claimed: each delivery was sent, or given back untried.
        statuses = Counter(status for status, _ in outbox(db_url).values())
        assert set(statuses) == {"sent", "pending"}, statuses
        assert len(acked) >= 2, "the burst should have been in flight when the signal came"
        print(
            f"SIGTERM -> exit {code} in {took:.2f} s; {len(acked)} requests answered, "
            f"{len(refused)} refused once the listener closed; outbox {dict(statuses)}"
        )
        before_restart = posted_keys(fake)
        assert len(before_restart) == len(set(before_restart))

        fake.slow = {}
        again = await start_bot(tmp_path, fake, db_url, name="restarted")
        await until(lambda: set(s for s, _ in outbox(db_url).values()) == {"sent"}, 30)
        assert await again.stop() == 0

        stored = outbox(db_url)
        assert len(stored) >= 2 * len(TEAMS)
        assert Counter(posted_keys(fake)) == Counter(stored.keys())  # each exactly once
    finally:
        await fake.stop()


def half_saved(db_url: str) -> list[tuple[int, int, int]]:
    """Touchpoints without all their items: seeded ones have no challenges and two
    promises, the burst's forms two challenges and three promises."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT t.id,"
                    " (SELECT count(*) FROM challenges c WHERE c.touchpoint_id = t.id),"
                    " (SELECT count(*) FROM promises p WHERE p.touchpoint_id = t.id)"
                    " FROM touchpoints t"
                )
            ).all()
    finally:
        engine.dispose()
    return [(i, c, p) for i, c, p in rows if (c, p) not in {(0, 2), (2, 3)}]


def expire_leases(db_url: str) -> list[str]:
    """What the two-minute lease would do by itself: let another worker claim what the
    killed one held. Returns the keys that were held."""
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None))
    held = [k for k, (status, _) in deliveries(container.engine).items() if status == "sending"]
    past = now_utc() - timedelta(seconds=1)
    with container.uow_factory() as uow:
        for key in held:
            delivery = uow.deliveries.by_key(key)
            assert delivery is not None
            delivery.lease_until = past
            uow.deliveries.save(delivery)
        uow.commit()
    with container.engine.begin() as connection:  # its channels' holds end with its leases
        connection.execute(update(ChannelHoldRow).values(held_until=past))
    container.close()
    return held


async def test_sigkill_mid_delivery_loses_nothing_and_a_restart_posts_nothing_twice(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'tp.db'}"
    fake = FaultySlack()
    await fake.start()
    try:
        install(db_url, fake, TEAMS)
        seed_due_promises(db_url, TEAMS, due_at=now_utc() - timedelta(minutes=1))
        fake.slow = {"chat.postMessage": 1.0}  # each post is answered a second later
        bot = await start_bot(tmp_path, fake, db_url)

        async def nothing() -> None:
            return None

        async def kill() -> None:
            bot.process.send_signal(signal.SIGKILL)
            await bot.process.wait()

        # Killed while the burst arrives (at its second modal opening) and while a reminder
        # Slack already has is waiting for its answer.
        for hook in (nothing, kill):
            fake.then("views.open", hook)
        await fake.wait_for("chat.postMessage", 1, timeout=20)
        answers = await burst(bot, fake, 20)
        assert await asyncio.wait_for(bot.process.wait(), 20) == -signal.SIGKILL
        assert any(s.status is None for _, s in answers), "requests should have been cut off"

        assert posted_keys(fake) and len(posted_keys(fake)) == len(set(posted_keys(fake)))
        held = expire_leases(db_url)
        assert held, "the bot should have died holding claimed deliveries"
        in_doubt = posted_keys(fake)[-1]  # posted, never recorded
        assert in_doubt in held

        fake.slow = {}
        again = await start_bot(tmp_path, fake, db_url, name="restarted")
        await until(lambda: set(s for s, _ in outbox(db_url).values()) == {"sent"}, 30)
        assert await again.stop() == 0

        stored = outbox(db_url)
        assert len(stored) >= 2 * len(TEAMS)
        assert Counter(posted_keys(fake)) == Counter(stored.keys())  # each exactly once
        assert fake.calls_to("conversations.history")  # the in-doubt one was looked up
        saved = [s for what, s in answers if what == "save" and s.status == 200]
        assert touchpoints(db_url) >= len(TEAMS) + len(saved)
        assert half_saved(db_url) == []
    finally:
        await fake.stop()
