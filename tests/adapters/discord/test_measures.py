"""`/touchpoint stats`, `/touchpoint calendar` and the weekly chart on Discord: the real
discord.py client against the fake Discord, a real SQLite database and a manual clock."""

from __future__ import annotations

import json
import logging
import re
import zlib
from pathlib import Path

import pytest

from bot import charts
from bot.core import calendar, measures, summaries
from bot.core.commands import Context, Routed
from bot.core.replies import Reply
from bot.core.requests import Request
from tests.unit.test_charts import chunks, decode, raw_chunks

from .fake_discord import Callback, Json
from .test_flows import answer_text, text_of
from .world import SAM, World, run, running

ACME = (
    "ch: slow internet; disconnects daily | we: send fibre quote by fri; call back tomorrow "
    "10am | diff: Needs fibre | csat: 4"
)
GLOBEX = "ch: billing confusing | we: send invoice copy by mon | diff: needs  FIBRE | csat: 2"
FEED_LINK = re.compile(r"http://127\.0\.0\.1:3000/calendar/([0-9a-f]{64})\.ics")
# Discord's limits for application commands (API v10).
NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
OPTION_TYPES = {1: "subcommand", 3: "string", 7: "channel"}


def private(callback: Callback) -> bool:
    return callback.type == 4 and bool(int(callback.data["data"].get("flags", 0)) & 64)


async def a_week_of_work(w: World) -> None:
    """Two touchpoints, a promise kept early, a challenge addressed; then two days pass,
    so "call back tomorrow 10am" is overdue."""
    for customer, entry in (("Acme Corp", ACME), ("Globex", GLOBEX)):
        done = await w.fake.slash(
            w.acme, SAM, "record", customer=customer, kind="call", entry=entry
        )
        assert "Touchpoint recorded" in answer_text(done), answer_text(done)
    for command in ("kept 1", "addressed 2"):
        assert "marked" in answer_text(await w.fake.slash(w.acme, SAM, "text", command=command))
    w.later(days=2)


