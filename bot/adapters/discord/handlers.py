"""Interactions in, core use cases, replies out: the adapter's thin translating layer.

Every entry point turns the interaction into a ``Context`` (team ``discord:<guild id>``,
the user's and channel's snowflakes), runs the core in a worker thread within Discord's
3-second window (``respond.in_time``), and renders the neutral reply. User mistakes come
back as private messages; bugs are logged with an error id and answered generically.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord import forms
from bot.adapters.discord.messages import CHALLENGE_VERBS, settled_in_place
from bot.adapters.discord.notifier import edit, message_ref
from bot.adapters.discord.render import render
from bot.adapters.discord.respond import edit_in_place, in_time, report_bug, send, send_reply
from bot.bootstrap import Container
from bot.core import content, queries, reminders, services
from bot.core.commands import Context, OpenForm
from bot.core.errors import AmbiguousCustomer, FieldError, ParseError, UserError
from bot.core.model import DEFAULT_COMPLETION_CODES, Kind
from bot.core.replies import Reply, Section, Text, line, message

log = logging.getLogger(__name__)

CHECK_MARKS = frozenset({"✅", "☑", "✔"})  # compared without the U+FE0F variation selector
RETRY_SECONDS = 14 * 60  # an ephemeral message's buttons work for 15 minutes
DISCORD_HELP = Section(
    "On Discord",
    (
        line(
            "/touchpoint record customer:acme — the form (kind and code are options; "
            "add entry: to record in one line)"
        ),
        line("/touchpoint show · promises · challenges · digest · stats · config · help"),
        line("/touchpoint calendar — your calendar feed link, privately (or the team's)"),
        line("/touchpoint text command:kept 12 — any of the commands below"),
        line("A message's ⋯ menu → Apps → Record touchpoint — record it with the message as notes"),
        line("React ✅ on a one-promise reminder to mark it kept."),
    ),
)


@dataclass(frozen=True)
class Changed:
    """A button's effect: the change line, and the reminder to redraw if it was one."""

    reply: Reply
    family: str  # "promise" or "challenge": promise and challenge ids overlap
    change: str  # "kept", "snoozed", "addressed", ...
    target: int
    reminder: Reply | None = None


@dataclass(frozen=True)
class Answer:
    """What a form submission came to: a reply, and what its buttons should offer."""

    reply: Reply
    retry: forms.Submission | None = None  # "Fix and resubmit"
    choices: tuple[str, ...] = ()  # customer names to pick from (plus "add as new")


def context(interaction: discord.Interaction[Any]) -> Context | None:
    if interaction.guild_id is None:
        return None
    guild = interaction.guild
    return Context(
        team_id=f"discord:{interaction.guild_id}",
        user_id=str(interaction.user.id),
        channel=str(interaction.channel_id) if interaction.channel_id else None,
        team_name=guild.name if guild is not None and guild.name else "",
    )


NOT_IN_A_SERVER = message(
    "Touchpoint works in servers",
    "Use /touchpoint in a channel of the server whose customers it is about.",
    kind="error",
)


