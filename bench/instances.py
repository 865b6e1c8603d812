"""Several bot instances (processes) delivering reminders and digests from one database.

Used by ``bench_instances`` (figures) and ``tests/e2e/test_three_instances.py`` (checks).
Each worker is a process running the real ``ReminderEngine`` (``tick``: plan due
reminders, send the outbox, plan today's digests, send those; timed), and once more "a
minute later", once every worker has finished its first pass (it must find nothing left
to send), against a "platform" that
takes ``latency_ms`` to answer each post, as Slack's and Discord's APIs do (100-300 ms
in practice). A worker has up to ``concurrency`` sends in flight, so one instance's
throughput is about concurrency / latency until its CPU is the limit; instances share the
outbox through row claims (``FOR UPDATE SKIP LOCKED``), so N instances send up to N times
as fast.

The workers start together: each builds its container, says it is ready and waits for a
"go" file, so process start-up (a second or more on a loaded machine) is not timed.

    python -m bench.instances worker DB_URL LOG NOW LATENCY_MS READY_FILE GO_FILE [CONCURRENCY]
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 90.0
_WORKER = (sys.executable, "-m", "bench.instances", "worker")


class LatencyPlatform:
    """An append-only JSON-lines "channel history" shared by the workers; each post takes
    ``latency`` seconds, like a platform's HTTP API."""

    def __init__(self, path: Path, latency: float) -> None:
        self.path = path
        self.latency = latency

    async def send(self, message: object) -> str:
        await asyncio.sleep(self.latency)
        key = getattr(message, "key", "")
        title = getattr(getattr(message, "reply", None), "title", "")
        line = json.dumps({"key": key, "title": title, "pid": os.getpid(), "at": time.time()})
        # One write of a short line to an O_APPEND file: lines from processes never mix.
        with self.path.open("a") as log:
            log.write(line + "\n")
        return f"msg-{key}"

    async def find_sent(self, message: object, since: datetime) -> str | None:
        key = getattr(message, "key", "")
        if self.path.exists():
            for raw in self.path.read_text().splitlines():
                if json.loads(raw)["key"] == key:
                    return f"msg-{key}"
        return None

    async def update(self, team: object, channel: str, ref: str, reply: object) -> None:
        return None


def worker(argv: list[str]) -> None:
    db_url, log_path, now, latency_ms, ready_file, go_file = argv[:6]
    concurrency = int(argv[6]) if len(argv) > 6 else 32
    from bot.bootstrap import build
    from bot.config import load_settings
    from bot.core.clock import ManualClock
    from bot.scheduling.engine import ReminderEngine

    clock = ManualClock(datetime.fromisoformat(now))
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=clock)
    platform = LatencyPlatform(Path(log_path), float(latency_ms) / 1000)
    engine = ReminderEngine(
        container.uow_factory,
        container.clock,
        {"console": platform},  # type: ignore[dict-item]
        worker=f"bench-{os.getpid()}",
        concurrency=concurrency,
    )
    Path(ready_file).touch()
    go = Path(go_file)
    while not go.exists():
        time.sleep(0.002)
    started = time.time()
    result = asyncio.run(engine.tick())
    ended = time.time()
    # A minute later, as the next scans: everything was sent, nothing may go out again.
    # Only once every instance has finished its first pass, as a minute would see to: an
    # instance that found nothing at first must not take, in its "later" pass, what
    # another one planned just after and is about to send in its first.
    Path(f"{ready_file}.passed").touch()
    while not Path(f"{go_file}.again").exists():
        time.sleep(0.002)
    clock.advance(timedelta(minutes=1))
    again = asyncio.run(engine.tick())
    print(
        json.dumps(
            {
                "pid": os.getpid(),
                "started": started,
                "ended": ended,
                "planned": result.planned,
                "sent": result.sent,
                "failed": result.failed + again.failed,
                "sent_again": again.sent,
            }
        ),
        flush=True,
    )
    container.close()


