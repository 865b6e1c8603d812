"""Two reminder workers, as separate processes, against one real PostgreSQL: every reminder
and every digest reaches the platform exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryStatus
from tests.e2e.seeding import T1, WORKER, seed_teams

pytestmark = pytest.mark.postgres

TEAMS = tuple(f"console:team{n:02d}" for n in range(12))


def test_two_instances_on_postgresql_send_every_reminder_and_digest_exactly_once(
    pg_cluster, tmp_path: Path
) -> None:
    db_url = pg_cluster.create_database("two_instances")
    seed_teams(db_url, TEAMS, per_team=4)
    log = tmp_path / "platform.jsonl"
    for round_number in range(3):  # the same instant, then later scans: nothing new may go out
        now = T1 + timedelta(minutes=round_number)
        workers = [
            subprocess.Popen(
                [sys.executable, str(WORKER), db_url, str(log), now.isoformat(), "none"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err

    posted = [json.loads(line) for line in log.read_text().splitlines()]
    keys = [p["key"] for p in posted]
    assert len(keys) == len(set(keys)), "a delivery reached the platform twice"
    # each team: one grouped reminder (ours), one nudge (theirs), one digest
    assert len(posted) == 3 * len(TEAMS)
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=ManualClock(T1))
    with container.uow_factory() as uow:
        stored = [uow.deliveries.by_key(k) for k in keys]
    container.close()
    assert all(d is not None and d.status is DeliveryStatus.SENT for d in stored)
