"""Work that continues after Slack has its acknowledgement.

Listeners acknowledge first and hand the rest (opening a modal, posting a confirmation,
updating a message) to ``Background``, which keeps a handle on every task so the adapter
can wait for them on stop and tests can wait for them to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.core import content
from bot.core.errors import UserError, new_error_id
from bot.core.interactions import bug_reply
from bot.core.replies import Reply

log = logging.getLogger(__name__)

Tell = Callable[[Reply], Awaitable[None]]


async def guarded(work: Awaitable[None], tell: Tell | None, what: str) -> None:
    """Run ``work``; a ``UserError`` is told to the user as it is, anything else is logged
    with its traceback and an error id, and the user gets that id."""
    try:
        await work
    except UserError as exc:
        await _tell_quietly(tell, content.error_reply(exc), what)
    except Exception:
        error_id = new_error_id()
        log.exception("%s failed (error id %s)", what, error_id, extra={"error_id": error_id})
        await _tell_quietly(tell, bug_reply(error_id, nothing_saved=False), what)


async def _tell_quietly(tell: Tell | None, reply: Reply, what: str) -> None:
    if tell is None:
        return
    try:
        await tell(reply)
    except Exception:  # the user cannot be reached; the log is all that is left
        log.exception("could not tell the user why %s failed", what)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until no task is running (including ones started meanwhile)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def drain(self, timeout: float) -> None:
        """Give running tasks ``timeout`` seconds to finish, then cancel the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("cancelled %d Slack task(s) still running at stop", len(pending))
            await asyncio.wait(pending)
