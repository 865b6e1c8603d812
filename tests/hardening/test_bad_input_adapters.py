"""Bad input through the real platform SDKs: modal submissions, buttons and reactions sent
to the real Bolt app (signed HTTP requests, the fake Slack) and the real discord.py
client (the fake Discord's gateway), with random and forged values. Each ends in a saved
touchpoint, a clear answer or silence (not ours), never a bug reply; nothing is half-saved
and another team's records never change.

One rig per platform serves every example (a module-scoped loop in its own thread), so
hundreds of examples take seconds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.slack import views
from bot.core import services
from bot.core.custom_ids import BUTTON_TEMPLATE as TEMPLATE
from bot.core.delivery import Delivery, DeliveryKind
from bot.core.model import Kind
from tests.adapters.discord.fake_discord import Callback, Json
from tests.adapters.discord.test_flows import answer_text
from tests.adapters.discord.world import ALEX, EVE, SAM, running
from tests.adapters.discord.world import World as DiscordWorld
from tests.adapters.slack import payloads
from tests.adapters.slack.rig import SlackRig, slack_rig

from .support import BUG_WORDS, NOW, LoopThread, World, hostile_text, profile, tried

OTHER = "slack:T2"
ENTRY = "Acme Corp call | ch: slow internet | we: send quote by fri; call back tomorrow"
ID_TEXT = st.one_of(
    st.integers(min_value=-3, max_value=12).map(str),
    st.sampled_from(("99999999999999999", "9" * 18, "9" * 19, "2147483648", "²", "١", "-1", "")),
)
VALUE = st.one_of(
    hostile_text(6),
    st.just(""),
    st.sampled_from(("x" * 3001, "Acme Corp", "+acme", "send quote by fri\ncall back by 31 Feb")),
)


# -- Slack ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoopThread, SlackRig]]:
    loop = LoopThread()
    rig_cm = slack_rig(tmp_path_factory.mktemp("slack"))
    rig = loop.run(rig_cm.__aenter__())
    try:
        loop.run(rig.command(ENTRY))  # team T1 exists, with ids 1.. of its own
        c = rig.container
        for team, name in ((OTHER, "t2"),):
            services.ensure_team(
                team, name, defaults=services.TeamDefaults(), uow=c.uow_factory(), clock=c.clock
            )
            services.record_quick_entry(team, "U2", ENTRY, uow=c.uow_factory(), clock=c.clock)
        yield loop, rig
    finally:
        loop.run(rig_cm.__aexit__(None, None, None))
        loop.close()


def world_of(rig: SlackRig) -> World:
    return World(rig.container, rig.clock)


def slack_state(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """``view.state.values`` with ``values`` put in every input, valid for it or not."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, given_value = block["element"], values.get(block["block_id"], "")
        kind = element["type"]
        if kind == "plain_text_input":
            entry: dict[str, Any] = {"type": kind, "value": given_value or None}
        elif kind == "static_select":
            option = {"text": {"type": "plain_text", "text": "x"}, "value": given_value}
            entry = {"type": kind, "selected_option": option if given_value else None}
        else:
            entry = {"type": kind, "selected_user": given_value or None}
        state[block["block_id"]] = {element["action_id"]: entry}
    return {**view, "state": {"values": state}}


def no_bug_words(text: str) -> None:
    assert not any(word in text for word in BUG_WORDS), text[:400]


