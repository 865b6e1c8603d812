"""Three bot instances (processes) against one PostgreSQL.

* Reminder workers: three instances, each sending concurrently, deliver the same outbox
  faster than one, and every reminder, nudge and digest reaches the platform exactly once.
* Slack in HTTP mode behind a load balancer: requests spread over three ``python -m bot
  run`` processes are each handled once, whichever instance gets them, and the reminders
  all three schedulers find due are posted once.
* Slack in Socket Mode: each of the three opens its own connection, and the envelopes
  Slack spreads over the connections are each handled once.
* Discord with its shards spread over the three processes (``DISCORD_SHARD_COUNT=3``,
  ``DISCORD_SHARD_IDS=n``): each identifies its own shard, and each server's commands are
  answered by the process holding that server's shard.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
import warnings
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pg import free_port
from sqlalchemy import func, select

from bench.instances import posted, run_fleet
from bot.bootstrap import build
from bot.config import load_settings
from bot.core import services
from bot.core.clock import ManualClock
from bot.core.commands import Context
from bot.core.delivery import DeliveryStatus
from bot.storage.orm import DeliveryPromiseRow, DeliveryRow, PromiseRow, TouchpointRow
from tests.adapters.slack import payloads
from tests.adapters.slack.fake_slack import FakeSlack
from tests.e2e.seeding import T1, seed_teams
from tests.wall_clock import local, quiet_zone

with warnings.catch_warnings():  # discord.py imports audioop, deprecated since 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from tests.adapters.discord.fake_discord import TOKEN, FakeDiscord, Guild, Session

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SCAN_SECONDS = 1  # how often each instance scans the outbox
ZONE = quiet_zone()  # the Slack workspace's: its day start and digest are hours away
LATENCY_MS = 150.0  # each post to the platform: a real API takes 100-300 ms
# 36 teams: a reminder, a nudge and a digest each, 108 posts. Each instance sends two at a
# time: concurrent sends in every instance, and few enough that the platform's latency,
# not start-up, sets the pace (the burst benchmark measures 32 at a time).
CONCURRENCY = 2
TEAMS = tuple(f"console:fleet{n:02d}" for n in range(36))


def _database(pg_cluster: Any, name: str) -> str:
    url: str = pg_cluster.create_database(name)
    return url


def _sent_rows(db_url: str) -> tuple[list[DeliveryRow], Counter[int]]:
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=ManualClock(T1))
    with container.engine.connect() as connection:
        deliveries = list(connection.execute(select(DeliveryRow)))
        per_promise = Counter(
            row.promise_id
            for row in connection.execute(
                select(DeliveryPromiseRow.promise_id)
                .join(DeliveryRow, DeliveryRow.id == DeliveryPromiseRow.delivery_id)
                .where(DeliveryRow.status == DeliveryStatus.SENT.value)
            )
        )
    container.close()
    return deliveries, per_promise  # type: ignore[return-value]


def test_three_instances_deliver_faster_than_one_and_send_everything_exactly_once(
    pg_cluster: Any, tmp_path: Path
) -> None:
    rates = {}
    for workers in (1, 3):
        db_url = _database(pg_cluster, f"fleet_{workers}")
        seed_teams(db_url, TEAMS, per_team=2)
        log = tmp_path / f"platform-{workers}.jsonl"
        fleet = run_fleet(db_url, log, T1, workers, LATENCY_MS, tmp_path, CONCURRENCY)

        lines = posted(log)
        keys = [str(line["key"]) for line in lines]
        assert len(keys) == len(set(keys)), "a delivery reached the platform twice"
        deliveries, per_promise = _sent_rows(db_url)
        assert all(d.status == DeliveryStatus.SENT.value for d in deliveries)
        assert sorted(d.key for d in deliveries) == sorted(keys)
        digests = [k for k in keys if k.startswith("digest:")]
        assert len(digests) == len(TEAMS) == len(set(digests))
        # Every due promise (ours and theirs, two customers a team) in exactly one post.
        assert len(per_promise) == 4 * len(TEAMS)
        assert set(per_promise.values()) == {1}
        assert fleet.failed == 0
        assert fleet.sent_again == 0 and fleet.sent == len(keys)
        if workers == 3:
            busy = [n for n in fleet.sent_by_worker if n]
            assert len(busy) >= 2, f"one instance did all the work: {fleet.sent_by_worker}"
        rates[workers] = fleet.per_second
    # Sending waits on the platform, so instances add up (two cores are no limit here): about
    # 2.5x alone; the margin is for a machine busy with other work.
    assert rates[3] >= 1.2 * rates[1], rates


# -- Slack over HTTP behind a load balancer -------------------------------------------------


def _wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextlib.asynccontextmanager
async def _bots(
    envs: list[dict[str, str]], tmp: Path
) -> AsyncIterator[list[subprocess.Popen[str]]]:
    """``python -m bot run`` once per environment; stopped with SIGTERM afterwards (waited
    for in a thread: the fakes on this event loop must keep answering while they stop)."""
    processes = []
    with contextlib.ExitStack() as logs:
        for n, extra in enumerate(envs):
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
            env |= {"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **extra}
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"],
                    env=env,
                    cwd=tmp,
                    stdout=subprocess.DEVNULL,
                    stderr=logs.enter_context((tmp / f"bot-{n}.log").open("w")),
                    text=True,
                )
            )
        try:
            yield processes
        finally:
            await asyncio.to_thread(_stop, processes)


def _stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _seed_slack(db_url: str, team: str, due: datetime) -> None:
    """The workspace's channel, and three customers each with one of our promises and one
    of theirs due at ``due``."""
    clock = ManualClock(due - timedelta(days=1))
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None), clock=clock)
    container.commands.ensure_team(Context(team, "U1", None, team))
    services.configure_team(team, "channel", "C1", uow=container.uow_factory(), clock=clock)
    services.configure_team(team, "timezone", ZONE, uow=container.uow_factory(), clock=clock)
    at = local(due, ZONE)
    for n in range(3):
        services.record_quick_entry(
            team,
            "U1",
            f"acme {n} | we: send the quote {n} tomorrow {at:%H:%M}"
            f" | they: sign the form {n} tomorrow {at:%H:%M}",
            uow=container.uow_factory(),
            clock=clock,
        )
    container.close()


async def _post_round_robin(ports: list[int], bodies: list[str]) -> list[tuple[int, str]]:
    answers: list[tuple[int, str]] = []
    async with aiohttp.ClientSession() as session:

        async def one(index: int, body: str) -> None:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            headers |= payloads.signature_headers(body)
            port = ports[index % len(ports)]  # what any load balancer does
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
            ) as resp:
                answers.append((resp.status, await resp.text()))

        await asyncio.gather(*(one(i, body) for i, body in enumerate(bodies)))
    return answers


def _submission(n: int) -> str:
    from bot.adapters.slack import views
    from bot.core.model import DEFAULT_COMPLETION_CODES, Kind

    team, user = "T0", f"U{n % 17}"  # one bot token: one workspace
    view = views.record_modal(
        customer=f"+customer {n % 5}",
        kind=Kind.CALL,
        notes="",
        codes=DEFAULT_COMPLETION_CODES,
        owner=user,
        channel="C1",
    )
    filled = payloads.fill(view, challenges=f"problem {n}", our_promises=f"call back {n}")
    return payloads.interactive(payloads.view_submission(filled, team=team, user=user))


@contextlib.asynccontextmanager
async def _fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(keep_arguments=True)
    fake.tokens["xoxb-fleet"] = "T0"
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def test_slack_http_instances_behind_a_load_balancer_handle_each_request_once(
    pg_cluster: Any, tmp_path: Path
) -> None:
    db_url = _database(pg_cluster, "slack_http_fleet")
    due = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    _seed_slack(db_url, "slack:T0", due)
    requests = 60

    async def scenario() -> tuple[list[tuple[int, str]], FakeSlack]:
        async with _fake_slack() as fake:
            ports = [free_port() for _ in range(3)]
            envs = [
                {
                    "DATABASE_URL": db_url,
                    "TOUCHPOINT_HTTP_PORT": str(port),
                    "TOUCHPOINT_SCAN_SECONDS": str(SCAN_SECONDS),
                    "SLACK_BOT_TOKEN": "xoxb-fleet",
                    "SLACK_SIGNING_SECRET": payloads.SECRET,
                    "SLACK_API_URL": fake.api_url,
                }
                for port in ports
            ]
            async with _bots(envs, tmp_path):
                await asyncio.to_thread(
                    _wait_for, lambda: _all_listening(ports), 60, "three instances to listen"
                )
                statuses = await _post_round_robin(ports, [_submission(n) for n in range(requests)])
                # The reminder and the nudge fall due at once for all three schedulers.
                await asyncio.to_thread(
                    _wait_for,
                    lambda: len(_reminder_posts(fake)) >= 2,
                    30,
                    "the reminders to be posted",
                )
                # Until every instance has scanned again, a duplicate could still go out.
                await asyncio.to_thread(_each_instance_scans_again, ports, 60)
                return statuses, fake

    answers, fake = asyncio.run(scenario())
    assert answers == [(200, "")] * requests  # each modal closed: saved
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None))
    with container.engine.connect() as connection:
        recorded = connection.scalar(select(func.count()).select_from(TouchpointRow))
        promises = connection.scalar(select(func.count()).select_from(PromiseRow))
    container.close()
    # The three seeded touchpoints and one per submission.
    assert recorded == 3 + requests
    assert promises == 6 + requests
    reminders = _reminder_posts(fake)
    assert len(reminders) == 2, reminders  # our three promises in one, theirs in the other
    assert all(f"quote {n}" in m["text"] or f"form {n}" in m["text"]
               for m in reminders for n in range(3))  # fmt: skip


def _each_instance_scans_again(ports: list[int], timeout: float) -> None:
    """Until each instance has run a whole scan (planning, then sending) begun after now:
    its count of scans, read from its /metrics, goes up by two (a scan is counted once it
    has planned, before it sends)."""
    before = {port: _scans(port) for port in ports}
    _wait_for(
        lambda: all(_scans(port) >= before[port] + 2 for port in ports),
        timeout,
        "every instance to scan again",
    )


def _scans(port: int) -> int:
    """How many reminder scans the instance on ``port`` has run, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("touchpoint_scan_seconds_count"):
                return int(float(line.split()[-1]))
    return 0


