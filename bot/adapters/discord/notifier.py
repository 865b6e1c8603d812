"""Reminders and digests posted in a team's Discord channel (the engine's ``Notifier``).

At most once, twice over:

* every send carries a ``nonce`` derived from the delivery key (discord.py then sets
  ``enforce_nonce``), so Discord itself answers a repeated send within a few minutes with
  the message it already created instead of posting a second one;
* every message's embed footer carries a marker, ``Touchpoint · ref <12 hex>`` (the first
  12 hex digits of the key's SHA-256), so ``find_sent`` can look through the channel's
  history after a crash and recognise a delivery that reached Discord unrecorded.

A message reference is ``"<channel id>:<message id>"``. One delivery is one message:
whatever does not fit is summarised rather than split, so a reaction or an update always
finds the whole reminder. The weekly summary's chart is uploaded with its message (this
needs the Attach Files permission; without it the summary goes out as text).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.render import (
    CONTENT_MAX,
    Rendered,
    allowed_mentions,
    escape,
    line_text,
    render,
)
from bot.core.delivery import DeliveryFailed, Outgoing, direct_recipient, send_or_fall_back
from bot.core.model import Team
from bot.core.replies import Reply

log = logging.getLogger(__name__)

# How far back of ``since`` to look (the bot's clock and Discord's may disagree a little),
# and how many messages to read before giving up on telling.
CLOCK_SLACK = timedelta(minutes=2)
HISTORY_LIMIT = 300
NONCE_CHARS = 25  # Discord's limit for a nonce
MISSING_PERMISSIONS = 50013  # Discord's error code, e.g. for a file without Attach Files
PLAIN_PARTS = 4  # a plain-text fallback: more messages in a row would be noise


def delivery_marker(key: str) -> str:
    return f"ref {hashlib.sha256(key.encode()).hexdigest()[:12]}"


def footer(key: str) -> str:
    return f"Touchpoint · {delivery_marker(key)}"


def nonce(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_CHARS]


def message_ref(channel_id: int, message_id: int) -> str:
    return f"{channel_id}:{message_id}"


def parse_ref(ref: str) -> tuple[int, int]:
    channel, _, message = ref.partition(":")
    if not (channel.isascii() and channel.isdigit() and message.isascii() and message.isdigit()):
        raise DeliveryFailed(f"not a Discord message reference: {ref!r}", permanent=True)
    return int(channel), int(message)


def _channel_id(channel: str) -> int:
    if not (channel.isascii() and channel.isdigit()):
        raise DeliveryFailed(
            f"the team channel {channel!r} is not a Discord channel id; "
            "set it with `/touchpoint config channel:#channel`",
            permanent=True,
        )
    return int(channel)


_CHOOSE_CHANNEL = "choose another with `/touchpoint config channel:#channel`"
_PERMISSIONS = (
    "give the bot View Channel, Send Messages and Embed Links in the team channel, or "
    + _CHOOSE_CHANNEL
)
_REPORT = "tell the bot's operator: `touchpoint outbox --team ID` shows them"
# Discord's JSON error code -> (what went wrong, what to do). Retrying will not help.
GIVE_UP: dict[int, tuple[str, str]] = {
    10003: ("the team channel does not exist any more", _CHOOSE_CHANNEL),
    10004: ("the bot is no longer in this server", "invite the bot to the server again"),
    10008: ("the message was deleted", "nothing: it is not updated any more"),
    50001: ("the bot cannot see the team channel", _PERMISSIONS),
    50013: ("the bot lacks a permission in the team channel", _PERMISSIONS),
    50007: ("Discord does not let the bot message this user", "nothing"),
}
# The message itself was refused: a plain-text version may go through (sent once more).
CONTENT_CODES = frozenset({50035, 40005, 50006, 50045})  # invalid body, too large, empty


def translate(exc: BaseException) -> DeliveryFailed:
    """A discord.py or network failure as the engine understands it."""
    if isinstance(exc, DeliveryFailed):
        return exc
    if isinstance(exc, discord.RateLimited):
        return DeliveryFailed(
            f"rate limited for {exc.retry_after:.0f} s", retry_after=exc.retry_after
        )
    if isinstance(exc, discord.HTTPException) and exc.code in GIVE_UP:
        reason, todo = GIVE_UP[exc.code]
        return DeliveryFailed(f"{reason} (Discord {exc.code}) — {todo}", permanent=True)
    if isinstance(exc, discord.Forbidden):
        return DeliveryFailed(
            f"Discord refused the bot (403: {exc.text or exc}) — {_PERMISSIONS}", permanent=True
        )
    if isinstance(exc, discord.NotFound):
        # Unknown Channel / Unknown Message: waiting will not bring it back.
        return DeliveryFailed(
            f"Discord does not know the channel or message (404: {exc.text or exc}) — "
            + _CHOOSE_CHANNEL,
            permanent=True,
        )
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:  # refused before discord.py's own rate-limit handling
            after = exc.response.headers.get("Retry-After", "")
            retry = float(after) if after.replace(".", "", 1).isdigit() else 60.0
            return DeliveryFailed("rate limited (429)", retry_after=retry)
        if exc.status >= 500:
            return DeliveryFailed(f"Discord server error ({exc.status})")
        if exc.status == 401:
            return DeliveryFailed(
                "Discord no longer accepts the bot's token (401) — set a valid "
                "DISCORD_TOKEN and restart the bot",
                permanent=True,
            )
        if exc.code in CONTENT_CODES or exc.status == 413:
            return DeliveryFailed(
                f"Discord refused the message as too large or malformed "
                f"({exc.status}, {exc.code}: {exc.text}) — {_REPORT}",
                content=True,
            )
        # 400 and the like: the same payload will be refused again.
        return DeliveryFailed(
            f"Discord rejected the message ({exc.status}): {exc.text} — {_REPORT}",
            permanent=True,
        )
    if isinstance(exc, TimeoutError | aiohttp.ClientError | OSError):
        return DeliveryFailed(f"network error talking to Discord: {type(exc).__name__}: {exc}")
    if isinstance(exc, discord.DiscordException):
        return DeliveryFailed(f"{type(exc).__name__}: {exc}")
    raise exc


@asynccontextmanager
async def translated() -> AsyncIterator[None]:
    try:
        yield
    except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError) as exc:
        raise translate(exc) from exc


class DiscordNotifier:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def _channel(self, channel: str) -> discord.PartialMessageable:
        if self._client.is_closed() or self._client.user is None:
            raise DeliveryFailed("the Discord connection is not up")
        return self._client.get_partial_messageable(_channel_id(channel))

    async def _destination(self, channel: str) -> discord.PartialMessageable:
        """The team channel, or for a person's own reminders the bot's direct messages
        with them (opened once; discord.py keeps the channel)."""
        user = direct_recipient(channel)
        if user is None:
            return self._channel(channel)
        self._channel("0")  # the connection must be up
        async with translated():
            direct = await self._client.create_dm(discord.Object(id=_channel_id(user)))
        return self._client.get_partial_messageable(direct.id)

    async def send(self, message: Outgoing) -> str:
        return await send_or_fall_back(message, self._send)

    async def _send(self, message: Outgoing, to: str) -> str:
        channel = await self._destination(to)
        if message.plain:
            return await self._send_plain(channel, message)
        rendered = render(message.reply, max_messages=1, footer=footer(message.key))[0]
        async with translated():
            try:
                sent = await self._post(channel, rendered, message.key, rendered.files())
            except discord.Forbidden as exc:
                if rendered.image is None or exc.code != MISSING_PERMISSIONS:
                    raise
                # No Attach Files in this channel (invited before the chart existed): the
                # text carries every figure of the chart, so post it without the picture
                # rather than not at all. A refused post creates nothing: same nonce.
                sent = await self._post(channel, rendered, message.key, [])
                log.warning(
                    "%s: posted without its chart; give the bot the Attach Files "
                    "permission in channel %s to include it",
                    message.key,
                    channel.id,
                )
        return message_ref(channel.id, sent.id)

    async def _send_plain(self, channel: discord.PartialMessageable, message: Outgoing) -> str:
        """Discord refused the embed: the same lines as plain messages, each ending with
        the delivery's marker (so ``find_sent`` knows them) and sent with its own nonce."""
        refs = []
        mentions = allowed_mentions(message.reply.mentions)
        for index, text in enumerate(plain_texts(message.reply, footer(message.key))):
            async with translated():
                sent = await channel.send(
                    content=text,
                    allowed_mentions=mentions,
                    nonce=nonce(message.key if index == 0 else f"{message.key}#{index}"),
                )
            refs.append(message_ref(channel.id, sent.id))
        return refs[0]

    async def _post(
        self,
        channel: discord.PartialMessageable,
        rendered: Rendered,
        key: str,
        files: list[discord.File],
    ) -> discord.Message:
        kwargs: dict[str, Any] = {"files": files} if files else {}
        return await channel.send(
            content=rendered.content or None,
            embeds=list(rendered.embeds),
            view=rendered.view(),
            allowed_mentions=rendered.allowed_mentions,
            nonce=nonce(key),
            **kwargs,
        )

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        channel = await self._destination(message.channel)
        me = self._client.user
        marker = delivery_marker(message.key)
        seen = 0
        async with translated():
            async for posted in channel.history(
                limit=HISTORY_LIMIT, after=since - CLOCK_SLACK, oldest_first=True
            ):
                seen += 1
                if me is not None and posted.author.id == me.id and _carries(posted, marker):
                    return message_ref(channel.id, posted.id)
        if seen >= HISTORY_LIMIT:
            raise DeliveryFailed(
                f"could not tell whether {message.key} was posted: more than "
                f"{HISTORY_LIMIT} messages since"
            )
        return None

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        channel_id, message_id = parse_ref(ref)
        rendered = render(reply, max_messages=1)[0]
        partial = self._channel(str(channel_id)).get_partial_message(message_id)
        async with translated():
            await edit(partial, rendered)


