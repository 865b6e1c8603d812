"""What buttons, reactions and the Home tab do, after the listener has acknowledged.

Every id in a button comes from the payload and is looked up again inside the payload's own
team: a forged ``tp:kept:<id>`` of another workspace's promise is simply not found.

After a change the message shows who did what and when, so the channel reads as a record:
a reminder is rebuilt from the database (every reminder still showing a settled promise is
updated, not just the one clicked); on other messages (a digest) the clicked buttons are
replaced by one line saying what happened.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import home, inbound, messages, render, views
from bot.adapters.slack.notifier import update_message
from bot.adapters.slack.teams import FirstContact
from bot.bootstrap import Container
from bot.core import content, reminders, services
from bot.core.commands import Context
from bot.core.delivery import DeliveryFailed
from bot.core.errors import UserError
from bot.core.replies import Reply, Section

log = logging.getLogger(__name__)

PROMISE_VERBS = {"kept": "kept", "not_kept": "not_kept", "cancel": "cancelled"}
CHALLENGE_VERBS = {"addressed": "addressed", "reopen": "reopened"}
SETTLING = frozenset({"kept", "not_kept", "cancel"})


class Actions:
    def __init__(self, container: Container, teams: FirstContact) -> None:
        self._c = container
        self._teams = teams

    # -- core calls (synchronous: run in worker threads) ---------------------------------------

    def apply(self, ctx: Context, verb: str, target: int, option: str) -> tuple[Reply, int | None]:
        """Run a button's use case; returns what to say and the promise it changed."""
        self._teams.ensure(ctx)
        uow, clock = self._c.uow_factory(), self._c.clock
        if verb in PROMISE_VERBS:
            result = services.settle_promise(
                ctx.team_id, target, PROMISE_VERBS[verb], ctx.user_id, uow=uow, clock=clock
            )
            return content.promise_changed(result, ctx.user_id), result.promise.id
        if verb == "snooze":
            snoozed = services.snooze_promise(
                ctx.team_id, target, option or "1h", ctx.user_id, uow=uow, clock=clock
            )
            return content.promise_changed(snoozed, ctx.user_id), snoozed.promise.id
        if verb in CHALLENGE_VERBS:
            changed = services.change_challenge(
                ctx.team_id, target, CHALLENGE_VERBS[verb], ctx.user_id, uow=uow, clock=clock
            )
            return content.challenge_changed(changed, ctx.user_id), None
        raise UserError("That button no longer does anything; `/touchpoint help` lists what does.")

    def pass_on(self, ctx: Context, challenge_id: int | None, to: str) -> Reply:
        if challenge_id is None:
            raise UserError("This form has expired; press *Pass on* again.")
        if not to:
            raise UserError("Say who takes it on, e.g. “billing team”.")
        self._teams.ensure(ctx)
        result = services.change_challenge(
            ctx.team_id,
            challenge_id,
            "passed_on",
            ctx.user_id,
            to=to,
            uow=self._c.uow_factory(),
            clock=self._c.clock,
        )
        return content.challenge_changed(result, ctx.user_id)

    def _rebuilt_reminders(
        self, team_id: str, refs: list[str], promise_id: int | None
    ) -> list[tuple[str, Reply]]:
        """The current content of each reminder message: ``refs`` first, then every other
        sent reminder still showing ``promise_id``."""
        uow, clock = self._c.uow_factory, self._c.clock
        wanted = list(refs)
        if promise_id is not None:
            for delivery in reminders.reminders_showing(team_id, promise_id, uow=uow()):
                if delivery.message_ref and delivery.message_ref not in wanted:
                    wanted.append(delivery.message_ref)
        out: list[tuple[str, Reply]] = []
        for ref in wanted:
            rebuilt = reminders.reminder_for_message(team_id, ref, uow=uow(), clock=clock)
            if rebuilt is not None:
                out.append((ref, rebuilt[1].reply))
        return out

    # -- buttons -------------------------------------------------------------------------------

    async def on_button(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context_team: str | None,
        parsed: tuple[str, int, str],
        action: dict[str, Any],
    ) -> None:
        verb, target, option = parsed
        channel = inbound.channel_of_action(body)
        ctx = inbound.context_for(
            body, context_team=context_team, channel=inbound.claimable(channel)
        )
        block_id = str(action.get("block_id") or "")
        container = body.get("container") or {}
        on_message = container.get("type") == "message" and not inbound.is_ephemeral(body)
        if verb == "pass_on":
            meta = inbound.Metadata(challenge=target)
            if on_message and channel and "message" in body:
                meta["channel"], meta["block"] = channel, block_id
                meta["ts"] = str(body["message"]["ts"])
            await client.views_open(trigger_id=body["trigger_id"], view=views.pass_on_modal(meta))
            return
        note, promise_id = await asyncio.to_thread(self.apply, ctx, verb, target, option)
        if container.get("type") == "view":  # the Home tab: show it as it is now
            await self.publish_home(client, ctx.team_id, ctx.user_id)
        elif on_message and channel and "message" in body:
            message = body["message"]
            await self._show_on_message(
                client, ctx.team_id, channel, message, block_id, verb, note, promise_id
            )
        else:
            await messages.responder(respond)(note)

    async def _show_on_message(
        self,
        client: AsyncWebClient,
        team_id: str,
        channel: str,
        message: dict[str, Any],
        block_id: str,
        verb: str,
        note: Reply,
        promise_id: int | None,
    ) -> None:
        ref = inbound.message_ref(channel, str(message["ts"]))
        others = promise_id if verb in SETTLING else None
        rebuilt = await asyncio.to_thread(self._rebuilt_reminders, team_id, [ref], others)
        if rebuilt and rebuilt[0][0] == ref:
            if verb not in SETTLING:  # a snooze leaves the promise open: say so under it
                ref_reply = rebuilt[0][1]
                sections = (*ref_reply.sections, Section(None, note.sections[0].lines))
                rebuilt[0] = (ref, Reply(ref_reply.title, sections, False, (), ref_reply.kind))
            await self._update_all(client, rebuilt)
            return
        blocks = messages.replace_block(
            message.get("blocks") or [], block_id, messages.note_block(verb, note)
        )
        text = str(message.get("text") or note.title)
        await client.chat_update(channel=channel, ts=str(message["ts"]), text=text, blocks=blocks)
        await self._update_all(client, rebuilt)

    async def _update_all(self, client: AsyncWebClient, rebuilt: list[tuple[str, Reply]]) -> None:
        for ref, reply in rebuilt:
            try:
                await update_message(client, ref, reply)
            except DeliveryFailed as exc:  # e.g. deleted meanwhile; the others still count
                log.warning("could not update Slack message %s: %s", ref, exc)

    # -- pass on ---------------------------------------------------------------------------------

    async def after_pass_on(
        self, client: AsyncWebClient, ctx: Context, meta: inbound.Metadata, note: Reply
    ) -> None:
        channel, ts, block = meta.get("channel"), meta.get("ts"), meta.get("block")
        if not (channel and ts and block):
            await self.publish_home(client, ctx.team_id, ctx.user_id)
            return
        found = await messages.message_blocks(client, channel, ts)
        if found is None:
            return
        blocks, text = found
        blocks = messages.replace_block(blocks, block, messages.note_block("pass_on", note))
        await client.chat_update(channel=channel, ts=ts, text=text or note.title, blocks=blocks)

    # -- reactions -------------------------------------------------------------------------------

    async def keep_by_reaction(
        self, client: AsyncWebClient, team: str, channel: str, ts: str, user: str, key: str
    ) -> None:
        ref = inbound.message_ref(channel, ts)
        changed = await asyncio.to_thread(
            lambda: services.keep_from_reaction(
                team, ref, user, key, uow=self._c.uow_factory(), clock=self._c.clock
            )
        )
        if changed is None:  # not a single-promise reminder, already settled, or a retry
            return
        rebuilt = await asyncio.to_thread(self._rebuilt_reminders, team, [ref], changed.promise.id)
        await self._update_all(client, rebuilt)

    # -- the Home tab ----------------------------------------------------------------------------

    async def publish_home(self, client: AsyncWebClient, team: str, user: str) -> None:
        def load() -> home.HomeData:
            self._teams.ensure(Context(team, user))
            return home.load_home(team, user, uow_factory=self._c.uow_factory, clock=self._c.clock)

        data = await asyncio.to_thread(load)
        blocks = render.to_view_blocks(home.home_replies(data), more_hint=home.HOME_HINT)
        await client.views_publish(user_id=user, view=views.home_view(blocks))
