"""Kill a real worker process (SIGKILL) at chosen points of delivery, restart it, and check
what reached the platform: every reminder and digest exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryStatus
from tests.e2e.seeding import T1, WORKER, seed_teams

TEAMS = ("console:a", "console:b", "console:c")


def run_worker(db_url: str, log: Path, now: datetime, crash_point: str) -> int:
    done = subprocess.run(
        [sys.executable, str(WORKER), db_url, str(log), now.isoformat(), crash_point],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(done.stderr)
    return done.returncode


@pytest.mark.parametrize("crash_point", ["before_send", "after_send", "after_record"])
def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, crash_point: str
) -> None:
    db_url = f"sqlite:///{tmp_path / 'tp.db'}"
    log = tmp_path / "platform.jsonl"
    seed_teams(db_url, TEAMS)
    assert run_worker(db_url, log, T1, crash_point) == -signal.SIGKILL
    # The restarted worker runs once the dead one's lease has run out.
    assert run_worker(db_url, log, T1 + timedelta(minutes=3), "none") == 0
    assert run_worker(db_url, log, T1 + timedelta(minutes=6), "none") == 0

    posted = [json.loads(line) for line in log.read_text().splitlines()]
    keys = [p["key"] for p in posted]
    assert len(keys) == len(set(keys)), "a delivery reached the platform twice"
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=ManualClock(T1))
    with container.uow_factory() as uow:
        deliveries = [uow.deliveries.by_key(k) for k in keys]
        every = [d for d in deliveries if d is not None]
    container.close()
    # 3 teams x (our reminder + their nudge + digest), each sent once and recorded as sent
    assert len(posted) == 9
    assert (
        sorted(p["title"].split(":")[0].split(" —")[0] for p in posted).count("Daily digest") == 3
    )
    assert all(d.status is DeliveryStatus.SENT for d in every) and len(every) == 9
    assert {d.message_ref for d in every} == {p["ref"] for p in posted}


def test_a_worker_killed_in_the_middle_of_a_concurrent_burst_loses_nothing_and_sends_nothing_twice(
    db_url: str, tmp_path: Path
) -> None:
    """Eight sends in flight when the process dies: on SQLite and PostgreSQL, the restarted
    worker finds the posted ones on the platform and sends only the rest."""
    teams = tuple(f"console:burst{n}" for n in range(8))
    log = tmp_path / "platform.jsonl"
    seed_teams(db_url, teams, per_team=1)
    assert run_worker(db_url, log, T1, "mid_burst") == -signal.SIGKILL
    assert run_worker(db_url, log, T1 + timedelta(minutes=3), "none") == 0

    posted = [json.loads(line) for line in log.read_text().splitlines()]
    keys = [p["key"] for p in posted]
    assert len(keys) == len(set(keys)), "a delivery reached the platform twice"
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=ManualClock(T1))
    with container.uow_factory() as uow:
        stored = {t: uow.deliveries.of_team(t, tuple(DeliveryStatus), 10) for t in teams}
    container.close()
    every = [d for found in stored.values() for d in found]
    assert len(every) == 3 * len(teams)  # a reminder, a nudge and a digest each
    assert all(d.status is DeliveryStatus.SENT for d in every)
    assert sorted(d.key for d in every) == sorted(keys)
