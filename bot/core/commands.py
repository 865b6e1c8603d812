"""The `/touchpoint ...` text grammar, shared by every adapter.

An adapter hands over the text typed after the command and who typed it where; it gets
back either a reply to render or a request to open the form.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core import (
    calendar,
    content,
    corrections,
    customers,
    digest_content,
    duplicates,
    editing,
    help_content,
    items,
    map_content,
    map_measures,
    measures,
    measures_content,
    outbox,
    queries,
    record_view,
    requests,
    revisions,
    services,
    summaries,
    touchmap,
    words,
)
from bot.core.errors import NotFound, UserError
from bot.core.model import Kind, parse_kind, slugify
from bot.core.parsing import MAX_ENTRY_CHARS, unquoted
from bot.core.ports import Clock, UnitOfWork
from bot.core.refs import ItemKind, Ref, parse_ref, split_refs
from bot.core.replies import Reply, Section, line, message
from bot.core.services import TeamDefaults

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """Who typed the command, in which team and channel."""

    team_id: str
    user_id: str
    channel: str | None = None
    team_name: str = ""
    # Whether the person holds the platform's admin right (Manage Server, workspace admin);
    # None where the platform has no such thing (the console).
    can_manage: bool | None = None


@dataclass(frozen=True)
class OpenForm:
    """The adapter should open its form, prefilled with these; or, for ``edit``, the form
    filled in as that touchpoint is (its submission corrects it)."""

    customer: str
    kind: Kind | None = None
    notes: str = ""
    edit: editing.Editable | None = None


@dataclass(frozen=True)
class PromiseUpdated:
    """A command changed a promise: the reply, and which promise (so every posted
    reminder showing it can be brought up to date)."""

    reply: Reply
    promise_ids: tuple[int, ...]


Outcome = Reply | OpenForm
Routed = Outcome | PromiseUpdated


def _updated(reply: Reply, promise_id: int | None) -> Routed:
    return PromiseUpdated(reply, (promise_id,)) if promise_id is not None else reply


# The longest command text read (the longest quick entry: three lists of 50 items of 300
# characters fit), and the most parts (lines or "|" pieces) in it; more is refused unread.
# The parts cap keeps the slowest text to read (tens of thousands of short lines, each one
# a problem to list: 200 ms) within about 35 ms, so the event loop and every other request
# stay responsive.
MAX_COMMAND_CHARS = MAX_ENTRY_CHARS
MAX_COMMAND_PARTS = 300


def _one_ref(text: str, usage: str) -> tuple[Ref, str]:
    """The one reference a verb acts on ("P12", "#12", "12") and what follows it."""
    word, _, rest = text.strip().partition(" ")
    ref = parse_ref(word)
    if ref is None:
        raise UserError(f"Give the number shown in the list, e.g. `{usage}`.")
    return ref, rest.strip()


def split_kind(text: str) -> tuple[str, Kind | None]:
    """ "acme corp video call" -> ("acme corp", Kind.VIDEO)."""
    words = text.split()
    for n in (2, 1):
        if len(words) > n:
            kind = parse_kind(" ".join(words[-n:]))
            if kind is not None:
                return " ".join(words[:-n]), kind
    return text.strip(), None


class Commands:
    """Runs `/touchpoint` subcommands against the core use cases."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        defaults: TeamDefaults,
        public_url: str = "",
        draw_chart: summaries.ChartDrawer | None = None,
    ) -> None:
        self._uow = uow_factory
        # Draws `stats week`'s chart (pixels are no business of the core); without it
        # the chart's figures come as text alone.
        self._draw_chart = draw_chart
        self._clock = clock
        self._defaults = defaults
        self._public_url = public_url  # where calendar feed links point; "" when none
        self._known_teams: set[str] = set()
        # The verbs read as words (``requests.WORD_VERBS``); the rest are typed requests.
        self._routes: dict[str, Callable[[str, Context], Routed]] = {
            "kept": self._items("kept"),
            "done": self._items("kept"),
            "notkept": self._items("not_kept"),
            "not-kept": self._items("not_kept"),
            "cancel": self._items("cancelled"),
            "snooze": self._snooze,
            "due": self._reschedule,
            "addressed": self._items("addressed"),
            "reopen": self._items("reopened"),
            "pass": self._pass_on,
            "undo": self._undo,
            "delete": self._delete,
            "edit": self._edit,
            "alias": self._alias,
            "reminders": self._reminders,
            "link": self._link,
        }
        assert self._routes.keys() == requests.WORD_VERBS

    def ensure_team(self, ctx: Context) -> None:
        if ctx.team_id in self._known_teams:
            return
        services.ensure_team(
            ctx.team_id, ctx.team_name, defaults=self._defaults, uow=self._uow(), clock=self._clock
        )
        self._known_teams.add(ctx.team_id)

    def handle(self, text: str, ctx: Context) -> Outcome:
        """Run one command; user mistakes come back as an error reply, bugs propagate."""
        try:
            outcome = self.run(text, ctx)
        except UserError as exc:
            return content.error_reply(exc)
        return outcome.reply if isinstance(outcome, PromiseUpdated) else outcome

    def run(self, text: str, ctx: Context) -> Routed:
        """Run one command typed as text, saying which promise it changed; a user's
        mistake is raised as a ``UserError`` (``Interactions`` turns it into the reply)."""
        too_long = _too_long(text)  # before anything, even the team, reads it
        if too_long is not None:
            raise too_long
        self.ensure_team(ctx)
        return self.execute(requests.read(text), ctx)

    def execute(self, request: requests.Request, ctx: Context) -> Routed:
        """Run one typed request (read from text, or built from a platform's options)."""
        self.ensure_team(ctx)
        match request:
            case requests.Help():
                return help_content.help_reply()
            case requests.Show():
                return self._show(request, ctx)
            case requests.Promises(mine=mine, direction=direction, customer=customer):
                owner = ctx.user_id if mine else None
                listed = queries.open_promises(
                    ctx.team_id,
                    owner=owner,
                    direction=direction,
                    customer_text=customer,
                    uow=self._uow(),
                    clock=self._clock,
                )
                return content.promise_list(listed)
            case requests.Challenges(customer=customer):
                found = queries.open_challenges(
                    ctx.team_id, customer, uow=self._uow(), clock=self._clock
                )
                return content.challenge_list(found)
            case requests.Digest():
                return self._digest(ctx)
            case requests.Stats(mine=mine, customer=customer):
                return self._stats(ctx, mine=mine, customer=customer)
            case requests.WeeklyChart(stage=stage, name=name):
                try:
                    series = measures.weekly_chart(
                        ctx.team_id, stage, uow=self._uow(), clock=self._clock
                    )
                except UserError as not_a_stage:
                    if not name:
                        raise
                    try:  # "stats Weekly Widgets": not a stage, so perhaps a customer
                        return self._stats(ctx, customer=name)
                    except NotFound:
                        raise not_a_stage from None
                chart = measures_content.weekly_chart(series)
                if self._draw_chart is None:
                    return chart
                return summaries.with_chart(chart, series, self._draw_chart)
            case requests.MapStats(by=by, rest=rest):
                by_place = map_measures.map_report(
                    ctx.team_id, by, rest, person=ctx.user_id, uow=self._uow(), clock=self._clock
                )
                return map_content.map_stats(by_place)
            case requests.TouchpointMap():
                return self._map(request, ctx)
            case requests.CalendarFeed():
                return self._calendar(request, ctx)
            case requests.Configure():
                return self._config(request, ctx)
            case requests.RecordEntry():
                recorded = services.record_quick_entry(
                    ctx.team_id,
                    ctx.user_id,
                    request.fields,
                    customer=request.customer,
                    kind=request.kind,
                    code=request.code,
                    uow=self._uow(),
                    clock=self._clock,
                )
                return self.confirm(recorded, ctx)
            case requests.Words(verb="", rest=text):
                return self._record_or_form(text, ctx)
            case requests.Words(verb=verb, rest=rest):
                return self._routes[verb](rest, ctx)

    # -- recording -------------------------------------------------------------------------

    def _record_or_form(self, text: str, ctx: Context) -> Outcome:
        if not _looks_like_entry(text):
            hint = self._did_you_mean(text, ctx)
            if hint is not None:
                return hint
            customer, kind = split_kind(text)
            customer = unquoted(customer)
            if not customer:
                raise UserError("Name the customer: `/touchpoint acme`.")
            customers.check_new_customer_name(customer)
            return OpenForm(customer=customer, kind=kind)
        recorded = services.record_quick_entry(
            ctx.team_id, ctx.user_id, text, uow=self._uow(), clock=self._clock
        )
        return self.confirm(recorded, ctx)

    def _did_you_mean(self, text: str, ctx: Context) -> Reply | None:
        """A question or a mistyped command gets the nearest commands, not a form for a
        customer of that name. A quoted or "+" name is always a customer."""
        if text[:1] in "+\"'“‘":
            return None
        if words.is_question(text):
            named = self._customers_named_in(text, ctx)
            return help_content.did_you_mean(text, words.question_suggestions(text, named), True)
        suggested = words.suggestions(text, requests.VERBS)
        if not suggested:
            return None
        with self._uow() as uow:
            if uow.customers.by_slug(ctx.team_id, slugify(text)) is not None:
                return None  # a customer really is called that
        return help_content.did_you_mean(text, suggested, False)

    def _customers_named_in(self, text: str, ctx: Context) -> list[str]:
        names: list[str] = []
        with self._uow() as uow:
            for word in re.findall(r"[\w'’&.-]{3,}", text)[:12]:
                if word.lower() in words.QUESTION_WORDS:
                    continue
                customer = uow.customers.by_slug(ctx.team_id, slugify(word))
                if customer is not None and customer.name not in names:
                    names.append(customer.name)
        return names[:3]

    def confirm(self, recorded: services.Recorded, ctx: Context) -> Reply:
        """The private confirmation, noting when this channel became the team channel."""
        reply = content.confirmation(recorded)
        # The team was read moments ago to record: once it has a channel, claiming would only
        # take a write lock to find that out again.
        unset = not recorded.team.channel
        if (
            ctx.channel
            and unset
            and services.claim_channel_if_unset(ctx.team_id, ctx.channel, uow=self._uow())
        ):
            note = Section(
                None,
                (
                    line(
                        "This channel is now the team channel: reminders and the daily digest "
                        "will be posted here. Change it with `/touchpoint config channel ...`."
                    ),
                ),
            )
            reply = dataclasses.replace(reply, sections=(*reply.sections, note))
        return reply

    # -- reading -------------------------------------------------------------------------

    def _show(self, request: requests.Show, ctx: Context) -> Outcome:
        if not request.customer.strip():
            raise UserError("Name the customer: `/touchpoint show acme`.")
        try:
            record = queries.customer_record(
                ctx.team_id, request.customer, page=request.page, uow=self._uow(), clock=self._clock
            )
        except NotFound as not_found:
            if not request.typed:
                raise
            try:  # "show front page 2" may name the customer "Front page 2"
                record = queries.customer_record(
                    ctx.team_id, request.typed, uow=self._uow(), clock=self._clock
                )
            except NotFound:
                raise not_found from None
        return record_view.customer_record(record)

    def _stats(self, ctx: Context, *, mine: bool = False, customer: str | None = None) -> Reply:
        report = measures.stats_for(
            ctx.team_id,
            ctx.user_id,
            mine=mine,
            customer=customer,
            uow=self._uow(),
            clock=self._clock,
        )
        return measures_content.stats(report)

    def _digest(self, ctx: Context) -> Outcome:
        result = queries.digest(ctx.team_id, uow=self._uow(), clock=self._clock)
        reply = digest_content.digest(result)
        if reply is None:
            return Reply("Daily digest", (Section(None, (line("Nothing open today. 🎉"),)),))
        return Reply(reply.title, reply.sections, True, (), reply.kind)

    # -- acting ------------------------------------------------------------------------------

    def _items(self, verb: str) -> Callable[[str, Context], Routed]:
        def run(rest: str, ctx: Context) -> Routed:
            refs, note = split_refs(rest)
            results = items.act(
                ctx.team_id, refs, verb, ctx.user_id, note=note, uow=self._uow(), clock=self._clock
            )
            changed = tuple(
                r.promise.id
                for r in results
                if isinstance(r, services.PromiseChanged) and r.promise.id is not None
            )
            reply = content.items_changed(results, ctx.user_id)
            return PromiseUpdated(reply, changed) if changed else reply

        return run

    def _one(
        self, rest: str, kind: ItemKind, verb: str, usage: str, ctx: Context
    ) -> tuple[int, str]:
        ref, after = _one_ref(rest, usage)
        if ref.kind not in (None, kind):
            items.refuse_wrong_kind(ctx.team_id, ref, kind, verb, uow=self._uow())
        return ref.number, after

    def _snooze(self, rest: str, ctx: Context) -> Routed:
        usage = "/touchpoint snooze P12 tomorrow"
        pid, when = self._one(rest, ItemKind.PROMISE, "snooze", usage, ctx)
        if not when:
            raise UserError("Say until when: `/touchpoint snooze P12 tomorrow` (or 1h, next week).")
        result = services.snooze_promise(
            ctx.team_id, pid, when, ctx.user_id, uow=self._uow(), clock=self._clock
        )
        return _updated(content.promise_changed(result, ctx.user_id), result.promise.id)

    def _reschedule(self, rest: str, ctx: Context) -> Routed:
        pid, when = self._one(rest, ItemKind.PROMISE, "due", "/touchpoint due P12 fri 3pm", ctx)
        if not when:
            raise UserError("Say the new due date: `/touchpoint due P12 fri 3pm`.")
        result = services.reschedule_promise(
            ctx.team_id, pid, when, ctx.user_id, uow=self._uow(), clock=self._clock
        )
        return _updated(content.promise_changed(result, ctx.user_id), result.promise.id)

    def _pass_on(self, rest: str, ctx: Context) -> Outcome:
        usage = "/touchpoint pass C7 billing team"
        cid, to = self._one(rest, ItemKind.CHALLENGE, "pass", usage, ctx)
        to = to.removeprefix("to ").strip()
        result = services.change_challenge(
            ctx.team_id, cid, "passed_on", ctx.user_id, to=to, uow=self._uow(), clock=self._clock
        )
        return content.challenge_changed(result, ctx.user_id)

    def _undo(self, rest: str, ctx: Context) -> Outcome:
        if rest:
            raise UserError("Write `/touchpoint undo` alone: it reverts your last change.")
        undone = corrections.undo_last(ctx.team_id, ctx.user_id, uow=self._uow(), clock=self._clock)
        return content.undone(undone, ctx.user_id)

    def _delete(self, rest: str, ctx: Context) -> Outcome:
        ref, after = _one_ref(rest, "/touchpoint delete T12")
        if ref.kind not in (None, ItemKind.TOUCHPOINT):
            raise UserError(
                f"{ref.shown(ItemKind.TOUCHPOINT)} is a {ref.kind.noun if ref.kind else ''}: "
                f"`delete` removes a whole touchpoint (T12). To close a "
                f"{ref.kind.noun if ref.kind else 'item'}, use `cancel P12` or `addressed C12`."
            )
        if after.lower() not in {"", "confirm", "yes"}:
            raise UserError(f"Write `/touchpoint delete T{ref.number} confirm` to delete it.")
        if not after:
            found = corrections.find_touchpoint(ctx.team_id, ref.number, uow=self._uow())
            return content.confirm_delete(found)
        found = corrections.delete_touchpoint(ctx.team_id, ref.number, uow=self._uow())
        return content.deleted(found, ctx.user_id)

    def _edit(self, rest: str, ctx: Context) -> Outcome:
        ref, entry = _one_ref(rest, "/touchpoint edit T12")
        if ref.kind not in (None, ItemKind.TOUCHPOINT):
            raise UserError(
                f"`edit` corrects a whole touchpoint (T12); {ref.shown(ItemKind.TOUCHPOINT)} is "
                "not one. Change a promise with `due P12 fri` or `cancel P12`."
            )
        if not entry:
            found = editing.editable(ctx.team_id, ref.number, uow=self._uow())
            return OpenForm(found.customer.name, found.touchpoint.kind, edit=found)
        edited = revisions.edit_by_text(
            ctx.team_id, ref.number, entry, ctx.user_id, uow=self._uow(), clock=self._clock
        )
        return content.edited(edited)

    def _alias(self, rest: str, ctx: Context) -> Outcome:
        customer, sep, alias = rest.partition("=")
        if not sep:
            raise UserError("Write `/touchpoint alias acme corp = ACME Ltd`.")
        result = services.add_alias(ctx.team_id, customer, alias, uow=self._uow())
        return message(
            "Alias added", f"“{result.name}” is also known as: {', '.join(result.aliases)}."
        )

    def _config(self, request: requests.Configure, ctx: Context) -> Outcome:
        if request.setting.lower() in {"help", "?"}:
            return help_content.config_help()
        if not request.setting:
            with self._uow() as uow:
                team = services.load_team(uow, ctx.team_id)
            reasons = outbox.undelivered(ctx.team_id, uow=self._uow(), clock=self._clock)
            return help_content.team_settings(team, outbox.undelivered_section(reasons))
        result = services.configure_team(
            ctx.team_id, request.setting, request.value, uow=self._uow(), clock=self._clock
        )
        return help_content.configured(result)

    def _map(self, request: requests.TouchpointMap, ctx: Context) -> Outcome:
        if not request.change:
            return map_content.touchpoint_map(touchmap.show_map(ctx.team_id, uow=self._uow()))
        result = touchmap.change_map(
            ctx.team_id,
            request.change,
            ctx.user_id,
            can_manage=ctx.can_manage,
            uow=self._uow(),
            clock=self._clock,
        )
        return map_content.map_changed(result)

    def _link(self, rest: str, ctx: Context) -> Routed:
        usage = "/touchpoint link promise 32 3"
        kind, _, numbers = rest.partition(" ")
        kind = {
            "promise": "promise",
            "p": "promise",
            "challenge": "challenge",
            "c": "challenge",
        }.get(kind.lower(), "")
        if not kind:
            raise UserError(
                f"Say what to link, the repeat first: `{usage}` "
                "or `/touchpoint link challenge 7 4`."
            )
        new, old = _two_numbers(numbers, usage)
        result = duplicates.link(
            ctx.team_id, kind, new, old, ctx.user_id, uow=self._uow(), clock=self._clock
        )
        reply = content.linked(result, ctx.user_id)
        # A promise closed as a repeat leaves the reminders that showed it up to date.
        return PromiseUpdated(reply, (new,)) if kind == "promise" else reply

    def _reminders(self, rest: str, ctx: Context) -> Outcome:
        team = services.set_reminder_route(ctx.team_id, ctx.user_id, rest, uow=self._uow())
        return help_content.reminder_route(team, ctx.user_id)

    def _calendar(self, request: requests.CalendarFeed, ctx: Context) -> Outcome:
        owner = None if request.team else ctx.user_id
        if request.revoke:
            count = calendar.revoke_feeds(ctx.team_id, owner, uow=self._uow(), clock=self._clock)
            return calendar.revoked_reply(count, team=request.team)
        if not self._public_url:
            raise calendar.no_public_url()
        token = calendar.issue_feed(ctx.team_id, owner, uow=self._uow(), clock=self._clock)
        return calendar.feed_link_reply(
            calendar.feed_url(self._public_url, token), team=request.team
        )


