"""A reminder worker that can be told to die (SIGKILL) at a chosen point of delivery.

    python tests/e2e/crash_worker.py DB_URL PLATFORM_LOG NOW_ISO CRASH_POINT

The "platform" is an append-only JSON-lines file, fsynced on every post, which can be
searched by delivery key like a real platform's channel history. CRASH_POINT is one of:
``none``, ``before_send`` (claimed, nothing posted), ``after_send`` (posted, not recorded),
``after_record`` (the first delivery fully recorded, the rest still claimed),
``mid_burst`` (eight sends in flight at once, each taking 50 ms: killed right after the
fifth post, with others posted and unrecorded, or still on their way).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.bootstrap import build
from bot.config import load_settings
from bot.core import reminders
from bot.core.clock import ManualClock
from bot.core.delivery import Delivery, Outgoing
from bot.core.model import Team
from bot.core.replies import Reply
from bot.scheduling.engine import ReminderEngine


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class FilePlatform:
    def __init__(self, path: Path, crash_point: str) -> None:
        self.path = path
        self.crash_point = crash_point

    def _posted(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    async def send(self, message: Outgoing) -> str:
        if self.crash_point == "before_send":
            die()
        if self.crash_point in {"mid_burst", "none"}:
            await asyncio.sleep(0.05)  # a platform's answer; the other sends go on meanwhile
        ref = f"msg-{len(self._posted()) + 1}"
        with self.path.open("a") as log:
            log.write(
                json.dumps({"key": message.key, "ref": ref, "title": message.reply.title}) + "\n"
            )
            log.flush()
            os.fsync(log.fileno())
        if self.crash_point == "after_send" or (self.crash_point == "mid_burst" and ref == "msg-5"):
            die()
        return ref

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        for posted in self._posted():
            if posted["key"] == message.key:
                return posted["ref"]
        return None

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        return None


def main() -> None:
    db_url, log_path, now, crash_point = sys.argv[1:5]
    container = build(
        load_settings({"DATABASE_URL": db_url}, dotenv=None),
        clock=ManualClock(datetime.fromisoformat(now)),
    )
    if crash_point == "after_record":
        original = reminders.record_outcomes

        def record_then_die(deliveries: list[Delivery], **kwargs: Any) -> None:
            original(deliveries, **kwargs)
            die()

        reminders.record_outcomes = record_then_die  # type: ignore[assignment]
    platform = FilePlatform(Path(log_path), crash_point)
    engine = ReminderEngine(
        container.uow_factory,
        container.clock,
        {"console": platform},
        worker=f"w-{crash_point}",
        concurrency=8,
    )
    asyncio.run(engine.tick())
    container.close()


if __name__ == "__main__":
    main()
