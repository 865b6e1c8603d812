"""Bolt listeners: acknowledge, translate, call the core, render.

Slack wants an acknowledgement within 3 s, and a ``trigger_id`` is good for 3 s and once, so
every listener acknowledges first and leaves the rest to a background task. The exceptions
are modal submissions: their acknowledgement *is* the answer (field errors, or closing the
modal), so the touchpoint is saved before acknowledging, which takes milliseconds.

The core is synchronous and touches the database: it runs in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import inbound, messages, views
from bot.adapters.slack.actions import Actions
from bot.adapters.slack.tasks import Background, Tell, guarded
from bot.adapters.slack.teams import FirstContact
from bot.bootstrap import Container
from bot.core import services
from bot.core.commands import Context, OpenForm, Outcome
from bot.core.errors import AmbiguousCustomer, ParseError, UserError, new_error_id
from bot.core.model import Kind
from bot.core.replies import parse_custom_id

log = logging.getLogger(__name__)

COMMAND = "/touchpoint"
SHORTCUT = "record_touchpoint"


class Listeners:
    def __init__(
        self, container: Container, tasks: Background, actions: Actions, teams: FirstContact
    ) -> None:
        self._c = container
        self._commands = container.commands
        self._teams = teams
        self._tasks = tasks
        self._actions = actions

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
        outcome, codes = await asyncio.to_thread(self._outcome, text, ctx)
        if isinstance(outcome, OpenForm):
            view = views.record_modal(
                customer=outcome.customer,
                kind=outcome.kind or Kind.CALL,
                notes=outcome.notes,
                codes=codes,
                owner=ctx.user_id,
                channel=channel,
            )
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        else:
            await tell(outcome)

    def _outcome(self, text: str, ctx: Context) -> tuple[Outcome, tuple[str, ...]]:
        self._teams.ensure(ctx)
        outcome = self._commands.handle(text, ctx)
        codes = self._codes(ctx.team_id) if isinstance(outcome, OpenForm) else ()
        return outcome, codes

    def _codes(self, team_id: str) -> tuple[str, ...]:
        with self._c.uow_factory() as uow:
            return services.load_team(uow, team_id).completion_codes

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

        def codes() -> tuple[str, ...]:
            self._teams.ensure(ctx)
            return self._codes(ctx.team_id)

        notes = messages.plain_text_of(str((body.get("message") or {}).get("text") or ""))
        view = views.record_modal(
            customer="",
            kind=None,
            notes=notes,
            codes=await asyncio.to_thread(codes),
            owner=ctx.user_id,
            channel=channel,
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
        channel = inbound.metadata(view).get("channel")
        try:
            ctx = self._context(body, context, channel)
            recorded = await asyncio.to_thread(self._record, ctx, form)
        except AmbiguousCustomer as exc:
            await ack(response_action="errors", errors={"customer": exc.message})
            return
        except ParseError as exc:
            errors = inbound.field_errors(exc.by_field(), form.present)
            await ack(response_action="errors", errors=errors)
            return
        except UserError as exc:
            errors = inbound.field_errors({"entry": exc.message}, form.present)
            await ack(response_action="errors", errors=errors)
            return
        except Exception:
            await ack(response_action="errors", errors=self._bug(form.present, "saving a form"))
            return
        await ack()
        tell = messages.ephemeral(client, channel, ctx.user_id)

        async def confirm() -> None:
            await tell(await asyncio.to_thread(self._commands.confirm, recorded, ctx))

        self._tasks.spawn(guarded(confirm(), tell, "confirming a touchpoint"))

    def _record(self, ctx: Context, form: inbound.SubmittedForm) -> services.Recorded:
        self._teams.ensure(ctx)
        return services.record_form(
            ctx.team_id,
            ctx.user_id,
            form.customer,
            form.fields,
            owner=form.owner,
            uow=self._c.uow_factory(),
            clock=self._c.clock,
        )

    def _bug(self, present: frozenset[str], what: str) -> dict[str, str]:
        error_id = new_error_id()
        log.exception("%s failed (error id %s)", what, error_id)
        message = f"Something went wrong on our side (error id {error_id}). Nothing was saved."
        return inbound.field_errors({"entry": message}, present)

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
        try:
            ctx = self._context(body, context, meta.get("channel"))
            change = await asyncio.to_thread(self._actions.pass_on, ctx, meta.get("challenge"), to)
        except UserError as exc:
            await ack(response_action="errors", errors={"to": exc.message[:2000]})
            return
        except Exception:
            await ack(response_action="errors", errors=self._bug(frozenset({"to"}), "passing on"))
            return
        await ack()
        tell = messages.ephemeral(client, meta.get("channel"), ctx.user_id)
        work = self._actions.after_pass_on(client, ctx, meta, change)
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
        parsed = parse_custom_id(str(action.get("action_id") or ""))
        if parsed is None:
            return
        tell = messages.responder(respond)
        work = self._actions.on_button(body, client, respond, context.team_id, parsed, action)
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
        work = self._actions.keep_by_reaction(client, team, channel, ts, user, key)
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
        error_id = new_error_id()
        log.error(
            "Slack listener failed for a %s payload (error id %s)",
            body.get("type", "?") if isinstance(body, dict) else "?",
            error_id,
            exc_info=error,
        )