def _all_say(logs: Path, instances: int, words: str) -> bool:
    """Whether the log of each of the ``instances`` started by ``_bots`` holds ``words``."""
    return all(words in (logs / f"bot-{n}.log").read_text() for n in range(instances))


def _all_listening(ports: list[int]) -> bool:
    import socket

    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return False
    return True


def _reminder_posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        {"channel": call.args.get("channel"), "text": str(call.args)}
        for call in fake.calls_to("chat.postMessage")
        if "send the quote" in str(call.args) or "sign the form" in str(call.args)
    ]


# -- Slack Socket Mode: one connection per instance ------------------------------------------


class SocketsFakeSlack(FakeSlack):
    """Slack spreads an app's envelopes over its open connections (up to 10)."""

    async def send_over(
        self, connection: int, kind: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        envelope_id = f"env-{next(self._counter)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self._sockets[connection].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "accepts_response_payload": True,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": payload,
            }
        )
        return await asyncio.wait_for(future, 10)


def test_slack_socket_mode_instances_each_hold_a_connection_and_handle_their_envelopes(
    pg_cluster: Any, tmp_path: Path
) -> None:
    db_url = _database(pg_cluster, "slack_socket_fleet")
    envelopes = 24

    async def scenario() -> list[dict[str, Any]]:
        fake = SocketsFakeSlack()
        fake.tokens["xoxb-fleet"] = "T0"
        await fake.start()
        envs = [
            {
                "DATABASE_URL": db_url,
                "TOUCHPOINT_HTTP_PORT": str(free_port()),
                "SLACK_BOT_TOKEN": "xoxb-fleet",
                "SLACK_APP_TOKEN": "xapp-fleet",
                "SLACK_API_URL": fake.api_url,
            }
            for _ in range(3)
        ]
        try:
            async with _bots(envs, tmp_path):
                deadline = time.monotonic() + 60
                while len(fake._sockets) < 3:
                    assert time.monotonic() < deadline, "not every instance connected"
                    await asyncio.sleep(0.05)
                submissions = [
                    payloads.view_submission(
                        payloads.fill(_form(n), challenges=f"problem {n}"), team="T0", user="U1"
                    )
                    for n in range(envelopes)
                ]
                return list(
                    await asyncio.gather(
                        *(
                            fake.send_over(n % 3, "interactive", submission)
                            for n, submission in enumerate(submissions)
                        )
                    )
                )
        finally:
            await fake.stop()

    acks = asyncio.run(scenario())
    assert all(set(ack) == {"envelope_id"} for ack in acks), acks  # each form closed: saved
    container = build(load_settings({"DATABASE_URL": db_url}, dotenv=None))
    with container.engine.connect() as connection:
        recorded = connection.scalar(select(func.count()).select_from(TouchpointRow))
    container.close()
    assert recorded == envelopes


