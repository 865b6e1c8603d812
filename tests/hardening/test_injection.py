"""Injection: whatever people type, what Touchpoint posts can only ping the users a reply
names and can link nowhere a reader cannot see; SQL and format-string attempts are stored
verbatim and do nothing.

Slack: user text is escaped (``&``, ``<``, ``>``), so the only ``<...>`` tokens in a message
are ours: ``<@U…>`` for the people the reply may ping and ``<!date^…>``. (Slack stopped
turning a plain "@here" in bot messages into a ping in 2021; only ``<!here>`` pings.)

Discord: user text in descriptions and field values is escaped (no mention, timestamp or
masked link can form), embeds never ping, and every message's ``allowed_mentions`` allows
no @everyone, no role and no user but the reply's own ``mentions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord import render as discord_render
from bot.adapters.discord.forms import FormSpec, Submission, problems_reply
from bot.adapters.slack import render as slack_render
from bot.core import digest_content, queries, record_view, services
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.drafts import FormFields
from bot.core.errors import ParseError
from bot.core.model import Event
from bot.core.replies import Link, Reply, UserRef
from bot.core.services import TeamDefaults
from tests.adapters.discord.fake_discord import BOT_ID
from tests.adapters.discord.test_flows import text_of
from tests.adapters.discord.world import SAM, running
from tests.adapters.slack.rig import slack_rig
from tests.fakes import FakeUnitOfWork

from .support import INJECTIONS, MENTIONS, NOW, database_of, profile, reply_text, sql_world, tried

SLACK_USER = "U1"
DISCORD_USER = "2000000000000000001"
OWNER_DISCORD = "2000000000000000007"
HOSTILE = st.lists(
    st.sampled_from((*MENTIONS, *INJECTIONS, "acme", " ", "\n")), min_size=1, max_size=5
).map("".join)

# -- what may appear --------------------------------------------------------------------------

SLACK_TOKEN = re.compile(r"<[^<>]*>")
SLACK_DATE = re.compile(r"<!date\^\d+\^\{date_short_pretty\}(?: \{time\})?\|[^<>|]*>")


def user_refs(reply: Reply) -> set[str]:
    return {
        span.user_id
        for section in reply.sections
        for item in section.lines
        for span in item.spans
        if isinstance(span, UserRef)
    }


def slack_texts(value: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn in a message (plain_text is shown as is)."""
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return
        for item in value.values():
            yield from slack_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from slack_texts(item)
    elif isinstance(value, str):
        yield value


def own_links(reply: Reply) -> set[str]:
    """The links the bot itself made (calendar feed URLs), as Slack shows them."""
    return {
        f"<{slack_render.escape(span.url)}>"
        for section in reply.sections
        for item in section.lines
        for span in item.spans
        if isinstance(span, Link)
    }


def check_slack(reply: Reply) -> None:
    may_ping = user_refs(reply) if reply.private else set(reply.mentions)
    links = own_links(reply)
    for message in slack_render.to_messages(reply):
        for text in [message.text, *slack_texts(message.blocks)]:
            for token in SLACK_TOKEN.findall(text):
                if SLACK_DATE.fullmatch(token) or token in links:
                    continue
                assert token.startswith("<@") and token[2:-1] in may_ping, (token, text[:200])


DISCORD_OWN = re.compile(r"<t:\d+:[fD]>|<@\d+>")


def unescaped(text: str, mark: str) -> list[int]:
    """Positions of ``mark`` not escaped by a backslash (an odd run of them before it)."""
    found = []
    for match in re.finditer(re.escape(mark), text):
        run = len(text[: match.start()]) - len(text[: match.start()].rstrip("\\"))
        if run % 2 == 0:
            found.append(match.start())
    return found


def check_discord(reply: Reply) -> None:
    for rendered in discord_render.render(reply):
        allowed = rendered.allowed_mentions.to_dict()
        assert allowed["parse"] == [] and not allowed.get("replied_user")
        assert set(map(str, allowed.get("users", []))) <= set(reply.mentions)
        assert set(allowed.get("roles", [])) == set()
        for token in rendered.content.split():
            assert re.fullmatch(r"<@\d+>", token) and token[2:-1] in reply.mentions, token
        for embed in rendered.embeds:
            data = embed.to_dict()
            texts = [data.get("description") or ""]
            texts += [f["value"] for f in data.get("fields", [])]
            for text in texts:
                own_removed = DISCORD_OWN.sub("", text)
                assert not unescaped(own_removed, "<"), text[:200]  # mentions, timestamps
                assert not unescaped(own_removed, "]("), text[:200]  # masked links
                assert not re.search(r"(?<!\u200b)@(everyone|here)", own_removed, re.I)


# -- every reply the core makes, with hostile text everywhere --------------------------------


@dataclass
class Hostile:
    customer: str
    challenge: str
    ours: str
    theirs: str
    difference: str
    notes: str
    passed_to: str
    alias: str
    code: str


