from __future__ import annotations

import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.storage import migrate
from bot.storage.engine import make_engine
from bot.storage.migrate import current_revision, head_revision, upgrade
from bot.storage.orm import Base, table_names

ROOT = Path(__file__).resolve().parents[2]


def test_upgrading_an_empty_database_brings_it_to_the_head_revision(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision() and head_revision() is not None
    assert set(table_names()) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrading_again_changes_nothing_and_keeps_the_data(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO teams (id, name, timezone, digest_time, day_start, digest_days,"
                " completion_codes, remind_overdue)"
                " VALUES ('t', 'T', 'UTC', '09:00', '09:00', '0', '[]', true)"
            )
        )
    upgrade(engine)
    upgrade(empty_db_url)  # a URL works as well as an engine
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM teams")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


# Owned by bot.adapters.slack (its own table definition); checked in tests/adapters/slack.
ADAPTER_TABLES = {"slack_installations"}


def test_the_migrated_schema_is_exactly_the_orm_metadata(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, _: (
                    not (type_ == "table" and name in ADAPTER_TABLES)
                ),
            },
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_the_reminder_and_outbox_polls_have_partial_indexes(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    if engine.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    with engine.connect() as connection:
        definitions = {name: sql for name, sql in connection.execute(text(query))}
    engine.dispose()
    assert "WHERE" in definitions["ix_promises_remind_at_open"]
    assert "'open'" in definitions["ix_promises_remind_at_open"]
    assert "'pending'" in definitions["ix_deliveries_active"]


def test_downgrading_to_base_removes_the_schema_and_upgrading_restores_it(
    empty_db_url: str,
) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with engine.begin() as connection:
        command.downgrade(migrate._config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def _upgrade_at_once(url: str, callers: int) -> list[BaseException]:
    barrier = threading.Barrier(callers)
    failures: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            upgrade(url)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_callers_upgrading_at_the_same_time_take_turns(empty_db_url: str) -> None:
    assert _upgrade_at_once(empty_db_url, callers=4) == []
    engine = make_engine(empty_db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_two_processes_starting_at_once_on_postgres_migrate_once(pg_url: str) -> None:
    script = "import sys; from bot.storage.migrate import upgrade; upgrade(sys.argv[1])"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, pg_url], stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=60)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    engine = make_engine(pg_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_migrations_ship_in_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["bot.storage"]
    storage = ROOT / "bot" / "storage"
    shipped = {p.relative_to(storage).as_posix() for pat in patterns for p in storage.glob(pat)}
    assert {
        "migrations/env.py",
        "migrations/script.py.mako",
        "migrations/versions/0001_initial.py",
    } <= shipped


def test_existing_promises_learn_until_when_they_are_on_time(empty_db_url: str) -> None:
    from datetime import UTC, datetime

    from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

    engine = make_engine(empty_db_url)
    upgrade(engine, "0006_date_order")
    sqlite = engine.dialect.name == "sqlite"

    def instant(at: datetime) -> object:  # as SQLAlchemy stored it on each backend
        return at.replace(tzinfo=None).isoformat(" ") if sqlite else at

    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO teams (id, name, timezone, digest_time, day_start, digest_days,"
                " completion_codes, remind_overdue)"
                " VALUES ('t', 'T', 'America/New_York', '09:00', '09:00', '0,1,2,3,4', '[]', true)"
            )
        )
        connection.execute(
            text("INSERT INTO customers (id, team_id, name, slug) VALUES (1, 't', 'A', 'a')")
        )
        for pid, due in ((1, datetime(2026, 7, 2, 13, 0)), (2, datetime(2026, 7, 2, 19, 0))):
            connection.execute(
                text(
                    "INSERT INTO promises (id, team_id, customer_id, direction, text, owner,"
                    " made_by, made_at, due_at, status, reminders_sent)"
                    " VALUES (:id, 't', 1, 'ours', 'x', 'U', 'U', :due, :due, 'open', 0)"
                ),
                {"id": pid, "due": instant(due.replace(tzinfo=UTC))},
            )
    upgrade(engine)
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        dated, timed = uow.promises.get("t", 1), uow.promises.get("t", 2)
        team = uow.teams.get("t")
    assert team is not None and not team.dm_reminders and team.reminder_prefs == {}
    assert dated is not None and timed is not None
    assert dated.keep_by == datetime(2026, 7, 3, 4, 0, tzinfo=UTC)  # midnight in New York
    assert timed.keep_by == timed.due_at
    engine.dispose()
