"""Persistent buttons: one ``DynamicItem`` template for every ``tp:<verb>:<id>[:<option>]``
(the core's custom-id codec: the template is its pattern, the match is decoded once).

The record id travels in the button's ``custom_id`` and the handler looks the record up in
the database, scoped to the guild the click came from, so a button keeps working after a
restart (nothing about it lives in memory) and a forged id of another server's promise is
simply not found.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol, Self

import discord

from bot.core.custom_ids import BUTTON_TEMPLATE, ButtonId
from bot.core.replies import Action

log = logging.getLogger(__name__)


class ActionHandler(Protocol):
    async def on_action(self, interaction: discord.Interaction[Any], button: ButtonId) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=BUTTON_TEMPLATE,
):
    def __init__(
        self,
        button_id: ButtonId,
        *,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        self.button_id = button_id
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label or None, style=style, custom_id=button_id.encode()
        )
        super().__init__(button, row=row)

    @classmethod
    def of(cls, action: Action, label: str, style: discord.ButtonStyle, row: int) -> Self:
        return cls(
            ButtonId(action.verb, action.target, action.option), label=label, style=style, row=row
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(ButtonId.from_match(match))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ActionHandler | None = getattr(interaction.client, "actions", None)
        if handler is None:  # a client without Touchpoint's handlers: not ours to answer
            log.warning("button %s pressed on a client without handlers", self.custom_id)
            return
        await handler.on_action(interaction, self.button_id)
