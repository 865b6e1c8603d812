"""A workspace's team is created on its first request; requests may arrive together.

The core's ``ensure_team`` reads, then inserts: two first requests at once from a new
workspace would both insert, and one would fail on the unique team id. Within this process
they take turns here (after the first, the core's cache answers without touching the
database, so the lock is held for microseconds).
"""

from __future__ import annotations

import threading

from bot.core.commands import Commands, Context


class FirstContact:
    def __init__(self, commands: Commands) -> None:
        self._commands = commands
        self._lock = threading.Lock()

    def ensure(self, ctx: Context) -> None:
        """Synchronous (may touch the database): call it from a worker thread."""
        with self._lock:
            self._commands.ensure_team(ctx)
