"""Saying things back in Slack: private replies, updated messages, the Home tab.

Outbound only; what to say comes from the core's content as neutral replies.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.failures import slack_error
from bot.adapters.slack.tasks import Tell
from bot.core.replies import Reply

log = logging.getLogger(__name__)

# The channel cannot take an ephemeral message from the app: say it in a direct message.
_DM_INSTEAD = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "user_not_in_channel"}
)
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
CHANGE_ICONS = {
    "kept": "✅",
    "not_kept": "✖️",
    "snooze": "⏰",
    "addressed": "✅",
    "pass_on": "➡️",
}


def responder(respond: AsyncRespond) -> Tell:
    """Private replies through the interaction's ``response_url`` (works in any channel,
    even ones the bot is not in)."""

    async def tell(reply: Reply) -> None:
        for part in render.to_messages(reply):
            answer = await respond(
                text=part.text,
                blocks=part.blocks,
                response_type="ephemeral" if reply.private else "in_channel",
                replace_original=False,
            )
            # A response_url answers a refused payload with an error status, not an
            # exception: without this the reply would vanish without a trace.
            if answer.status_code != 200:
                log.warning("Slack refused a reply: %s %s", answer.status_code, answer.body)

    return tell


def ephemeral(client: AsyncWebClient, channel: str | None, user: str) -> Tell:
    """Private replies with ``chat.postEphemeral``, or a direct message when the channel
    cannot take one (or none is known)."""

    async def tell(reply: Reply) -> None:
        for part in render.to_messages(reply):
            if channel:
                try:
                    await client.chat_postEphemeral(
                        channel=channel, user=user, text=part.text, blocks=part.blocks
                    )
                    continue
                except SlackApiError as exc:
                    if slack_error(exc)[1] not in _DM_INSTEAD:
                        raise
            await client.chat_postMessage(channel=user, text=part.text, blocks=part.blocks)

    return tell


def note_block(verb: str, note: Reply) -> render.Block:
    """One context line saying what happened, for the message the button was on."""
    first = next((item for s in note.sections for item in s.lines), None)
    text = render.line_text(first, note) if first else render.escape(note.title)
    return render.context_block(f"{CHANGE_ICONS.get(verb, '•')} {text}")


def replace_block(
    blocks: Sequence[dict[str, Any]], block_id: str, replacement: render.Block
) -> list[dict[str, Any]]:
    """The message's blocks with the clicked actions block swapped for ``replacement``;
    appended instead if that block is gone (the message was edited meanwhile)."""
    kept = [dict(b) for b in blocks]
    index = next((i for i, b in enumerate(kept) if b.get("block_id") == block_id), None)
    if index is None:
        kept = kept[: render.MAX_BLOCKS_MESSAGE - 1]
        index = len(kept)
    else:
        del kept[index]
    # Notes pile up as buttons are pressed: keep the message within Slack's total text.
    room = render.MAX_MESSAGE_TEXT - sum(render.text_units(b) for b in kept)
    if render.text_units(replacement) > room and replacement.get("type") == "context":
        replacement = render.context_block(replacement["elements"][0]["text"], room)
    return [*kept[:index], replacement, *kept[index:]]


async def message_blocks(
    client: AsyncWebClient, channel: str, ts: str
) -> tuple[list[dict[str, Any]], str] | None:
    """The blocks and text of one message, fetched again (a modal does not carry them)."""
    response = await client.conversations_history(
        channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
    )
    for item in response.get("messages") or []:
        if item.get("ts") == ts:
            return list(item.get("blocks") or []), str(item.get("text") or "")
    return None


def plain_text_of(mrkdwn: str) -> str:
    """A message's text as a person would copy it: links as "label (url)", mentions as
    "@U123", entities decoded. (Our renderer escapes it again wherever it is shown.)"""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#")):
            return f"{target[0]}{label}" if label else target
        if target.startswith(("!date", "!subteam")):
            return label or ""  # a formatted date, or a user group's "@handle"
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_LINK.sub(link, mrkdwn))
