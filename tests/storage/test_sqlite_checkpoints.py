"""SQLite's log is copied back into the database file in the background, not by the commit
that happens to take it past the threshold."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from bot.storage.engine import make_engine
from bot.storage.sqlite_checkpoints import FALLBACK_PAGES, checkpoints


def _wait_for(condition: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_large_commit_leaves_its_pages_to_the_background_checkpoint(tmp_path: Path) -> None:
    database = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (payload TEXT)")
        empty = database.stat().st_size
        with engine.begin() as connection:  # about 2,000 pages: past SQLite's default 1,000
            connection.execute(text("INSERT INTO t VALUES (:p)"), [{"p": "x" * 4000}] * 2000)
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == (
                FALLBACK_PAGES
            )
        # The connection leaves checkpoints to the background thread below its bound
        # (asserted above), and the thread copies the pages into the file.
        assert _wait_for(lambda: database.stat().st_size > 2000 * 4000 > empty)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2000
    finally:
        engine.dispose()


def test_the_background_thread_stops_once_no_engine_is_left(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    engine.dispose()
    engine.dispose()  # twice is harmless
    assert _wait_for(lambda: checkpoints._thread is None or not checkpoints._users)
