"""The one way in: every interaction of every platform enters the core here.

An adapter translates a payload into a call of ``text``, ``submit``, ``press`` or
``react``, and renders the ``Result``: a reply to show, and the posted messages to edit.
The decisions live here once, so the platforms cannot drift apart:

* which use case a button runs, and the snooze default;
* that a changed promise brings *every* posted reminder showing it up to date, whether
  it was changed by a command, a button or a reaction;
* one error policy, after errbot: a ``UserError`` becomes a reply; anything else is a
  bug, logged with its traceback and a short id, and answered with one wording.

The methods are synchronous and touch the database: adapters call them from worker
threads. ``publish`` (async) applies a result's edits through a platform's ``Notifier``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core import content, details, editing, map_content, reminders, revisions, services
from bot.core.catalogue import FormChoices, form_choices
from bot.core.commands import Commands, Context, OpenForm, PromiseUpdated, Routed
from bot.core.custom_ids import CHALLENGE_VERBS, SETTLING_VERBS, ButtonId, Verb
from bot.core.delivery import DeliveryFailed, Notifier
from bot.core.drafts import FormFields
from bot.core.errors import UserError, new_error_id
from bot.core.model import Team
from bot.core.ports import Clock, UnitOfWork
from bot.core.replies import Reply, ReplyKind, Section, message
from bot.core.requests import Request, cleaned

log = logging.getLogger(__name__)

SNOOZE_DEFAULT = "tomorrow"  # a snooze button that names no time (none should)
CHECK_MARKS = frozenset({"✅", "☑", "✔"})  # compared without the U+FE0F variation selector
_SETTLE = {Verb.KEPT: "kept", Verb.NOT_KEPT: "not_kept"}
_CHALLENGE = {Verb.ADDRESSED: "addressed", Verb.PASS_ON: "passed_on"}


def bug_reply(error_id: str, *, nothing_saved: bool = True) -> Reply:
    """The one answer to a bug, wherever it happened. ``nothing_saved`` is for failures
    inside a unit of work, which rolls back; one after it (rendering, posting) cannot say so."""
    saved = " Nothing was saved." if nothing_saved else ""
    return message(
        "Something went wrong",
        f"Something went wrong on our side (error id {error_id}).{saved} "
        "If it happens again, tell whoever runs Touchpoint this id.",
        kind=ReplyKind.ERROR,
    )


@dataclass(frozen=True)
class Edit:
    """A posted message to replace with ``reply``."""

    team: Team
    channel: str
    ref: str
    reply: Reply


@dataclass(frozen=True)
class Result:
    """What an interaction came to."""

    reply: Reply | None  # what to show the person (None: nothing to say)
    edits: tuple[Edit, ...] = ()  # posted reminders to bring up to date
    form: OpenForm | None = None  # open the form instead of replying
    error: UserError | None = None  # a mistake of the user's (forms map it onto fields)
    error_id: str = ""  # set when a bug was logged
    touchpoint_id: int | None = None  # a form's touchpoint, once saved

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.error_id)

    def edit_of(self, ref: str | None) -> Edit | None:
        return next((e for e in self.edits if e.ref == ref), None) if ref else None

    def other_edits(self, ref: str | None) -> tuple[Edit, ...]:
        return tuple(e for e in self.edits if e.ref != ref)


@dataclass(frozen=True)
class Submission:
    """A submitted form: who it was with, its fields, and whose promises ours are.
    ``edit``: the touchpoint an edit form corrects; ``given``, the fields it had (the
    others stay as they are; None: all of them)."""

    customer: str
    fields: FormFields
    owner: str | None = None
    edit: int | None = None
    given: frozenset[str] | None = None


@dataclass(frozen=True)
class Press:
    """A button pressed, on the message ``message_ref`` (None: a private answer or a
    Home tab, which has no posted message to update). ``to`` is a pass-on's answer."""

    button: ButtonId
    message_ref: str | None = None
    to: str = ""


