"""A database that is not there at start-up: clear messages, bounded retries, no crash loop."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import DatabaseUnavailable, build
from bot.config import load_settings
from tests.pg import free_port

DEAD_URL = f"postgresql://touchpoint:secret-pw@127.0.0.1:{free_port()}/touchpoint"


def test_start_up_retries_with_backoff_then_fails_with_a_clear_message(caplog) -> None:
    slept: list[float] = []
    settings = load_settings(
        {"DATABASE_URL": DEAD_URL, "TOUCHPOINT_DB_WAIT_SECONDS": "20"}, dotenv=None
    )
    with caplog.at_level(logging.WARNING), pytest.raises(DatabaseUnavailable) as caught:
        build(settings, sleep=slept.append)
    assert slept == [1, 2, 4, 8]  # then 16 more would pass the 20 s allowed
    message = str(caught.value)
    assert "unreachable" in message and "TOUCHPOINT_DB_WAIT_SECONDS" in message
    assert "secret-pw" not in message and "secret-pw" not in caplog.text
    assert caplog.text.count("retrying in") == 4


@pytest.mark.postgres
def test_the_bot_waits_for_a_database_that_comes_up_late(pg_cluster) -> None:
    url = pg_cluster.create_database("placeholder").rsplit("/", 1)[0] + "/late_db"
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            pg_cluster.create_database("late_db")  # the database appears while we wait

    container = build(load_settings({"DATABASE_URL": url}, dotenv=None), sleep=sleep)
    with container.uow_factory() as uow:
        assert uow.teams.list_all() == []  # migrated and usable
    container.close()
    assert slept == [1, 2]


def test_touchpoint_exits_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": DEAD_URL,
        "TOUCHPOINT_DB_WAIT_SECONDS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr
    assert "secret-pw" not in done.stderr
