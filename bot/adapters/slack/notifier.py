"""Reminders, nudges and digests posted to Slack for the reminder engine.

Every post carries message metadata ``touchpoint_delivery`` with the delivery's key, so a
delivery whose outcome is in doubt (the process died between posting and recording) can be
found in the channel's history instead of being posted twice.

A reply too long for one message is split (digests) or summarised (reminders, which are
later updated in place and so must stay one message). The parts of a split digest are one
delivery: the first part's reference stands for it, and finding some parts of an in-doubt
digest posts the missing ones.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.directory import Directory
from bot.adapters.slack.failures import delivery_call, delivery_failed, slack_error
from bot.adapters.slack.inbound import message_ref, parse_ref, workspace_of
from bot.adapters.slack.installations import WorkspaceClients
from bot.adapters.slack.messages import upload_chart
from bot.core.delivery import DeliveryFailed, Outgoing, direct_recipient, send_or_fall_back
from bot.core.model import Team
from bot.core.replies import Image, Reply

log = logging.getLogger(__name__)

EVENT_TYPE = "touchpoint_delivery"
HISTORY_PAGE = 200
HISTORY_PAGES = 10  # 2,000 messages since the delivery was planned: beyond that, retry later
# How far before ``since`` the history is read: a message's ts is Slack's clock, ``since``
# the bot's, and they disagree a little (a post stamped before the bot planned it would
# otherwise be missed, and posted again).
CLOCK_SLACK = timedelta(minutes=2)
# A plain-text fallback message: Slack takes up to 40,000 characters but truncates long
# texts in the client; 3,000 shows whole.
PLAIN_LIMIT = 3000


def delivery_metadata(key: str, part: int, parts: int) -> dict[str, Any]:
    payload: dict[str, Any] = {"key": key}
    if parts > 1:
        payload |= {"part": part, "parts": parts}
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def single_open_promise(reply: Reply) -> bool:
    """A reminder a check-mark reaction can settle: it shows exactly one open promise."""
    targets = {
        action.target
        for section in reply.sections
        for item in section.lines
        for action in item.actions
    }
    return reply.kind == "reminder" and len(targets) == 1


def plain_messages(
    reply: Reply, names: Mapping[str, str] | None = None, limit: int = PLAIN_LIMIT
) -> list[render.SlackMessage]:
    """The reply as mrkdwn text only, no blocks, split at line ends into messages of at
    most ``limit`` UTF-16 units (at most ``render.MAX_PARTS`` of them; the rest is
    counted): what Slack still takes when it refused the formatted message."""
    lines = [render.strong(reply.title)]
    for section in reply.sections:
        if section.heading:
            lines.append(render.strong(section.heading))
        lines += [render.line_text(item, reply, names) for item in section.lines]
    messages: list[str] = []
    current = ""
    for index, text in enumerate(lines):
        text = _cut_utf16(text, limit)
        joined = f"{current}\n{text}" if current else text
        if _utf16(joined) <= limit:
            current = joined
            continue
        messages.append(current)
        current = text
        rest = len(lines) - index - 1
        if len(messages) == render.MAX_PARTS - 1 and rest:
            more = f"… and {rest} more lines: `/touchpoint promises` lists them"
            current = _cut_utf16(current, limit - _utf16(more) - 1) + "\n" + more
            break
    messages.append(current)
    return [render.SlackMessage(text, []) for text in messages if text]


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_utf16(text: str, limit: int) -> str:
    while _utf16(text) > limit:
        text = text[: max(0, len(text) - max(1, (_utf16(text) - limit) // 2))]
    return text


def as_edit(reply: Reply) -> Reply:
    """Slack notifies nobody about mentions added by an edit, so an updated message may
    show everyone as a mention (a name link) without pinging them again."""
    return dataclasses.replace(reply, private=True, image=None)


class SlackNotifier:
    """``bot.core.delivery.Notifier`` for Slack."""

    def __init__(self, clients: WorkspaceClients, directory: Directory) -> None:
        self._clients = clients
        self._directory = directory
        # (workspace, user) -> the id of the bot's direct-message channel with the user
        self._direct: dict[tuple[str, str], str] = {}

    async def _destination(self, client: AsyncWebClient, workspace: str, channel: str) -> str:
        """The channel id to post in: the team channel, or for a person's own reminders
        the bot's direct messages with them (``conversations.open``, which needs
        ``im:write``; finding an in-doubt post there reads it with ``im:history``)."""
        user = direct_recipient(channel)
        if user is None:
            return channel
        known = self._direct.get((workspace, user))
        if known is None:
            response = await delivery_call(client.conversations_open(users=user))
            known = str((response.get("channel") or {}).get("id") or "")
            if not known:
                raise DeliveryFailed(f"Slack opened no direct messages with {user}")
            self._direct[(workspace, user)] = known
        return known

    async def send(self, message: Outgoing) -> str:
        return await send_or_fall_back(message, self._send)

    async def _send(self, message: Outgoing, to: str) -> str:
        workspace = workspace_of(message.team.id)
        client = await self._clients.for_workspace(workspace)
        parts = await self._render(client, workspace, message.reply, plain=message.plain)
        channel = await self._destination(client, workspace, to)
        refs = [
            await self._post(client, message, part, index, len(parts), channel)
            for index, part in enumerate(parts)
        ]
        if single_open_promise(message.reply):
            await self._seed_check_mark(client, refs[0])
        if message.reply.image is not None:
            await self._attach_chart(client, refs[0], message.reply.image)
        return refs[0]

    async def find_sent(self, message: Outgoing, since: datetime) -> str | None:
        workspace = workspace_of(message.team.id)
        client = await self._clients.for_workspace(workspace)
        destination = await self._destination(client, workspace, message.channel)
        found = await self._find_parts(client, destination, message.key, since)
        if not found:
            return None
        channel = next(iter(found.values()))[0]
        parts_total = max(total for _, _, total in found.values())
        if len(found) < parts_total:
            parts = await self._render(client, workspace, message.reply, plain=message.plain)
            for index, part in enumerate(parts):
                if index not in found:
                    ref = await self._post(client, message, part, index, len(parts), destination)
                    found[index] = (*parse_ref(ref), len(parts))
            log.info("completed in-doubt delivery %s: posted its missing parts", message.key)
        first = found[min(found)]
        return message_ref(channel, first[1])

    async def update(self, team: Team, channel: str, ref: str, reply: Reply) -> None:
        client = await self._clients.for_workspace(workspace_of(team.id))
        await update_message(client, ref, reply)

    # -- helpers ---------------------------------------------------------------------------

    async def _render(
        self, client: AsyncWebClient, workspace: str, reply: Reply, *, plain: bool = False
    ) -> list[render.SlackMessage]:
        names: Mapping[str, str] = {}
        quiet = render.users_in(reply)
        if quiet:
            names = await self._directory.names(client, workspace, quiet)
        if plain:
            return plain_messages(reply, names)
        return render.to_messages(
            reply,
            names,
            split=reply.kind != "reminder",
        )

    async def _post(
        self,
        client: AsyncWebClient,
        message: Outgoing,
        part: render.SlackMessage,
        index: int,
        parts: int,
        channel: str,
    ) -> str:
        response = await delivery_call(
            client.chat_postMessage(
                channel=channel,
                text=part.text,
                blocks=part.blocks or None,  # plain text: no blocks at all
                metadata=delivery_metadata(message.key, index, parts),
                unfurl_links=False,
                unfurl_media=False,
            )
        )
        return message_ref(str(response["channel"]), str(response["ts"]))

    async def _seed_check_mark(self, client: AsyncWebClient, ref: str) -> None:
        """Put the first ✅ on a single-promise reminder, so keeping it is one click on the
        existing reaction. Best effort: the reminder is out either way."""
        channel, ts = parse_ref(ref)
        try:
            await client.reactions_add(channel=channel, timestamp=ts, name="white_check_mark")
        except Exception as exc:  # a missing reaction is not a failed delivery
            log.info("could not add the check mark to %s: %s", ref, type(exc).__name__)

    async def _attach_chart(self, client: AsyncWebClient, ref: str, image: Image) -> None:
        """Upload the chart into the thread of the message just posted. Best effort, once:
        the message (which carries the delivery's key) is out either way, and an upload
        that failed is not retried, so a chart is never posted twice. A workspace that
        installed the app before it asked for ``files:write`` gets the text alone."""
        channel, ts = parse_ref(ref)
        try:
            await upload_chart(client, image, channel, ts)
        except SlackApiError as exc:  # the summary went out; only its picture is missing
            log.warning("could not attach the chart to %s: %s", ref, exc.response.get("error"))
        except Exception as exc:
            log.warning("could not attach the chart to %s: %s", ref, type(exc).__name__)

    async def _find_parts(
        self, client: AsyncWebClient, channel: str, key: str, since: datetime
    ) -> dict[int, tuple[str, str, int]]:
        """part index -> (channel id, ts, parts) of messages posted with ``key``."""
        found: dict[int, tuple[str, str, int]] = {}
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await self._history(client, channel, since, cursor)
            for item in page.get("messages") or []:
                meta = item.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                    part, parts = int(payload.get("part", 0)), int(payload.get("parts", 1))
                    found[part] = (channel, str(item["ts"]), parts)
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
            if not cursor:
                return found
        raise DeliveryFailed(f"too much history in {channel} to tell whether {key} was posted")

    async def _history(
        self, client: AsyncWebClient, channel: str, since: datetime, cursor: str | None
    ) -> Mapping[str, Any]:
        args: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{(since - CLOCK_SLACK).timestamp():.6f}",
            "include_all_metadata": True,
            "limit": HISTORY_PAGE,
        }
        if cursor:
            args["cursor"] = cursor
        try:
            return (await client.conversations_history(**args)).data  # type: ignore[return-value]
        except SlackApiError as exc:
            # chat:write.public lets the bot post in a public channel it is not in, but
            # reading the history needs membership: join once, then read.
            if slack_error(exc)[1] != "not_in_channel":
                raise delivery_failed(exc) from exc
            await delivery_call(client.conversations_join(channel=channel))
        response = await delivery_call(client.conversations_history(**args))
        return response.data  # type: ignore[return-value]


async def update_message(client: AsyncWebClient, ref: str, reply: Reply) -> None:
    """Replace a posted message with ``reply`` (one message; the rest summarised)."""
    channel, ts = parse_ref(ref)
    part = render.to_messages(as_edit(reply), split=False)[0]
    await delivery_call(
        client.chat_update(channel=channel, ts=ts, text=part.text, blocks=part.blocks)
    )
