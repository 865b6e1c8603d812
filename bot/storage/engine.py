"""Engines for SQLite (the default, one file) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from bot.storage.sqlite_checkpoints import FALLBACK_PAGES, checkpoints
from bot.storage.sqlite_writer import QueuedWriterConnection

# How long a SQLite writer waits for another writer before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


def default_sqlite_url(data_dir: str | Path) -> str:
    """The URL of the default database file inside ``data_dir``."""
    return f"sqlite:///{Path(data_dir) / 'touchpoint.db'}"


def normalize_url(url: str | URL) -> URL:
    """``postgres://`` and driverless ``postgresql://`` URLs use psycopg 3; others pass."""
    if isinstance(url, str):
        text = url.strip()
        if text.startswith("postgres://"):  # Heroku-style; SQLAlchemy rejects the short name
            text = "postgresql://" + text.removeprefix("postgres://")
        url = make_url(text)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def redact(url: str | URL) -> str:
    """The URL with its password hidden, for logs and messages."""
    try:
        return normalize_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL must not leak through the error path either
        return "<unparseable database URL>"


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the settings this bot relies on.

    SQLite gets WAL, ``synchronous=NORMAL``, foreign keys and a busy timeout on every
    connection, and the directory of its file is created. PostgreSQL gets a checked pool.
    """
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    if backend == "postgresql":
        return create_engine(
            parsed,
            echo=echo,
            pool_pre_ping=True,  # survive server restarts and idle-connection reapers
            pool_size=5,
            max_overflow=10,
            pool_recycle=1800,
        )
    raise ValueError(
        f"Unsupported database URL {redact(parsed)}: use sqlite:///path/to/file.db "
        "or postgresql://user:password@host/dbname."
    )


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    database = url.database or ""
    in_memory = database in {"", ":memory:"} or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, or every checkout would see a different empty database.
        engine = create_engine(
            url,
            echo=echo,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        QueuedWriterConnection.wait_seconds = SQLITE_BUSY_TIMEOUT_MS / 1000
        engine = create_engine(
            url,
            echo=echo,
            pool_size=5,
            max_overflow=10,
            connect_args={"factory": QueuedWriterConnection},
        )
        event.listen(engine, "engine_disposed", _checkpointed(database), once=True)
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _checkpointed(database: str) -> Callable[[Engine], None]:
    """Checkpoint ``database`` in the background until its engine is disposed."""
    key = checkpoints.add(database)
    return lambda _engine: checkpoints.remove(key)


def _configure_sqlite_connection(
    dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry
) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Checkpoints run in the background (sqlite_checkpoints); this only bounds the log.
        cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
    finally:
        cursor.close()
