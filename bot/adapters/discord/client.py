"""The Discord adapter: a discord.py client serving every server the bot is in.

Each server is its own team (``discord:<guild id>``). Only non-privileged intents are
asked for — guilds (servers and channels), and guild and direct-message reactions (check
marks on reminders); no message content, members or presences: commands, modals, buttons
and the message context menu all arrive as interactions, which carry what they need.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from bot.adapters.discord import commands, forms
from bot.adapters.discord.buttons import ActionButton
from bot.adapters.discord.forms import PASS_ON_PREFIX
from bot.adapters.discord.handlers import Handlers
from bot.adapters.discord.notifier import DiscordNotifier
from bot.config import Settings
from bot.core.custom_ids import DETAILS_PREFIX, EDIT_DETAILS_PREFIX, EDIT_PREFIX, FORM_PREFIX
from bot.core.interactions import Core

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 10.0


class DiscordStartError(RuntimeError):
    """The adapter could not connect; the message says why and what to check."""


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_reactions = True
    chosen.dm_reactions = True  # a check mark on a reminder sent by direct message
    return chosen


class TouchpointClient(discord.Client):
    def __init__(
        self,
        handlers: Handlers,
        *,
        guild_id: str = "",
        guild_ready_timeout: float = 2.0,
        **sharding: Any,
    ) -> None:
        super().__init__(
            intents=intents(),
            # Nothing pings unless a message explicitly allows it (render.allowed_mentions).
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            # A longer rate limit than this raises RateLimited (-> the engine retries later)
            # instead of holding the delivery loop; 30 s is discord.py's minimum.
            max_ratelimit_timeout=30.0,
            **sharding,
        )
        self.actions = handlers  # ActionButton.callback finds the handlers here
        self.tree = app_commands.CommandTree(self)
        self._guild_id = guild_id
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        # Buttons on any message ever posted route here, restarts included.
        self.add_dynamic_items(ActionButton)
        group, menu = commands.build(self.actions)
        self.tree.add_command(group)
        self.tree.add_command(menu)
        if self._guild_id:
            guild = discord.Object(int(self._guild_id))
            self.tree.copy_global_to(guild=guild)
            self.synced = await self.tree.sync(guild=guild)
        else:
            self.synced = await self.tree.sync()
        log.info("synced %d application commands", len(self.synced))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = forms.custom_id_of(interaction)
        if custom_id.startswith(FORM_PREFIX):
            await self.actions.submit_form(interaction)
        elif custom_id.startswith(PASS_ON_PREFIX):
            await self.actions.submit_pass_on(interaction)
        elif custom_id.startswith(DETAILS_PREFIX):
            await self.actions.submit_details(interaction)
        elif custom_id.startswith(EDIT_PREFIX):
            await self.actions.submit_edit(interaction, details=False)
        elif custom_id.startswith(EDIT_DETAILS_PREFIX):
            await self.actions.submit_edit(interaction, details=True)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.actions.on_reaction(self, payload)


class ShardedTouchpointClient(TouchpointClient, discord.AutoShardedClient):
    """The same client over several gateway shards (``DISCORD_SHARD_COUNT``), running the
    ones this process was given (``DISCORD_SHARD_IDS``). Replies, reminders and digests go
    through REST, so any process sends for any server; the database is shared."""


class DiscordAdapter:
    """The runtime's PlatformAdapter for Discord."""

    platform = "discord"

    def __init__(
        self,
        core: Core,
        settings: Settings,
        *,
        guild_ready_timeout: float = 2.0,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        if settings.discord_guild_id and not settings.discord_guild_id.isdigit():
            raise DiscordStartError(
                f"DISCORD_GUILD_ID must be a server id (digits), got {settings.discord_guild_id!r}."
            )
        self._settings = settings
        self._start_timeout = start_timeout
        self.handlers = Handlers(core)
        client = TouchpointClient
        sharding: dict[str, Any] = {}
        if settings.discord_shard_count is not None:
            client = ShardedTouchpointClient
            sharding = {
                "shard_count": settings.discord_shard_count,
                "shard_ids": list(settings.discord_shard_ids) or None,  # None: every shard
            }
        self.client = client(
            self.handlers,
            guild_id=settings.discord_guild_id,
            guild_ready_timeout=guild_ready_timeout,
            **sharding,
        )
        self.notifier = DiscordNotifier(self.client)
        self.handlers.notifier = self.notifier
        self._runner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in, sync the commands, connect; returns once the servers are loaded."""
        # discord.py has no settings for its endpoints, only these class attributes.
        discord.http.Route.BASE = self._settings.discord_api_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
            self._settings.discord_gateway_url
        )
        try:
            await self.client.login(self._settings.discord_bot_token)
        except discord.LoginFailure as exc:
            await self.client.close()
            raise DiscordStartError(
                "Discord refused DISCORD_BOT_TOKEN: copy the bot token again from the "
                "application's Bot page."
            ) from exc
        except (discord.HTTPException, OSError) as exc:
            await self.client.close()
            raise DiscordStartError(
                f"Could not log in to Discord at {self._settings.discord_api_url}, or sync "
                f"the commands: {exc}"
            ) from exc
        self._runner = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._runner, ready}, timeout=self._start_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            log.info("Discord ready as %s in %d servers", self.client.user, len(self.client.guilds))
            return
        ready.cancel()
        failure = self._runner.exception() if self._runner in done else None
        await self.stop()
        gateway = self._settings.discord_gateway_url
        if failure is not None:
            # discord.py gives up on some first-connection failures with an unhelpful
            # error of its own; the gateway address is what to check.
            raise DiscordStartError(
                f"Could not connect to the Discord gateway at {gateway}: {failure!r}"
            ) from failure
        raise DiscordStartError(
            f"Could not connect to the Discord gateway at {gateway}: not ready within "
            f"{self._start_timeout:g} s."
        )

    async def stop(self) -> None:
        """Finish interactions in flight, then disconnect."""
        await self.handlers.drain(DRAIN_TIMEOUT)
        await self.client.close()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
            self._runner = None
