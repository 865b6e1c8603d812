"""Tenant isolation, as a property on the real SQL storage (SQLite and PostgreSQL): for
random records spread over three teams (the same customer names in several), every read
and every action from team A sees and touches only team A's rows, with every id in the
database tried as a guess.

Reads: show, promises (all, mine), challenges (all, of a customer), digest, stats (team,
mine, of a customer), autocomplete, calendar feeds. Actions: kept, not kept, cancel,
snooze, due, addressed, reopen, pass on, and a check-mark reaction on every posted
reminder. Two checks each time: what A gets carries A's team id only; and what the other
teams see and store is exactly as before (and A's view is unchanged by their activity)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text as sql_text

from bot.core import calendar, queries, services
from bot.core.commands import Context
from bot.core.delivery import Delivery, DeliveryKind
from bot.core.drafts import FormFields
from bot.core.errors import UserError
from bot.core.replies import Reply

from .support import NOW, World, database_of, profile, reply_text, scaled, sql_world, tried

NAMES = ("Acme Corp", "Globex", "Initech", "Umbrella")
_examples = itertools.count(1)


@dataclass(frozen=True)
class Visit:
    team: int  # 0 is team A
    customer: str
    challenges: tuple[str, ...]
    ours: tuple[str, ...]
    theirs: tuple[str, ...]
    difference: str


WORDS = st.sampled_from(("slow internet", "billing", "send quote", "call back", "visit"))
VISITS = st.lists(
    st.builds(
        Visit,
        team=st.integers(0, 2),
        customer=st.sampled_from(NAMES),
        challenges=st.lists(WORDS, max_size=2).map(tuple),
        ours=st.lists(
            st.tuples(WORDS, st.sampled_from(("by fri", "tomorrow 10am", "", "in 2 weeks"))).map(
                " ".join
            ),
            max_size=2,
        ).map(tuple),
        theirs=st.lists(WORDS.map(lambda w: f"{w} by next tue"), max_size=1).map(tuple),
        difference=st.sampled_from(("", "needs fibre", "a named contact")),
    ),
    min_size=2,
    max_size=6,
)


class Teams:
    """Three fresh teams per example (the database keeps every earlier example's rows:
    more ids to guess)."""

    def __init__(self, world: World) -> None:
        n = next(_examples)
        self.world = world
        self.ctx = [Context(f"slack:E{n}T{i}", f"U{i}", f"C{i}", f"team {i}") for i in range(3)]
        self.tokens: dict[str, str] = {}
        for ctx in self.ctx:
            world.handle("help", ctx)

    def record(self, visit: Visit) -> None:
        ctx, c = self.ctx[visit.team], self.world.container
        fields = FormFields(
            challenges="\n".join(visit.challenges),
            our_promises="\n".join(visit.ours),
            their_promises="\n".join(visit.theirs),
            difference=visit.difference,
            notes="" if visit.challenges or visit.ours or visit.theirs else "a chat",
        )
        services.record_form(
            ctx.team_id,
            ctx.user_id,
            "+" + visit.customer,
            fields,
            uow=c.uow_factory(),
            clock=c.clock,
        )

    def post_reminders(self) -> None:
        """A posted one-promise reminder for each team that has a promise."""
        c = self.world.container
        with c.uow_factory() as uow:
            for ctx in self.ctx:
                promises = uow.promises.open_for_team(ctx.team_id)
                if not promises:
                    continue
                ref = f"{ctx.channel}:{ctx.team_id}.1"
                delivery = Delivery(
                    ctx.team_id,
                    DeliveryKind.REMINDER,
                    ref,
                    ctx.channel or "",
                    NOW,
                    (promises[0].id or 0,),
                )
                uow.deliveries.add_if_absent(delivery)
                delivery.sent(ref, NOW)
                uow.deliveries.save(delivery)
            uow.commit()
        for ctx in self.ctx:
            self.tokens[ctx.team_id] = calendar.issue_feed(
                ctx.team_id, None, uow=c.uow_factory(), clock=c.clock
            )


READS = (
    "promises",
    "promises mine",
    "promises ours",
    "challenges",
    "digest",
    "stats",
    "stats mine",
    *(f"show {name}" for name in NAMES),
    *(f"challenges {name}" for name in NAMES),
    *(f"stats {name}" for name in NAMES),
)


def view(teams: Teams, ctx: Context) -> dict[str, object]:
    """Everything the team can read, as it is shown; also checks every object a read
    returns carries the team's id."""
    w, c = teams.world, teams.world.container
    seen: dict[str, object] = {}
    for command in READS:
        outcome = w.handle(command, ctx)
        seen[command] = outcome
    team = ctx.team_id
    for name in NAMES:
        try:
            record = queries.customer_record(team, name, uow=c.uow_factory(), clock=c.clock)
        except UserError:
            continue
        assert record.customer.team_id == team
        items = [*record.challenges, *record.promises, *record.recent]
        assert all(item.team_id == team for item in items)
    lists = (
        queries.open_promises(team, uow=c.uow_factory(), clock=c.clock).promises,
        queries.open_challenges(team, uow=c.uow_factory(), clock=c.clock).challenges,
    )
    digest = queries.digest(team, uow=c.uow_factory(), clock=c.clock)
    digested = [*digest.ours_overdue.items, *digest.ours_due_today.items]
    digested += [*digest.theirs_due.items]
    digested += [ch for entry in digest.passed_on for ch in entry.challenges]
    digested += [*digest.new_challenges.items, *digest.oldest]
    for item in [*lists[0], *lists[1], *digested]:
        assert item.team_id == team
    for prefix in ("", "a", "ac", "g", "i", "u", "corp"):
        found = queries.customer_suggestions(team, prefix, uow=c.uow_factory())
        assert all(customer.team_id == team for customer in found)
        seen[f"suggest {prefix}"] = [customer.name for customer in found]
    feed = calendar.feed_for_token(teams.tokens[team], uow=c.uow_factory(), clock=c.clock)
    assert feed is not None and feed.team.id == team
    assert all(p.team_id == team for p in feed.promises)
    seen["feed"] = [(p.text, p.due_at) for p in feed.promises]
    return seen


