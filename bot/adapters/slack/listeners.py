"""Bolt listeners: acknowledge, translate, call the core, render.

Slack wants an acknowledgement within 3 s, and a ``trigger_id`` is good for 3 s and once, so
every listener acknowledges first and leaves the rest to a background task. The exceptions
are modal submissions: their acknowledgement *is* the answer (field errors, or closing the
modal), so the touchpoint is saved before acknowledging, which takes milliseconds.

The core is synchronous and touches the database: it runs in worker threads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import inbound, messages, views
from bot.adapters.slack.actions import Actions
from bot.adapters.slack.tasks import Background, Tell, guarded
from bot.core import content
from bot.core.commands import Context
from bot.core.custom_ids import ButtonId
from bot.core.delivery import Notifier
from bot.core.drafts import FormFields
from bot.core.errors import AmbiguousCustomer, ParseError
from bot.core.interactions import Core, Result, Submission, publish
from bot.core.model import Kind

log = logging.getLogger(__name__)

COMMAND = "/touchpoint"
SHORTCUT = "record_touchpoint"
FORM_FIELDS = frozenset(f.name for f in dataclasses.fields(FormFields))


class Listeners:
    def __init__(self, core: Core, notifier: Notifier, tasks: Background) -> None:
        self._core = core
        self._in = core.interactions
        self._notifier = notifier
        self._tasks = tasks
        self._actions = Actions(core, notifier)

    def register(self, app: AsyncApp) -> None:
        app.command(COMMAND)(self.on_command)
        app.view_submission(views.RECORD_CALLBACK)(self.on_record_submitted)
        app.view_submission(views.PASS_ON_CALLBACK)(self.on_pass_on_submitted)
        app.shortcut(SHORTCUT)(self.on_shortcut)
        app.action(re.compile(r"^tp:"))(self.on_action)
        app.event("reaction_added")(self.on_reaction_added)
        app.event("app_home_opened")(self.on_app_home_opened)
        app.error(self.on_error)

    def _context(
        self, body: dict[str, Any], context: AsyncBoltContext, channel: str | None
    ) -> Context:
        return inbound.context_for(
            body, context_team=context.team_id, channel=inbound.claimable(channel)
        )

    # -- /touchpoint ---------------------------------------------------------------------------

    async def on_command(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        tell = messages.responder(respond)
        work = self._command(body, client, context, tell)
        self._tasks.spawn(guarded(work, tell, "/touchpoint"))

    async def _command(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        tell: Tell,
    ) -> None:
        channel = str(body.get("channel_id") or "") or None
        ctx = self._context(body, context, channel)
        text = inbound.command_text(str(body.get("text") or ""))
        if inbound.needs_admin(text):
            ctx = dataclasses.replace(ctx, can_manage=await self._is_admin(client, ctx.user_id))
        result = await asyncio.to_thread(self._in.text, ctx, text)
        edit = result.form.edit if result.form is not None else None
        problem = views.edit_problem(edit.values) if edit is not None else None
        if edit is not None and problem is not None:
            ref = f"T{edit.touchpoint.id}"
            why = f"{ref} does not fit in Slack's form: {problem}. Correct it by text instead."
            await tell(content.edit_form(edit, why))
        elif result.form is not None:
            form = result.form
            choices = await asyncio.to_thread(self._in.form_choices, ctx)
            view = views.record_modal(
                customer=form.customer,
                kind=form.kind or Kind.CALL,
                notes=form.notes,
                codes=choices.codes,
                owner=edit.owner if edit is not None else ctx.user_id,
                channel=channel,
                places=choices.places,
                stages=choices.stages,
                filled=edit.values if edit is not None else None,
                editing=edit.touchpoint.id if edit is not None else None,
            )
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        elif result.reply is not None:
            await tell(result.reply)
            if result.reply.image is not None:
                await messages.send_chart(client, ctx.user_id, result.reply.image)
        await publish(self._notifier, result.edits)

    async def _is_admin(self, client: AsyncWebClient, user_id: str) -> bool:
        """Asked of Slack each time (map changes are rare); an unanswered question is a no."""
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("could not tell whether %s is an admin: %s", user_id, type(exc).__name__)
            return False
        user = response.get("user")
        return isinstance(user, dict) and inbound.is_admin(user)

    # -- the message shortcut ---------------------------------------------------------------

    async def on_shortcut(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        channel = inbound.channel_of_action(body)
        tell = messages.ephemeral(client, channel, inbound.user_in(body))
        self._tasks.spawn(guarded(self._open_from_message(body, client, context), tell, "shortcut"))

    async def _open_from_message(
        self, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        channel = inbound.channel_of_action(body)
        ctx = self._context(body, context, channel)
        notes = messages.plain_text_of(str((body.get("message") or {}).get("text") or ""))
        offered = await asyncio.to_thread(self._in.form_choices, ctx)
        view = views.record_modal(
            customer="",
            kind=None,
            notes=notes,
            codes=offered.codes,
            owner=ctx.user_id,
            channel=channel,
            places=offered.places,
            stages=offered.stages,
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    # -- modal submissions -------------------------------------------------------------------

    async def on_record_submitted(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        view: dict[str, Any],
    ) -> None:
        form = inbound.submitted_form(view)
        meta = inbound.metadata(view)
        channel = meta.get("channel")
        ctx = self._context(body, context, channel)
        editing = meta.get("touchpoint")
        given = form.present & FORM_FIELDS if editing is not None else None
        fields = Submission(form.customer, form.fields, form.owner, editing, given)
        result = await asyncio.to_thread(self._in.submit, ctx, fields)
        if result.failed:
            await ack(response_action="errors", errors=self._field_errors(result, form.present))
            return
        await ack()
        if result.reply is not None:
            tell = messages.ephemeral(client, channel, ctx.user_id)
            self._tasks.spawn(guarded(tell(result.reply), tell, "confirming a touchpoint"))

    def _field_errors(self, result: Result, present: frozenset[str]) -> dict[str, str]:
        """A failed submission's message, on the fields it is about."""
        error = result.error
        if isinstance(error, AmbiguousCustomer) and "customer" in present:
            return {"customer": error.message}
        if isinstance(error, ParseError):
            return inbound.field_errors(error.by_field(), present)
        said = error.message if error is not None else _said(result)
        return inbound.field_errors({"entry": said}, present)

    async def on_pass_on_submitted(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
        view: dict[str, Any],
    ) -> None:
        meta = inbound.metadata(view)
        to = inbound.state_values(view).get("to", "").strip()
        ctx = self._context(body, context, meta.get("channel"))
        result = await asyncio.to_thread(self._actions.pass_on, ctx, meta.get("challenge"), to)
        if result.failed or result.reply is None:
            said = result.error.message if result.error is not None else _said(result)
            await ack(response_action="errors", errors={"to": said[:2000]})
            return
        await ack()
        tell = messages.ephemeral(client, meta.get("channel"), ctx.user_id)
        work = self._actions.after_pass_on(client, ctx, meta, result.reply)
        self._tasks.spawn(guarded(work, tell, "showing a pass-on"))

    # -- buttons -----------------------------------------------------------------------------

    async def on_action(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        button = ButtonId.decode(str(action.get("action_id") or ""))
        if button is None:
            return
        tell = messages.responder(respond)
        work = self._actions.on_button(body, client, respond, context.team_id, button, action)
        self._tasks.spawn(guarded(work, tell, f"button {action.get('action_id')}"))

    # -- events ------------------------------------------------------------------------------

    async def on_reaction_added(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        target = inbound.reaction_target(event)
        if target is None:
            return
        channel, ts = target
        user = str(event.get("user") or "")
        team = inbound.team_key(inbound.workspace_in(body, context.team_id))
        key = f"slack:{body.get('event_id') or f'{channel}:{ts}:{user}'}"
        tell = messages.ephemeral(client, channel, user)
        ref = inbound.message_ref(channel, ts)
        work = self._actions.keep_by_reaction(Context(team, user), ref, key)
        self._tasks.spawn(guarded(work, tell, "a check-mark reaction"))

    async def on_app_home_opened(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        team = inbound.team_key(inbound.workspace_in(body, context.team_id))
        user = str(event.get("user") or "")
        work = self._actions.publish_home(client, team, user)
        self._tasks.spawn(guarded(work, None, "the Home tab"))

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """Anything a listener let escape (none should): logged, never shown raw."""
        kind = body.get("type", "?") if isinstance(body, dict) else "?"
        log.error("Slack listener failed for a %s payload", kind, exc_info=error)


def _said(result: Result) -> str:
    """A failed result's message as one line of text (for a modal's field error)."""
    reply = result.reply
    if reply is None:
        return "That did not work."
    texts = (
        getattr(span, "text", "") for s in reply.sections for ln in s.lines for span in ln.spans
    )
    return " ".join(t for t in texts if t) or reply.title
