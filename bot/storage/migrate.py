"""Bring a database to the current schema, programmatically (no alembic.ini needed).

``upgrade()`` is safe to call at every start: it does nothing when the schema is current,
and concurrent callers take turns: PostgreSQL through a transaction-scoped advisory lock,
SQLite through ``BEGIN IMMEDIATE`` (its single writer lock). Each upgrade runs in one
transaction, so a failed migration leaves the schema as it was.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from bot.storage.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (with Mako and Pygments behind it) is imported only when a migration has to run:
# a restart on a current schema checks the revision with one query instead, which takes
# 200-400 ms off every start-up.

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant 64-bit key works, as long as nothing else in the database uses it: "touchpnt".
ADVISORY_LOCK_KEY = int.from_bytes(b"touchpnt", "big")
MIGRATION_WAIT_MS = 120_000


def upgrade(target: Engine | str, revision: str = "head") -> None:
    """Migrate the database at ``target`` (an engine or a URL) up to ``revision``."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        if revision == "head" and _is_at_shipped_head(engine):
            return
        from alembic import command

        with engine.begin() as connection:
            _take_migration_lock(connection)
            command.upgrade(_config(connection), revision)
            if connection.dialect.name == "sqlite":  # the pooled connection's usual wait
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        if isinstance(target, str):
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty (never migrated) database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision this code ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


@functools.cache
def shipped_head() -> str | None:
    """The head revision read from the migration files' ``revision`` / ``down_revision``
    lines without importing Alembic; None when that is not a single clear head (then the
    caller asks Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.findall(source)
        if len(found) != 1:
            return None
        revisions.add(found[0])
        parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _is_at_shipped_head(engine: Engine) -> bool:
    """One query: is the database's recorded revision the newest this code ships?"""
    head = shipped_head()
    if head is None:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return [row[0] for row in found] == [head]


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

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
        # Another starter's migration may take longer than the usual 5 s busy timeout
        # (the first one on a new database creates every table and index): wait for it.
        connection.exec_driver_sql(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