@dataclass(frozen=True)
class Fleet:
    workers: int
    sent: int
    failed: int
    sent_again: int  # by the second tick, a minute later: must be 0
    seconds: float  # from "go" to the last worker done
    sent_by_worker: tuple[int, ...]

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


def run_fleet(
    db_url: str,
    log: Path,
    now: datetime,
    workers: int,
    latency_ms: float,
    tmp: Path,
    concurrency: int = 32,
) -> Fleet:
    """Start ``workers`` processes, release them together, wait for them; raises with a
    worker's stderr if one fails."""
    tmp.mkdir(parents=True, exist_ok=True)
    go = tmp / f"go-{workers}"
    go.unlink(missing_ok=True)
    ready = [tmp / f"ready-{workers}-{n}" for n in range(workers)]
    args = [
        [db_url, str(log), now.isoformat(), str(latency_ms), str(flag), str(go), str(concurrency)]
        for flag in ready
    ]
    passed = [Path(f"{flag}.passed") for flag in ready]
    again = Path(f"{go}.again")
    again.unlink(missing_ok=True)
    go_at, results = run_together(
        "bench.instances", args, ready, go, timeout=120, between=(passed, again)
    )
    return Fleet(
        workers=workers,
        sent=sum(r["sent"] for r in results),
        failed=sum(r["failed"] for r in results),
        sent_again=sum(r["sent_again"] for r in results),
        seconds=max(r["ended"] for r in results) - go_at,
        sent_by_worker=tuple(r["sent"] for r in results),
    )


def run_together(
    module: str,
    args: list[list[str]],
    ready: list[Path],
    go: Path,
    *,
    timeout: float,
    ready_timeout: float = READY_TIMEOUT,
    env: dict[str, str] | None = None,
    between: tuple[list[Path], Path] | None = None,
) -> tuple[float, list[dict[str, Any]]]:
    """Starts ``python -m module worker <args>`` once per ``args``, releases them together
    by touching ``go`` once each has touched its ``ready`` flag, and returns when that was
    (wall clock) and each worker's result: the JSON of its last line of output.
    ``between`` (flags, file): once every worker has touched its flag, the file is
    touched, releasing them together a second time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module, "worker", *worker_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for worker_args in args
    ]
    try:
        _wait_for(ready, processes, ready_timeout, "a worker did not start: ")
        go_at = time.time()
        go.touch()
        if between is not None:
            flags, again = between
            _wait_for(flags, processes, timeout, "a worker did not finish its first pass: ")
            again.touch()
        outputs = [p.communicate(timeout=timeout) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    results = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed ({process.returncode}):\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return go_at, results


def _wait_for(
    flags: list[Path], processes: list[subprocess.Popen[str]], timeout: float, what: str
) -> None:
    deadline = time.monotonic() + timeout
    while not all(flag.exists() for flag in flags):
        failed = [p for p in processes if p.poll() not in (None, 0)]
        if failed or time.monotonic() > deadline:
            raise RuntimeError(what + _errors(processes))
        time.sleep(0.01)


def _errors(processes: list[subprocess.Popen[str]]) -> str:
    messages = []
    for process in processes:
        if process.poll() not in (None, 0):
            _, err = process.communicate()
            messages.append(err[-2000:])
    return "\n".join(messages) or "timed out"


def promises_posted(db_url: str) -> Counter[int]:
    """How many sent deliveries carry each promise (each due one: exactly one). Two
    instances planning at the same instant may each take part of a team's due promises
    (their scans skip each other's rows), so a team's reminder can go out as two posts;
    what must hold is that each promise is in one of them."""
    from sqlalchemy import create_engine, select

    from bot.core.delivery import DeliveryStatus
    from bot.storage.orm import DeliveryPromiseRow, DeliveryRow

    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return Counter(
                connection.scalars(
                    select(DeliveryPromiseRow.promise_id)
                    .join(DeliveryRow, DeliveryRow.id == DeliveryPromiseRow.delivery_id)
                    .where(DeliveryRow.status == DeliveryStatus.SENT.value)
                )
            )
    finally:
        engine.dispose()


def posted(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"]:
        sys.exit(__doc__)
    worker(sys.argv[2:])
