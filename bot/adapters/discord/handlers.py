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

from bot.adapters.discord import edits, forms
from bot.adapters.discord.messages import settled_in_place
from bot.adapters.discord.notifier import message_ref
from bot.adapters.discord.render import render
from bot.adapters.discord.respond import edit_in_place, in_time, report_bug, send, send_reply
from bot.core import content, custom_ids, customers, map_content, queries
from bot.core.commands import Context
from bot.core.custom_ids import CHALLENGE_VERBS, ButtonId, Verb, hash_matches
from bot.core.delivery import Notifier
from bot.core.errors import AmbiguousCustomer, FieldError, ParseError, UserError
from bot.core.interactions import Core, Press, Result, Submission, publish
from bot.core.model import DEFAULT_COMPLETION_CODES, Kind
from bot.core.replies import Reply, ReplyKind, Section, Text, line, message
from bot.core.requests import Request

log = logging.getLogger(__name__)

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
        line("/touchpoint text command:kept P12 — any of the commands below"),
        line("A message's ⋯ menu → Apps → Record touchpoint — record it with the message as notes"),
        line("React ✅ on a one-promise reminder to mark it kept."),
    ),
)


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
        can_manage=interaction.permissions.manage_guild,
    )


NOT_IN_A_SERVER = message(
    "Touchpoint works in servers",
    "Use /touchpoint in a channel of the server whose customers it is about.",
    kind=ReplyKind.ERROR,
)