def replies_with(text: Hostile, user: str, owner: str) -> list[Reply]:
    """Record hostile text through the commands (in-memory store) and collect every reply
    that shows it: the confirmation, the record, lists, the digest, a reminder, a notice,
    changes, settings, errors that echo it, and Discord's "you typed" echo."""
    clock = ManualClock(NOW)
    store = FakeUnitOfWork().store
    commands = Commands(
        lambda: FakeUnitOfWork(store),
        clock,
        TeamDefaults("Europe/London"),
        public_url="https://touchpoint.example/base-path",
    )
    ctx = Context("team", user, "C1", "team")
    out: list[Reply] = []

    def run(command: str) -> Reply:
        outcome = commands.handle(command, ctx)
        assert isinstance(outcome, Reply), (command, outcome)
        out.append(outcome)
        return outcome

    name = "+" + text.customer.replace("|", "/").replace(":", ";")[:70]
    run(f"config owner billing @{owner}")
    run(f"config codes add {text.code[:40]}")
    entry = [
        f"{name} | ch: {text.challenge} | we: {text.ours} by fri | they: {text.theirs}",
        f"| diff: {text.difference} | notes: {text.notes}",
    ]
    run(" ".join(entry).replace("\n", " "))
    run(f"alias {name.lstrip('+')} = {text.alias}")
    for command in (
        f"show {name}",
        "promises",
        "challenges",
        "digest",
        "pass 1 billing",
        f"pass 1 {text.passed_to}",
        "kept 1",
        "snooze 2 tomorrow",
        f"show {text.passed_to}",
        f"alias {text.alias} = {text.customer}",
        "config",
        "calendar",
        "calendar team",
        f"{text.customer[:30]} | wibble: {text.notes}",
    ):
        run(command)
    clock.advance(timedelta(days=10))
    with FakeUnitOfWork(store) as uow:
        team = uow.teams.get("team")
        assert team is not None
        promises = uow.promises.open_for_team("team")
        customers = uow.customers.get_many("team", [p.customer_id for p in promises])
        challenges = uow.challenges.open_for_team("team")
    out.append(digest_content.reminder(team, promises, customers, clock.now()))
    for challenge in challenges:
        customer = customers.get(challenge.customer_id) or next(iter(customers.values()))
        out.append(digest_content.passed_on_notice(team, challenge, customer, owner))
    digest = digest_content.digest(queries.digest("team", uow=FakeUnitOfWork(store), clock=clock))
    if digest is not None:
        out.append(digest)
    typed = {"challenges": text.challenge, "notes": text.notes, "customer": text.customer}
    problem = ParseError([])
    out.append(problems_reply(problem, Submission(FormSpec(), typed)))
    return out


HOSTILES = st.builds(Hostile, *([HOSTILE] * 9))


@profile(60)
@given(text=HOSTILES)
def test_typed_text_in_slack_can_ping_only_the_people_a_reply_names_and_links_nowhere(
    text: Hostile,
) -> None:
    for reply in replies_with(text, SLACK_USER, "U7"):
        tried("injection: Slack replies rendered")
        check_slack(reply)


@profile(60)
@given(text=HOSTILES)
def test_typed_text_in_discord_can_ping_only_the_people_a_reply_names_and_links_nowhere(
    text: Hostile,
) -> None:
    for reply in replies_with(text, DISCORD_USER, OWNER_DISCORD):
        tried("injection: Discord replies rendered")
        check_discord(reply)


@pytest.mark.parametrize("typed", MENTIONS)
def test_each_known_mention_and_link_trick_is_shown_as_text_on_both_platforms(typed: str) -> None:
    text = Hostile(*([typed] * 9))
    for user, owner, check in (
        (SLACK_USER, "U7", check_slack),
        (DISCORD_USER, OWNER_DISCORD, check_discord),
    ):
        for reply in replies_with(text, user, owner):
            tried("injection: named tricks rendered")
            check(reply)


# -- through the real SDKs, to the fake platforms --------------------------------------------

HOSTILE_FORM = {
    "challenges": "\n".join(MENTIONS),
    "our_promises": "\n".join(f"{m} by fri" for m in MENTIONS[:8]),
    "their_promises": "\n".join(f"{m} by fri" for m in MENTIONS[8:16]),
    "notes": " ".join(MENTIONS),
}


async def test_hostile_text_posted_to_slack_pings_only_the_owner_and_links_nowhere(
    tmp_path: Any,
) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("+Evil <!channel> Ltd")
        answer = await rig.submit(view, **HOSTILE_FORM, difference="<!here> [x](https://x.y)")
        assert answer.text == "", answer.text
        rig.clock.advance(timedelta(days=1, minutes=1))
        engine = rig.engine()
        await engine.scan()
        rig.clock.advance(timedelta(days=3))
        await engine.scan()
        posted = [m for ms in rig.fake.messages.values() for m in ms]
        said = [*posted, *rig.fake.responses]
        said += [c.args for c in rig.fake.calls if c.method == "chat.postEphemeral"]
        assert posted, "the reminders and the digest were posted"
        tried("injection: Slack end to end", len(said))
        for message in said:
            texts = [str(message.get("text") or ""), *slack_texts(message.get("blocks") or [])]
            for text in texts:
                for token in SLACK_TOKEN.findall(text):
                    assert SLACK_DATE.fullmatch(token) or token == "<@U1>", token