def act_on_every_id(teams: Teams, ctx: Context) -> int:
    """Every promise and challenge id in the database, each with one of the actions (in
    turn), from ``ctx``'s team: another team's id is never found. Returns actions tried."""
    w = teams.world
    mine_p = {p for p in w.ids("promises") if _owner(w, "promises", p) == ctx.team_id}
    mine_c = {c for c in w.ids("challenges") if _owner(w, "challenges", c) == ctx.team_id}
    promise_verbs = ("kept {}", "notkept {}", "cancel {}", "snooze {} 1h", "due {} fri")
    challenge_verbs = ("addressed {}", "reopen C{}", "pass {} billing")
    tries = 0
    for verbs, ids, mine, noun in (
        (promise_verbs, w.ids("promises"), mine_p, "promise"),
        (challenge_verbs, w.ids("challenges"), mine_c, "challenge"),
    ):
        for n, target in enumerate(ids):
            command = verbs[n % len(verbs)].format(target)
            outcome = w.handle(command, ctx)
            tries += 1
            assert isinstance(outcome, Reply)
            if target not in mine:
                assert outcome.kind == "error", command
                assert f"no {noun} {noun[0].upper()}{target} in this team" in reply_text(outcome)
    c = w.container
    with c.uow_factory() as uow:
        refs = [
            (d.team_id, d.message_ref)
            for ctx_ in teams.ctx
            for d in [uow.deliveries.by_key(f"{ctx_.channel}:{ctx_.team_id}.1")]
            if d is not None
        ]
    for n, (owner, ref) in enumerate(refs):
        kept = services.keep_from_reaction(
            ctx.team_id,
            ref,
            ctx.user_id,
            f"ev:{ctx.team_id}:{n}",
            uow=c.uow_factory(),
            clock=c.clock,
        )
        tries += 1
        assert kept is None or (owner == ctx.team_id and kept.promise.team_id == ctx.team_id)
    token = teams.tokens[ctx.team_id]
    near = token[:-1] + ("1" if token.endswith("0") else "0")  # one character off
    for guess in ("0" * 64, "f" * 64, near, token.upper(), ""):
        assert calendar.feed_for_token(guess, uow=c.uow_factory(), clock=c.clock) is None
    with c.uow_factory() as uow:
        for customer_id in w.ids("customers"):
            found = uow.customers.get(ctx.team_id, customer_id)
            assert found is None or found.team_id == ctx.team_id
        for touchpoint_id in w.ids("touchpoints"):
            tp = uow.touchpoints.get(ctx.team_id, touchpoint_id)
            assert tp is None or tp.team_id == ctx.team_id
    return tries


def _owner(w: World, table: str, row_id: int) -> str:
    with w.engine.connect() as connection:
        query = sql_text(f"SELECT team_id FROM {table} WHERE id = :i")
        return str(connection.scalar(query, {"i": row_id}))


def busy_elsewhere(teams: Teams, visits: list[Visit]) -> None:
    """The other teams record more and settle what they can, through their own commands."""
    for visit in visits:
        if visit.team:
            teams.record(visit)
    for ctx in teams.ctx[1:]:
        with teams.world.container.uow_factory() as uow:
            ids = [p.id for p in uow.promises.open_for_team(ctx.team_id)]
        for pid in ids[:2]:
            teams.world.handle(f"kept {pid}", ctx)


def isolation_property(world: World, label: str) -> Callable[[list[Visit]], None]:
    def check(visits: list[Visit]) -> None:
        teams = Teams(world)
        for visit in visits:
            teams.record(visit)
        teams.post_reminders()

        def seen(ctx: Context) -> dict[str, object]:
            shown = view(teams, ctx)
            tried(f"{label}: reads compared", len(shown))
            return shown

        a, others = teams.ctx[0], teams.ctx[1:]
        before = {ctx.team_id: (world.team_rows(ctx.team_id), seen(ctx)) for ctx in others}
        tried(f"{label}: actions on guessed ids", act_on_every_id(teams, a))
        for ctx in others:
            assert world.team_rows(ctx.team_id) == before[ctx.team_id][0], ctx.team_id
            assert seen(ctx) == before[ctx.team_id][1], ctx.team_id
        mine = (world.team_rows(a.team_id), seen(a))
        busy_elsewhere(teams, visits)
        assert (world.team_rows(a.team_id), seen(a)) == mine
        tried(f"{label}: examples")

    return check


def test_a_team_sees_and_touches_only_its_own_rows_whatever_ids_it_guesses(db_url: str) -> None:
    with sql_world(db_url) as world:
        label = f"tenant isolation [{database_of(db_url)}]"
        check = profile(scaled(db_url, 8))(given(visits=VISITS)(isolation_property(world, label)))
        check()
