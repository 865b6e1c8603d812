"""Generated replies, and the check that every payload rendered from them is one the
platform accepts (slack_sdk's models and both limits tables)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

with warnings.catch_warnings():  # discord.py imports audioop, deprecated in 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from bot.adapters.discord import render as discord_render

from bot.adapters.slack import render as slack_render
from bot.adapters.slack import views
from bot.core.custom_ids import Verb
from bot.core.model import (
    Challenge,
    ChallengeStatus,
    Customer,
    Direction,
    Promise,
    PromiseStatus,
    Team,
)
from bot.core.replies import (
    Action,
    Line,
    Link,
    Reply,
    ReplyKind,
    Section,
    Span,
    Strong,
    Style,
    Text,
    UserRef,
    When,
)
from tests.adapters.discord.limits_check import message_problems
from tests.adapters.slack.limits_check import check_message, check_view

KINDS = tuple(ReplyKind)
# What people type that renderers must escape or count carefully: markup, entities,
# emoji outside the BMP (two UTF-16 units each), right-to-left text, mentions.
PIECES = st.sampled_from(
    [
        *("&", "<", ">", "*", "_", "~", "`", "|", "\\", "#", "@here", "<!channel>", "&amp;"),
        *("🙂", "👍🏽", "🇬🇧", "𝔘", "مرحبا", "\u202e", "\n", " ", "Acme & Co"),
        *("x" * 40, "🙂" * 40, "&" * 60, "word " * 20),
    ]
)
WORDS = st.lists(PIECES | st.text(max_size=8), max_size=12).map("".join)
ITEM = WORDS.map(lambda t: t[:300])  # an item is at most 300 characters
NAME = WORDS.map(lambda t: t[:80] or "acme")  # a customer name at most 80
USERS = st.sampled_from(["U01ABCDEF", "W123", "1100000000000000003", "console-user"])
INSTANT = st.integers(0, 10 * 365 * 24).map(
    lambda h: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=h)
)
SPAN: st.SearchStrategy[Span] = st.one_of(
    ITEM.map(Text),
    NAME.map(Strong),
    USERS.map(UserRef),
    st.builds(When, INSTANT, st.sampled_from(["UTC", "Asia/Kolkata"]), st.booleans()),
    st.just(Link("https://touchpoint.example/calendar/0123456789abcdef.ics")),
)
VERBS = tuple(Verb)
LABELS = st.sampled_from(["Kept", "Not kept", "Snooze 1h", "Addressed", "Pass on"]) | NAME


@st.composite
def actions(draw: st.DrawFn) -> tuple[Action, ...]:
    verbs = draw(st.lists(st.sampled_from(VERBS), unique=True, max_size=5))
    target = draw(st.integers(1, 2**31 - 1))
    return tuple(
        Action(v, target, draw(LABELS), style=Style.PRIMARY if i == 0 else Style.DEFAULT)
        for i, v in enumerate(verbs)
    )


LINE = st.builds(Line, st.lists(SPAN, min_size=1, max_size=4).map(tuple), actions())
SECTION = st.builds(Section, st.none() | NAME, st.lists(LINE, max_size=40).map(tuple))
REPLY = st.builds(
    Reply,
    title=NAME,
    sections=st.lists(SECTION, max_size=4).map(tuple),
    private=st.booleans(),
    mentions=st.lists(USERS, max_size=3).map(tuple),
    kind=st.sampled_from(KINDS),
)


# -- the checks -------------------------------------------------------------------------------


def assert_slack_accepts(reply: Reply) -> list[slack_render.SlackMessage]:
    """Every message the reply becomes, split or summarised, is one Slack takes, and every
    button shown sits in the same message as the line it acts on."""
    out: list[slack_render.SlackMessage] = []
    for split in (True, False):
        messages = slack_render.to_messages(reply, split=split)
        assert 1 <= len(messages) <= (slack_render.MAX_PARTS if split else 1)
        for message in messages:
            refusal = check_message(message.blocks, message.text)
            assert refusal is None, str(refusal)
            assert_buttons_with_their_lines(message.blocks)
        out += messages
    return out


def assert_buttons_with_their_lines(blocks: list[dict[str, Any]]) -> None:
    ids = {b.get("block_id") for b in blocks}
    for block in blocks:
        if block["type"] == "actions":
            # "l0.3" follows its line "l0.3.t"; a second row of buttons is "l0.3.1".
            block_id = block["block_id"]
            line_id = block_id if f"{block_id}.t" in ids else block_id.rsplit(".", 1)[0]
            assert f"{line_id}.t" in ids, f"buttons {block_id} without their line"


def assert_home_accepted(replies: list[Reply]) -> None:
    view = views.home_view(slack_render.to_view_blocks(replies, more_hint="See all."))
    refusal = check_view(view)
    assert refusal is None, str(refusal)


def assert_discord_accepts(reply: Reply) -> None:
    for rendered in discord_render.render(reply):
        payload = {
            "content": rendered.content,
            "embeds": [embed.to_dict() for embed in rendered.embeds],
            "components": rendered.view().to_components(),
        }
        problems = message_problems(payload)
        assert not problems, problems


# -- domain data, for the core's own content builders -------------------------------------------

TEAM = Team("slack:T1", "Stress", timezone="Europe/London")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@st.composite
def customers(draw: st.DrawFn) -> dict[int, Customer]:
    names = draw(st.lists(NAME, min_size=1, max_size=32))
    return {n + 1: Customer(TEAM.id, name, f"c{n}", id=n + 1) for n, name in enumerate(names)}


@st.composite
def promises(draw: st.DrawFn, known: dict[int, Customer], most: int = 130) -> list[Promise]:
    count = draw(st.integers(1, most))
    out = []
    for n in range(count):
        out.append(
            Promise(
                TEAM.id,
                draw(st.sampled_from(sorted(known))),
                draw(st.sampled_from(list(Direction))),
                draw(ITEM) or "call back",
                draw(USERS),
                draw(USERS),
                NOW - timedelta(days=3),
                due_at=draw(st.none() | INSTANT),
                status=draw(st.sampled_from([PromiseStatus.OPEN] * 4 + [PromiseStatus.KEPT])),
                id=n + 1,
            )
        )
    return out


@st.composite
def challenges(draw: st.DrawFn, known: dict[int, Customer]) -> list[Challenge]:
    count = draw(st.integers(0, 60))
    return [
        Challenge(
            TEAM.id,
            draw(st.sampled_from(sorted(known))),
            draw(ITEM) or "slow internet",
            draw(USERS),
            NOW - timedelta(days=draw(st.integers(0, 400))),
            status=draw(st.sampled_from(list(ChallengeStatus))),
            passed_to=draw(st.none() | NAME),
            id=n + 1,
        )
        for n in range(count)
    ]