def _too_long(text: str) -> UserError | None:
    if len(text) > MAX_COMMAND_CHARS:
        return UserError(
            f"This command is {len(text):,} characters; the most is {MAX_COMMAND_CHARS:,}. "
            "Shorten it, or use the form (`/touchpoint acme`) for long notes."
        )
    parts = text.count("|") + text.count("\n") + 1
    if parts > MAX_COMMAND_PARTS:
        return UserError(
            f"This command has {parts:,} lines or parts; the most is {MAX_COMMAND_PARTS}. "
            "Record it in several entries."
        )
    return None


_NUMBER = re.compile(r"[#pPcC]?(\d{1,18})")


def _two_numbers(text: str, usage: str) -> tuple[int, int]:
    """ "32 3", "P32 P3" or "#32 #3": the repeat, then the item to keep."""
    found = [_NUMBER.fullmatch(word) for word in text.split()[:2]]
    if len(found) != 2 or not all(found):
        raise UserError(f"Give the two numbers, the repeat first: `{usage}`.")
    return int(found[0].group(1)), int(found[1].group(1))  # type: ignore[union-attr]


def _looks_like_entry(text: str) -> bool:
    """Quick entry has labelled fields ("ch: ...", "code: ..."); a bare name opens the form."""
    return ":" in text or "|" in text or "\n" in text
