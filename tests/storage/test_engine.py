from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from bot.storage.engine import default_sqlite_url, make_engine, normalize_url, redact
from bot.storage.orm import UTCDateTime


def test_sqlite_connections_use_wal_normal_sync_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 1000
    engine.dispose()


def test_sqlite_engine_creates_the_directory_of_its_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "touchpoint.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert path.exists()


def test_in_memory_sqlite_is_one_database_shared_across_threads() -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    seen: list[int] = []

    def read() -> None:
        with engine.connect() as connection:
            seen.append(connection.execute(text("SELECT x FROM t")).scalar_one())

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen == [1]


def test_default_sqlite_url_puts_the_database_in_the_data_directory() -> None:
    assert default_sqlite_url("data") == "sqlite:///data/touchpoint.db"
    assert default_sqlite_url(Path("/var/lib/tp")) == "sqlite:////var/lib/tp/touchpoint.db"


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgres://u:p@db/app", "postgresql+psycopg"),
        ("postgresql://u:p@db/app", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@db/app", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_postgres_urls_without_a_driver_use_psycopg_3(given: str, driver: str) -> None:
    assert normalize_url(given).drivername == driver


def test_postgres_engine_is_built_lazily_with_a_checked_pool() -> None:
    engine = make_engine("postgres://bot:secret@db.example:5432/touchpoint")
    assert engine.dialect.driver == "psycopg"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    engine.dispose()


def test_redact_hides_the_password_but_keeps_the_rest() -> None:
    shown = redact("postgres://bot:s3cr3t@db.example:5432/touchpoint")
    assert "s3cr3t" not in shown
    assert shown == "postgresql+psycopg://bot:***@db.example:5432/touchpoint"
    assert redact("sqlite:///data/touchpoint.db") == "sqlite:///data/touchpoint.db"
    assert "s3cr3t" not in redact("postgres://bot:s3cr3t@[not a url")


def test_unsupported_databases_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL mysql://bot:\\*\\*\\*@"):
        make_engine("mysql://bot:pw@db/app")


def _instants_table() -> Table:
    return Table("instants", MetaData(), Column("at", UTCDateTime()), Column("raw", DateTime()))


def test_utc_datetime_refuses_naive_datetimes(db_url: str) -> None:
    naive = datetime(2026, 1, 1, 12, 0)
    engine = make_engine(db_url)
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(naive, engine.dialect)
    table = _instants_table()
    table.metadata.create_all(engine)
    with engine.begin() as connection, pytest.raises(StatementError) as raised:
        connection.execute(insert(table).values(at=naive))
    engine.dispose()
    assert isinstance(raised.value.orig, ValueError)


def test_utc_datetime_stores_any_zone_as_utc_and_reads_back_aware_utc(db_url: str) -> None:
    engine = make_engine(db_url)
    table = _instants_table()
    table.metadata.create_all(engine)
    berlin_noon = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    with engine.begin() as connection:
        connection.execute(insert(table).values(at=berlin_noon))
        stored = connection.execute(select(table.c.at)).scalar_one()
        earlier = connection.execute(
            select(table.c.at).where(table.c.at < datetime(2026, 7, 1, 10, 1, tzinfo=UTC))
        ).scalar_one_or_none()
    engine.dispose()
    assert stored == berlin_noon
    assert stored.tzinfo is UTC
    assert stored.hour == 10 and stored.microsecond == 123456
    assert earlier == berlin_noon  # comparisons happen in UTC too
