"""Whatever a reply holds (long names, emoji, markup, a hundred items), what the renderers
make of it is a payload Slack and Discord accept: checked with slack_sdk's models and
both platforms' limits tables."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord import forms as discord_forms
from bot.adapters.slack import limits as slack_limits
from bot.adapters.slack import render as slack_render
from bot.adapters.slack import views
from bot.adapters.slack.home import HomeData, home_replies
from bot.core import content, digest_content, queries
from bot.core.model import Kind
from bot.core.replies import Reply, ReplyKind, Section, line
from tests.adapters.discord.limits_check import modal_problems
from tests.adapters.payloads_within_limits import (
    ITEM,
    NAME,
    NOW,
    REPLY,
    TEAM,
    WORDS,
    assert_discord_accepts,
    assert_home_accepted,
    assert_slack_accepts,
    challenges,
    customers,
    promises,
)
from tests.adapters.slack.limits_check import check_message, check_view

SETTINGS = settings(max_examples=60, deadline=None)
KINDS = st.none() | st.sampled_from(list(Kind))


@SETTINGS
@given(REPLY)
def test_every_generated_reply_is_a_message_slack_accepts(reply: Reply) -> None:
    assert_slack_accepts(reply)


@SETTINGS
@given(REPLY)
def test_every_generated_reply_is_a_message_discord_accepts(reply: Reply) -> None:
    assert_discord_accepts(reply)


@SETTINGS
@given(REPLY, REPLY)
def test_a_home_tab_of_any_two_replies_is_a_view_slack_accepts(one: Reply, two: Reply) -> None:
    assert_home_accepted([one, two])


@SETTINGS
@given(
    customer=st.builds(lambda plus, name: plus + name, st.sampled_from(["", "+"]), NAME),
    kind=KINDS,
    notes=WORDS.map(lambda t: t[:4000]),
    codes=st.lists(WORDS.map(lambda t: t[:40] or "code"), max_size=25, unique=True),
    challenge=ITEM,
)
def test_the_forms_are_views_slack_accepts(
    customer: str, kind: Kind | None, notes: str, codes: list[str], challenge: str
) -> None:
    view = views.record_modal(
        customer=customer, kind=kind, notes=notes, codes=tuple(codes), owner="U1", channel="C1"
    )
    assert check_view(view) is None, check_view(view)
    typed = view["blocks"][0]["element"].get("initial_value", "")
    assert typed == customer, "the customer is shown as typed, never cut"
    pass_on = views.pass_on_modal({"challenge": 12, "channel": "C1"}, challenge)
    assert check_view(pass_on) is None, check_view(pass_on)


@SETTINGS
@given(
    customer=st.builds(lambda plus, name: plus + name, st.sampled_from(["", "+"]), NAME),
    kind=KINDS,
    notes=WORDS.map(lambda t: t[:4000]),
)
def test_the_forms_are_modals_discord_accepts(customer: str, kind: Kind | None, notes: str) -> None:
    for spec in (discord_forms.FormSpec(customer, kind), discord_forms.FormSpec()):
        modal = discord_forms.build_form(spec, {"notes": notes}).to_dict()
        assert modal_problems(modal) == []
        assert discord_forms.FormSpec.parse(modal["custom_id"]) == spec
    assert modal_problems(discord_forms.pass_on_form(2**31 - 1).to_dict()) == []


@settings(max_examples=15, deadline=None)  # each example is up to 130 promises
@given(st.data())
def test_reminders_lists_and_the_home_tab_from_generated_records_are_accepted(
    data: st.DataObject,
) -> None:
    known = data.draw(customers())
    due = data.draw(promises(known))
    raised = data.draw(challenges(known))
    reminder = digest_content.reminder(TEAM, due, known, NOW)
    listed = content.promise_list(queries.PromiseList(TEAM, NOW, tuple(due), known, None))
    open_ones = tuple(c for c in raised if c.is_open)
    problems = content.challenge_list(queries.ChallengeList(TEAM, NOW, open_ones, known))
    for reply in (reminder, listed, problems):
        assert_slack_accepts(reply)
        assert_discord_accepts(reply)
    # A grouped reminder is one message (updated in place); each line shown keeps its buttons.
    [one] = slack_render.to_messages(reminder, split=False)
    assert check_message(one.blocks, one.text) is None
    home = HomeData(
        queries.PromiseList(TEAM, NOW, tuple(p for p in due if p.is_open), known, "U01ABCDEF"),
        queries.ChallengeList(TEAM, NOW, open_ones, known),
    )
    assert_home_accepted(home_replies(home))


def test_a_long_list_goes_on_in_more_messages_under_slacks_text_limit() -> None:
    # Each line is 100 emoji (200 UTF-16 units) and 150 escaped "&" (750 characters).
    items = [f"{'🙂' * 100}{'&' * 150} promise {n}." for n in range(129)]
    reply = Reply(
        "Open promises", (Section("Ours", tuple(line(t) for t in items)),), kind=ReplyKind.LIST
    )
    messages = slack_render.to_messages(reply)
    assert len(messages) == slack_render.MAX_PARTS
    for message in messages:
        size = sum(slack_render.text_units(block) for block in message.blocks)
        assert size <= slack_limits.MESSAGE_TEXT.most
        assert check_message(message.blocks, message.text) is None
    assert "promise 0." in str(messages[0].blocks)
    assert messages[1].blocks[0]["text"]["text"] == "Open promises (continued)"
    summary = messages[-1].blocks[-1]["elements"][0]["text"]
    assert summary.endswith("more not shown here. " + slack_render.MORE_HINTS[ReplyKind.LIST])
