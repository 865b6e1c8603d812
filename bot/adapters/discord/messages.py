"""Editing a posted message after one of its buttons was used.

A reminder is rebuilt from the database (``reminder_for_message``). Any other message
with buttons (a digest, a list) cannot be rebuilt — it was a snapshot of its day — so it
is edited in place: the used item's buttons go, and a line under "Updates" says who did
what and when.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.adapters.discord.render import (
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    Rendered,
    line_text,
    timestamp,
)
from bot.core.custom_ids import CHALLENGE_VERBS, PROMISE_VERBS, ButtonId
from bot.core.replies import Action, Reply, Style, When

UPDATES = "Updates"
_STYLES = {discord.ButtonStyle.success: Style.PRIMARY, discord.ButtonStyle.danger: Style.DANGER}


def actions_of(message: discord.Message) -> list[list[tuple[Action, str]]]:
    """The Touchpoint buttons on a posted message, row by row (anything else dropped)."""
    rows: list[list[tuple[Action, str]]] = []
    for component in message.components:
        if not isinstance(component, discord.ActionRow):
            continue
        row = []
        for child in component.children:
            if not isinstance(child, discord.Button) or not child.custom_id:
                continue
            button = ButtonId.decode(child.custom_id)
            if button is None:
                continue
            style = _STYLES.get(child.style, Style.DEFAULT)
            label = child.label or button.verb.value
            row.append((Action(button.verb, button.target, label, button.option, style), label))
        if row:
            rows.append(row)
    return rows


def settled_in_place(
    message: discord.Message, changed: Reply, family: str, target: int, at: datetime
) -> Rendered:
    """``message`` with ``target``'s buttons removed and the change noted under Updates,
    with when it happened."""
    verbs = CHALLENGE_VERBS if family == "challenge" else PROMISE_VERBS
    rows = [
        [(a, label) for a, label in row if not (a.target == target and a.verb in verbs)]
        for row in actions_of(message)
    ]
    embeds = [discord.Embed.from_dict(e.to_dict()) for e in message.embeds]
    note = "\n".join(line_text(ln) for sec in changed.sections for ln in sec.lines)
    note = f"{note} · {timestamp(When(at, 'UTC'))}" if note else note
    if embeds and note:
        _note(embeds[-1], note)
    return Rendered(
        content="",
        embeds=tuple(embeds),
        rows=tuple(tuple(row) for row in rows if row),
    )


def _note(embed: discord.Embed, note: str) -> None:
    """Add ``note`` under Updates if it fits; an over-full message just loses its buttons."""
    fields = embed.fields
    if fields and fields[-1].name == UPDATES:
        value = f"{fields[-1].value}\n{note}"
        if len(value) <= FIELD_VALUE_MAX and len(embed) + len(note) + 1 <= EMBED_TOTAL_MAX:
            embed.set_field_at(len(fields) - 1, name=UPDATES, value=value, inline=False)
        return
    if len(fields) < FIELDS_MAX and len(embed) + len(UPDATES) + len(note) <= EMBED_TOTAL_MAX:
        embed.add_field(name=UPDATES, value=note[:FIELD_VALUE_MAX], inline=False)