def test_slack_modal_submissions_with_any_values_save_once_or_answer_on_the_fields(
    slack: tuple[LoopThread, SlackRig],
) -> None:
    loop, rig = slack
    world = world_of(rig)
    view = loop.run(rig.open_form("acme"))
    present = {b["block_id"] for b in view["blocks"] if b.get("type") == "input"}

    @profile(120)
    @given(
        values=st.fixed_dictionaries(
            {
                "customer": st.one_of(VALUE, st.just("Acme Corp")),
                "kind": st.one_of(st.sampled_from([k.value for k in Kind]), hostile_text(2)),
                "code": st.one_of(st.sampled_from(("no answer", "")), hostile_text(2)),
                "challenges": VALUE,
                "our_promises": VALUE,
                "their_promises": VALUE,
                "difference": VALUE,
                "notes": VALUE,
                "owner": st.one_of(st.sampled_from(("U1", "U9", "")), hostile_text(2)),
            }
        )
    )
    def check(values: dict[str, str]) -> None:
        tried("bad input: Slack modal submissions")
        before, theirs = world.counts(), world.team_rows(OTHER)
        payload = payloads.view_submission(slack_state(view, values))
        answer = loop.run(rig.interact(payload))
        assert answer.status == 200, answer.text
        after = world.counts()
        if answer.text == "":  # the modal closed: saved, once
            assert after["touchpoints"] == before["touchpoints"] + 1
        else:
            body = answer.json()
            assert body["response_action"] == "errors"
            assert body["errors"] and set(body["errors"]) <= present, body
            for message in body["errors"].values():
                assert 0 < len(message) <= 2000
                no_bug_words(message)
            assert after == before
        assert world.team_rows(OTHER) == theirs

    check()


def test_slack_pass_on_submissions_with_forged_metadata_change_only_this_teams_challenge(
    slack: tuple[LoopThread, SlackRig],
) -> None:
    loop, rig = slack
    world = world_of(rig)
    theirs_ids = [i for i in world.ids("challenges") if i not in _ids_of(world, "slack:T1")]

    @profile(60)
    @given(
        challenge=st.one_of(
            st.integers(min_value=-(2**40), max_value=2**40),
            st.sampled_from(theirs_ids),
            st.sampled_from(("1", None, [], {"x": 1}, 1.5)),
        ),
        to=VALUE,
    )
    def check(challenge: object, to: str) -> None:
        tried("bad input: Slack pass-on submissions")
        theirs = world.team_rows(OTHER)
        view = views.pass_on_modal({"channel": "C1"})
        view["private_metadata"] = json.dumps({"channel": "C1", "challenge": challenge})
        state = {"values": {"to": {"value": {"type": "plain_text_input", "value": to or None}}}}
        answer = loop.run(rig.interact(payloads.view_submission({**view, "state": state})))
        assert answer.status == 200
        if answer.text:
            body = answer.json()
            assert set(body["errors"]) == {"to"}
            no_bug_words(body["errors"]["to"])
        assert world.team_rows(OTHER) == theirs

    check()


def _ids_of(world: World, team_id: str) -> set[int]:
    with world.container.uow_factory() as uow:
        customers = uow.customers.list(team_id)
        return {
            c.id or 0
            for customer in customers
            for c in uow.challenges.for_customer(team_id, customer.id or 0)
        }


def test_slack_buttons_with_forged_ids_answer_clearly_or_not_at_all(
    slack: tuple[LoopThread, SlackRig],
) -> None:
    loop, rig = slack
    world = world_of(rig)
    # A message of the bot's with no Touchpoint record behind it (the forged ids do the rest).
    posted = rig.fake._chat_postMessage({"channel": "C1", "text": "x", "blocks": []}, "xoxb-T1")
    message = posted["message"]

    @profile(120)
    @given(
        verb=st.sampled_from(("kept", "not_kept", "cancel", "snooze", "addressed", "reopen", "x")),
        target=ID_TEXT,
        option=st.sampled_from(("", ":1h", ":tomorrow", ":10000y", ":²")),
        where=st.sampled_from(("message", "home", "ephemeral")),
    )
    def check(verb: str, target: str, option: str, where: str) -> None:
        tried("bad input: Slack buttons")
        theirs = world.team_rows(OTHER)
        answered = len(rig.fake.responses)
        action_id = f"tp:{verb}:{target}{option}"
        click = payloads.block_actions(
            action_id,
            message=message,
            home_view=where == "home",
            response_url=rig.fake.response_url("button"),
        )
        if where == "ephemeral":
            click["container"]["is_ephemeral"] = True
        answer = loop.run(rig.interact(click))
        assert answer.status == 200
        for said in rig.fake.responses[answered:]:
            no_bug_words(json.dumps(said, ensure_ascii=False))
        assert world.team_rows(OTHER) == theirs

    check()