class Handlers:
    def __init__(self, container: Container) -> None:
        self._container = container
        self._commands = container.commands
        self._uow = container.uow_factory
        self._clock = container.clock
        self._in_flight: set[asyncio.Task[Any]] = set()
        self.accepting = True

    # -- lifecycle -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _tracked(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def drain(self, timeout: float) -> None:
        """Stop taking new work and wait for what is in flight."""
        self.accepting = False
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout)

    # -- text commands ---------------------------------------------------------------------

    async def run_text(
        self, interaction: discord.Interaction[Any], text: str, *, echo: str = ""
    ) -> None:
        """Any `/touchpoint ...` text, through the core's one grammar."""
        async with self._tracked():
            ctx = context(interaction)
            if ctx is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                outcome = await in_time(interaction, lambda: self._commands.handle(text, ctx))
                if isinstance(outcome, OpenForm):
                    spec = forms.FormSpec(
                        outcome.customer[: forms.MAX_CUSTOMER_IN_ID], outcome.kind
                    )
                    await self._open(interaction, spec, {"notes": outcome.notes})
                    return
                if outcome.kind == "help":
                    outcome = dataclasses.replace(
                        outcome, sections=(DISCORD_HELP, *outcome.sections)
                    )
                if outcome.kind == "error" and echo:
                    typed = Section("You typed", (line(Text(echo)),))
                    outcome = dataclasses.replace(outcome, sections=(*outcome.sections, typed))
                await send(interaction, render(outcome))
            except Exception:
                await report_bug(interaction, f"/touchpoint {text[:40]!r}")

    # -- the form --------------------------------------------------------------------------

    async def open_form(
        self,
        interaction: discord.Interaction[Any],
        customer: str,
        kind: Kind | None,
        code: str | None,
    ) -> None:
        """`/touchpoint record customer:acme`: the modal must be the first response, so
        only a quick check (the completion code) runs before it."""
        async with self._tracked():
            ctx = context(interaction)
            if ctx is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                name = " ".join(customer.split())
                problem = _customer_problem(name)
                code_hash = ""
                if code and problem is None:
                    canonical, problem = await asyncio.to_thread(self._check_code, ctx, code)
                    code_hash = forms.code_hash(canonical)
                if problem is not None:
                    await send_reply(interaction, problem)
                    return
                await self._open(interaction, forms.FormSpec(name, kind, code_hash))
            except Exception:
                await report_bug(interaction, "opening the form")

    async def record_from_message(
        self, interaction: discord.Interaction[Any], msg: discord.Message
    ) -> None:
        """The "Record touchpoint" message command: the form, with the message as notes.
        (Context-menu interactions carry the message itself, so no message-content intent
        is needed.)"""
        async with self._tracked():
            if context(interaction) is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                await self._open(interaction, forms.FormSpec(), {"notes": msg.content or ""})
            except Exception:
                await report_bug(interaction, "opening the form from a message")

    async def _open(
        self,
        interaction: discord.Interaction[Any],
        spec: forms.FormSpec,
        values: dict[str, str] | None = None,
    ) -> None:
        modal = forms.build_form(spec, values)
        await interaction.response.send_modal(modal)
        # Submissions are handled statelessly (see forms), not by this object: take it
        # out of discord.py's in-memory modal store at once.
        modal.stop()

    def _check_code(self, ctx: Context, code: str) -> tuple[str, Reply | None]:
        self._commands.ensure_team(ctx)
        with self._uow() as uow:
            team = services.load_team(uow, ctx.team_id)
        found = team.find_code(code)
        if found is not None:
            return found, None
        codes = ", ".join(team.completion_codes) or "none yet"
        return code, message(
            "Unknown completion code",
            f"“{code}” is not one of this server's completion codes ({codes}). "
            f"Someone with Manage Server can add it: /touchpoint config setting:codes "
            f"value:add {code}",
            kind="error",
        )

    async def submit_form(self, interaction: discord.Interaction[Any]) -> None:
        """A modal submission (any time after it was opened, restarts included)."""
        async with self._tracked():
            custom_id = forms.custom_id_of(interaction)
            spec = forms.FormSpec.parse(custom_id)
            ctx = context(interaction)
            if spec is None or ctx is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            values = forms.submitted_values(forms.raw_data(interaction))
            await self._record(interaction, ctx, forms.Submission(spec, values))

    async def _record(
        self, interaction: discord.Interaction[Any], ctx: Context, sub: forms.Submission
    ) -> None:
        try:
            answer = await in_time(interaction, lambda: self._save(ctx, sub))
            view = self._follow_up_view(ctx, answer) if answer.retry or answer.choices else None
            await send(interaction, render(answer.reply), view=view)
        except Exception:
            await report_bug(interaction, "recording a touchpoint")

    def _save(self, ctx: Context, sub: forms.Submission) -> Answer:
        self._commands.ensure_team(ctx)
        try:
            if sub.spec.code_hash and not sub.code:
                with self._uow() as uow:
                    team = services.load_team(uow, ctx.team_id)
                code = next(
                    (c for c in team.completion_codes if forms.code_hash(c) == sub.spec.code_hash),
                    None,
                )
                if code is None:
                    raise ParseError(
                        [FieldError("code", "The completion code was removed meanwhile.")]
                    )
                sub = dataclasses.replace(sub, code=code)
            recorded = services.record_form(
                ctx.team_id,
                ctx.user_id,
                sub.customer,
                sub.form_fields(),
                uow=self._uow(),
                clock=self._clock,
            )
        except AmbiguousCustomer as exc:
            names = tuple(c.name for c in exc.candidates)
            return Answer(forms.question_reply(exc, sub), retry=sub, choices=names)
        except ParseError as exc:
            return Answer(forms.problems_reply(exc, sub), retry=sub)
        except UserError as exc:
            return Answer(content.error_reply(exc), retry=sub)
        return Answer(self._commands.confirm(recorded, ctx))

    def _follow_up_view(self, ctx: Context, answer: Answer) -> discord.ui.View:
        """In-memory buttons on a private answer: they only need to live as long as the
        ephemeral message (15 minutes); what was typed is echoed in the message anyway."""
        sub = answer.retry
        assert sub is not None
        view = discord.ui.View(timeout=RETRY_SECONDS)
        for name in answer.choices:
            view.add_item(self._choice_button(ctx, sub, name, name))
        if answer.choices:
            new = f"+{sub.customer}"
            view.add_item(self._choice_button(ctx, sub, new, f"Add “{sub.customer}” as new"))
        else:
            fix: discord.ui.Button[discord.ui.View] = discord.ui.Button(
                label="Fix and resubmit", style=discord.ButtonStyle.primary
            )

            async def reopen(interaction: discord.Interaction[Any]) -> None:
                values = dict(sub.values)
                if not sub.spec.customer and sub.chosen:
                    values[forms.CUSTOMER.name] = sub.chosen
                await self._open(interaction, sub.spec, values)

            fix.callback = reopen  # type: ignore[method-assign]
            view.add_item(fix)
        return view

    def _choice_button(
        self, ctx: Context, sub: forms.Submission, customer: str, label: str
    ) -> discord.ui.Button[discord.ui.View]:
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label[:80], style=discord.ButtonStyle.secondary
        )

        async def choose(interaction: discord.Interaction[Any]) -> None:
            async with self._tracked():
                await self._record(interaction, ctx, dataclasses.replace(sub, chosen=customer))

        button.callback = choose  # type: ignore[method-assign]
        return button

    # -- buttons ---------------------------------------------------------------------------

    async def on_action(
        self, interaction: discord.Interaction[Any], verb: str, target: int, option: str
    ) -> None:
        async with self._tracked():
            ctx = context(interaction)
            if ctx is None or interaction.message is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                if verb == "pass_on":
                    modal = forms.pass_on_form(target)
                    await interaction.response.send_modal(modal)
                    modal.stop()
                    return
                await self._act(interaction, ctx, lambda: self._change(ctx, verb, target, option))
            except Exception:
                await report_bug(interaction, f"button {verb}:{target}")

    async def submit_pass_on(self, interaction: discord.Interaction[Any]) -> None:
        async with self._tracked():
            ctx = context(interaction)
            custom_id = forms.custom_id_of(interaction)
            target = custom_id.removeprefix(forms.PASS_ON_PREFIX)
            if ctx is None or not (target.isascii() and target.isdigit()):
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            to = forms.submitted_values(forms.raw_data(interaction)).get("to", "")
            try:
                await self._act(
                    interaction,
                    ctx,
                    lambda: self._change(ctx, "pass_on", int(target), "", to=to),
                )
            except Exception:
                await report_bug(interaction, "passing on a challenge")

    async def _act(
        self,
        interaction: discord.Interaction[Any],
        ctx: Context,
        change: Callable[[], Changed],
    ) -> None:
        msg = interaction.message
        assert msg is not None
        ref = message_ref(msg.channel.id, msg.id)

        def work() -> Changed | Reply:
            try:
                changed = change()
            except UserError as exc:
                return content.error_reply(exc)
            found = reminders.reminder_for_message(
                ctx.team_id, ref, uow=self._uow(), clock=self._clock
            )
            return dataclasses.replace(changed, reminder=found[1].reply if found else None)

        outcome = await in_time(interaction, work, ephemeral=False)
        if isinstance(outcome, Reply):  # not done: tell the one who pressed, privately
            await send(interaction, render(outcome))
            return
        reminder = outcome.reminder
        if reminder is None:
            rendered = settled_in_place(
                msg, outcome.reply, outcome.family, outcome.target, self._clock.now()
            )
            await edit_in_place(interaction, rendered)
            return
        if outcome.change == "snoozed":  # still open: say until when, under the reminder
            reminder = dataclasses.replace(
                reminder, sections=(*reminder.sections, *outcome.reply.sections)
            )
        await edit_in_place(interaction, render(reminder, max_messages=1)[0])

    def _change(self, ctx: Context, verb: str, target: int, option: str, to: str = "") -> Changed:
        uow, clock, actor = self._uow(), self._clock, ctx.user_id
        if verb in {"kept", "not_kept", "cancel"}:
            name = "cancelled" if verb == "cancel" else verb
            result = services.settle_promise(ctx.team_id, target, name, actor, uow=uow, clock=clock)
            return Changed(content.promise_changed(result, actor), "promise", result.change, target)
        if verb == "snooze":
            result = services.snooze_promise(
                ctx.team_id, target, option or "tomorrow", actor, uow=uow, clock=clock
            )
            return Changed(content.promise_changed(result, actor), "promise", result.change, target)
        if verb in CHALLENGE_VERBS:
            change = {"addressed": "addressed", "pass_on": "passed_on", "reopen": "reopened"}[verb]
            done = services.change_challenge(
                ctx.team_id, target, change, actor, to=to, uow=uow, clock=clock
            )
            return Changed(content.challenge_changed(done, actor), "challenge", done.change, target)
        raise UserError(f"This button ({verb}) is not one Touchpoint knows any more.")

    # -- reactions -------------------------------------------------------------------------

    async def on_reaction(
        self, client: discord.Client, payload: discord.RawReactionActionEvent
    ) -> None:
        """A check mark on a one-promise reminder keeps the promise."""
        me = client.user
        emoji = (payload.emoji.name or "").replace("\ufe0f", "")
        if payload.guild_id is None or me is None or payload.user_id == me.id:
            return
        if emoji not in CHECK_MARKS or not self.accepting:
            return
        if payload.message_author_id is not None and payload.message_author_id != me.id:
            return  # only the bot's own messages are reminders
        async with self._tracked():
            team_id = f"discord:{payload.guild_id}"
            ref = message_ref(payload.channel_id, payload.message_id)
            try:
                found = await asyncio.to_thread(
                    self._keep_by_reaction, team_id, ref, payload, emoji
                )
                if found is None:
                    return
                channel = client.get_partial_messageable(payload.channel_id)
                await edit(
                    channel.get_partial_message(payload.message_id),
                    render(found, max_messages=1)[0],
                )
            except Exception:
                log.exception("reaction on %s could not be handled", ref)

    def _keep_by_reaction(
        self, team_id: str, ref: str, payload: discord.RawReactionActionEvent, emoji: str
    ) -> Reply | None:
        result = services.keep_from_reaction(
            team_id,
            ref,
            str(payload.user_id),
            event_key=f"discord:{payload.message_id}:{payload.user_id}:{emoji}",
            uow=self._uow(),
            clock=self._clock,
        )
        if result is None:
            return None
        found = reminders.reminder_for_message(team_id, ref, uow=self._uow(), clock=self._clock)
        return found[1].reply if found else None

    # -- autocomplete ----------------------------------------------------------------------

    async def customer_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        team_id = f"discord:{interaction.guild_id}"
        found = await asyncio.to_thread(
            lambda: queries.customer_suggestions(team_id, current, limit=25, uow=self._uow())
        )
        return [app_commands.Choice(name=c.name[:100], value=c.name[:100]) for c in found]

    async def code_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        team_id = f"discord:{interaction.guild_id}"

        def codes() -> tuple[str, ...]:
            with self._uow() as uow:
                team = uow.teams.get(team_id)
            return team.completion_codes if team else DEFAULT_COMPLETION_CODES

        wanted = current.lower().strip()
        listed = await asyncio.to_thread(codes)
        return [
            app_commands.Choice(name=c[:100], value=c[:100]) for c in listed if wanted in c.lower()
        ][:25]


def _customer_problem(name: str) -> Reply | None:
    if not name.lstrip("+").strip():
        return message("Name the customer", "Give the customer's name.", kind="error")
    if len(name) > min(services.MAX_CUSTOMER_NAME, forms.MAX_CUSTOMER_IN_ID):
        return message(
            "Customer name too long",
            f"A customer name can have at most {services.MAX_CUSTOMER_NAME} characters.",
            kind="error",
        )
    return None