async def test_hostile_text_posted_to_discord_pings_only_the_owner_and_links_nowhere(
    tmp_path: Any,
) -> None:
    async with running(tmp_path) as w:
        opened = await w.fake.slash(w.acme, SAM, "record", customer="Evil @everyone Ltd")
        values = {**HOSTILE_FORM, "difference": "@here [x](https://x.y)"}
        done = await w.fake.submit(w.acme, SAM, opened.data["data"], values)
        assert "Touchpoint recorded" in text_of(done.data["data"]), text_of(done.data["data"])
        w.later(days=1, minutes=1)
        await w.engine.scan()
        w.later(days=3)
        await w.engine.scan()
        sent = [b for m, path, b in w.fake.requests if m in {"POST", "PATCH"} and b]
        assert any("/channels/" in path for m, path, b in w.fake.requests)
        for body in sent:
            tried("injection: Discord end to end")
            payload = body.get("data", body) if isinstance(body, dict) else {}
            allowed = payload.get("allowed_mentions")
            if "embeds" in payload or "content" in payload:
                assert allowed is not None, payload
                assert allowed["parse"] == [] and set(allowed.get("users", [])) <= {SAM}
            assert "@everyone" not in (payload.get("content") or "")
        for message in w.fake.channel_messages(w.acme):
            shown = text_of(message).replace(f"<@{SAM}>", "")
            assert not unescaped(DISCORD_OWN.sub("", shown), "<")
            assert message["author"]["id"] == str(BOT_ID)


# -- SQL and format strings ---------------------------------------------------------------------


def test_sql_and_format_string_attacks_are_stored_verbatim_and_harmless(db_url: str) -> None:
    with sql_world(db_url) as w:
        ctx = Context("slack:T1", "U1", "C1", "t")
        c = w.container
        w.handle("help", ctx)  # the team's first contact
        for n, attack in enumerate(INJECTIONS):
            tried(f"injection: SQL and format strings [{database_of(db_url)}]")
            name = f"+Customer {n} {attack}"
            fields = FormFields(
                challenges=attack,
                our_promises=attack,
                their_promises=attack,
                difference=attack,
                notes=attack,
            )
            services.record_form(
                ctx.team_id, ctx.user_id, name, fields, uow=c.uow_factory(), clock=c.clock
            )
            stored = queries.customer_record(ctx.team_id, name, uow=c.uow_factory(), clock=c.clock)
            assert stored.customer.name == name.lstrip("+")
            assert [ch.text for ch in stored.challenges] == [attack]
            assert [p.text for p in stored.promises] == [attack, attack]
            assert (stored.recent[0].notes, stored.recent[0].difference) == (attack, attack)
            for command in (f"show {name}", f"pass {stored.challenges[0].id} {attack}"):
                shown = w.handle(command, ctx)
                assert isinstance(shown, Reply) and attack in reply_text(shown), command
                for check in (check_slack, check_discord):
                    check(shown)
        counts = w.counts()
        assert counts["customers"] == len(INJECTIONS) and counts["touchpoints"] == len(INJECTIONS)


def test_an_imported_history_event_is_shown_as_text_not_run_as_a_template(db_url: str) -> None:
    """Exports carry events' actions as text; an import can bring "{0.__class__}"."""
    with sql_world(db_url) as w:
        ctx = Context("slack:T1", "U1", "C1", "t")
        w.handle("acme | ch: slow", ctx)
        with w.container.uow_factory() as uow:
            [challenge] = uow.challenges.open_for_team(ctx.team_id)
            for attack in ("{0.__class__}", "{detail}", "{", "%s%n"):
                challenge.history.append(Event(NOW, "U1", attack, "{0.__init__}"))
            uow.challenges.save(challenge)
            uow.commit()
        record = queries.customer_record(
            ctx.team_id, "acme", uow=w.container.uow_factory(), clock=w.clock
        )
        shown = reply_text(record_view.customer_record(record))
        tried(f"injection: SQL and format strings [{database_of(db_url)}]", 4)
        for attack in ("{0.__class__}", "{detail}", "%s%n"):
            assert attack in shown


def test_format_characters_in_typed_text_reach_logs_as_text(
    caplog: pytest.LogCaptureFixture, db_url: str
) -> None:
    with sql_world(db_url) as w, caplog.at_level("DEBUG"):
        w.handle("acme %s%n {0.__class__} | ch: %(name)s", Context("slack:T1", "U1", "C1", "t"))
    assert "Logging error" not in caplog.text
