"""Start-up to ready, and idle memory, of the bot as deployed.

Each sample starts a new ``python -m bot run`` process on a copy of the generated SQLite
data set (already migrated, as after a restart) against the loopback fakes of Slack and
Discord, and times it from ``exec`` to the first request it serves:

* Slack over HTTP: a signed ``/touchpoint help`` acknowledged with 200;
* Slack and Discord together: the Discord ``/touchpoint help`` answered as well.

Aim: under 1 s. Then the process sits idle for a few seconds (its scheduler has run the
first scan and sent what was due) and its resident memory (VmRSS; VmHWM is the peak) is
read from /proc. Aim: under 150 MB.

A breakdown comes from a child that makes the same calls as ``python -m bot run`` and
notes the time between them: interpreter start, imports, the composition root (engine and
migrations check), the adapters' start, and the first reminder scan's planning over the
data set (whatever the real clock finds due since the data set's "now").

    .venv/bin/python -m bench.bench_startup [small|large]
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench import dataset
from bench.harness import Figure, percentile

with warnings.catch_warnings():  # discord.py imports audioop, deprecated since 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from tests.adapters.discord.fake_discord import TOKEN as DISCORD_TOKEN
    from tests.adapters.discord.fake_discord import FakeDiscord, Guild
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[1]
AIM_READY_MS = 1000.0
AIM_RSS_MB = 150.0
IDLE_SECONDS = 3.0
SAMPLES = {"small": 3, "large": 10}

_BREAKDOWN = r"""
import time
t0 = time.perf_counter(); wall0 = time.time()
import asyncio, json
import bot.__main__
from bot.config import load_settings
from bot.logs import setup_logging
from bot.bootstrap import build
from bot.runtime import platform_adapters
from bot.core import reminders
t1 = time.perf_counter()
settings = load_settings()
setup_logging(settings.log_level, settings.secrets)
container = build(settings)
t2 = time.perf_counter()

async def main():
    adapters = platform_adapters(container, settings)
    for adapter in adapters:
        await adapter.start()
    t3 = time.perf_counter()
    planned = await asyncio.to_thread(
        reminders.plan_reminders, uow=container.uow_factory(), clock=container.clock
    )
    t4 = time.perf_counter()
    print(json.dumps({"wall0": wall0, "imports": t1 - t0, "build": t2 - t1,
                      "adapters": t3 - t2, "scan": t4 - t3, "planned": planned}), flush=True)
    for adapter in reversed(adapters):
        await adapter.stop()

