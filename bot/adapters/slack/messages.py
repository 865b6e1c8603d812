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

from bot.adapters.slack import limits, render
from bot.adapters.slack.failures import slack_error
from bot.adapters.slack.tasks import Tell
from bot.core.custom_ids import CHALLENGE_VERBS, PROMISE_VERBS, ButtonId, Verb
from bot.core.replies import Image, Reply

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


async def upload_chart(
    client: AsyncWebClient, image: Image, channel: str, thread_ts: str | None = None
) -> None:
    """Upload a chart (Slack's external upload flow, ``files:write``), described by its
    alt text; into a message's thread when ``thread_ts`` is given."""
    await client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        content=image.png,
        filename=image.filename,
        title=image.filename.removesuffix(".png"),
        alt_txt=image.alt_text[:1000],
    )


async def send_chart(client: AsyncWebClient, user: str, image: Image) -> None:
    """A command's chart (`stats week`), privately: uploaded into the person's direct
    messages with the bot, as a reply through ``response_url`` cannot carry a file. Best
    effort: the reply's text has every figure, and without ``files:write`` it stands alone."""
    try:
        opened = await client.conversations_open(users=user)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if channel:
            await upload_chart(client, image, channel)
    except SlackApiError as exc:
        log.warning("could not send the chart to %s: %s", user, exc.response.get("error"))
    except Exception as exc:
        log.warning("could not send the chart to %s: %s", user, type(exc).__name__)


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


def settle_in_place(
    blocks: Sequence[dict[str, Any]], block_id: str, pressed: ButtonId, note: render.Block
) -> list[dict[str, Any]]:
    """The message's blocks with the settled item's buttons gone wherever they are, and
    ``note`` where the pressed row was. Several items share a row on a digest: their
    buttons stay, so only a row left empty goes. The note is appended if the row is gone
    (the message was edited meanwhile)."""
    verbs = CHALLENGE_VERBS if pressed.verb in CHALLENGE_VERBS else PROMISE_VERBS
    kept: list[dict[str, Any]] = []
    index: int | None = None
    for block in blocks:
        block = dict(block)
        if block.get("type") == "actions":
            elements = [
                e for e in block.get("elements") or [] if not _is_of(e, pressed.target, verbs)
            ]
            block["elements"] = elements
        if block.get("block_id") == block_id:
            index = len(kept) + (1 if block.get("elements") else 0)
        if block.get("type") != "actions" or block["elements"]:
            kept.append(block)
    return _with_note(kept, index, note)


def _is_of(element: dict[str, Any], target: int, verbs: frozenset[Verb]) -> bool:
    button = ButtonId.decode(str(element.get("action_id") or ""))
    return button is not None and button.target == target and button.verb in verbs


def _with_note(
    kept: list[dict[str, Any]], index: int | None, note: render.Block
) -> list[dict[str, Any]]:
    if index is None:
        kept = kept[: render.MAX_BLOCKS_MESSAGE - 1]
        index = len(kept)
    while index < len(kept) and kept[index].get("type") == "context":
        index += 1  # after the notes already there: they read in the order things happened
    # Notes pile up as buttons are pressed: keep the message within Slack's total text.
    room = render.MAX_MESSAGE_TEXT - sum(render.text_units(b) for b in kept)
    if render.text_units(note) > room and note.get("type") == "context":
        note = render.context_block(note["elements"][0]["text"], room)
    if len(kept) >= render.MAX_BLOCKS_MESSAGE:
        if _joined(kept, index, note):
            return kept  # no room for one more block: the note joined the pressed line's text
        kept = kept[: render.MAX_BLOCKS_MESSAGE - 1]
        index = min(index, len(kept))
    return [*kept[:index], note, *kept[index:]]


def _joined(kept: list[dict[str, Any]], index: int, note: render.Block) -> bool:
    """Add the note as a line of the nearest text above ``index``, if it fits there."""
    for block in reversed(kept[:index]):
        if block.get("type") != "section" or "text" not in block:
            continue
        text = f"{block['text']['text']}\n{note['elements'][0]['text']}"
        if limits.units(text) > render.MAX_TEXT:
            return False
        block["text"] = {**block["text"], "text": text}
        return True
    return False


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
