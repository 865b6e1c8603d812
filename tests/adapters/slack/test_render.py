"""Block Kit rendering: escaping, native mentions and dates, and Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.adapters.slack import render
from bot.adapters.slack.messages import plain_text_of
from bot.core.replies import Action, Line, Reply, Section, Strong, Text, UserRef, When, line

HOSTILE = ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<https://evil.example|x>", "&lt;")
DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def all_text(blocks: list[render.Block]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def promise_actions(pid: int) -> tuple[Action, ...]:
    return (
        Action("kept", pid, "Kept", style="primary"),
        Action("snooze", pid, "Snooze 1 h", option="1h"),
        Action("snooze", pid, "Tomorrow", option="tomorrow"),
        Action("snooze", pid, "Next week", option="next_week"),
        Action("not_kept", pid, "Not kept", style="danger"),
    )


@pytest.mark.parametrize("typed", HOSTILE)
def test_typed_text_can_neither_ping_nor_link(typed: str) -> None:
    reply = Reply("Notes", (Section("Heading " + typed, (line("said: " + typed, Strong(typed)),)),))
    message = render.to_messages(reply)[0]
    rendered = all_text(message.blocks) + message.text
    assert typed not in rendered
    assert render.escape(typed) in rendered
    assert "<!" not in rendered and "<@" not in rendered and "<http" not in rendered


def test_escaping_covers_exactly_the_three_control_characters() -> None:
    assert render.escape("a & b < c > d * _ ~ `") == "a &amp; b &lt; c &gt; d * _ ~ `"


def test_bold_text_keeps_its_spaces_outside_and_cannot_be_closed_early() -> None:
    assert render.strong(" (overdue 3 h)") == " *(overdue 3 h)*"
    assert render.strong("*bold*") == "*∗bold∗*"
    assert render.strong("   ") == "   "


def test_a_person_is_a_native_mention_in_a_private_reply() -> None:
    reply = Reply("Done", (Section(None, (line("by ", UserRef("U123ABC")),)),))
    assert render.line_text(reply.sections[0].lines[0], reply) == "by <@U123ABC>"


def test_a_public_reply_pings_only_its_mentions_and_names_everyone_else() -> None:
    reply = Reply(
        "Reminder",
        (Section(None, (line(UserRef("UOWNER"), " promised by ", UserRef("UMAKER")),)),),
        private=False,
        mentions=("UOWNER",),
    )
    assert render.users_in(reply) == {"UMAKER"}
    text = render.line_text(reply.sections[0].lines[0], reply, {"UMAKER": "Sam <admin>"})
    assert text == "<@UOWNER> promised by @Sam &lt;admin&gt;"


def test_a_user_id_that_is_not_a_slack_id_is_shown_as_text() -> None:
    reply = Reply("x", (Section(None, (line(UserRef("<!channel>")),)),))
    assert render.line_text(reply.sections[0].lines[0], reply) == "@&lt;!channel&gt;"


def test_dates_use_slacks_own_format_with_a_fallback_in_the_teams_zone() -> None:
    with_time = render.date_token(When(DUE, "Europe/London"))
    day_only = render.date_token(When(DUE, "America/New_York", with_time=False))
    stamp = int(DUE.timestamp())
    assert with_time == f"<!date^{stamp}^{{date_short_pretty}} {{time}}|Fri 20 Nov 09:00>"
    assert day_only == f"<!date^{stamp}^{{date_short_pretty}}|Fri 20 Nov 2026>"


def test_a_line_with_buttons_gets_one_actions_block_with_ids_as_action_ids() -> None:
    reply = Reply(
        "Reminder", (Section(None, (Line((Text("#12 send quote"),), promise_actions(12)),)),)
    )
    blocks = render.to_messages(reply)[0].blocks
    assert [b["type"] for b in blocks] == ["header", "section", "actions"]
    buttons = blocks[2]["elements"]
    assert [b["action_id"] for b in buttons] == [
        "tp:kept:12",
        "tp:snooze:12:1h",
        "tp:snooze:12:tomorrow",
        "tp:snooze:12:next_week",
        "tp:not_kept:12",
    ]
    assert buttons[0]["style"] == "primary" and buttons[-1]["style"] == "danger"
    assert all(b["value"] == b["action_id"] for b in buttons)


def test_more_than_five_buttons_take_several_actions_blocks() -> None:
    actions = tuple(Action("kept", i, f"B{i}") for i in range(7))
    blocks = render.to_messages(Reply("x", (Section(None, (Line((Text("t"),), actions),)),)))[
        0
    ].blocks
    assert [len(b["elements"]) for b in blocks if b["type"] == "actions"] == [5, 2]
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids))


def test_every_message_has_fallback_text_and_a_header_within_limits() -> None:
    reply = Reply("T" * 400, (Section(None, (line("first line"),)),))
    message = render.to_messages(reply)[0]
    assert message.text.endswith(": first line")
    assert len(message.blocks[0]["text"]["text"]) <= render.MAX_HEADER


def test_a_text_longer_than_a_section_allows_is_split_without_cutting_an_entity() -> None:
    words = " ".join(["fibre&co"] * 800)  # 7,200 characters, 12,000 once escaped
    blocks = render.to_messages(Reply("Notes", (Section("Notes", (line(words),)),)))[0].blocks
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(texts) >= 4
    assert all(len(t) <= render.MAX_TEXT for t in texts)
    assert all(t.count("&") == t.count("&amp;") for t in texts)


def test_a_long_digest_is_split_into_messages_of_at_most_fifty_blocks() -> None:
    lines = tuple(
        Line((Strong(f"#{i}"), Text(" call back")), promise_actions(i)) for i in range(60)
    )
    messages = render.to_messages(Reply("Daily digest", (Section("Due", lines),), private=False))
    assert len(messages) == 3
    assert all(len(m.blocks) <= render.MAX_BLOCKS_MESSAGE for m in messages)
    assert messages[1].blocks[0]["text"]["text"] == "Daily digest (continued)"
    shown = [b for m in messages for b in m.blocks if b["type"] == "actions"]
    assert len(shown) == 60  # nothing lost, nothing summarised


def test_a_digest_too_long_even_for_several_messages_is_summarised_not_rejected() -> None:
    lines = tuple(Line((Text(f"#{i}"),), promise_actions(i)) for i in range(200))
    messages = render.to_messages(
        Reply("Daily digest", (Section(None, lines),)), more_hint="See all."
    )
    assert len(messages) == render.MAX_PARTS
    assert all(len(m.blocks) <= render.MAX_BLOCKS_MESSAGE for m in messages)
    shown = sum(1 for m in messages for b in m.blocks if b["type"] == "actions")
    last = messages[-1].blocks[-1]
    assert last["type"] == "context"
    assert last["elements"][0]["text"] == f"… and {200 - shown} more not shown here. See all."


def test_a_reminder_is_never_split_only_summarised() -> None:
    lines = tuple(Line((Text(f"#{i}"),), promise_actions(i)) for i in range(40))
    messages = render.to_messages(Reply("Reminder", (Section(None, lines),)), split=False)
    assert len(messages) == 1
    blocks = messages[0].blocks
    assert len(blocks) <= render.MAX_BLOCKS_MESSAGE
    assert blocks[-1]["elements"][0]["text"].startswith("… and 16 more")


def test_home_and_modal_views_stop_at_a_hundred_blocks() -> None:
    replies = [
        Reply(
            "Promises",
            (Section(None, tuple(Line((Text(f"#{i}"),), promise_actions(i)) for i in range(80))),),
        ),
        Reply("Challenges", (Section(None, (line("one"),)),)),
    ]
    blocks = render.to_view_blocks(replies)
    assert len(blocks) == render.MAX_BLOCKS_VIEW
    assert blocks[-1]["type"] == "context" and "more not shown" in blocks[-1]["elements"][0]["text"]


def test_plain_lines_share_one_section_and_a_lone_heading_rides_on_buttons() -> None:
    reply = Reply(
        "x",
        (
            Section("Plain", (line("a"), line("b"))),
            Section("Buttons", (Line((Text("c"),), promise_actions(3)),)),
        ),
    )
    blocks = render.blocks_of(reply)
    assert blocks[1]["text"]["text"] == "*Plain*\na\nb"
    assert blocks[2]["text"]["text"] == "*Buttons*\nc"


def test_a_messages_markup_becomes_the_text_a_person_would_copy() -> None:
    text = (
        "<@U1> and <@U2|sam> in <#C1|sales>, <!here>, <!subteam^S1|@support> "
        "by <!date^1795165200^{date_short}|20 Nov>: <https://x.example|quote> &amp; <https://y.example>"
    )
    assert plain_text_of(text) == (
        "@U1 and @sam in #sales, @here, @support by 20 Nov: quote (https://x.example) & https://y.example"
    )