class Interactions:
    def __init__(
        self, commands: Commands, uow_factory: Callable[[], UnitOfWork], clock: Clock
    ) -> None:
        self._commands = commands
        self._uow = uow_factory
        self._clock = clock
        # A new team's first requests may arrive together; creating it reads, then
        # inserts: within this process they take turns (held for microseconds afterwards).
        self._first_contact = threading.Lock()

    # -- the four ways in ------------------------------------------------------------------

    def text(self, ctx: Context, text: str) -> Result:
        """`/touchpoint <text>`."""
        return self._command(
            ctx, f"/touchpoint {text[:40]!r}", lambda: self._commands.run(text, ctx)
        )

    def request(self, ctx: Context, request: Request) -> Result:
        """A command given as a platform's typed options: the same as its text, unread."""
        what = f"/touchpoint {type(request).__name__.lower()}"
        typed = cleaned(request)
        return self._command(ctx, what, lambda: self._commands.execute(typed, ctx))

    def _command(self, ctx: Context, what: str, routed: Callable[[], Routed]) -> Result:
        def run() -> Result:
            outcome = routed()
            if isinstance(outcome, OpenForm):
                return Result(None, form=outcome)
            if isinstance(outcome, PromiseUpdated):
                edits = self._reminder_edits(ctx.team_id, [], outcome.promise_ids)
                return Result(outcome.reply, edits)
            return Result(outcome)

        return self._guarded(ctx, what, run)

    def submit(self, ctx: Context, form: Submission) -> Result:
        """A filled-in form: saved whole or not at all, then confirmed."""

        def run() -> Result:
            if form.edit is not None:
                edited = revisions.edit_by_form(
                    ctx.team_id,
                    form.edit,
                    form.fields,
                    ctx.user_id,
                    given=form.given,
                    owner=form.owner,
                    uow=self._uow(),
                    clock=self._clock,
                )
                return Result(content.edited(edited), touchpoint_id=form.edit)
            recorded = services.record_form(
                ctx.team_id,
                ctx.user_id,
                form.customer,
                form.fields,
                owner=form.owner,
                uow=self._uow(),
                clock=self._clock,
            )
            return Result(self._confirm(recorded, ctx), touchpoint_id=recorded.touchpoint.id)

        return self._guarded(ctx, "recording a touchpoint", run)

    def details(self, ctx: Context, touchpoint_id: int, place: str, fields: FormFields) -> Result:
        """A form's second step: where on the journey a saved touchpoint was, who took part,
        its scores (``bot.core.details``)."""

        def run() -> Result:
            added = details.add_details(
                ctx.team_id, touchpoint_id, place, fields, uow=self._uow(), clock=self._clock
            )
            return Result(map_content.details_added(added))

        return self._guarded(ctx, "adding a touchpoint's details", run)

    def edit_details(
        self,
        ctx: Context,
        touchpoint_id: int,
        place: str,
        fields: FormFields,
        sent: frozenset[str] | None = None,
    ) -> Result:
        """An edit's second step: the place, contacts and scores, each replacing the
        touchpoint's (``bot.core.revisions``)."""

        def run() -> Result:
            edited = revisions.edit_details(
                ctx.team_id,
                touchpoint_id,
                place,
                fields,
                ctx.user_id,
                sent=sent,
                uow=self._uow(),
                clock=self._clock,
            )
            return Result(content.edited(edited), touchpoint_id=touchpoint_id)

        return self._guarded(ctx, "editing a touchpoint's details", run)

    def editable(self, ctx: Context, touchpoint_id: int) -> editing.Editable:
        """A stored touchpoint as a form shows it (``NotFound`` when the team has none)."""
        self.ensure_team(ctx)
        return editing.editable(ctx.team_id, touchpoint_id, uow=self._uow())

    def press(self, ctx: Context, press: Press) -> Result:
        """A button. The pressed message, when it is a reminder, is among the edits."""

        def run() -> Result:
            note, promise_id = self._apply(ctx, press)
            settling = press.button.verb in SETTLING_VERBS
            refs = [press.message_ref] if press.message_ref else []
            changed = (promise_id,) if settling and promise_id is not None else ()
            edits = self._reminder_edits(ctx.team_id, refs, changed)
            pressed = next((e for e in edits if e.ref == press.message_ref), None)
            if pressed is not None and press.button.verb is Verb.SNOOZE:
                # Still open: say until when, under the reminder.
                sections = (*pressed.reply.sections, Section(None, note.sections[0].lines))
                shown = dataclasses.replace(pressed, reply=_public(pressed.reply, sections))
                edits = tuple(shown if e is pressed else e for e in edits)
            return Result(note, edits)

        return self._guarded(ctx, f"button {press.button.encode()}", run)

    def react(self, ctx: Context, message_ref: str, emoji: str, event_key: str) -> Result:
        """A reaction on a posted message: a check mark on a one-promise reminder keeps it.
        Anything else, and a platform's retry of the same event, does nothing."""
        if emoji.replace("\ufe0f", "") not in CHECK_MARKS:
            return Result(None)

        def run() -> Result:
            changed = services.keep_from_reaction(
                ctx.team_id, message_ref, ctx.user_id, event_key, uow=self._uow(), clock=self._clock
            )
            if changed is None:
                return Result(None)
            kept = (changed.promise.id,) if changed.promise.id is not None else ()
            edits = self._reminder_edits(ctx.team_id, [message_ref], kept)
            return Result(None, edits)

        return self._guarded(ctx, "a check-mark reaction", run)

    def react_in_direct_message(
        self, platform: str, user: str, message_ref: str, emoji: str, event_key: str
    ) -> Result:
        """A reaction in someone's direct messages with the bot, which name no team: on one
        of their own reminders there, it counts as ``react`` in that reminder's team."""
        if emoji.replace("\ufe0f", "") not in CHECK_MARKS:
            return Result(None)
        try:
            team_id = reminders.team_of_direct_reminder(user, message_ref, uow=self._uow())
        except Exception:
            log.exception("could not tell whose reminder %s is", message_ref)
            return Result(None)
        if team_id is None or not team_id.startswith(f"{platform}:"):
            return Result(None)
        return self.react(Context(team_id, user), message_ref, emoji, event_key)

    # -- small reads adapters need to build their forms --------------------------------------

    def form_choices(self, ctx: Context) -> FormChoices:
        """What a form offers to pick: codes, the map's touchpoints, the journey stages."""
        self.ensure_team(ctx)
        return form_choices(ctx.team_id, uow=self._uow())

    def completion_codes(self, ctx: Context) -> tuple[str, ...]:
        self.ensure_team(ctx)
        with self._uow() as uow:
            return services.load_team(uow, ctx.team_id).completion_codes

    def team(self, ctx: Context) -> Team:
        self.ensure_team(ctx)
        with self._uow() as uow:
            return services.load_team(uow, ctx.team_id)

    def ensure_team(self, ctx: Context) -> None:
        with self._first_contact:
            self._commands.ensure_team(ctx)

    def first_signed_request(self, key: str, sweep: bool = True) -> bool:
        """False for a replay of a request (its signature or envelope id, in ``key``) seen
        in the last minutes: the adapter answers it without acting. ``sweep`` drops the
        keys too old to matter in the same transaction."""
        return services.first_signed_request(key, uow=self._uow(), clock=self._clock, sweep=sweep)

    # -- inside ------------------------------------------------------------------------------

    def _guarded(self, ctx: Context, what: str, run: Callable[[], Result]) -> Result:
        try:
            self.ensure_team(ctx)
            return run()
        except UserError as exc:
            return Result(content.error_reply(exc), error=exc)
        except Exception:
            error_id = new_error_id()
            log.exception(
                "%s failed (error id %s)",
                what,
                error_id,
                extra={"team_id": ctx.team_id, "error_id": error_id},
            )
            return Result(bug_reply(error_id), error_id=error_id)

    def _confirm(self, recorded: services.Recorded, ctx: Context) -> Reply:
        """The confirmation; the touchpoint is saved by now, so a failure here must not
        turn into "nothing was saved"."""
        try:
            return self._commands.confirm(recorded, ctx)
        except Exception:
            log.exception("claiming the team channel failed after recording")
            return content.confirmation(recorded)

    def _apply(self, ctx: Context, press: Press) -> tuple[Reply, int | None]:
        """Run a button's use case: what to say, and the promise it changed."""
        verb, target, actor = press.button.verb, press.button.target, ctx.user_id
        uow, clock = self._uow(), self._clock
        if verb in _SETTLE:
            settled = services.settle_promise(
                ctx.team_id, target, _SETTLE[verb], actor, uow=uow, clock=clock
            )
            return content.promise_changed(settled, actor), settled.promise.id
        if verb is Verb.SNOOZE:
            until = press.button.option or SNOOZE_DEFAULT
            snoozed = services.snooze_promise(
                ctx.team_id, target, until, actor, uow=uow, clock=clock
            )
            return content.promise_changed(snoozed, actor), snoozed.promise.id
        assert verb in CHALLENGE_VERBS
        if verb is Verb.PASS_ON and not press.to.strip():
            raise UserError("Say who takes it on, e.g. “billing team”.")
        changed = services.change_challenge(
            ctx.team_id, target, _CHALLENGE[verb], actor, to=press.to, uow=uow, clock=clock
        )
        return content.challenge_changed(changed, actor), None

    def _reminder_edits(
        self, team_id: str, refs: list[str], promise_ids: Sequence[int]
    ) -> tuple[Edit, ...]:
        """The current content of each posted reminder: ``refs`` first (those that are
        reminders), then every other sent reminder still showing one of ``promise_ids``.
        The change is saved by now: a failure here costs the edits, not the answer."""
        try:
            return self._rebuilt(team_id, refs, promise_ids)
        except Exception:
            log.exception("could not rebuild the reminders showing promises %s", promise_ids)
            return ()

    def _rebuilt(
        self, team_id: str, refs: list[str], promise_ids: Sequence[int]
    ) -> tuple[Edit, ...]:
        wanted = list(refs)
        for promise_id in promise_ids:
            for delivery in reminders.reminders_showing(team_id, promise_id, uow=self._uow()):
                if delivery.message_ref and delivery.message_ref not in wanted:
                    wanted.append(delivery.message_ref)
        edits: list[Edit] = []
        for ref in wanted:
            found = reminders.reminder_for_message(team_id, ref, uow=self._uow(), clock=self._clock)
            if found is not None:
                outgoing = found[1]
                edits.append(Edit(outgoing.team, outgoing.channel, ref, outgoing.reply))
        return tuple(edits)


def _public(reply: Reply, sections: tuple[Section, ...]) -> Reply:
    return dataclasses.replace(reply, sections=sections, private=False, mentions=())


async def publish(notifier: Notifier, edits: tuple[Edit, ...]) -> None:
    """Make the edits; one that fails (a message deleted meanwhile) does not stop the rest."""
    for edit in edits:
        try:
            await notifier.update(edit.team, edit.channel, edit.ref, edit.reply)
        except DeliveryFailed as exc:
            log.warning("could not update message %s: %s", edit.ref, exc)


@dataclass(frozen=True)
class Core:
    """What an adapter is given: the way in, and the unit of work and clock for the few
    reads it renders itself (the Home tab, autocomplete)."""

    interactions: Interactions
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
