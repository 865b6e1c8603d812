"""`edit T12` on Discord: the touchpoint's modal filled in as it is, in two steps (a modal
holds five fields): the five things a touchpoint records, then, from a button on the
confirmation, where on the journey it was, who took part and the scores. Each step is
saved as an edit of the same touchpoint (``bot.core.revisions``); its custom_id carries
the touchpoint's number, so a form open across a restart still saves.

A touchpoint a box cannot hold whole (Discord refuses a longer default, and cutting it
would lose data) is given back as its text entry instead, saying why.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import discord

from bot.adapters.discord import forms
from bot.adapters.discord.render import render
from bot.adapters.discord.respond import in_time, send
from bot.core import content, map_content
from bot.core.commands import Context
from bot.core.custom_ids import EDIT_DETAILS_PREFIX, EDIT_PREFIX
from bot.core.editing import Editable
from bot.core.errors import ParseError, UserError
from bot.core.interactions import Interactions, Submission
from bot.core.replies import ReplyKind, message
from bot.core.revisions import place_shown

RETRY_SECONDS = 14 * 60  # an ephemeral message's buttons work for 15 minutes
NOT_OURS = message(
    "This form cannot be read",
    "It names no touchpoint. Open it again with `/touchpoint text command:edit T12`.",
    kind=ReplyKind.ERROR,
)


async def open_edit(interaction: discord.Interaction[Any], edit: Editable) -> None:
    values = forms.edit_values(edit.values)
    problem = forms.too_big(values, forms.edit_fields(values))
    number = edit.touchpoint.id or 0
    if problem is not None:
        why = f"T{number} does not fit in Discord's form: {problem}. Correct it by text instead."
        await send(interaction, render(content.edit_form(edit, why)))
        return
    modal = forms.edit_form(number, values)
    await interaction.response.send_modal(modal)
    modal.stop()  # submissions are handled statelessly, by custom_id


async def open_edit_details(
    interaction: discord.Interaction[Any], inside: Interactions, ctx: Context, number: int
) -> None:
    """The second step, filled in as the touchpoint now is."""
    try:
        edit = await asyncio.to_thread(inside.editable, ctx, number)
    except UserError as exc:  # deleted since
        await send(interaction, render(content.error_reply(exc)))
        return
    values = forms.detail_values(edit.values, place_shown(edit.touchpoint, edit.place))
    problem = forms.too_big(values, forms.DETAILS)
    if problem is not None:
        why = f"T{number} does not fit in Discord's form: {problem}. Correct it by text instead."
        await send(interaction, render(content.edit_form(edit, why)))
        return
    modal = forms.details_form(number, values, editing=True)
    await interaction.response.send_modal(modal)
    modal.stop()


def number_in(custom_id: str, prefix: str) -> int | None:
    number = custom_id.removeprefix(prefix)
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 18 else None


async def submit_edit(
    interaction: discord.Interaction[Any], inside: Interactions, ctx: Context
) -> None:
    """The first step saved; a mistake comes back with what was typed and a button to
    reopen the form as it was filled in."""
    custom_id = forms.custom_id_of(interaction)
    number = number_in(custom_id.removesuffix(forms.KEEP_NOTES), EDIT_PREFIX)
    if number is None:
        await send(interaction, render(NOT_OURS))
        return
    values = forms.submitted_values(forms.raw_data(interaction))
    given = forms.edit_given(custom_id) & values.keys()  # a box not sent changes nothing
    submission = Submission("", forms.edited_fields(values), edit=number, given=given)
    result = await in_time(interaction, lambda: inside.submit(ctx, submission))
    assert result.reply is not None
    if isinstance(result.error, ParseError):
        echoed = forms.echo(values, forms.COMMAND_FORM)
        reply = dataclasses.replace(result.reply, sections=(*result.reply.sections, *echoed))
        keep_notes = "notes" not in given
        await send(interaction, render(reply), view=_fix_view(number, values, keep_notes))
        return
    reply = result.reply
    if not result.failed:
        reply = map_content.with_edit_details_button(reply, number)
    await send(interaction, render(reply))


async def submit_edit_details(
    interaction: discord.Interaction[Any], inside: Interactions, ctx: Context
) -> None:
    number = number_in(forms.custom_id_of(interaction), EDIT_DETAILS_PREFIX)
    if number is None:
        await send(interaction, render(NOT_OURS))
        return
    values = forms.submitted_values(forms.raw_data(interaction))
    place, fields = forms.details_fields(values)
    sent = frozenset(values)  # a box not sent changes nothing
    result = await in_time(
        interaction, lambda: inside.edit_details(ctx, number, place, fields, sent)
    )
    assert result.reply is not None
    await send(interaction, render(result.reply))


def _fix_view(number: int, values: dict[str, str], keep_notes: bool) -> discord.ui.View:
    """In memory: it only lives as long as the ephemeral answer it is on."""
    view = discord.ui.View(timeout=RETRY_SECONDS)
    fix: discord.ui.Button[discord.ui.View] = discord.ui.Button(
        label="Fix and resubmit", style=discord.ButtonStyle.primary
    )

    async def reopen(interaction: discord.Interaction[Any]) -> None:
        modal = forms.edit_form(number, values, keep_notes=keep_notes)
        await interaction.response.send_modal(modal)
        modal.stop()

    fix.callback = reopen  # type: ignore[method-assign]
    view.add_item(fix)
    return view
