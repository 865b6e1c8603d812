"""The Slack adapter: one Bolt ``AsyncApp``, served over Socket Mode or HTTP.

* Socket Mode when ``SLACK_APP_TOKEN`` is set: no public URL needed. Slack's connection is
  opened through ``apps.connections.open`` on ``SLACK_API_URL``.
* HTTP mode otherwise: ``/slack/events`` on ``TOUCHPOINT_HTTP_HOST:TOUCHPOINT_HTTP_PORT``,
  every request verified with ``SLACK_SIGNING_SECRET``.
* One workspace with ``SLACK_BOT_TOKEN``; many with ``SLACK_CLIENT_ID``,
  ``SLACK_CLIENT_SECRET`` and ``SLACK_STATE_SECRET``: the HTTP server then also serves
  ``/slack/install`` and ``/slack/oauth_redirect`` (in Socket Mode too) and installations
  are kept in the bot's database. The OAuth ``state`` is signed with the state secret
  (so several instances can share the flow), unique to each install page, expires after
  ten minutes and is accepted once (``oauth_state``).

``/healthz`` answers whenever the HTTP server runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.directory import Directory
from bot.adapters.slack.installations import (
    BOT_SCOPES,
    DatabaseInstallationStore,
    WorkspaceClients,
)
from bot.adapters.slack.listeners import Listeners
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.oauth_state import SingleUseStateStore
from bot.adapters.slack.replays import ReplayGuard, envelope_key, needs_check
from bot.adapters.slack.tasks import Background
from bot.adapters.slack.web import WebServer
from bot.config import Settings, SettingsError
from bot.core.interactions import Core

log = logging.getLogger(__name__)

API_TIMEOUT = 15  # seconds for one Web API call
OAUTH_STATE_SECONDS = 600
STOP_GRACE = 10.0  # seconds background work gets to finish on stop


@dataclass(frozen=True)
class SlackMode:
    socket: bool  # Socket Mode, else HTTP
    oauth: bool  # many workspaces through the install flow, else one bot token

    @property
    def serves_http(self) -> bool:
        return not self.socket or self.oauth

    def describe(self) -> str:
        transport = "Socket Mode" if self.socket else "HTTP"
        tenancy = "multi-workspace (OAuth)" if self.oauth else "single workspace"
        return f"{transport}, {tenancy}"


def slack_mode(settings: Settings) -> SlackMode:
    """Which way to run, or a SettingsError naming what is missing."""
    oauth_values = (
        settings.slack_client_id,
        settings.slack_client_secret,
        settings.slack_state_secret,
    )
    oauth = any(oauth_values)
    if oauth and not all(oauth_values):
        raise SettingsError(
            "Multi-workspace Slack needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
            "SLACK_STATE_SECRET together (the state secret is any long random string)."
        )
    if oauth and settings.slack_bot_token:
        raise SettingsError(
            "Set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET and "
            "SLACK_STATE_SECRET (many workspaces through the install flow), not both."
        )
    if not oauth and not settings.slack_bot_token:
        raise SettingsError("Slack needs SLACK_BOT_TOKEN (or the SLACK_CLIENT_* settings).")
    socket = bool(settings.slack_app_token)
    if socket and not settings.slack_app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
    if (not socket or oauth) and not settings.slack_signing_secret:
        raise SettingsError(
            "Slack's HTTP mode (and the OAuth install flow) needs SLACK_SIGNING_SECRET, from "
            "the app's Basic Information page; or set SLACK_APP_TOKEN for Socket Mode."
        )
    return SlackMode(socket=socket, oauth=oauth)


class SlackAdapter:
    """``bot.runtime.PlatformAdapter`` for Slack."""

    platform = "slack"

    def __init__(
        self,
        core: Core,
        settings: Settings,
        *,
        installation_store: DatabaseInstallationStore | None = None,
        extra_routes: Iterable[web.RouteDef] = (),
        client: AsyncWebClient | None = None,
    ) -> None:
        self.mode = slack_mode(settings)
        if self.mode.oauth and installation_store is None:
            raise SettingsError("Multi-workspace Slack needs an installation store.")
        self._settings = settings
        self._core = core
        self._extra_routes = tuple(extra_routes)
        self._client = client or AsyncWebClient(
            token=settings.slack_bot_token or None,
            base_url=settings.slack_api_url,
            timeout=API_TIMEOUT,
        )
        self._store = installation_store if self.mode.oauth else None
        self.notifier = SlackNotifier(
            WorkspaceClients(self._client, store=self._store), Directory(core.clock)
        )
        self._tasks = Background()
        self.replays = ReplayGuard(core.interactions.first_signed_request)
        self.app = self._build_app()
        Listeners(core, self.notifier, self._tasks).register(self.app)
        self._web: WebServer | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None

    def _build_app(self) -> AsyncApp:
        settings = self._settings
        oauth_settings = None
        if self._store is not None:
            oauth_settings = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=self._store,
                installation_store_bot_only=True,
                state_store=SingleUseStateStore(
                    settings.slack_state_secret,
                    expiration_seconds=OAUTH_STATE_SECONDS,
                    uow_factory=self._core.uow_factory,
                    clock=self._core.clock,
                ),
                state_expiration_seconds=OAUTH_STATE_SECONDS,
            )
            # Bolt would call auth.test on every request of every workspace; the answer
            # (the bot's user id) only changes with the token, so remember it per token.
            oauth_settings.authorize = AsyncInstallationStoreAuthorize(
                logger=logging.getLogger("bot.adapters.slack.bolt"),
                installation_store=self._store,
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                bot_only=True,
                cache_enabled=True,
            )
        app = AsyncApp(
            name="touchpoint",
            logger=logging.getLogger("bot.adapters.slack.bolt"),
            client=self._client,
            signing_secret=settings.slack_signing_secret or None,
            # The bot's HTTP server verifies every request's signature before Bolt sees it,
            # and hands Bolt an interactive payload already decoded (web.py); Socket Mode
            # requests carry no signature.
            request_verification_enabled=False,
            # Listeners acknowledge first and hand slow work to our own tasks, so Bolt may
            # answer as soon as a listener returns (no 10 ms polling for the ack).
            process_before_response=True,
            oauth_settings=oauth_settings,
        )
        if self._store is not None:
            app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked
        return app

    @property
    def serves_http(self) -> bool:
        """Whether this adapter runs the bot's HTTP server (then it serves the feeds too)."""
        return self.mode.serves_http

    @property
    def http_port(self) -> int | None:
        """The bound port of the HTTP server, once started (useful with port 0)."""
        return self._web.port if self._web is not None else None

    async def start(self) -> None:
        if self._client.session is None:
            # One connection pool for every Web API call (Bolt's per-request clients and the
            # notifier's share it): no new TCP and TLS handshake per call. slack_sdk applies
            # its ``timeout`` only to sessions it makes itself, so the pool carries it: without
            # it a call that never answers would hold its caller for aiohttp's 5 minutes.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._client.timeout)
            )
            self._client.session = self._session
        if self.mode.serves_http:
            self._web = WebServer(
                self.app,
                host=self._settings.http_host,
                port=self._settings.http_port,
                events=not self.mode.socket,
                signing_secret=self._settings.slack_signing_secret,
                extra_routes=self._extra_routes,
                replays=self.replays,
            )
            await self._web.start()
        if self.mode.socket:
            self._socket = OnceSocketModeHandler(
                self.app,
                app_token=self._settings.slack_app_token,
                web_client=self._client,
                replays=self.replays,
            )
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack adapter started (%s)", self.mode.describe())

    async def stop(self) -> None:
        """Stop taking new requests, let the work in flight finish, disconnect."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._web is not None:
            await self._web.stop()
            self._web = None
        await self._tasks.drain(STOP_GRACE)
        if self._session is not None:
            self._client.session = None
            await self._session.close()
            self._session = None
        log.info("Slack adapter stopped")

    async def idle(self) -> None:
        """Wait until the work started by acknowledged requests is done (tests, bench)."""
        await self._tasks.idle()


class OnceSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, with Slack's redeliveries acknowledged and dropped.

    Slack sends an envelope again (the same ``envelope_id``) when it did not see the
    acknowledgement, for instance across a reconnect; Bolt would act on it again. An
    event retried under a new envelope keeps its ``event_id``, which the use cases that
    act on events remember (see ``replays``)."""

    def __init__(
        self, app: AsyncApp, *, app_token: str, web_client: AsyncWebClient, replays: ReplayGuard
    ) -> None:
        super().__init__(app, app_token=app_token, web_client=web_client)
        self._replays = replays

    async def handle(  # type: ignore[override]  # as Bolt's own handler declares it
        self, client: SocketModeClient, req: SocketModeRequest
    ) -> None:
        if needs_check(req.payload) and not await self._replays.first_time(
            envelope_key(req.envelope_id)
        ):
            # Acknowledged, so Slack stops sending it; nothing is done a second time.
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)