def test_stats_show_the_measured_values_privately_whichever_way_they_are_asked(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await a_week_of_work(w)

            team = await w.fake.slash(w.acme, SAM, "stats")
            assert private(team)
            said = answer_text(team)
            assert said.startswith("Measures — Acme Sales")
            assert "**50%** kept on time — 1 of 2 with a due date" in said
            assert "Kept late 0 · not kept 0 · overdue now 1" in said
            assert f"<@{SAM}>: 1 of 2 on time (50%) · 1 overdue" in said
            assert "**Acme Corp**: 1 of 2 on time (50%) · 1 overdue" in said
            assert "Open: **2** — median age 2 days, oldest 2 days" in said
            assert "**Needs fibre** — 2 customers" in said
            # "3.0" escaped as "3\.0": it would otherwise start a numbered list
            assert "Satisfaction (CSAT): **3\\.0 / 5** from 2 touchpoints" in said
            assert "Addressed: 1 — median time to address **1 min**" in said
            assert "Kept on time: W40 – · " in said and "W47 50%" in said
            assert "2 recorded — call 2" in said
            assert team.data["data"]["allowed_mentions"] == {"parse": []}  # names, no pings

            # The same grammar as the text command: the same answer.
            typed = await w.fake.slash(w.acme, SAM, "text", command="stats")
            assert typed.data["data"]["embeds"] == team.data["data"]["embeds"]

            mine = await w.fake.slash(w.acme, SAM, "stats", scope="mine")
            assert private(mine) and answer_text(mine).startswith("Your measures")
            assert "Open (raised by you): **2**" in answer_text(mine)
            everyone = await w.fake.slash(w.acme, SAM, "stats", scope="team")
            assert everyone.data["data"]["embeds"] == team.data["data"]["embeds"]

            suggested = await w.fake.autocomplete(w.acme, SAM, "stats", "customer", "acm")
            assert [c["value"] for c in suggested] == ["Acme Corp"]
            acme = await w.fake.slash(w.acme, SAM, "stats", customer="Acme Corp")
            assert private(acme) and answer_text(acme).startswith("Measures — Acme Corp")
            assert "1 recorded — call 1" in answer_text(acme)
            assert "**50%** kept on time — 1 of 2 with a due date" in answer_text(acme)

            both = await w.fake.slash(w.acme, SAM, "stats", scope="mine", customer="Acme Corp")
            assert private(both) and "one of scope, customer or chart" in answer_text(both)
            unknown = await w.fake.slash(w.acme, SAM, "stats", customer="Initech")
            assert private(unknown) and "Initech" in answer_text(unknown)

    run(scenario())


def feed_token(callback: Callback) -> str:
    found = FEED_LINK.search(answer_text(callback))
    assert found, answer_text(callback)
    return found.group(1)


def feed_owner(w: World, token: str) -> str | None:
    feed = calendar.feed_for_token(token, uow=w.container.uow_factory(), clock=w.clock)
    assert feed is not None, "the link does not work"
    return feed.owner


def works(w: World, token: str) -> bool:
    return calendar.feed_for_token(token, uow=w.container.uow_factory(), clock=w.clock) is not None


def test_calendar_links_are_sent_only_privately_and_revoking_stops_them(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            first = await w.fake.slash(w.acme, SAM, "calendar")
            assert private(first)
            assert answer_text(first).startswith("Your calendar feed")
            mine = feed_token(first)
            assert feed_owner(w, mine) == str(SAM)

            team_link = await w.fake.slash(w.acme, SAM, "calendar", action="team")
            assert private(team_link) and answer_text(team_link).startswith("Team calendar feed")
            team = feed_token(team_link)
            assert feed_owner(w, team) is None

            again = await w.fake.slash(w.acme, SAM, "text", command="calendar")
            assert private(again)
            newer = feed_token(again)
            assert works(w, newer) and not works(w, mine)  # a new link replaces the old one

            revoked = await w.fake.slash(w.acme, SAM, "calendar", action="revoke")
            assert private(revoked) and "Your calendar link no longer works" in answer_text(revoked)
            assert not works(w, newer) and works(w, team)
            team_revoked = await w.fake.slash(w.acme, SAM, "calendar", action="team-revoke")
            assert private(team_revoked) and "team's calendar link no longer works" in (
                answer_text(team_revoked)
            )
            assert not works(w, team)

            # No link ever reached a message others can see, nor any channel post.
            public = [m for m in w.fake.messages.values() if not int(m["flags"]) & 64]
            posted = [b for m, path, b in w.fake.requests if "/channels/" in path]
            for token in (mine, team, newer):
                assert all(token not in json.dumps(m) for m in public)
                assert all(token not in json.dumps(b) for b in posted)

    run(scenario())


def check_option(option: Json, where: str) -> int:
    """Assert one option (or subcommand) is valid; return its characters that count
    towards the 4,000 a command may have in names, descriptions and choice values."""
    name, description = option["name"], option.get("description", "")
    assert NAME.fullmatch(name), f"{where}: bad name {name!r}"
    assert 1 <= len(description) <= 100, f"{where} {name}: description {description!r}"
    assert option["type"] in OPTION_TYPES, f"{where} {name}: type {option['type']}"
    size = len(name) + len(description)
    choices = option.get("choices") or []
    assert len(choices) <= 25
    assert not (choices and option.get("autocomplete")), f"{where} {name}: both"
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100, f"{where} {name}: choice {choice}"
        assert isinstance(choice["value"], str) and len(choice["value"]) <= 100
        size += len(choice["name"]) + len(choice["value"])
    inner = option.get("options") or []
    assert len(inner) <= 25
    required = [o.get("required", False) for o in inner]
    assert required == sorted(required, reverse=True), f"{where} {name}: required after optional"
    return size + sum(check_option(o, f"{where} {name}") for o in inner)


def test_the_registered_commands_are_valid_and_offer_stats_and_calendar(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            [sent] = [b for m, path, b in w.fake.requests if m == "PUT" and "/commands" in path]
            [touchpoint] = [c for c in sent if c["name"] == "touchpoint"]
            [menu] = [c for c in sent if c["type"] == 3]
            assert 1 <= len(menu["name"]) <= 32
            assert NAME.fullmatch(touchpoint["name"]) and 1 <= len(touchpoint["description"]) <= 100
            size = len(touchpoint["name"]) + len(touchpoint["description"])
            size += sum(check_option(o, "/touchpoint") for o in touchpoint["options"])
            assert size <= 4000
            subcommands = {o["name"]: o for o in touchpoint["options"]}
            assert all(o["type"] == 1 for o in subcommands.values())

            stats = {o["name"]: o for o in subcommands["stats"]["options"]}
            assert [c["value"] for c in stats["scope"]["choices"]] == ["team", "mine"]
            assert stats["customer"]["autocomplete"] is True
            assert stats["customer"]["max_length"] == 100
            assert not any(o.get("required") for o in stats.values())
            [action] = subcommands["calendar"]["options"]
            assert action["name"] == "action" and not action.get("required")
            assert [c["value"] for c in action["choices"]] == [
                "mine",
                "team",
                "revoke",
                "team-revoke",
            ]

    run(scenario())


def is_valid_png(data: bytes) -> bool:
    """Read back with an independent decoder: signature, every chunk's CRC, IHDR first
    and IEND last, pixel data that inflates to the declared size."""
    found = raw_chunks(data)
    assert all(zlib.crc32(kind + body) == crc for kind, body, crc in found)
    assert found[0][0] == b"IHDR" and found[-1][0] == b"IEND"
    width, height, pixels = decode(data)
    return (width, height) == (charts.WIDTH, charts.HEIGHT) and len(pixels) == width * height * 3


async def monday_summary(w: World) -> Json:
    """Record a week of work, then run Monday's digests: the summary as posted."""
    await a_week_of_work(w)
    w.later(days=2, hours=-1)  # Mon 23 Nov 09:00 London
    result = await w.engine.digests()
    assert result.sent == 2  # Monday's digest and the weekly summary
    [summary] = [m for m in w.fake.channel_messages(w.acme) if "Weekly summary" in text_of(m)]
    return summary


def test_the_weekly_summary_is_posted_with_its_chart(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            summary = await monday_summary(w)
            assert "**50%** of our promises due last week were kept on time" in text_of(summary)
            [chart] = summary["attachments"]
            assert chart["filename"] == "touchpoint-2026-W47.png"
            assert chart["content_type"] == "image/png"
            assert (chart["width"], chart["height"]) == (charts.WIDTH, charts.HEIGHT)
            alt = chart["description"]
            assert alt.startswith("Chart of the last 8 weeks") and len(alt) <= 1024
            assert "2026-W47: 50% kept on time (1 of 2)" in alt
            png = w.fake.uploads[chart["url"]]
            assert is_valid_png(png)
            series = json.loads(dict(chunks(png)["tEXt"])[charts.SERIES_KEY])  # type: ignore[arg-type]
            assert series["weeks"][-1] == "2026-W47"

    run(scenario())


def test_without_attach_files_the_summary_still_goes_out_as_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            w.fake.no_attach_files.add(w.acme.channels["customers"])
            with caplog.at_level(logging.WARNING, "bot.adapters.discord.notifier"):
                summary = await monday_summary(w)
            assert summary["attachments"] == []
            assert "**50%** of our promises due last week were kept on time" in text_of(summary)
            assert any("Attach Files" in r.getMessage() for r in caplog.records)
            assert (await w.engine.digests()).sent == 0  # recorded as sent, once

    run(scenario())


def test_a_private_answer_with_a_chart_uploads_it_privately(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await a_week_of_work(w)
            handle = w.container.commands.execute

            def stats_with_chart(request: Request, ctx: Context) -> Routed:
                reply = handle(request, ctx)
                assert isinstance(reply, Reply)
                report = measures.stats_report(
                    ctx.team_id, "", ctx.user_id, uow=w.container.uow_factory(), clock=w.clock
                )
                return summaries.with_chart(reply, report.series, charts.weekly_chart)

            w.container.commands.execute = stats_with_chart  # type: ignore[method-assign]
            answered = await w.fake.slash(w.acme, SAM, "stats")
            assert private(answered)
            [message] = w.fake.answers(answered)
            [chart] = message["attachments"]
            assert chart["ephemeral"] is True and chart["filename"].endswith(".png")
            assert is_valid_png(w.fake.uploads[chart["url"]])
            assert "kept on time — 1 of 2 with a due date" in text_of(message)

    run(scenario())


def test_the_weekly_chart_of_one_stage_is_answered_privately_with_its_picture(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await a_week_of_work(w)
            answered = await w.fake.slash(w.acme, SAM, "stats", chart="purchase")
            assert private(answered)
            [message] = w.fake.answers(answered)
            assert "The last 8 weeks — purchase stage" in text_of(message)
            [chart] = message["attachments"]
            assert chart["ephemeral"] is True and chart["filename"].endswith("-purchase.png")
            png = w.fake.uploads[chart["url"]]
            assert is_valid_png(png)
            carried = json.loads(dict(chunks(png)["tEXt"])[charts.SERIES_KEY])  # type: ignore[arg-type]
            assert carried["stage"] == ["purchase"]
            team = await w.fake.slash(w.acme, SAM, "stats", chart="team")
            [whole] = w.fake.answers(team)
            assert "The last 8 weeks" in text_of(whole) and "purchase stage" not in text_of(whole)
            unknown = await w.fake.slash(w.acme, SAM, "stats", chart="nowhere")
            assert "not one of the team's journey stages" in answer_text(unknown)

    run(scenario())
