"""The HTTP server: Slack's requests in HTTP mode, the OAuth install flow, a health check.

Every ``/slack/events`` request's signature is verified before its body is parsed (401
when it is missing, forged or more than five minutes old), so nothing a stranger sends is
ever parsed, and Bolt is not asked to verify it again (``request_verification_enabled``
is off in ``app.py``). An interactive payload (a form submitted, a button pressed: one
``payload`` field of URL-encoded JSON, 15-20 kB for a form) is decoded here by yarl's
compiled decoder and handed to Bolt as the JSON it is: Python's ``parse_qsl`` took a
millisecond of each form's CPU under load, a fifth of the bot's work on a submission. The
one exception is Slack's unsigned certificate
check, recognised by its exact shape (a short form of ``ssl_check=1`` and a token) without
parsing anything else. An exact replay of a signed request within its five minutes is
answered but changes nothing (``replays``: only requests that could change something are
checked). A signed body no one can read is a 400, a client that hangs
up mid-body is let go, neither logs a traceback. The socket is bound here, so port 0 picks a
free port.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, urlencode

from aiohttp import ClientError, web
from aiohttp.http_exceptions import HttpProcessingError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from yarl import URL

from bot.adapters.slack.installations import OrgWideInstallRefused
from bot.adapters.slack.replays import ReplayGuard, needs_check, signed_key
from bot.http_limits import (
    DEFAULT_LIMITS,
    BodyTooSlow,
    ServerLimits,
    cap_connections,
    read_body,
)

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SHUTDOWN_GRACE = 10.0  # seconds a request in flight gets to finish on stop


class WebServer:
    def __init__(
        self,
        app: AsyncApp,
        *,
        host: str,
        port: int,
        events: bool,
        signing_secret: str = "",
        extra_routes: Sequence[web.RouteDef] = (),
        replays: ReplayGuard | None = None,
        limits: ServerLimits = DEFAULT_LIMITS,
    ) -> None:
        """``replays`` tells a signed request seen before (None: every one is new)."""
        if events and not signing_secret:
            # Bolt does not verify again (app.py): without the secret nothing would.
            raise ValueError("serving Slack's events needs the app's signing secret")
        self._app = app
        self._replays = replays
        self._limits = limits
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._extra_routes = tuple(extra_routes)
        self._host = host
        self._port = port
        self._events = events
        self._runner: web.AppRunner | None = None
        self.port = port

    def routes(self) -> web.Application:
        application = web.Application()
        application.router.add_get(HEALTH_PATH, self._health)
        application.add_routes(self._extra_routes)  # the bot's own routes: calendar feeds
        if self._events:
            application.router.add_post(EVENTS_PATH, self._dispatch)
        flow = self._app.oauth_flow
        if flow is not None:
            application.router.add_get(flow.install_path, self._install)
            application.router.add_get(flow.redirect_uri_path, self._oauth_redirect)
        return application

    async def start(self) -> None:
        runner = web.AppRunner(
            self.routes(),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_GRACE,
            **self._limits.runner_options(),
        )
        await runner.setup()
        cap_connections(runner, self._limits)
        sock = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        self.port = int(sock.getsockname()[1])
        await web.SockSite(runner, sock).start()
        self._runner = runner
        log.info("Slack HTTP server listening on http://%s:%d", self._host, self.port)

    async def stop(self) -> None:
        """Stop accepting connections; requests in flight finish first."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await read_body(request, self._limits)
        except (OSError, ClientError, HttpProcessingError, BodyTooSlow):
            # The client hung up mid-body, sent a broken one or too slowly: let it go.
            return web.Response(status=400, text="incomplete request")
        ssl_check = _is_ssl_check(body, request.content_type)
        if not ssl_check and not self._signed(body, request):
            return web.Response(status=401, text="invalid request")  # as Bolt answers it
        try:
            # Slack sends UTF-8 whatever the header says; a made-up charset must not reach
            # the decoder as an encoding name (a LookupError, and a 500).
            text = body.decode("utf-8")
            bolt_request = AsyncBoltRequest(
                body=text if ssl_check else _decoded_payload(text, request.content_type),
                query=request.query_string,
                headers=dict(request.headers),
            )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            # Not JSON, not UTF-8, nested beyond reading, a number too long to convert.
            log.warning("refused a signed Slack request that could not be read")
            return web.Response(status=400, text="unreadable request")
        if not ssl_check and not await self._first_time(request, bolt_request.body):
            return web.Response(status=200, text="")  # an exact replay: already done
        response = await self._app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, request: web.Request) -> bool:
        if self._verifier is None:
            return False  # not reached: events are served only with a signing secret
        try:
            return self._verifier.is_valid_request(body, dict(request.headers))
        except ValueError:  # a timestamp header that is not a number
            return False

    async def _first_time(self, request: web.Request, body: dict[str, object]) -> bool:
        """False for a signed request seen before: Slack's signature cannot tell a replay
        within its five minutes, the (timestamp, signature) pair can."""
        if self._replays is None or not needs_check(body):
            return True
        key = signed_key(
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.headers.get("X-Slack-Signature", ""),
        )
        return await self._replays.first_time(key)

    async def _install(self, request: web.Request) -> web.Response:
        flow = self._app.oauth_flow
        assert flow is not None
        # Bolt decodes ``team`` and pastes it into the authorize URL as it is: encoded once
        # more here, "T1&scope=admin" stays one value instead of adding a parameter.
        query = urlencode([(k, quote(v, safe="")) for k, v in request.query.items() if k == "team"])
        bolt_request = AsyncBoltRequest(body="", query=query, headers=dict(request.headers))
        return await to_aiohttp_response(await flow.handle_installation(bolt_request))

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self._app.oauth_flow
        assert flow is not None
        try:
            answer = await flow.handle_callback(await to_bolt_request(request))
        except OrgWideInstallRefused as refused:
            return web.Response(status=400, text=str(refused), content_type="text/plain")
        return await to_aiohttp_response(answer)

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"ok": True})


SSL_CHECK_MAX_BYTES = 256


def _decoded_payload(text: str, content_type: str) -> str:
    """An interactive payload's JSON, decoded from its form; any other body as it is (Bolt
    reads a body that starts with ``{`` as JSON, anything else as a form)."""
    if content_type != "application/x-www-form-urlencoded" or not text.startswith("payload="):
        return text
    fields = URL.build(query_string=text, encoded=True).query
    payload = fields.get("payload", "")
    if len(fields) != 1 or not payload.startswith("{"):
        return text  # not the one field Slack sends: Bolt reads it its own way
    return payload


def _is_ssl_check(body: bytes, content_type: str) -> bool:
    """Slack's certificate check, which Bolt answers unsigned: exactly a short form with
    ``ssl_check=1`` and at most a token. Anything else waits for the signature check."""
    if content_type != "application/x-www-form-urlencoded" or len(body) > SSL_CHECK_MAX_BYTES:
        return False
    try:
        fields = parse_qsl(body.decode("ascii"), strict_parsing=True, max_num_fields=2)
    except ValueError:  # not ASCII, not a form, too many fields
        return False
    names = [name for name, _ in fields]
    return (
        ("ssl_check", "1") in fields
        and set(names) <= {"ssl_check", "token"}
        and (len(names) == len(set(names)))
    )