def _form(n: int) -> dict[str, Any]:
    from bot.adapters.slack import views
    from bot.core.model import DEFAULT_COMPLETION_CODES, Kind

    return views.record_modal(
        customer=f"+customer {n % 4}",
        kind=Kind.CALL,
        notes="",
        codes=DEFAULT_COMPLETION_CODES,
        owner="U1",
        channel="C1",
    )


# -- Discord shards over processes -----------------------------------------------------------


class ShardedFakeDiscord(FakeDiscord):
    """The fake gateway with one session per shard: a server's events go to the
    connection that identified with its shard, ``(guild_id >> 22) % shard_count``."""

    def __init__(self) -> None:
        super().__init__()
        self.shard_sockets: dict[int, Any] = {}
        self.shard_sessions: dict[int, Session] = {}
        self._current_guild: int | None = None

    def shard_of(self, guild_id: int, count: int) -> int:
        return (guild_id >> 22) % count

    def add_guild_on_shard(self, name: str, shard: int, count: int) -> Guild:
        """A server whose id puts it on ``shard`` (Discord's rule uses the id's time)."""
        guild = self.add_guild(name)
        del self.guilds[guild.id]
        stamp = guild.id >> 22
        while stamp % count != shard:
            stamp += 1
        guild.id = (stamp << 22) | (guild.id & 0x3FFFFF)
        self.guilds[guild.id] = guild
        return guild

    async def _identify(self, ws: Any, data: Any) -> None:
        shard, count = data.get("shard", [0, 1])
        self.shard_sockets[shard] = ws
        self._ws = ws  # the parent answers on the latest connection
        self.identify.append(data)
        guilds = {g: v for g, v in self.guilds.items() if self.shard_of(g, count) == shard}
        everything, self.guilds = self.guilds, guilds
        try:
            await super()._identify(ws, data)
            self.identify.pop()  # the parent appended it again
        finally:
            self.guilds = everything
        assert self._session is not None
        self.shard_sessions[shard] = self._session

    async def dispatch(self, event: str, data: Any) -> None:
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if event != "INTERACTION_CREATE" or guild_id is None:
            await super().dispatch(event, data)
            return
        count = self.identify[0]["shard"][1]
        shard = self.shard_of(int(guild_id), count)
        self._session, self._ws = self.shard_sessions[shard], self.shard_sockets[shard]
        await super().dispatch(event, data)


