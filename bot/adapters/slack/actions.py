"""What buttons, reactions and the Home tab do, after the listener has acknowledged.

Every id in a button comes from the payload and is looked up again inside the payload's own
team: a forged ``tp:kept:<id>`` of another workspace's promise is simply not found.

After a change the message shows who did what and when, so the channel reads as a record:
the core rebuilds every posted reminder still showing the changed promise (the one clicked
among them); on other messages (a digest) the settled item's buttons give way to one line
saying what happened, while the other items on its row keep theirs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import home, inbound, messages, render, views
from bot.core.commands import Context
from bot.core.custom_ids import ButtonId, Verb
from bot.core.delivery import Notifier
from bot.core.errors import UserError
from bot.core.interactions import Core, Press, Result, publish
from bot.core.replies import Reply

log = logging.getLogger(__name__)


class Actions:
    def __init__(self, core: Core, notifier: Notifier) -> None:
        self._core = core
        self._notifier = notifier

    # -- buttons -------------------------------------------------------------------------------

    async def on_button(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context_team: str | None,
        button: ButtonId,
        action: dict[str, Any],
    ) -> None:
        channel = inbound.channel_of_action(body)
        ctx = inbound.context_for(
            body, context_team=context_team, channel=inbound.claimable(channel)
        )
        block_id = str(action.get("block_id") or "")
        container = body.get("container") or {}
        message = body.get("message") if channel else None
        on_message = container.get("type") == "message" and not inbound.is_ephemeral(body)
        if not on_message:
            message = None
        if button.verb is Verb.PASS_ON:
            meta = inbound.Metadata(challenge=button.target)
            if channel and message is not None:
                meta["channel"], meta["block"] = channel, block_id
                meta["ts"] = str(message["ts"])
            await client.views_open(trigger_id=body["trigger_id"], view=views.pass_on_modal(meta))
            return
        ref = inbound.message_ref(channel, str(message["ts"])) if channel and message else None
        press = Press(button, ref)
        result = await asyncio.to_thread(self._core.interactions.press, ctx, press)
        if result.reply is None:
            return
        if result.failed:  # nothing changed: tell the one who pressed, privately
            await messages.responder(respond)(result.reply)
            return
        if container.get("type") == "view":  # the Home tab: show it as it is now
            await self.publish_home(client, ctx.team_id, ctx.user_id)
        elif channel and message is not None and result.edit_of(ref) is None:
            # Not a reminder (a digest, a list): a snapshot of its day, so the pressed
            # item's buttons give way to a line saying what happened; the other items
            # sharing its row keep theirs.
            blocks = messages.settle_in_place(
                message.get("blocks") or [],
                block_id,
                button,
                messages.note_block(button.verb, result.reply),
            )
            text = str(message.get("text") or result.reply.title)
            await client.chat_update(
                channel=channel, ts=str(message["ts"]), text=text, blocks=blocks
            )
        elif ref is None:
            await messages.responder(respond)(result.reply)
        await publish(self._notifier, result.edits)

    # -- pass on ---------------------------------------------------------------------------------

    def pass_on(self, ctx: Context, challenge_id: int | None, to: str) -> Result:
        """A pass-on form's answer (synchronous: run it in a worker thread)."""
        if challenge_id is None:
            return Result(None, error=UserError("This form has expired; press *Pass on* again."))
        button = ButtonId(Verb.PASS_ON, challenge_id)
        return self._core.interactions.press(ctx, Press(button, to=to))

    async def after_pass_on(
        self, client: AsyncWebClient, ctx: Context, meta: inbound.Metadata, note: Reply
    ) -> None:
        channel, ts, block = meta.get("channel"), meta.get("ts"), meta.get("block")
        challenge_id = meta.get("challenge")
        if not (channel and ts and block and challenge_id is not None):
            await self.publish_home(client, ctx.team_id, ctx.user_id)
            return
        found = await messages.message_blocks(client, channel, ts)
        if found is None:
            return
        blocks, text = found
        pressed = ButtonId(Verb.PASS_ON, challenge_id)
        note_block = messages.note_block(Verb.PASS_ON, note)
        blocks = messages.settle_in_place(blocks, block, pressed, note_block)
        await client.chat_update(channel=channel, ts=ts, text=text or note.title, blocks=blocks)

    # -- reactions -------------------------------------------------------------------------------

    async def keep_by_reaction(self, ctx: Context, ref: str, key: str) -> None:
        result = await asyncio.to_thread(self._core.interactions.react, ctx, ref, "✅", key)
        await publish(self._notifier, result.edits)

    # -- the Home tab ----------------------------------------------------------------------------

    async def publish_home(self, client: AsyncWebClient, team: str, user: str) -> None:
        def load() -> home.HomeData:
            self._core.interactions.ensure_team(Context(team, user))
            core = self._core
            return home.load_home(team, user, uow_factory=core.uow_factory, clock=core.clock)

        data = await asyncio.to_thread(load)
        blocks = render.to_view_blocks(home.home_replies(data), more_hint=home.HOME_HINT)
        await client.views_publish(user_id=user, view=views.home_view(blocks))
