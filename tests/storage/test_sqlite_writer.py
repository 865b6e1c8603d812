"""SQLite writers of one process queue on a lock of their own, held exactly while SQLite's
write lock is, and handed on the moment a transaction ends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.storage.engine import make_engine
from bot.storage.sqlite_writer import _lock_for


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "queue.db"


@pytest.fixture
def engine(database: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    yield engine
    engine.dispose()


def test_a_write_holds_the_lock_until_its_transaction_commits(
    engine: Engine, database: Path
) -> None:
    lock = _lock_for(str(database))
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        assert not lock.locked()  # reading takes nothing
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert lock.locked()
        connection.execute(text("INSERT INTO t VALUES (2)"))  # the same holder: no wait
        connection.commit()
        assert not lock.locked()


def test_a_rolled_back_or_abandoned_write_lets_the_lock_go(engine: Engine, database: Path) -> None:
    lock = _lock_for(str(database))
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.rollback()
        assert not lock.locked()
        connection.execute(text("INSERT INTO t VALUES (2)"))
    # Closed without a commit: the pool's reset rolls back, and the lock goes with it.
    assert not lock.locked()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_begin_immediate_takes_the_lock_before_any_write(engine: Engine, database: Path) -> None:
    lock = _lock_for(str(database))
    with engine.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        assert lock.locked()
        connection.commit()
    assert not lock.locked()


def test_a_second_writer_waits_in_the_queue_and_writes_once_the_first_commits(
    engine: Engine, database: Path
) -> None:
    first_wrote, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            first_wrote.wait()
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (2)"))
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)
        finally:
            second_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        first_wrote.set()
        # The second writer cannot finish while the first holds the lock.
        assert not second_done.wait(0.2)
        connection.commit()
    worker.join(10)
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY rowid")).scalars().all() == [1, 2]


def test_two_engines_on_one_file_share_one_queue(engine: Engine, database: Path) -> None:
    other = make_engine(f"sqlite:///{database}")
    try:
        lock = _lock_for(str(database))
        with other.connect() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            assert lock.locked()  # the same lock the first engine's writers queue on
            connection.commit()
        assert not lock.locked()
    finally:
        other.dispose()