asyncio.run(main())
container.close()
"""


@dataclass
class Sample:
    ready_ms: float
    rss_mb: float
    hwm_mb: float


def _memory(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), **extra})
    return env


class Fakes:
    """The loopback Slack and Discord the bot processes talk to."""

    slack: FakeSlack
    discord: FakeDiscord
    guild: Guild

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Fakes]:
        self.slack = FakeSlack(keep_arguments=False, enforce_limits=False)
        self.slack.tokens["xoxb-bench"] = "T1"
        await self.slack.start()
        self.discord = FakeDiscord()
        self.discord.enforce_limits = False  # the tests check payloads; this times start-up
        self.guild = self.discord.add_guild("Bench Server")
        await self.discord.start()
        try:
            yield self
        finally:
            await self.discord.close()
            await self.slack.stop()

    def env(self, database: Path, port: int, *, discord: bool) -> dict[str, str]:
        env = {
            "DATABASE_URL": f"sqlite:///{database}",
            "TOUCHPOINT_DATA_DIR": str(database.parent),
            "TOUCHPOINT_HTTP_PORT": str(port),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": payloads.SECRET,
            "SLACK_API_URL": self.slack.api_url,
        }
        if discord:
            env |= {
                "DISCORD_BOT_TOKEN": DISCORD_TOKEN,
                "DISCORD_API_URL": self.discord.api_url,
                "DISCORD_GATEWAY_URL": self.discord.gateway_url,
            }
        return env


async def _slack_ready(session: aiohttp.ClientSession, port: int, deadline: float) -> None:
    body = payloads.form(
        payloads.slash_command("help", team="T1", user="U1", response_url="http://127.0.0.1:9/")
    )
    while time.perf_counter() < deadline:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers |= payloads.signature_headers(body)
        with contextlib.suppress(aiohttp.ClientError):
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
            ) as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.005)
    raise TimeoutError("the bot did not acknowledge a Slack request in time")


async def _discord_ready(fakes: Fakes, deadline: float) -> None:
    while not fakes.discord.identify:
        if time.perf_counter() > deadline:
            raise TimeoutError("the bot did not connect to the Discord gateway in time")
        await asyncio.sleep(0.005)
    callback = await fakes.discord.slash(fakes.guild, 2_000_000_000_000_000_001, "help")
    assert callback.type == 4, callback.data


async def one_start(fakes: Fakes, source: Path, tmp: Path, *, discord: bool) -> Sample:
    database = tmp / "start.db"
    shutil.copyfile(source, database)
    port = free_port()
    fakes.discord.identify.clear()
    env = _child_env(fakes.env(database, port, discord=discord))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp, stderr=subprocess.PIPE
    )
    try:
        deadline = started + 30
        async with aiohttp.ClientSession() as session:
            await _slack_ready(session, port, deadline)
            if discord:
                await _discord_ready(fakes, deadline)
        ready_ms = (time.perf_counter() - started) * 1000
        await asyncio.sleep(IDLE_SECONDS)
        rss, hwm = _memory(process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        _, err = await process.communicate()
    if process.returncode not in (0, -signal.SIGTERM):
        raise RuntimeError(f"python -m bot run failed ({process.returncode}): {err.decode()}")
    return Sample(ready_ms, rss, hwm)


def _breakdown(source: Path, tmp: Path, runs: int) -> list[Figure]:
    parts: dict[str, list[float]] = {
        k: [] for k in ("interpreter", "imports", "build", "adapters", "scan", "total")
    }
    planned = 0
    for run_index in range(runs + 1):
        database = tmp / "breakdown.db"
        shutil.copyfile(source, database)
        env = _child_env(
            {
                "DATABASE_URL": f"sqlite:///{database}",
                "TOUCHPOINT_DATA_DIR": str(tmp),
                "TOUCHPOINT_HTTP_PORT": str(free_port()),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": payloads.SECRET,
                "SLACK_API_URL": "http://127.0.0.1:9/api/",
            }
        )
        spawned = time.time()
        out = subprocess.run(
            [sys.executable, "-c", _BREAKDOWN],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        if run_index == 0:
            continue  # primes the bytecode caches, as an installed bot has them
        found = json.loads(out.stdout.strip().splitlines()[-1])
        planned = found["planned"]
        values = {
            "interpreter": found["wall0"] - spawned,
            "imports": found["imports"],
            "build": found["build"],
            "adapters": found["adapters"],
            "scan": found["scan"],
        }
        values["total"] = sum(values.values())
        for key, value in values.items():
            parts[key].append(value * 1000)
    labels = {
        "interpreter": "interpreter start",
        "imports": "imports (bot.__main__, config, bootstrap, runtime)",
        "build": "composition root: engine + migrations check",
        "adapters": "Slack adapter built and started (HTTP server up)",
        "scan": f"first reminder scan: planning {planned:,} due over the data set",
        "total": "start-up to ready, sum of the above",
    }
    figures = []
    for key, label in labels.items():
        ordered = sorted(parts[key])
        p50 = statistics.median(ordered)
        figures.append(
            Figure(
                f"start-up breakdown: {label}",
                len(ordered),
                p50,
                percentile(ordered, 0.99),
                aim=f"p50 < {AIM_READY_MS:g} ms" if key == "total" else "",
                met=p50 < AIM_READY_MS if key == "total" else None,
            )
        )
    return figures


def _figures(name: str, samples: list[Sample], note: str) -> list[Figure]:
    ready = sorted(s.ready_ms for s in samples)
    rss = sorted(s.rss_mb for s in samples)
    hwm = max(s.hwm_mb for s in samples)
    return [
        Figure(
            f"start-up to ready: python -m bot run, {name}",
            len(ready),
            statistics.median(ready),
            percentile(ready, 0.99),
            aim=f"p50 < {AIM_READY_MS:g} ms",
            met=statistics.median(ready) < AIM_READY_MS,
            note=note,
        ),
        Figure(
            f"idle memory (RSS MB, not ms): python -m bot run, {name}",
            len(rss),
            statistics.median(rss),
            rss[-1],
            peak_mib=hwm,
            aim=f"RSS < {AIM_RSS_MB:g} MB",
            met=rss[-1] < AIM_RSS_MB,
            note=f"after {IDLE_SECONDS:g} s idle; peak MiB is VmHWM",
        ),
    ]


async def _black_box(source: Path, tmp: Path, samples: int) -> list[Figure]:
    figures: list[Figure] = []
    async with Fakes().running() as fakes:
        for name, discord in (("Slack HTTP", False), ("Slack HTTP + Discord", True)):
            await one_start(fakes, source, tmp, discord=discord)  # bytecode caches
            runs = [await one_start(fakes, source, tmp, discord=discord) for _ in range(samples)]
            note = "exec -> first request served" + (
                " on both (Discord's slash command answered once the gateway is connected)"
                if discord
                else ""
            )
            figures += _figures(name, runs, note)
    return figures


def run(size: str = "small") -> list[Figure]:
    logging.getLogger("discord").setLevel(logging.ERROR)
    url, _ = dataset.sqlite_dataset(size)
    source = Path(url.removeprefix("sqlite:///"))
    with tempfile.TemporaryDirectory(prefix="touchpoint-start-") as tmp_name:
        tmp = Path(tmp_name)
        figures = _breakdown(source, tmp, SAMPLES[size])
        figures += asyncio.run(_black_box(source, tmp, SAMPLES[size]))
    return figures


def _main(args: list[str]) -> Any:
    from bench.__main__ import table

    print(table([("startup", f) for f in run(args[0] if args else "small")]))


if __name__ == "__main__":
    _main(sys.argv[1:])
