"""Persistent buttons: one ``DynamicItem`` template for every ``tp:<verb>:<id>[:<option>]``.

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

from bot.core.replies import Action, parse_custom_id

log = logging.getLogger(__name__)

TEMPLATE = r"tp:(?P<verb>[a-z_]{1,20}):(?P<target>[0-9]{1,18})(?::(?P<option>[a-z0-9_]{1,20}))?"


class ActionHandler(Protocol):
    async def on_action(
        self, interaction: discord.Interaction[Any], verb: str, target: int, option: str
    ) -> None: ...


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=TEMPLATE,
):
    def __init__(
        self,
        custom_id: str,
        *,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        parsed = parse_custom_id(custom_id)
        if parsed is None:
            raise ValueError(f"not a Touchpoint button: {custom_id!r}")
        self.verb, self.target, self.option = parsed
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label or None, style=style, custom_id=custom_id
        )
        super().__init__(button, row=row)

    @classmethod
    def of(cls, action: Action, label: str, style: discord.ButtonStyle, row: int) -> Self:
        return cls(action.custom_id, label=label, style=style, row=row)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        handler: ActionHandler | None = getattr(interaction.client, "actions", None)
        if handler is None:  # a client without Touchpoint's handlers: not ours to answer
            log.warning("button %s pressed on a client without handlers", self.custom_id)
            return
        await handler.on_action(interaction, self.verb, self.target, self.option)
