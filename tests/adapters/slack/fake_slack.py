"""A local fake of Slack's Web API (and its Socket Mode websocket), on 127.0.0.1.

It records every call, keeps posted messages per channel (with their metadata, so history
searches work), answers the methods the adapter uses in Slack's documented shapes, and can
be told to fail: HTTP 429 with Retry-After, HTTP 500, or an ``ok: false`` error code.

Like Slack, it refuses a message or view that crosses one of Slack's limits (answering
``invalid_blocks``, ``msg_blocks_too_long`` or ``invalid_arguments``; a ``response_url``
post gets HTTP 400) and keeps the refusal in ``refused``, so a test whose payload Slack
would not take fails.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .limits_check import Refusal, check_message, check_view

BOT_USER = "UBOT"
BOT_ID = "BBOT"
# The team to give ``oauth_teams`` for an org-wide install's code.
ORG_WIDE = "org-wide"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Fault:
    status: int = 200
    error: str = ""
    retry_after: int | None = None


@dataclass
class FakeSlack:
    tokens: dict[str, str] = field(default_factory=lambda: {"xoxb-T1": "T1"})
    names: dict[str, str] = field(default_factory=dict)
    admins: set[str] = field(default_factory=set)  # users.info says is_admin for these
    now: Callable[[], float] = time.time
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    oauth_teams: dict[str, str] = field(default_factory=dict)  # code -> team id
    no_ephemeral: set[str] = field(default_factory=set)  # channels refusing postEphemeral
    keep_arguments: bool = True  # False in benchmarks: millions of kept objects slow the GC
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> the bytes sent
    upload_names: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> args
    shared_files: list[dict[str, Any]] = field(default_factory=list)  # files.completeUpload…
    enforce_limits: bool = True  # refuse what Slack would refuse
    refused: list[tuple[str, Refusal]] = field(default_factory=list)  # (method, why)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._counter = itertools.count(1)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.socket_connected = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.base}/respond/{name}"

    # -- what tests ask ----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        self.faults[method] += [Fault(status, error, retry_after)] * times

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def last(self, method: str) -> Call:
        found = self.calls_to(method)
        assert found, f"no call to {method}; calls: {[c.method for c in self.calls]}"
        return found[-1]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.calls_to(method)

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        return next(m for m in self.messages[channel] if m["ts"] == ts)

    # -- the Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _arguments(request)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            args |= {"client_id": client_id, "client_secret": secret}
            auth = ""
        token = auth.removeprefix("Bearer ") or args.pop("token", None)
        self.calls.append(Call(method, args if self.keep_arguments else {}, token))
        async with self._changed:
            self._changed.notify_all()
        if self.faults[method]:
            fault = self.faults[method].pop(0)
            if fault.status == 429:
                headers = {"Retry-After": str(fault.retry_after or 1)}
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers=headers
                )
            if fault.status >= 500:
                return web.Response(
                    status=fault.status,
                    text="<html>upstream error</html>",
                    content_type="text/html",
                )
            return web.json_response({"ok": False, "error": fault.error})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        refusal = self._refusal(method, args)
        if refusal is not None:
            self.refused.append((method, refusal))
            return web.json_response(
                {
                    "ok": False,
                    "error": refusal.error,
                    "response_metadata": {"messages": [f"[ERROR] {refusal.why}"]},
                }
            )
        return web.json_response(handler(args, token))

    def _refusal(self, method: str, args: dict[str, Any]) -> Refusal | None:
        if not self.enforce_limits:
            return None
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
            blocks = args.get("blocks")
            return check_message(blocks if isinstance(blocks, list) else None, args.get("text", ""))
        if method in {"views.open", "views.update", "views.publish"} and isinstance(
            args.get("view"), dict
        ):
            return check_view(args["view"])
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        """Where ``files.getUploadURLExternal`` sends the bytes (a multipart form or the
        raw body)."""
        file_id = request.match_info["id"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            field = next(iter(form.values()))
            data = field.file.read() if hasattr(field, "file") else str(field).encode()
        else:
            data = await request.read()
        self.uploads[file_id] = data
        return web.Response(text=f"OK - {len(data)}")

    def _files_getUploadURLExternal(
        self, args: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        file_id = f"F{next(self._counter):06d}"
        self.upload_names[file_id] = dict(args)
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(
        self, args: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        files = json.loads(args["files"]) if isinstance(args["files"], str) else args["files"]
        for entry in files:
            self.shared_files.append({**entry, **{k: v for k, v in args.items() if k != "files"}})
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    def _ts(self) -> str:
        return f"{int(self.now())}.{next(self._counter):06d}"

    def _auth_test(self, _: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.tokens.get(token or "")
        if team is None:
            return {"ok": False, "error": "invalid_auth"}
        if team == ORG_WIDE:
            return {
                "ok": True,
                "url": "https://enterprise.enterprise.slack.com/",
                "team": "Enterprise",
                "team_id": None,
                "enterprise_id": "E1",
                "user": "touchpoint",
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": True,
            }
        return {
            "ok": True,
            "url": f"https://{team.lower()}.slack.com/",
            "team": f"Team {team}",
            "team_id": team,
            "user": "touchpoint",
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _chat_postMessage(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = str(args["channel"])
        message = {
            "type": "message",
            "ts": self._ts(),
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
        }
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        self.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _chat_update(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel, ts = str(args["channel"]), str(args["ts"])
        for message in self.messages[channel]:
            if message["ts"] == ts:
                message["text"] = args.get("text", message["text"])
                message["blocks"] = args.get("blocks") or message["blocks"]
                message["edited"] = True
                return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}
        return {"ok": False, "error": "message_not_found"}

    def _chat_postEphemeral(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if args.get("channel") in self.no_ephemeral:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._ts()}

    def _conversations_history(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = str(args["channel"])
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or 1e12)
        inclusive = str(args.get("inclusive", "")).lower() in {"1", "true"}
        newest_first = [
            m
            for m in reversed(self.messages[channel])
            if (oldest <= float(m["ts"]) <= latest)
            if inclusive or oldest < float(m["ts"]) < latest
        ]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = newest_first[start : start + limit]
        with_metadata = str(args.get("include_all_metadata", "")).lower() in {"1", "true"}
        shown = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page
        ]
        more = start + limit < len(newest_first)
        return {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        users = str(args.get("users") or "")
        if not users or "," in users:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "channel": {"id": f"D{users}"}}

    def _conversations_join(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": args.get("channel")}}

    def _views_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": f"V{next(self._counter)}", **args["view"]}}

    def _views_update(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "view": args.get("view", {})}

    def _views_publish(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VHOME", **args["view"]}}

    def _reactions_add(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"ok": True}

    def _users_info(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        user = str(args["user"])
        name = self.names.get(user, user.lower())
        found = {"id": user, "name": name, "profile": {"display_name": name}}
        return {"ok": True, "user": {**found, "is_admin": user in self.admins}}

    def _apps_connections_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if not (token or "").startswith("xapp-"):
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _oauth_v2_access(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        team = self.oauth_teams.get(str(args.get("code")))
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        if team == ORG_WIDE:  # an Enterprise Grid org-wide install: no workspace
            self.tokens["xoxb-E1"] = ORG_WIDE
            return {
                "ok": True,
                "app_id": "A1",
                "authed_user": {"id": "UINSTALLER"},
                "scope": "commands,chat:write",
                "token_type": "bot",
                "access_token": "xoxb-E1",
                "bot_user_id": BOT_USER,
                "team": None,
                "enterprise": {"id": "E1", "name": "Enterprise"},
                "is_enterprise_install": True,
            }
        bot_token = f"xoxb-{team}"
        self.tokens[bot_token] = team
        return {
            "ok": True,
            "app_id": "A1",
            "authed_user": {"id": "UINSTALLER"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": bot_token,
            "bot_user_id": BOT_USER,
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        refusal = (
            check_message(body.get("blocks"), body.get("text", "")) if self.enforce_limits else None
        )
        if refusal is not None:
            self.refused.append(("response_url", refusal))
            return web.Response(status=400, text=refusal.error)
        self.responses.append({"url": request.match_info["id"], **body})
        self.calls.append(Call("response_url", self.responses[-1], None))
        async with self._changed:
            self._changed.notify_all()
        return web.Response(text="ok")

    # -- Socket Mode ---------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}
        )
        self.socket_connected.set()
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                data = json.loads(frame.data)
                future = self._acks.get(str(data.get("envelope_id")))
                if future is not None and not future.done():
                    future.set_result(data)
        self._sockets.remove(ws)
        return ws

    async def socket_send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Deliver an envelope over the websocket; returns the app's acknowledgement. The
        same ``envelope_id`` again is Slack redelivering one it thinks was not received."""
        await asyncio.wait_for(self.socket_connected.wait(), timeout)
        envelope_id = envelope_id or f"env-{next(self._counter)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": "timeout" if retry_attempt else "",
                "payload": payload,
            }
        )
        return await asyncio.wait_for(future, timeout)


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Query parameters and the body (JSON or form), as the SDK sends either."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return args | (dict(data) if isinstance(data, dict) else {})
    form = await request.post()
    for key, value in form.items():
        text = str(value)
        if key in {"blocks", "view", "metadata", "attachments"} and text[:1] in "[{":
            args[key] = json.loads(text)
        else:
            args[key] = text
    return args