def test_slack_reaction_events_of_any_shape_keep_nothing_that_is_not_theirs(
    slack: tuple[LoopThread, SlackRig],
) -> None:
    loop, rig = slack
    world = world_of(rig)
    c = rig.container
    with c.uow_factory() as uow:  # a posted one-promise reminder in the other team
        [promise, *_] = uow.promises.open_for_team(OTHER)
        delivery = Delivery(OTHER, DeliveryKind.REMINDER, "r:T2", "C2", NOW, (promise.id or 0,))
        uow.deliveries.add_if_absent(delivery)
        delivery.sent("C2:1700000000.000200", NOW)
        uow.deliveries.save(delivery)
        uow.commit()
    # What Slack could send: strings, or a key missing. (Other JSON types crash Bolt's own
    # request parsing before our listener runs; test_authenticity covers that they are
    # refused without a signature.)
    junk = st.one_of(hostile_text(3), st.none())

    @profile(80)
    @given(
        reaction=st.sampled_from(("white_check_mark", "heavy_check_mark::skin-tone-2", "tada"))
        | junk,
        channel=st.sampled_from(("C1", "C2")) | junk,
        ts=st.sampled_from(("1700000000.000200", "1.000001")) | junk,
        item_type=st.sampled_from(("message", "file")) | junk,
        event_id=st.sampled_from(("Ev1", "Ev2")) | hostile_text(2),
    )
    def check(
        reaction: object, channel: object, ts: object, item_type: object, event_id: str
    ) -> None:
        tried("bad input: Slack reaction events")
        before, theirs = world.team_rows("slack:T1"), world.team_rows(OTHER)
        event = {
            "type": "reaction_added",
            "user": "U7",
            "reaction": reaction,
            "item_user": "UBOT",
            "item": {"type": item_type, "channel": channel, "ts": ts},
            "event_ts": "1700000000.000400",
        }
        answer = loop.run(rig.event(event, event_id=event_id or "Ev0"))
        assert answer.status == 200
        assert world.team_rows("slack:T1") == before  # no reminder of T1 at that message
        assert world.team_rows(OTHER) == theirs

    check()


# -- Discord -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def discord_world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LoopThread, DiscordWorld]]:
    loop = LoopThread()
    cm = running(tmp_path_factory.mktemp("discord"))
    w = loop.run(cm.__aenter__())
    try:
        for guild in (w.acme, w.globex):
            done = loop.run(
                w.fake.slash(
                    guild, SAM, "record", customer="Acme Corp", entry=ENTRY.partition("|")[2]
                )
            )
            assert "Touchpoint recorded" in answer_text(done)
        yield loop, w
    finally:
        loop.run(cm.__aexit__(None, None, None))
        loop.close()


def discord_rows(w: DiscordWorld) -> World:
    return World(w.container, w.clock)


def check_discord_answer(callback: Callback) -> str:
    said = answer_text(callback) if callback.type in (4, 7) else ""
    no_bug_words(said)
    return said


def test_discord_modal_submissions_with_any_values_save_once_or_give_back_what_was_typed(
    discord_world: tuple[LoopThread, DiscordWorld],
) -> None:
    loop, w = discord_world
    world = discord_rows(w)
    globex = f"discord:{w.globex.id}"
    command_form = loop.run(w.fake.slash(w.acme, SAM, "record", customer="Acme Corp")).data["data"]
    said = w.fake.post_as_user(w.acme, EVE, "the invoice is wrong")
    message_form = loop.run(w.fake.context_menu(w.acme, SAM, said)).data["data"]

    @profile(100)
    @given(
        form=st.sampled_from(("command", "message")),
        values=st.fixed_dictionaries(
            {
                name: VALUE
                for name in (
                    "customer",
                    "challenges",
                    "our_promises",
                    "their_promises",
                    "difference",
                    "notes",
                )
            }
        ),
    )
    def check(form: str, values: dict[str, str]) -> None:
        tried("bad input: Discord modal submissions")
        before, theirs = world.counts(), world.team_rows(globex)
        modal = command_form if form == "command" else message_form
        callback = loop.run(w.fake.submit(w.acme, SAM, modal, values))
        assert callback.type == 4, callback
        said = check_discord_answer(callback)
        after = world.counts()
        if "Touchpoint recorded" in said:
            assert after["touchpoints"] == before["touchpoints"] + 1
        else:
            assert after == before, said[:300]
            assert said.strip()
        assert world.team_rows(globex) == theirs

    check()