class Handlers:
    def __init__(self, core: Core) -> None:
        self._core = core
        self._in = core.interactions
        self._uow = core.uow_factory
        self._clock = core.clock
        self.notifier: Notifier | None = None  # for edits of other messages; set once built
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

    async def idle(self) -> None:
        """Wait until no interaction is in flight (tests, benchmarks)."""
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))

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
        what = f"/touchpoint {text[:40]!r}"
        await self._run(interaction, lambda ctx: self._in.text(ctx, text), what, echo)

    async def run_request(
        self, interaction: discord.Interaction[Any], request: Request, *, echo: str = ""
    ) -> None:
        """A subcommand whose typed options the core takes as they are."""
        what = f"/touchpoint {type(request).__name__.lower()}"
        await self._run(interaction, lambda ctx: self._in.request(ctx, request), what, echo)

    async def _run(
        self,
        interaction: discord.Interaction[Any],
        call: Callable[[Context], Result],
        what: str,
        echo: str,
    ) -> None:
        async with self._tracked():
            ctx = context(interaction)
            if ctx is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                result = await in_time(interaction, lambda: call(ctx))
                if result.form is not None and result.form.edit is not None:
                    await edits.open_edit(interaction, result.form.edit)
                    return
                if result.form is not None:
                    form = result.form
                    spec = forms.FormSpec(form.customer[: forms.MAX_CUSTOMER_IN_ID], form.kind)
                    await self._open(interaction, spec, {"notes": form.notes})
                    return
                if result.reply is not None:
                    await send(interaction, render(self._for_discord(result.reply, echo)))
                await self._publish(result)
            except Exception:
                await report_bug(interaction, what)

    def _for_discord(self, reply: Reply, echo: str) -> Reply:
        if reply.kind == "help":
            return dataclasses.replace(reply, sections=(DISCORD_HELP, *reply.sections))
        if reply.kind == "error" and echo:
            typed = Section("You typed", (line(Text(echo)),))
            return dataclasses.replace(reply, sections=(*reply.sections, typed))
        return reply

    async def _publish(self, result: Result, pressed: str | None = None) -> None:
        if self.notifier is not None:
            await publish(self.notifier, result.other_edits(pressed))

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
                    code_hash = custom_ids.code_hash(canonical)
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
        team = self._in.team(ctx)
        found = team.find_code(code)
        if found is not None:
            return found, None
        codes = ", ".join(team.completion_codes) or "none yet"
        return code, message(
            "Unknown completion code",
            f"“{code}” is not one of this server's completion codes ({codes}). "
            f"Someone with Manage Server can add it: /touchpoint config setting:codes "
            f"value:add {code}",
            kind=ReplyKind.ERROR,
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
        if sub.spec.code_hash and not sub.code:
            codes = self._in.completion_codes(ctx)
            code = next((c for c in codes if hash_matches(sub.spec.code_hash, c)), None)
            if code is None:
                removed = FieldError("code", "The completion code was removed meanwhile.")
                gone = ParseError([removed])
                return Answer(forms.problems_reply(gone, sub), retry=sub)
            sub = dataclasses.replace(sub, code=code)
        result = self._in.submit(ctx, Submission(sub.customer, sub.form_fields()))
        assert result.reply is not None
        error = result.error
        if isinstance(error, AmbiguousCustomer):
            names = tuple(c.name for c in error.candidates)
            return Answer(forms.question_reply(error, sub), retry=sub, choices=names)
        if isinstance(error, ParseError):
            return Answer(forms.problems_reply(error, sub), retry=sub)
        if error is None and not result.failed and result.touchpoint_id is not None:
            # Discord's modal had room for five fields: the rest is a second, optional step.
            reply = map_content.with_details_button(result.reply, result.touchpoint_id)
            return Answer(reply)
        return Answer(result.reply, retry=sub if error is not None else None)

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

    async def on_action(self, interaction: discord.Interaction[Any], button: ButtonId) -> None:
        async with self._tracked():
            ctx = context(interaction)
            if ctx is None or interaction.message is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                if button.verb is Verb.EDIT_DETAILS:
                    await edits.open_edit_details(interaction, self._in, ctx, button.target)
                    return
                if button.verb in {Verb.PASS_ON, Verb.DETAILS}:
                    modal = (
                        forms.pass_on_form(button.target)
                        if button.verb is Verb.PASS_ON
                        else forms.details_form(button.target)
                    )
                    await interaction.response.send_modal(modal)
                    modal.stop()
                    return
                await self._act(interaction, ctx, button)
            except Exception:
                await report_bug(interaction, f"button {button.encode()}")

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
                await self._act(interaction, ctx, ButtonId(Verb.PASS_ON, int(target)), to)
            except Exception:
                await report_bug(interaction, "passing on a challenge")

    async def submit_details(self, interaction: discord.Interaction[Any]) -> None:
        """The second step of the form: journey, contacts and scores of a saved touchpoint."""
        async with self._tracked():
            ctx = context(interaction)
            target = forms.custom_id_of(interaction).removeprefix(custom_ids.DETAILS_PREFIX)
            if ctx is None or not (target.isascii() and target.isdigit()):
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            values = forms.submitted_values(forms.raw_data(interaction))
            place, fields = forms.details_fields(values)
            try:
                result = await in_time(
                    interaction, lambda: self._in.details(ctx, int(target), place, fields)
                )
                assert result.reply is not None
                await send(interaction, render(result.reply))
            except Exception:
                await report_bug(interaction, "adding a touchpoint's details")

    async def submit_edit(self, interaction: discord.Interaction[Any], *, details: bool) -> None:
        """An edit's form submitted: its first step, or (``details``) its second."""
        async with self._tracked():
            ctx = context(interaction)
            if ctx is None:
                await send_reply(interaction, NOT_IN_A_SERVER)
                return
            try:
                submit = edits.submit_edit_details if details else edits.submit_edit
                await submit(interaction, self._in, ctx)
            except Exception:
                await report_bug(interaction, "editing a touchpoint")

    async def _act(
        self, interaction: discord.Interaction[Any], ctx: Context, button: ButtonId, to: str = ""
    ) -> None:
        msg = interaction.message
        assert msg is not None
        ref = message_ref(msg.channel.id, msg.id)
        press = Press(button, ref, to)
        result = await in_time(interaction, lambda: self._in.press(ctx, press), ephemeral=False)
        assert result.reply is not None
        if result.failed:  # not done: tell the one who pressed, privately
            await send(interaction, render(result.reply))
            return
        pressed = result.edit_of(ref)
        if pressed is None:  # not a reminder: note the change on the message as it is
            family = "challenge" if button.verb in CHALLENGE_VERBS else "promise"
            now = self._clock.now()
            rendered = settled_in_place(msg, result.reply, family, button.target, now)
            await edit_in_place(interaction, rendered)
        else:
            await edit_in_place(interaction, render(pressed.reply, max_messages=1)[0])
        await self._publish(result, ref)

    # -- reactions -------------------------------------------------------------------------

    async def on_reaction(
        self, client: discord.Client, payload: discord.RawReactionActionEvent
    ) -> None:
        """A check mark on a one-promise reminder keeps the promise, in a server's channel
        or on a reminder sent by direct message (which names no server: the reminder's own
        team is found from it)."""
        me = client.user
        emoji = (payload.emoji.name or "").replace("\ufe0f", "")
        if me is None or payload.user_id == me.id or not self.accepting:
            return
        if payload.message_author_id is not None and payload.message_author_id != me.id:
            return  # only the bot's own messages are reminders
        async with self._tracked():
            user = str(payload.user_id)
            ref = message_ref(payload.channel_id, payload.message_id)
            key = f"discord:{payload.message_id}:{payload.user_id}:{emoji}"
            if payload.guild_id is None:
                react = self._in.react_in_direct_message
                result = await asyncio.to_thread(react, "discord", user, ref, emoji, key)
            else:
                ctx = Context(f"discord:{payload.guild_id}", user)
                result = await asyncio.to_thread(self._in.react, ctx, ref, emoji, key)
            await self._publish(result)

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
    """The core's own check (the same answer as on every platform); a leading "+" is not
    counted. Any name it accepts, "+" included, fits the form's custom_id."""
    if not name.lstrip("+").strip():
        return message("Name the customer", "Give the customer's name.", kind=ReplyKind.ERROR)
    try:
        customers.check_new_customer_name(name)
    except UserError as exc:
        return content.error_reply(exc)
    return None
