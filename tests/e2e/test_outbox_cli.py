"""`touchpoint outbox` as a real process on a SQLite file: a team's given-up deliveries are
listed with their reason, and `--retry` makes them due again."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import build
from bot.config import load_settings
from bot.core import reminders
from bot.core.clock import ManualClock
from bot.core.delivery import Delivery, DeliveryKind, DeliveryStatus
from bot.core.model import Team

TEAM = "slack:T1"
NOW = datetime(2027, 6, 29, 9, 5, tzinfo=UTC)
REASON = "the team channel is archived (is_archived) — unarchive it"


def touchpoint(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "outbox", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=db.parent,
        timeout=120,
        check=False,
    )


def _seed(db: Path) -> None:
    clock = ManualClock(NOW)
    container = build(load_settings({"DATABASE_URL": f"sqlite:///{db}"}, dotenv=None), clock=clock)
    with container.uow_factory() as uow:
        uow.teams.add(Team(id=TEAM, name="Sales", channel="C1", created_at=NOW))
        uow.deliveries.add_all_if_absent(
            [
                Delivery(
                    TEAM,
                    DeliveryKind.DIGEST,
                    f"digest:{TEAM}:{day}",
                    "C1",
                    NOW - timedelta(days=day),
                    day=f"2027-06-{29 - day}",
                )
                for day in range(3)
            ]
        )
        uow.commit()
    claimed = reminders.claim_deliveries("w1", uow=container.uow_factory(), clock=clock)
    claimed[0].failed(REASON, NOW, None, permanent=True)
    claimed[1].failed(REASON, NOW, None, permanent=True)
    claimed[2].failed("Slack answered HTTP 503", NOW, None, permanent=False)
    reminders.record_outcomes(claimed, uow=container.uow_factory(), clock=clock)
    container.close()


def test_the_outbox_lists_a_teams_failing_and_given_up_deliveries_and_retries_on_request(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tp.db"
    _seed(db)

    listed = touchpoint(db, "--team", TEAM)
    assert listed.returncode == 0, listed.stderr
    assert "Pending: 0" in listed.stdout
    assert "Failing (retried later): 1" in listed.stdout
    assert "Given up: 2" in listed.stdout
    assert listed.stdout.count(REASON) == 2
    assert f"touchpoint outbox --team {TEAM} --retry" in listed.stdout

    retried = touchpoint(db, "--team", TEAM, "--retry")
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.startswith("2 given-up deliveries")
    container = build(load_settings({"DATABASE_URL": f"sqlite:///{db}"}, dotenv=None))
    with container.uow_factory() as uow:
        found = uow.deliveries.of_team(TEAM, tuple(DeliveryStatus), 10)
    container.close()
    assert sorted(d.status.value for d in found) == ["pending"] * 3
    assert sum(d.attempts == 0 for d in found) == 2


def test_an_unknown_team_is_named_with_the_form_team_ids_take(tmp_path: Path) -> None:
    db = tmp_path / "tp.db"
    _seed(db)
    unknown = touchpoint(db, "--team", "T1")
    assert unknown.returncode == 1
    assert "no team 'T1'" in unknown.stderr and "slack:T0123" in unknown.stderr
