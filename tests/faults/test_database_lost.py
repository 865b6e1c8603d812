"""The database lost mid-run (a real PostgreSQL server stopped with ``-m immediate``, then
started again): requests fail cleanly, reminder scans log and carry on, and everything
recovers without restarting the bot, nothing lost and nothing sent twice."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler
from pg import PostgresCluster
from sqlalchemy import text

from bot.core.clock import SystemClock
from bot.core.delivery import DeliveryStatus
from bot.scheduling.scheduler import start_scheduler
from tests.adapters.slack.rig import SlackRig

from .faulty_slack import slack_bot
from .outage import crash, start_again

pytestmark = pytest.mark.postgres

DUE = timedelta(hours=23, minutes=30)  # Thu 10:00 -> Fri 09:30, when "by fri 9:30am" is due
LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlalchemy", "connection refused")


def touchpoints(rig: SlackRig) -> int:
    with rig.container.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM touchpoints")).scalar_one())


async def until(condition: object, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


def scans_counted(scheduler: BaseScheduler) -> list[object]:
    """One entry for each reminder scan the scheduler finishes from now on."""
    finished: list[object] = []

    def note(event: JobExecutionEvent) -> None:
        if event.job_id == "reminders":
            finished.append(event.retval)

    scheduler.add_listener(note, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return finished


async def test_requests_fail_cleanly_while_the_database_is_down_and_work_again_after(
    tmp_path: Path, own_pg: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_pg.create_database("touchpoint")
    async with slack_bot(tmp_path, DATABASE_URL=url) as rig:
        view = await rig.open_form("acme")
        assert (await rig.submit(view, our_promises="send fibre quote by fri 9:30am")).text == ""
        engine = rig.engine()
        scheduler = start_scheduler(engine, SystemClock(), scan_seconds=0.1, digest_seconds=0.1)
        scans = scans_counted(scheduler)
        try:
            crash(own_pg)
            caplog.clear()

            answer = await rig.command("acme")  # acknowledged, then told privately
            assert answer.status == 200 and answer.text == ""
            said = rig.fake.responses[-1]
            assert said["response_type"] == "ephemeral"
            shown = str(said["blocks"]) + said["text"]
            assert "Something went wrong on our side (error id " in shown
            assert not [leak for leak in LEAKS if leak.lower() in shown.lower()]

            refused = await rig.submit(view, our_promises="call back tomorrow 10am")
            assert refused.status == 200
            errors = refused.json()["errors"]
            shown = " ".join(errors.values())
            assert "error id" in shown and "Nothing was saved" in shown
            assert not [leak for leak in LEAKS if leak.lower() in shown.lower()]

            rig.clock.advance(DUE)  # the reminder falls due while the database is away
            await until(lambda: caplog.text.count("raised an exception") >= 3)
            assert rig.fake.calls_to("chat.postMessage") == []

            start_again(own_pg)
            back = time.perf_counter()
            await until(lambda: len(rig.fake.posted_keys()) == 2)  # the reminder, the digest
            print(f"reminder and digest out {time.perf_counter() - back:.2f} s after restart")

            assert (await rig.submit(view, our_promises="call back tomorrow 10am")).text == ""
            opened = len(rig.fake.calls_to("views.open"))
            await rig.command("acme")
            assert len(rig.fake.calls_to("views.open")) == opened + 1
            assert touchpoints(rig) == 2  # the one before, the one after; none from the outage
            done = len(scans)
            await until(lambda: len(scans) >= done + 3)  # a few more scans: nothing sent twice
            keys = rig.fake.posted_keys()
            assert sorted(k.split(":")[0] for k in keys) == ["digest", "reminder"]
            assert len(rig.fake.calls_to("chat.postMessage")) == 2
        finally:
            scheduler.shutdown(wait=False)
            await engine.deliver()


async def test_a_reminder_posted_just_before_the_database_went_away_is_not_posted_again(
    tmp_path: Path, own_pg: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_pg.create_database("touchpoint")
    async with slack_bot(tmp_path, DATABASE_URL=url) as rig:
        view = await rig.open_form("acme")
        assert (await rig.submit(view, our_promises="send fibre quote by fri 9:30am")).text == ""
        rig.clock.advance(DUE)

        async def database_goes_away() -> None:
            await asyncio.to_thread(crash, own_pg)

        # Slack posts the reminder; the database dies before the post is recorded.
        rig.fake.then("chat.postMessage", database_goes_away)
        engine = rig.engine()
        with caplog.at_level(logging.ERROR), pytest.raises(Exception, match="OperationalError"):
            await engine.scan()
        assert len(rig.fake.posted()) == 1

        start_again(own_pg)
        assert (await engine.scan()).sent == 0  # still claimed: its lease has not run out
        rig.clock.advance(timedelta(minutes=3))
        result = await engine.scan()
        assert result.sent == 1  # found in the channel's history, recorded, not re-posted
        assert len(rig.fake.posted()) == 1
        assert rig.fake.calls_to("conversations.history")
        with rig.container.uow_factory() as uow:
            delivery = uow.deliveries.get(1)
        assert delivery is not None and delivery.status is DeliveryStatus.SENT
        assert delivery.message_ref == f"C1:{rig.fake.posted()[0]['ts']}"
