"""Answering an interaction on time.

Discord drops an interaction whose first response is later than 3 seconds. Core services
are synchronous and touch the database, so they run in a worker thread; if one has not
finished after ``DEFER_AFTER`` seconds the interaction is deferred (Discord then shows
"thinking…" and allows 15 minutes) and the answer follows when it is ready. Fast work —
nearly all of it — is answered in one round trip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import discord

from bot.adapters.discord.render import Rendered, render
from bot.core.errors import new_error_id
from bot.core.interactions import bug_reply
from bot.core.replies import Reply

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFER_AFTER = 2.0


async def in_time(
    interaction: discord.Interaction[Any],
    work: Callable[[], T],
    *,
    ephemeral: bool = True,
) -> T:
    """Run ``work`` in a thread, deferring the interaction if it takes longer than
    ``DEFER_AFTER``. Afterwards ``interaction.response.is_done()`` says whether it was."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=ephemeral)
    return await task


async def send(
    interaction: discord.Interaction[Any],
    messages: Sequence[Rendered],
    *,
    view: discord.ui.View | None = None,
) -> None:
    """Send rendered messages as the answer: the first as the response (or the first
    follow-up after a deferral), the rest as follow-ups. ``view`` (in-memory buttons such
    as "Fix and resubmit") goes on the last message instead of its own buttons; a picture
    goes with the first."""
    for index, msg in enumerate(messages):
        last = index == len(messages) - 1
        chosen = view if (last and view is not None) else (msg.view() if msg.rows else None)
        kwargs: dict[str, Any] = {
            "content": msg.content or None,
            "embeds": list(msg.embeds),
            "ephemeral": msg.ephemeral,
            "allowed_mentions": msg.allowed_mentions,
        }
        if chosen is not None:
            kwargs["view"] = chosen
        if msg.image is not None:  # answers to interactions may always attach files
            kwargs["files"] = msg.files()
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs)
        else:
            await interaction.followup.send(**kwargs)


async def send_reply(interaction: discord.Interaction[Any], reply: Reply) -> None:
    await send(interaction, render(reply))


async def edit_in_place(interaction: discord.Interaction[Any], msg: Rendered) -> None:
    """Replace the message a button was pressed on (the click's response, or after a
    deferral an edit of the original message)."""
    kwargs: dict[str, Any] = {
        "embeds": list(msg.embeds),
        "view": msg.view(),
        "allowed_mentions": msg.allowed_mentions,
    }
    if msg.content:
        kwargs["content"] = msg.content
    if not interaction.response.is_done():
        await interaction.response.edit_message(**kwargs)
    else:
        await interaction.edit_original_response(**kwargs)


async def report_bug(interaction: discord.Interaction[Any], what: str) -> None:
    """Log the exception being handled and tell the user, with an id to quote."""
    error_id = new_error_id()
    log.exception("%s failed (error id %s)", what, error_id, extra={"error_id": error_id})
    try:
        await send_reply(interaction, bug_reply(error_id, nothing_saved=False))
    except discord.HTTPException:
        log.warning("could not tell the user about error %s", error_id)
