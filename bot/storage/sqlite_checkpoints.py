"""SQLite's checkpoints, moved off the request path.

In WAL mode a commit appends pages to the write-ahead log; a checkpoint copies them back
into the database file. By default the commit that takes the log past 1,000 pages runs the
checkpoint itself, inside the request that happened to commit: 14 of a 17 ms commit in the
reminder scan, and one form submission in about a hundred paid it too, which is where an
acknowledgement's slowest percent lives.

Here one background thread of the process runs a passive checkpoint of each open database
file every second (a passive checkpoint never waits for readers or writers, and an idle log
costs microseconds). The connections' own automatic checkpoint stays, at ten times the
default, only as a bound on the log should the thread ever fall behind.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import Counter
from urllib.parse import quote

log = logging.getLogger(__name__)

EVERY_SECONDS = 1.0
FALLBACK_PAGES = 10_000  # each connection's wal_autocheckpoint: the log's bound


class Checkpoints:
    """The database files to checkpoint, and the thread that does it while there are any."""

    def __init__(self, every: float = EVERY_SECONDS) -> None:
        self._every = every
        self._users: Counter[str] = Counter()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, database: str) -> str:
        """Checkpoint ``database`` until as many ``remove`` calls; returns its key."""
        key = os.path.realpath(database)
        with self._guard:
            self._users[key] += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-checkpoints", daemon=True
                )
                self._thread.start()
        return key

    def remove(self, key: str) -> None:
        with self._guard:
            self._users[key] -= 1
            if self._users[key] <= 0:
                del self._users[key]

    def _run(self) -> None:
        connections: dict[str, sqlite3.Connection] = {}
        stop = threading.Event()
        try:
            while not stop.wait(self._every):
                with self._guard:
                    wanted = set(self._users)
                    if not wanted:
                        self._thread = None  # the next add starts a new one
                        return
                for key in set(connections) - wanted:
                    connections.pop(key).close()
                for key in wanted:
                    self._checkpoint(connections, key)
        finally:
            for connection in connections.values():
                connection.close()

    @staticmethod
    def _checkpoint(connections: dict[str, sqlite3.Connection], key: str) -> None:
        try:
            connection = connections.get(key)
            if connection is None:
                # mode=rw: a file that is gone is not created again, empty.
                connection = sqlite3.connect(
                    f"file:{quote(key)}?mode=rw", uri=True, timeout=0, check_same_thread=False
                )
                connections[key] = connection
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:
            stale = connections.pop(key, None)
            if stale is not None:
                stale.close()
            log.debug("checkpoint of %s not run: %s", key, exc)


checkpoints = Checkpoints()
