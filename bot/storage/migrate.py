"""Bring a database to the current schema, programmatically (no alembic.ini needed).

``upgrade()`` is safe to call at every start: it does nothing when the schema is current,
and concurrent callers take turns: PostgreSQL through a transaction-scoped advisory lock,
SQLite through ``BEGIN IMMEDIATE`` (its single writer lock). Each upgrade runs in one
transaction, so a failed migration leaves the schema as it was.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from bot.storage.engine import make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant 64-bit key works, as long as nothing else in the database uses it: "touchpnt".
ADVISORY_LOCK_KEY = int.from_bytes(b"touchpnt", "big")


def upgrade(target: Engine | str, revision: str = "head") -> None:
    """Migrate the database at ``target`` (an engine or a URL) up to ``revision``."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as connection:
            _take_migration_lock(connection)
            command.upgrade(_config(connection), revision)
    finally:
        if isinstance(target, str):
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty (never migrated) database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code ships."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _take_migration_lock(connection: Connection) -> None:
    """Held until the migration transaction ends; a second process waits, then finds the
    schema current and does nothing."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