def test_discord_shards_spread_over_three_processes_each_serve_their_own_servers(
    pg_cluster: Any, tmp_path: Path
) -> None:
    db_url = _database(pg_cluster, "discord_shards")

    async def scenario() -> tuple[list[Any], dict[int, int]]:
        fake = ShardedFakeDiscord()
        guilds = [fake.add_guild_on_shard(f"Server {n}", n % 3, 3) for n in range(6)]
        await fake.start()
        envs = [
            {
                "DATABASE_URL": db_url,
                "TOUCHPOINT_HTTP_PORT": str(free_port()),
                "DISCORD_BOT_TOKEN": TOKEN,
                "DISCORD_API_URL": fake.api_url,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
                "DISCORD_SHARD_COUNT": "3",
                "DISCORD_SHARD_IDS": str(shard),
                "LOG_LEVEL": "INFO",  # to see when each has its servers
            }
            for shard in range(3)
        ]
        answered: dict[int, int] = {}  # server -> the shard whose connection carried it
        try:
            async with _bots(envs, tmp_path):
                deadline = time.monotonic() + 60
                while len(fake.shard_sessions) < 3:
                    assert time.monotonic() < deadline, "not every shard identified"
                    await asyncio.sleep(0.05)
                # The servers of each shard arrive after READY; each says when it has them.
                await asyncio.to_thread(
                    _wait_for, lambda: _all_say(tmp_path, 3, "Discord ready as"), 30, "ready"
                )
                for guild in guilds:
                    callback = await fake.slash(guild, 2_000_000_000_000_000_001, "help")
                    assert callback.type == 4, callback.data
                    answered[guild.id] = fake.shard_of(guild.id, 3)
        finally:
            await fake.close()
        return list(fake.identify), answered

    identified, answered = asyncio.run(scenario())
    assert sorted(tuple(i["shard"]) for i in identified) == [(0, 3), (1, 3), (2, 3)]
    assert set(answered.values()) == {0, 1, 2}
