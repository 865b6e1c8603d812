"""A fake Discord on 127.0.0.1: the REST API and the gateway, for the real discord.py.

It implements what the adapter uses, the way Discord does it: login and application
info, command sync, interaction callbacks and follow-ups, channel messages (nonce
dedupe, history with ``after``, files uploaded as multipart with ``payload_json``, refused
without the Attach Files permission), and a gateway session (HELLO, IDENTIFY -> READY +
GUILD_CREATE, heartbeats, dispatches with sequence numbers, RECONNECT -> RESUME with the
missed events replayed -> RESUMED). Failures can be injected per route.

Like Discord, it refuses a message, modal, autocomplete answer or command list that
crosses one of Discord's limits (HTTP 400, code 50035 "Invalid Form Body") and keeps the
refusal in ``refused``, so a test whose payload Discord would not take fails.

Tests drive it as a user would: ``await fake.slash(...)`` dispatches an
INTERACTION_CREATE and returns the bot's callback once it arrives.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from . import payloads as p
from .limits_check import (
    choices_problems,
    commands_problems,
    message_problems,
    modal_problems,
    refusal_body,
)

Json = dict[str, Any]
APP_ID = 1_100_000_000_000_000_001
BOT_ID = 1_100_000_000_000_000_002
OWNER_ID = 1_100_000_000_000_000_003
TOKEN = "fake-bot-token"
NONCE_MEMORY = timedelta(minutes=5)
CDN = "https://cdn.discordapp.com/attachments"
MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}


@dataclass
class Guild:
    id: int
    name: str
    channels: dict[str, int]  # name -> id


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: Json
    headers: dict[str, str]
    times: int
    lost: bool  # the request takes effect, but its answer is lost (an error instead)


@dataclass
class Callback:
    """What the bot answered to one interaction, with when it arrived."""

    type: int
    data: Json
    received_at: float  # time.perf_counter()
    dispatched_at: float

    @property
    def latency_ms(self) -> float:
        return (self.received_at - self.dispatched_at) * 1000


@dataclass
class Session:
    id: str
    events: list[Json] = field(default_factory=list)  # for RESUME replays
    seq: int = 0


class FakeDiscord:
    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self.now = now or (lambda: datetime.now(UTC))
        self.bot = p.user(BOT_ID, "touchpoint", bot=True)
        self.guilds: dict[int, Guild] = {}
        self.messages: dict[int, Json] = {}  # every message, ephemeral ones included
        self.direct: dict[int, int] = {}  # user id -> the bot's DM channel with them
        self.requests: list[tuple[str, str, Any]] = []
        self.synced: dict[str, list[Json]] = {}
        self.identify: list[Json] = []
        self.resumes: list[Json] = []
        self.connections: list[str] = []  # gateway paths the bot connected to
        self.callbacks: dict[int, Callback] = {}
        self.followups: dict[str, list[Json]] = {}  # token -> messages
        self.failures: list[Failure] = []
        self.enforce_limits = True  # refuse what Discord would refuse
        self.refused: list[tuple[str, str, list[str]]] = []  # (method, path, problems)
        self.uploads: dict[str, bytes] = {}  # attachment url -> the file's bytes
        self.no_attach_files: set[int] = set()  # channels where the bot may not upload
        self._files: dict[int, bytes] = {}  # the current request's files, by index
        self._nonces: dict[tuple[int, str], tuple[int, datetime]] = {}
        self._waiting: dict[int, asyncio.Future[Callback]] = {}
        self._dispatched: dict[int, float] = {}
        self._session: Session | None = None
        self._ws: web.WebSocketResponse | None = None
        self._ready = asyncio.Event()
        self._resumed = asyncio.Event()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._interaction_channel: dict[int, int] = {}
        self._interaction_message: dict[int, int] = {}
        self._interaction_type: dict[int, int] = {}
        self._token_interaction: dict[str, int] = {}
        self._interaction_user: dict[int, Json] = {}

    # -- life ---------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway/", self._gateway)
        # Discord hands out a different host for resuming; here, a different path.
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def add_guild(self, name: str, channels: tuple[str, ...] = ("general", "customers")) -> Guild:
        guild_id = self.snowflake()
        guild = Guild(guild_id, name, {c: self.snowflake() for c in channels})
        self.guilds[guild_id] = guild
        return guild

    def snowflake(self) -> int:
        return p.snowflake(self.now())

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        body: Json | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        lost: bool = False,
    ) -> None:
        """The next ``times`` matching requests get this error instead (``lost``: after
        taking effect, as when Discord posted the message but the answer never came)."""
        self.failures.append(
            Failure(method, re.compile(path), status, body or {}, headers or {}, times, lost)
        )

    # -- REST ---------------------------------------------------------------------------

    def _json(
        self, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> web.Response:
        # Exactly "application/json": discord.py parses JSON only then.
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        body, self._files = await self._read_body(request)
        self.requests.append((request.method, path, body))
        if request.headers.get("Authorization") != f"Bot {TOKEN}" and not path.startswith(
            ("/interactions/", "/webhooks/")
        ):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        failure = next(
            (
                f
                for f in self.failures
                if f.times and f.method == request.method and f.path.search(path)
            ),
            None,
        )
        if failure is not None:
            failure.times -= 1
            if not failure.lost:
                return self._json(failure.body, failure.status, failure.headers)
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                problems = self._problems(method, pattern, body)
                if problems:
                    self.refused.append((method, path, problems))
                    return self._json(refusal_body(problems), 400)
                result = handler(request, body, *match.groups())
                if failure is not None:
                    return self._json(failure.body, failure.status, failure.headers)
                return result if isinstance(result, web.Response) else self._json(result)
        return self._json({"message": "404: Not Found", "code": 0}, 404)

    def _problems(self, method: str, pattern: str, body: Any) -> list[str]:
        """What Discord would refuse in this request's body (nothing when not enforcing)."""
        if not self.enforce_limits or body is None:
            return []
        if pattern.endswith("/commands"):
            return commands_problems(body)
        if pattern.endswith("/callback"):
            kind, data = body.get("type"), body.get("data") or {}
            if kind in (4, 7):
                return message_problems(data)
            if kind == 9:
                return modal_problems(data)
            if kind == 8:
                return choices_problems(data)
            return []
        if method in {"POST", "PATCH"}:
            return message_problems(body)
        return []

    async def _read_body(self, request: web.Request) -> tuple[Any, dict[int, bytes]]:
        """JSON, or (with files) multipart: ``payload_json`` and ``files[n]`` parts."""
        if not request.can_read_body:
            return None, {}
        if not request.content_type.startswith("multipart/"):
            return await request.json(), {}
        body: Any = None
        files: dict[int, bytes] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            assert isinstance(part, BodyPartReader)
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                index = re.fullmatch(r"files\[(\d+)\]", part.name or "")
                assert index is not None, f"unexpected multipart field {part.name!r}"
                files[int(index.group(1))] = bytes(await part.read())
        return body, files

    def _attachments(self, body: Json, *, ephemeral: bool) -> list[Json]:
        """The uploaded files of a new message: each ``attachments`` entry names a
        ``files[n]`` part by its ``id`` n."""
        found = []
        for sent in body.get("attachments") or []:
            data = self._files[int(sent["id"])]
            attachment_id = self.snowflake()
            url = f"{CDN}/{attachment_id}/{sent['filename']}"
            self.uploads[url] = data
            found.append(p.attachment(attachment_id, sent, data, url, ephemeral=ephemeral))
        return found

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", r"/users/@me", lambda r, b: p.me(BOT_ID, "touchpoint")),
            ("POST", r"/users/@me/channels", self._open_direct),
            (
                "GET",
                r"/oauth2/applications/@me",
                lambda r, b: p.application(APP_ID, self.bot, p.user(OWNER_ID, "owner")),
            ),
            ("PUT", r"/applications/(\d+)/commands", self._sync),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._sync),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/@original", self._edit_original),
            ("POST", r"/channels/(\d+)/messages", self._create_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message),
            ("GET", r"/channels/(\d+)/messages", self._history),
        ]

    def _sync(self, request: web.Request, body: list[Json], app: str, guild: str = "") -> Any:
        answered = []
        for command in body:
            answered.append(
                {
                    "id": str(self.snowflake()),
                    "application_id": app,
                    "version": str(self.snowflake()),
                    "default_member_permissions": None,
                    "type": 1,
                    "nsfw": False,
                    "description": "",
                    "contexts": None,
                    "integration_types": [0],
                    **command,
                    **({"guild_id": guild} if guild else {}),
                }
            )
        self.synced[guild or "global"] = answered
        return answered

    def _new_message(
        self, channel_id: int, body: Json, *, flags: int = 0, interaction: Json | None = None
    ) -> Json:
        guild_id = self._guild_of(channel_id)
        msg = p.message(
            self.snowflake(),
            channel_id,
            guild_id,
            self.bot,
            self.now(),
            body,
            flags=flags,
            interaction=interaction,
            attachments=self._attachments(body, ephemeral=bool(flags & 64)),
        )
        self.messages[int(msg["id"])] = msg
        return msg

    def _guild_of(self, channel_id: int) -> int | None:
        for guild in self.guilds.values():
            if channel_id in guild.channels.values():
                return guild.id
        return None

    def _callback(self, request: web.Request, body: Json, interaction_id: str, token: str) -> Json:
        iid = int(interaction_id)
        kind, data = body["type"], body.get("data") or {}
        resource: Json = {"type": kind}
        ephemeral = bool(int(data.get("flags", 0)) & 64)
        response_message_id = None
        if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            msg = self._new_message(
                self._interaction_channel[iid],
                data,
                flags=int(data.get("flags", 0)),
                interaction=self._metadata(iid),
            )
            self.followups.setdefault(token, []).append(msg)
            resource["message"] = msg
            response_message_id = msg["id"]
        elif kind == 7:  # UPDATE_MESSAGE
            msg = self._apply_edit(self._interaction_message[iid], data)
            resource["message"] = msg
            response_message_id = msg["id"]
        callback = Callback(kind, body, time.perf_counter(), self._dispatched.get(iid, 0.0))
        self.callbacks[iid] = callback
        waiter = self._waiting.pop(iid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(callback)
        return {
            "interaction": {
                "id": interaction_id,
                "type": self._interaction_type[iid],
                "activity_instance_id": None,
                "response_message_id": response_message_id,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
            "resource": resource,
        }

    def _metadata(self, iid: int) -> Json:
        """``interaction_metadata`` of a message sent in answer to an interaction."""
        return {
            "id": str(iid),
            "type": self._interaction_type[iid],
            "user": self._interaction_user[iid],
            "authorizing_integration_owners": {
                "0": str(self._guild_of(self._interaction_channel[iid]))
            },
        }

    def _followup(self, request: web.Request, body: Json, app: str, token: str) -> Json:
        iid = self._token_interaction[token]
        msg = self._new_message(
            self._interaction_channel[iid],
            body,
            flags=int(body.get("flags", 0)),
            interaction=self._metadata(iid),
        )
        self.followups.setdefault(token, []).append(msg)
        return msg

    def _edit_original(self, request: web.Request, body: Json, app: str, token: str) -> Json:
        iid = self._token_interaction[token]
        message_id = self._interaction_message.get(iid)
        if message_id is None:  # a deferred command: the original is the first follow-up
            return self._followup(request, body, app, token)
        return self._apply_edit(message_id, body)

    def _open_direct(self, request: web.Request, body: Json) -> Json:
        user_id = int(body["recipient_id"])
        channel_id = self.direct.setdefault(user_id, self.snowflake())
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "recipients": [p.user(user_id, f"user{user_id}")],
        }

    def direct_messages(self, user_id: int) -> list[Json]:
        channel_id = self.direct.get(user_id)
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def _create_message(self, request: web.Request, body: Json, channel: str) -> Any:
        channel_id = int(channel)
        if self._guild_of(channel_id) is None and channel_id not in self.direct.values():
            return self._json({"message": "Unknown Channel", "code": 10003}, 404)
        if self._files and channel_id in self.no_attach_files:
            return self._json(MISSING_PERMISSIONS, 403)
        nonce = body.get("nonce")
        earlier = self._nonces.get((channel_id, nonce)) if nonce is not None else None
        if earlier is not None and body.get("enforce_nonce"):
            message_id, at = earlier
            if self.now() - at < NONCE_MEMORY:  # Discord remembers a nonce a few minutes
                return self.messages[message_id]
        msg = self._new_message(channel_id, body)
        if nonce is not None:
            self._nonces[(channel_id, nonce)] = (int(msg["id"]), self.now())
        return msg

    def _edit_message(self, request: web.Request, body: Json, channel: str, message: str) -> Any:
        if int(message) not in self.messages:
            return self._json({"message": "Unknown Message", "code": 10008}, 404)
        return self._apply_edit(int(message), body)

    def _apply_edit(self, message_id: int, body: Json) -> Json:
        msg = self.messages[message_id]
        for key in ("content", "components"):
            if key in body:
                msg[key] = body[key] or ([] if key == "components" else "")
        if "embeds" in body:
            msg["embeds"] = [p._embed(e) for e in body["embeds"] or []]
        msg["edited_timestamp"] = p.iso(self.now())
        msg.setdefault("edits", []).append(body)
        return msg

    def _history(self, request: web.Request, body: Any, channel: str) -> list[Json]:
        channel_id = int(channel)
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "50"))
        found = sorted(
            (
                m
                for m in self.messages.values()
                if int(m["channel_id"]) == channel_id
                and int(m["id"]) > after
                and not int(m["flags"]) & 64
            ),
            key=lambda m: int(m["id"]),
        )[:limit]
        return list(reversed(found))  # newest first, as Discord answers

    # -- the gateway ---------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections.append(request.path)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for raw in ws:
            if raw.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(raw.data)
            op = frame["op"]
            if op == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._identify(ws, frame["d"])
            elif op == 6:
                await self._resume(ws, frame["d"])
        if self._ws is ws:
            self._ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> None:
        assert data["token"] == TOKEN
        self.identify.append(data)
        self._session = Session(f"session-{next(self._ids)}")
        ready = {
            "v": 10,
            "user": {**self.bot, "mfa_enabled": True, "verified": True, "email": None},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": self._session.id,
            "session_type": "normal",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "shard": [0, 1],
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["rotterdam"],
            "user_settings": {},
            "auth": {},
            "_trace": ['["gateway-prd-fake",{"micros":1}]'],
        }
        await self.dispatch("READY", ready)
        for guild in self.guilds.values():
            await self.dispatch("GUILD_CREATE", self.guild_payload(guild))
        self._ready.set()

    def guild_payload(self, guild: Guild) -> Json:
        now = self.now()
        channels = [p.text_channel(cid, guild.id, name) for name, cid in guild.channels.items()]
        bot_member = p.member(self.bot, now)
        return p.guild_create(guild.id, guild.name, OWNER_ID, channels, bot_member, now)

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> None:
        self.resumes.append(data)
        session = self._session
        if session is None or data["session_id"] != session.id:
            await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
            return
        for event in session.events:
            if event["s"] > (data["seq"] or 0):
                await ws.send_json(event)
        await self.dispatch("RESUMED", {"_trace": ['["gateway-prd-fake",{"micros":1}]']})
        self._resumed.set()

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a DISPATCH; kept for replay, so events sent while the bot is away arrive
        when it resumes."""
        session = self._session
        assert session is not None, "the bot has not identified yet"
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.events.append(frame)
        if self._ws is not None and not self._ws.closed:
            await self._ws.send_json(frame)

    async def reconnect(self) -> None:
        """Ask the bot to reconnect (op 7) and wait until it has resumed."""
        assert self._ws is not None
        self._resumed.clear()
        await self._ws.send_json({"op": 7, "d": None, "s": None, "t": None})
        await asyncio.wait_for(self._resumed.wait(), 10)

    async def drop_connection(self) -> None:
        """The connection breaks (no goodbye); events until the bot resumes are queued."""
        assert self._ws is not None
        self._resumed.clear()
        ws, self._ws = self._ws, None
        await ws.close(code=4000)

    async def wait_resumed(self) -> None:
        await asyncio.wait_for(self._resumed.wait(), 15)

    # -- acting as users ----------------------------------------------------------------

    def member(self, user_id: int, name: str, *, manager: bool = False) -> Json:
        perms = p.ALL_PERMISSIONS if manager else p.MEMBER_PERMISSIONS
        return p.member(p.user(user_id, name), self.now(), permissions=perms)

    async def interact(
        self,
        guild: Guild,
        user_id: int,
        kind: int,
        data: Json | None,
        *,
        channel: str = "customers",
        message_id: int | None = None,
        manager: bool = False,
        wait: bool = True,
        seen: Json | None = None,
    ) -> Callback | None:
        """Dispatch an INTERACTION_CREATE from ``user_id``; return the bot's callback."""
        iid = self.snowflake()
        channel_id = guild.channels[channel]
        token = f"token-{iid}"
        self._interaction_channel[iid] = channel_id
        self._interaction_type[iid] = kind
        self._token_interaction[token] = iid
        member_data = self.member(user_id, f"user{user_id % 1000}", manager=manager)
        self._interaction_user[iid] = member_data["user"]
        if message_id is not None:
            self._interaction_message[iid] = message_id
        payload = p.interaction(
            iid,
            APP_ID,
            kind,
            data,
            guild.id,
            p.text_channel(channel_id, guild.id, channel),
            member_data,
            message_data=seen or (self.messages[message_id] if message_id is not None else None),
            token=token,
        )
        waiter: asyncio.Future[Callback] = asyncio.get_running_loop().create_future()
        self._waiting[iid] = waiter
        self._dispatched[iid] = time.perf_counter()
        await self.dispatch("INTERACTION_CREATE", payload)
        if not wait:
            return None
        return await asyncio.wait_for(waiter, 10)

    def command_id(self, name: str) -> str:
        for commands in self.synced.values():
            for command in commands:
                if command["name"] == name:
                    return str(command["id"])
        raise AssertionError(f"/{name} was not synced")

    async def slash(
        self, guild: Guild, user_id: int, sub: str, manager: bool = False, **options: str
    ) -> Callback:
        data = {
            "id": self.command_id("touchpoint"),
            "name": "touchpoint",
            "type": 1,
            "guild_id": str(guild.id),
            "options": [
                {
                    "name": sub,
                    "type": 1,
                    "options": [
                        {"name": k, "type": 7 if k == "channel" else 3, "value": v}
                        for k, v in options.items()
                    ],
                }
            ],
        }
        if "channel" in options:
            cid = options["channel"]
            data["resolved"] = {
                "channels": {
                    cid: {
                        "id": cid,
                        "name": "customers",
                        "type": 0,
                        "permissions": p.ALL_PERMISSIONS,
                        "parent_id": None,
                        "nsfw": False,
                        "flags": 0,
                        "last_message_id": None,
                        "rate_limit_per_user": 0,
                        "topic": None,
                        "position": 0,
                        "guild_id": str(guild.id),
                    }
                }
            }
        callback = await self.interact(guild, user_id, 2, data, manager=manager)
        assert callback is not None
        return callback

    async def autocomplete(
        self, guild: Guild, user_id: int, sub: str, focused: str, value: str
    ) -> list[Json]:
        data = {
            "id": self.command_id("touchpoint"),
            "name": "touchpoint",
            "type": 1,
            "guild_id": str(guild.id),
            "options": [
                {
                    "name": sub,
                    "type": 1,
                    "options": [{"name": focused, "type": 3, "value": value, "focused": True}],
                }
            ],
        }
        callback = await self.interact(guild, user_id, 4, data)
        assert callback is not None and callback.type == 8
        return list(callback.data["data"]["choices"])

    async def submit(
        self, guild: Guild, user_id: int, modal: Json, values: dict[str, str]
    ) -> Callback:
        """Fill in and submit the modal the bot opened (a callback of type 9)."""
        components = []
        for number, label in enumerate(modal["components"], start=1):
            inner = label["component"]
            components.append(
                {
                    "type": 18,
                    "id": number * 2 - 1,
                    "component": {
                        "type": 4,
                        "id": number * 2,
                        "custom_id": inner["custom_id"],
                        "value": values.get(inner["custom_id"], ""),
                    },
                }
            )
        data = {"custom_id": modal["custom_id"], "components": components}
        callback = await self.interact(guild, user_id, 5, data)
        assert callback is not None
        return callback

    async def press(
        self, guild: Guild, user_id: int, message_id: int, custom_id: str, seen: Json | None = None
    ) -> Callback:
        """Press a button; ``seen`` is the message as that user's screen showed it (two
        people pressing at once both see the buttons)."""
        msg = self.messages[message_id]
        channel = next(n for n, c in guild.channels.items() if c == int(msg["channel_id"]))
        data = {"custom_id": custom_id, "component_type": 2}
        callback = await self.interact(
            guild, user_id, 3, data, channel=channel, message_id=message_id, seen=seen
        )
        assert callback is not None
        return callback

    async def context_menu(self, guild: Guild, user_id: int, target: Json) -> Callback:
        data = {
            "id": self.command_id("Record touchpoint"),
            "name": "Record touchpoint",
            "type": 3,
            "guild_id": str(guild.id),
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        callback = await self.interact(guild, user_id, 2, data)
        assert callback is not None
        return callback

    async def react(self, guild: Guild, user_id: int, message_id: int, emoji: str) -> None:
        msg = self.messages[message_id]
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            p.reaction_add(
                user_id,
                int(msg["channel_id"]),
                message_id,
                guild.id,
                self.member(user_id, f"user{user_id % 1000}"),
                emoji,
                int(msg["author"]["id"]),
            ),
        )

    async def react_in_direct_messages(self, user_id: int, message_id: int, emoji: str) -> None:
        """``user_id`` reacts on a message of the bot's direct messages with them."""
        msg = self.messages[message_id]
        assert int(msg["channel_id"]) == self.direct[user_id], "not in their direct messages"
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            p.reaction_add(
                user_id, int(msg["channel_id"]), message_id, None, None, emoji,
                int(msg["author"]["id"]),
            ),
        )  # fmt: skip

    def post_as_user(
        self, guild: Guild, user_id: int, content: str, channel: str = "customers"
    ) -> Json:
        """A message someone typed (the bot does not see it: no message-content intent)."""
        msg = p.message(
            self.snowflake(),
            guild.channels[channel],
            guild.id,
            p.user(user_id, "someone"),
            self.now(),
            {"content": content},
        )
        self.messages[int(msg["id"])] = msg
        return msg

    def channel_messages(self, guild: Guild, channel: str = "customers") -> list[Json]:
        cid = guild.channels[channel]
        return [
            m
            for m in self.messages.values()
            if int(m["channel_id"]) == cid
            and not int(m["flags"]) & 64
            and m["author"]["id"] == str(BOT_ID)
        ]

    async def settle(self, seconds: float = 0.05) -> None:
        """Give the bot time to act on an event that should change nothing: an absence
        cannot be polled for. Wait for an outcome by polling for it instead."""
        await asyncio.sleep(seconds)

    def answers(self, callback: Callback) -> list[Json]:
        """Every message the bot sent in answer to one interaction, in order."""
        token = next(
            t for t, i in self._token_interaction.items() if self.callbacks.get(i) is callback
        )
        return self.followups.get(token, [])