def test_discord_forged_modal_ids_and_button_ids_answer_clearly_or_not_at_all(
    discord_world: tuple[LoopThread, DiscordWorld],
) -> None:
    loop, w = discord_world
    world = discord_rows(w)
    globex = f"discord:{w.globex.id}"
    post = w.fake.post_as_user(w.acme, EVE, "a message of the bot's", channel="customers")
    post["author"] = w.fake.bot
    message_id = int(post["id"])

    @profile(120)
    @given(
        kind=st.sampled_from(("button", "form", "pass on", "edit", "edit details")),
        verb=st.sampled_from(
            ("kept", "not_kept", "cancel", "snooze", "addressed", "pass_on", "edit_details", "x")
        ),
        target=ID_TEXT,
        extra=st.sampled_from(("", ":1h", ":tomorrow", ":²", ":A")),
        text=VALUE,
    )
    def check(kind: str, verb: str, target: str, extra: str, text: str) -> None:
        tried("bad input: Discord forged ids")
        before, theirs = world.counts(), world.team_rows(globex)
        if kind == "button":
            custom_id = f"tp:{verb}:{target}{extra}"
            data: Json = {"custom_id": custom_id, "component_type": 2}
            ours = re.fullmatch(TEMPLATE, custom_id) is not None
            # A click comes with its message, which shows the button (as a forger's would).
            button = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
            post["components"] = [{"type": 1, "components": [button]}]
        else:
            prefix = {"form": "tpf:", "pass on": "tpp:", "edit": "tpe:", "edit details": "tpr:"}
            custom_id = (
                f"tpf:{target}{extra}:{text[:60]}" if kind == "form" else f"{prefix[kind]}{target}"
            )
            field = {"pass on": "to", "edit details": "contacts"}.get(kind, "notes")
            component = {"type": 4, "id": 2, "custom_id": field, "value": text}
            data = {
                "custom_id": custom_id,
                "components": [{"type": 18, "id": 1, "component": component}],
            }
            ours = True
        callback = loop.run(
            w.fake.interact(
                w.acme, ALEX, 3 if kind == "button" else 5, data, message_id=message_id, wait=ours
            )
        )
        if callback is not None:
            check_discord_answer(callback)
        after = world.counts()
        assert after["touchpoints"] - before["touchpoints"] in (0, 1)
        assert world.team_rows(globex) == theirs

    check()


def test_discord_reactions_on_unknown_and_foreign_messages_keep_nothing(
    discord_world: tuple[LoopThread, DiscordWorld],
) -> None:
    loop, w = discord_world
    world = discord_rows(w)
    acme, globex = f"discord:{w.acme.id}", f"discord:{w.globex.id}"
    foreign = w.fake.post_as_user(w.globex, EVE, "globex reminder")
    foreign["author"] = w.fake.bot
    mine = w.fake.post_as_user(w.acme, EVE, "not a reminder")
    mine["author"] = w.fake.bot
    for emoji in ("✅", "✔️", "☑️", "🎉", "✅\ufe0f"):
        for guild, message in ((w.acme, foreign), (w.acme, mine), (w.globex, mine)):
            for _ in range(2):  # repeated
                tried("bad input: Discord reaction events")
                before = world.team_rows(acme), world.team_rows(globex)
                loop.run(w.fake.react(guild, ALEX, int(message["id"]), emoji))
                loop.run(w.fake.settle(0.05))
                assert (world.team_rows(acme), world.team_rows(globex)) == before
