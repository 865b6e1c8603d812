"""Where the bot's Slack tokens come from: one bot token, or one installation per workspace.

Installations live in the bot's own database, table ``slack_installations`` (see
``tables``): one row per workspace, replaced on reinstall. slack_sdk's own SQLAlchemy store is not
used because importing it pulls in SQLAlchemy's asyncio extension (and so ``greenlet``), and
Touchpoint only needs the bot token of each workspace. The store is synchronous SQLAlchemy
Core; every call runs in a worker thread, so a lookup never stalls the event loop.

Tokens are stored as Slack issues them, like slack_sdk's stores do: protect the database.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, delete, insert, select

from bot.adapters.slack.failures import delivery_call
from bot.adapters.slack.tables import installations
from bot.core.delivery import DeliveryFailed

log = logging.getLogger(__name__)

# What the OAuth flow asks for; keep in step with manifests/slack.yaml.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "reactions:read",
    "reactions:write",
    "users:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "channels:join",
    "files:write",
    "im:write",
    "im:history",
)


class OrgWideInstallRefused(ValueError):
    """An Enterprise Grid org-wide install: the bot keeps one install per workspace."""

    def __init__(self) -> None:
        super().__init__(
            "Touchpoint is installed per workspace, not org-wide. Ask an org admin to install "
            "it into each workspace that wants it (nothing was installed)."
        )


class DatabaseInstallationStore(AsyncInstallationStore):
    """Bolt's installation store on the bot's engine: the newest bot of each workspace."""

    def __init__(self, client_id: str, engine: Engine) -> None:
        self._client_id = client_id
        self._engine = engine

    @property
    def logger(self) -> logging.Logger:
        return log

    # -- synchronous core (worker threads) ------------------------------------------------------

    def save_bot(self, bot: Bot, installer: str | None = None) -> None:
        if not bot.team_id:
            raise OrgWideInstallRefused()
        row: dict[str, Any] = {
            "client_id": self._client_id,
            "app_id": bot.app_id,
            "enterprise_id": bot.enterprise_id,
            "enterprise_name": bot.enterprise_name,
            "team_id": bot.team_id,
            "team_name": bot.team_name,
            "bot_token": bot.bot_token,
            "bot_id": bot.bot_id,
            "bot_user_id": bot.bot_user_id,
            "bot_scopes": ",".join(bot.bot_scopes or ()),
            "bot_refresh_token": bot.bot_refresh_token,
            "bot_token_expires_at": bot.bot_token_expires_at,
            "installer_user_id": installer,
            "is_enterprise_install": bool(bot.is_enterprise_install),
            "installed_at": datetime.fromtimestamp(bot.installed_at, UTC),
        }
        with self._engine.begin() as connection:  # a reinstall replaces the old row
            connection.execute(delete(installations).where(*self._team(bot.team_id)))
            connection.execute(insert(installations).values(row))

    def find(self, team_id: str | None) -> Bot | None:
        if not team_id:
            return None
        query = select(installations).where(*self._team(team_id)).limit(1)
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        return Bot(
            app_id=row["app_id"],
            enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise_name"],
            team_id=row["team_id"],
            team_name=row["team_name"],
            bot_token=row["bot_token"],
            bot_id=row["bot_id"],
            bot_user_id=row["bot_user_id"],
            bot_scopes=row["bot_scopes"],
            bot_refresh_token=row["bot_refresh_token"],
            bot_token_expires_at=row["bot_token_expires_at"],
            is_enterprise_install=row["is_enterprise_install"],
            installed_at=_aware(row["installed_at"]).timestamp(),
        )

    def delete_team(self, team_id: str | None) -> None:
        if team_id:
            with self._engine.begin() as connection:
                connection.execute(delete(installations).where(*self._team(team_id)))

    def bot_token(self, workspace: str) -> str | None:
        bot = self.find(workspace)
        return bot.bot_token if bot else None

    def _team(self, team_id: str) -> tuple[Any, ...]:
        # A workspace is found by its own id, inside an Enterprise Grid org or not.
        return (installations.c.client_id == self._client_id, installations.c.team_id == team_id)

    # -- Bolt's async interface ------------------------------------------------------------------

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.save_bot, installation.to_bot(), installation.user_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(self.find, team_id)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await asyncio.to_thread(self.find, team_id)
        if bot is None or user_id is not None:  # no user tokens are kept
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            enterprise_name=bot.enterprise_name,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            user_id="",
            is_enterprise_install=bot.is_enterprise_install,
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.delete_team, team_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        if user_id is None:
            await asyncio.to_thread(self.delete_team, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.delete_team, team_id)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class WorkspaceClients:
    """The Web API client to use for a workspace when the bot speaks first (reminders,
    digests). With one bot token, only that token's workspace is served: a team of another
    workspace (say, after the token was swapped) gets a permanent failure, never a post
    into the wrong workspace."""

    def __init__(
        self,
        app_client: AsyncWebClient,
        *,
        store: DatabaseInstallationStore | None = None,
    ) -> None:
        self._app_client = app_client
        self._store = store
        self._own_workspace: str | None = None
        self._lock = asyncio.Lock()

    async def for_workspace(self, workspace: str) -> AsyncWebClient:
        if self._store is None:
            if await self._single_workspace() != workspace:
                raise DeliveryFailed(
                    f"this deployment's bot token is not for Slack workspace {workspace}",
                    permanent=True,
                )
            token = self._app_client.token
        else:
            token = await asyncio.to_thread(self._store.bot_token, workspace)
        if token is None:
            raise DeliveryFailed(
                f"Touchpoint is not installed in Slack workspace {workspace}", permanent=True
            )
        return AsyncWebClient(
            token=token,
            base_url=self._app_client.base_url,
            timeout=self._app_client.timeout,
            logger=self._app_client.logger,
            session=self._app_client.session,
            # slack_sdk retries a call once when the connection drops, even after Slack
            # acted on it: a reminder would be posted twice. The reminder engine retries
            # instead, and looks for the post in the channel's history first.
            retry_handlers=[],
        )

    async def _single_workspace(self) -> str:
        async with self._lock:
            if self._own_workspace is None:
                result = await delivery_call(self._app_client.auth_test())
                self._own_workspace = str(result.get("team_id") or "")
            return self._own_workspace
