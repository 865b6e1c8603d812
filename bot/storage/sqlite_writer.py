"""SQLite's single writer, queued inside the process instead of polled.

SQLite lets one connection write at a time. A second writer is told "busy" and its busy
handler sleeps and tries again, in steps that grow to 25-100 ms, however soon the first
one commits. Under a steady stream of form submissions (each one a short write), most
requests never meet another writer, but the ones that do waited tens of milliseconds for a
lock that was free after one: the benchmark saw first writes wait 30 ms at p99 and 180 ms
at worst, which is most of the acknowledgement's tail.

Writers in one process now queue on a lock of their own, taken just before the statement
that makes SQLite take its write lock (the first INSERT, UPDATE, DELETE or REPLACE of a
transaction, or ``BEGIN IMMEDIATE``) and released the moment the transaction commits or
rolls back, so the next writer starts at once. The lock is held exactly as long as SQLite's
own would be; it only changes how a waiter learns that it is free. Other processes sharing
the file still meet SQLite's busy timeout, as before, and a writer that waits longer than
that timeout goes on to SQLite's, so nothing waits forever that did not before.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

# Statements after which SQLite holds its write lock until the transaction ends.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_BEGINS_WRITING = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(database: str) -> threading.Lock:
    """One lock per database file, shared by every engine of the process that opens it."""
    key = os.path.realpath(database)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _writes(statement: str) -> bool:
    head = statement.lstrip()[:16].upper()
    return head.startswith(_WRITES) or head.startswith(_BEGINS_WRITING)


class QueuedWriterConnection(sqlite3.Connection):
    """A connection that queues for the process's write lock before it writes.

    Pass as ``factory`` to ``sqlite3.connect`` (``connect_args`` of the engine)."""

    wait_seconds = 5.0  # set to the busy timeout by the engine

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._writer_lock = _lock_for(str(database))
        self._holding = False

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or _QueuedCursor)

    def before_statement(self, statement: str) -> None:
        if self._holding or not _writes(statement):
            return
        # Past the wait, go on without it: SQLite's own busy timeout then decides, as it
        # did before this lock existed.
        self._holding = self._writer_lock.acquire(timeout=self.wait_seconds)

    def after_statement(self) -> None:
        """A write outside a transaction (autocommit) is over as soon as it ran."""
        if self._holding and not self.in_transaction:
            self._release()

    def _release(self) -> None:
        if self._holding:
            self._holding = False
            self._writer_lock.release()

    def commit(self) -> None:
        self._ending(super().commit)

    def rollback(self) -> None:
        self._ending(super().rollback)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def _ending(self, end: Callable[[], None]) -> None:
        try:
            end()
        finally:
            if not self.in_transaction:
                self._release()

    @contextmanager
    def statement(self, sql: str) -> Iterator[None]:
        self.before_statement(sql)
        yield
        self.after_statement()


class _QueuedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _QueuedCursor:
        with self._queued(sql):
            return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> _QueuedCursor:
        with self._queued(sql):
            return super().executemany(sql, seq_of_parameters)

    def _queued(self, sql: str) -> AbstractContextManager[None]:
        connection = self.connection
        if isinstance(connection, QueuedWriterConnection):
            return connection.statement(sql)
        return nullcontext()
