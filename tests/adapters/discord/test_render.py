"""Rendering replies as Discord messages: escaping, mentions and every limit (no I/O)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import Rendered, escape, render
from bot.core.replies import Action, Line, Reply, Section, Strong, Text, UserRef, When, line

HOSTILE = "@everyone @here <@&123> <@456> <#789> <t:0:R> [x](https://evil) **b** `c` ||s|| # h"


def visible(rendered: Rendered) -> str:
    embed = rendered.embeds[0].to_dict()
    parts = [rendered.content, embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def check_limits(msg: Rendered) -> None:
    assert len(msg.content) <= 2000
    assert len(msg.embeds) <= 10
    assert sum(len(e) for e in msg.embeds) <= 6000
    for embed in msg.embeds:
        data = embed.to_dict()
        assert len(data.get("title", "")) <= 256
        assert len(data.get("description", "")) <= 4096
        assert len(data.get("fields", [])) <= 25
        for f in data.get("fields", []):
            assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
    assert len(msg.rows) <= 5 and all(len(row) <= 5 for row in msg.rows)
    ids = [a.custom_id for row in msg.rows for a, _ in row]
    assert len(ids) == len(set(ids))  # Discord rejects duplicate custom_ids
    assert all(len(label) <= 80 for row in msg.rows for _, label in row)
    assert len(msg.view().to_components()) == len(msg.rows)


def test_nothing_typed_can_ping_forge_a_mention_or_a_masked_link() -> None:
    reply = Reply("T", (Section("Notes", (line(HOSTILE), line(Strong(HOSTILE)))),), private=False)
    [msg] = render(reply)
    shown = visible(msg)
    assert "@everyone" not in shown and "@here" not in shown  # a zero-width space breaks them
    assert not re.search(r"(?<!\\)<[@#t]", shown)  # every "<" is escaped
    assert "](https://evil)" not in shown.replace("\\]", "")
    assert "\\[x\\](https://evil)" in shown
    assert msg.content == ""
    assert msg.allowed_mentions.to_dict() == {"parse": []}  # no one, no roles, no everyone


def test_escaped_text_reads_as_typed() -> None:
    assert escape("send quote - urgent!") == "send quote \\- urgent!"
    assert escape("1. first") == "1\\. first"
    assert escape("a_b*c~d`e|f>g") == "a\\_b\\*c\\~d\\`e\\|f\\>g"


def test_a_reminder_pings_only_its_owners() -> None:
    reply = Reply(
        "Reminder",
        (Section(None, (line(UserRef("456"), " — acme: send quote ", HOSTILE),)),),
        private=False,
        mentions=("456", "not-a-snowflake"),
        kind="reminder",
    )
    [msg] = render(reply)
    assert msg.content == "<@456>"
    assert msg.allowed_mentions.to_dict() == {"parse": [], "users": [456]}
    assert "<@456> — acme" in visible(msg)
    assert not msg.ephemeral


def test_user_ids_that_are_not_snowflakes_are_shown_not_linked() -> None:
    [msg] = render(Reply("T", (Section(None, (line(UserRef("<@&1>")),)),)))
    assert "\\<@&1\\>" in visible(msg)


def test_instants_are_discord_timestamps_in_each_readers_zone() -> None:
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    spans = (When(at, "Europe/London"), Text(" and "), When(at, "Europe/London", with_time=False))
    [msg] = render(Reply("T", (Section(None, (Line(spans),)),)))
    assert "<t:1795165200:f> and <t:1795165200:D>" in visible(msg)


def test_a_long_reply_is_split_across_messages_and_then_summarised() -> None:
    lines = tuple(line(f"#{i} " + "word " * 60) for i in range(400))
    reply = Reply("Open challenges", (Section("Acme", lines),), kind="list")
    messages = render(reply, max_messages=3)
    assert len(messages) == 3
    for msg in messages:
        check_limits(msg)
    assert messages[1].embeds[0].title == "Open challenges (continued)"
    assert "Acme (continued)" in visible(messages[1])
    assert re.search(r"… and \d+ more", visible(messages[-1]))


def test_one_overlong_line_is_cut_into_fields_not_rejected() -> None:
    notes = "lorem ipsum " * 400  # 4,800 characters of notes
    [msg] = render(Reply("Touchpoint recorded", (Section("Notes", (line(notes),)),)))
    check_limits(msg)
    assert visible(msg).count("lorem ipsum") == 400


def test_a_big_digest_keeps_one_button_per_item_up_to_twenty_five() -> None:
    lines = tuple(
        line(
            f"#{i} promise", actions=(Action("kept", i, "Kept"), Action("not_kept", i, "Not kept"))
        )
        for i in range(40)
    )
    [msg] = render(Reply("Daily digest", (Section("Due", lines),), kind="digest"), max_messages=1)
    check_limits(msg)
    labels = [label for row in msg.rows for _, label in row]
    assert len(labels) == 25 and labels[0] == "Kept P0"
    assert "have no buttons here" in visible(msg)


def test_a_few_items_get_a_full_row_of_buttons_each() -> None:
    actions = tuple(Action(v, 7, v.title(), option=o) for v, o in (("kept", ""), ("snooze", "1h")))
    lines = (line("#7 a", actions=actions), line("#8 b", actions=(Action("kept", 8, "Kept"),)))
    [msg] = render(Reply("Reminder", (Section(None, lines),)))
    assert [[a.custom_id for a, _ in row] for row in msg.rows] == [
        ["tp:kept:7", "tp:snooze:7:1h"],
        ["tp:kept:8"],
    ]


def test_a_hundred_and_fifty_owners_fit_in_one_message() -> None:
    owners = tuple(str(10**17 + i) for i in range(150))
    [msg] = render(Reply("Reminder", mentions=owners, private=False))
    check_limits(msg)
    assert len(msg.allowed_mentions.to_dict()["users"]) == 100


texts = st.text(min_size=0, max_size=400)
spans = st.one_of(
    texts.map(Text),
    texts.map(Strong),
    st.sampled_from(["1", "456", "x"]).map(UserRef),
)
actions = st.lists(
    st.builds(
        Action,
        st.sampled_from(["kept", "snooze", "addressed"]),
        st.integers(1, 40),
        st.text(min_size=1, max_size=100),
    ),
    max_size=6,
).map(tuple)
lines_ = st.builds(Line, st.lists(spans, max_size=6).map(tuple), actions)
sections = st.builds(
    Section, st.one_of(st.none(), st.text(max_size=300)), st.lists(lines_, max_size=40).map(tuple)
)
replies = st.builds(
    Reply,
    st.text(max_size=300),
    st.lists(sections, max_size=6).map(tuple),
    st.booleans(),
    st.lists(st.sampled_from(["1", "2", "x"]), max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(replies, st.integers(1, 4))
def test_any_reply_renders_within_every_discord_limit(reply: Reply, max_messages: int) -> None:
    messages = render(reply, max_messages=max_messages)
    assert 1 <= len(messages) <= max_messages
    for msg in messages:
        check_limits(msg)
