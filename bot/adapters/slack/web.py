"""The HTTP server: Slack's requests in HTTP mode, the OAuth install flow, a health check.

Every ``/slack/events`` request's signature is verified before its body is read as a Slack
payload (401 when it is missing, forged or more than five minutes old), so nothing a
stranger sends is ever parsed; Bolt verifies it again. A signed body no one can read is a
400, not a 500 with a traceback. The socket is bound here, so port 0 picks a free port.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

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
    ) -> None:
        self._app = app
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
            self.routes(), access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
        )
        await runner.setup()
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

    async def _dispatch(self, request: web.Request) -> web.Response:
        if not self._signed(await request.read(), request):
            return web.Response(status=401, text="invalid request")  # as Bolt answers it
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, KeyError, AttributeError):  # e.g. not JSON at all
            log.warning("refused a signed Slack request that could not be read")
            return web.Response(status=400, text="unreadable request")
        response = await self._app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, request: web.Request) -> bool:
        if self._verifier is None or _is_ssl_check(body):
            # Bolt verifies on its own, and answers Slack's unsigned certificate checks.
            return True
        try:
            return self._verifier.is_valid_request(body, dict(request.headers))
        except ValueError:  # a timestamp header that is not a number
            return False

    async def _install(self, request: web.Request) -> web.Response:
        flow = self._app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self._app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response({"ok": True})


def _is_ssl_check(body: bytes) -> bool:
    """Slack's certificate check (a form with ``ssl_check=1``), which Bolt answers unsigned."""
    return parse_qs(body.decode("utf-8", "replace")).get("ssl_check") == ["1"]