async def edit(message: discord.PartialMessage | discord.Message, rendered: Rendered) -> None:
    await message.edit(
        content=rendered.content or None,
        embeds=list(rendered.embeds),
        view=rendered.view(),
        allowed_mentions=rendered.allowed_mentions,
    )


def _carries(message: discord.Message, marker: str) -> bool:
    if message.content.endswith(marker):  # a plain-text fallback
        return True
    return any(marker in (embed.footer.text or "") for embed in message.embeds)


def plain_texts(reply: Reply, mark: str, limit: int = CONTENT_MAX) -> list[str]:
    """The reply as plain messages of at most ``limit`` characters, split at line ends,
    each ending with ``mark``; at most PLAIN_PARTS of them, the rest counted."""
    lines = [f"**{escape(reply.title)}**"]
    for section in reply.sections:
        if section.heading:
            lines.append(f"**{escape(section.heading)}**")
        lines += [line_text(item) for item in section.lines]
    room = limit - len(mark) - 1
    texts: list[str] = []
    current = ""
    for index, text in enumerate(lines):
        text = text[:room]
        joined = f"{current}\n{text}" if current else text
        if len(joined) <= room:
            current = joined
            continue
        texts.append(current)
        current = text
        rest = len(lines) - index - 1
        if len(texts) == PLAIN_PARTS - 1 and rest:
            more = f"… and {rest} more lines: `/touchpoint promises` lists them"
            current = current[: room - len(more) - 1] + "\n" + more
            break
    texts.append(current)
    return [f"{text}\n{mark}" for text in texts if text]
