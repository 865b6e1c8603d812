"""Whole flows: the real discord.py client against the fake Discord, a real SQLite
database, the reminder engine, and a clock moved by hand."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.model import ChallengeStatus, PromiseStatus
from tests.records import make_long_record

from .fake_discord import BOT_ID, Callback, Json
from .world import ALEX, EVE, SAM, World, run, running


async def until(condition: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Wait for something the bot does in the background (an edit after a reaction)."""
    for _ in range(int(timeout / 0.02)):
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not get there in time")


def text_of(message: Json) -> str:
    """Everything a reader sees in a message (content, titles, fields, footers)."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for f in embed.get("fields", []):
            parts += [f["name"], f["value"]]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def custom_ids(message: Json) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


def challenge_ids(message: Json) -> list[str]:
    return [i for i in custom_ids(message) if i.startswith(("tp:addressed:", "tp:pass_on:"))]


def answer_text(callback: Callback) -> str:
    return text_of(callback.data.get("data") or {})


async def record_with_form(w: World, guild_name: str = "acme", **values: str) -> Callback:
    guild = w.acme if guild_name == "acme" else w.globex
    opened = await w.fake.slash(guild, SAM, "record", customer="Acme Corp", kind="call")
    assert opened.type == 9, opened.data  # the modal
    return await w.fake.submit(guild, SAM, opened.data["data"], values)


def test_the_bot_asks_only_for_non_privileged_intents_and_syncs_its_commands(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            # guilds, guild reactions, direct-message reactions
            assert w.fake.identify[0]["intents"] == 1 | 1 << 10 | 1 << 13
            assert {c["name"] for c in w.fake.synced["global"]} == {
                "touchpoint",
                "Record touchpoint",
            }
            [touchpoint] = [c for c in w.fake.synced["global"] if c["name"] == "touchpoint"]
            assert {o["name"] for o in touchpoint["options"]} == {
                "record",
                "show",
                "promises",
                "challenges",
                "digest",
                "stats",
                "calendar",
                "map",
                "config",
                "text",
                "help",
            }
        async with running(tmp_path / "one", sync_to_acme=True) as w:
            assert list(w.fake.synced) == [str(w.acme.id)]  # one server, instantly

    (tmp_path / "one").mkdir()
    run(scenario())


FORM = {
    "challenges": "slow internet\ndisconnects daily",
    "our_promises": "send fibre quote by fri 9:01am",
    "their_promises": "read the brochure by next tue",
    "difference": "needs fibre",
    "notes": "Spoke to the office manager.",
}


def test_a_touchpoint_recorded_in_the_form_is_reminded_and_kept_with_a_reaction(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            opened = await w.fake.slash(w.acme, SAM, "record", customer="Acme Corp", kind="call")
            modal = opened.data["data"]
            assert opened.type == 9
            assert len(modal["title"]) <= 45 and len(modal["components"]) == 5
            assert [c["component"]["custom_id"] for c in modal["components"]] == [
                "challenges",
                "our_promises",
                "their_promises",
                "difference",
                "notes",
            ]

            done = await w.fake.submit(w.acme, SAM, modal, FORM)
            assert done.type == 4 and done.data["data"]["flags"] & 64  # private
            said = answer_text(done)
            assert "Touchpoint recorded" in said and "Acme Corp" in said
            # Fri 20 Nov 09:01 London (a time of its own: a reminder, not the digest's), shown
            # in each reader's own zone
            assert "<t:1795165260:f>" in said
            assert "team channel" in said  # the first channel used became the team channel

            w.later(days=1, minutes=1)  # Fri 09:01: the promise is due
            result = await w.engine.scan()
            assert result.sent == 1
            [reminder] = w.fake.channel_messages(w.acme)
            assert reminder["content"] == f"<@{SAM}>"
            sent = next(b for m, path, b in w.fake.requests if m == "POST" and "/channels/" in path)
            assert sent["allowed_mentions"] == {
                "parse": [],
                "users": [SAM],
            }  # no everyone, no roles
            assert sent["nonce"] and sent["enforce_nonce"] is True
            assert "send fibre quote" in text_of(reminder)
            assert any(i.startswith("tp:kept:") for i in custom_ids(reminder))

            await w.fake.react(w.acme, BOT_ID, int(reminder["id"]), "✅")  # its own: ignored
            await w.fake.react(w.acme, ALEX, int(reminder["id"]), "✅")
            edited = await until(lambda: reminder.get("edits") and reminder)
            assert "kept" in text_of(edited) and f"<@{ALEX}>" in text_of(edited)
            assert custom_ids(edited) == []  # settled: no buttons left
            assert promise_statuses(w) == [PromiseStatus.KEPT, PromiseStatus.OPEN]

    run(scenario())


def test_a_check_mark_on_a_reminder_sent_by_direct_message_keeps_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            chose = await w.fake.slash(w.acme, SAM, "text", command="reminders dm")
            assert "direct message" in answer_text(chose)
            await record_with_form(w, **FORM)
            w.later(days=1, minutes=1)  # Fri 09:01: the promise is due
            assert (await w.engine.scan()).sent == 1
            [reminder] = w.fake.direct_messages(SAM)
            assert w.fake.channel_messages(w.acme) == []
            assert "React with ✅" in text_of(reminder)

            await w.fake.react_in_direct_messages(SAM, int(reminder["id"]), "✅")
            edited = await until(lambda: reminder.get("edits") and reminder)
            assert "kept" in text_of(edited) and custom_ids(edited) == []
            assert promise_statuses(w) == [PromiseStatus.KEPT, PromiseStatus.OPEN]

    run(scenario())


def promise_statuses(w: World, team: str = "") -> list[PromiseStatus]:
    team_id = team or f"discord:{w.acme.id}"
    with w.container.uow_factory() as uow:
        return [p.status for p in uow.promises.for_customer(team_id, 1)]


def test_a_reminder_button_still_works_after_a_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            kept = next(i for i in custom_ids(reminder) if i.startswith("tp:kept:"))

            await w.restart()  # a new process: nothing in memory about that message
            as_eve_sees_it = copy.deepcopy(reminder)

            pressed = await w.fake.press(w.acme, ALEX, int(reminder["id"]), kept)
            assert pressed.type == 7  # the message itself is updated
            assert f"kept by <@{ALEX}>" in text_of(reminder).replace("** by", " by")
            assert custom_ids(reminder) == []

            again = await w.fake.press(w.acme, EVE, int(reminder["id"]), kept, as_eve_sees_it)
            assert again.type == 4 and "already kept" in answer_text(again)

    run(scenario())


def test_snoozing_a_reminder_says_until_when_and_keeps_its_buttons(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            snooze = next(i for i in custom_ids(reminder) if i.endswith(":1h"))
            pressed = await w.fake.press(w.acme, SAM, int(reminder["id"]), snooze)
            assert pressed.type == 7
            assert "snoozed until" in text_of(reminder)
            assert snooze in custom_ids(reminder)

    run(scenario())


def test_the_digest_lists_open_challenges_and_addressed_removes_its_button(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(hours=23, minutes=5)  # Fri 09:05 London: digest time has passed
            result = await w.engine.digests()
            assert result.sent == 1
            digest = next(m for m in w.fake.channel_messages(w.acme) if "digest" in text_of(m))
            assert "slow internet" in text_of(digest) and "needs fibre" in text_of(digest)
            # Both challenges are new: their buttons share one row.
            assert challenge_ids(digest) == [
                "tp:addressed:1",
                "tp:pass_on:1",
                "tp:addressed:2",
                "tp:pass_on:2",
            ]
            addressed = "tp:addressed:1"

            pressed = await w.fake.press(w.acme, ALEX, int(digest["id"]), addressed)
            assert pressed.type == 7
            assert addressed not in custom_ids(digest)
            assert "Updates" in text_of(digest) and "marked addressed" in text_of(digest)
            # The neighbour keeps working buttons on that row.
            assert challenge_ids(digest) == ["tp:addressed:2", "tp:pass_on:2"]
            again = await w.fake.press(w.acme, ALEX, int(digest["id"]), "tp:addressed:2")
            assert again.type == 7
            assert challenge_ids(digest) == []
            assert "tp:kept:1" in custom_ids(digest)  # the promise's row is untouched
            assert text_of(digest).count("marked addressed") == 2
            with w.container.uow_factory() as uow:
                statuses = [
                    c.status for c in uow.challenges.for_customer(f"discord:{w.acme.id}", 1)
                ]
            assert statuses == [ChallengeStatus.ADDRESSED, ChallengeStatus.ADDRESSED]

    run(scenario())


def test_passing_on_a_challenge_asks_to_whom_in_a_modal(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(hours=23, minutes=5)
            await w.engine.digests()
            [digest] = w.fake.channel_messages(w.acme)
            pass_on = next(i for i in custom_ids(digest) if i.startswith("tp:pass_on:"))
            asked = await w.fake.press(w.acme, ALEX, int(digest["id"]), pass_on)
            assert asked.type == 9
            modal = asked.data["data"]
            done = await pass_on_submit(w, modal, int(digest["id"]))
            assert done.type == 7
            assert "passed on to billing team" in text_of(digest)

    run(scenario())


async def pass_on_submit(w: World, modal: Json, message_id: int) -> Callback:
    data = {
        "custom_id": modal["custom_id"],
        "components": [
            {
                "type": 18,
                "id": 1,
                "component": {"type": 4, "id": 2, "custom_id": "to", "value": "billing team"},
            }
        ],
    }
    # A modal opened from a button arrives with the button's message.
    callback = await w.fake.interact(w.acme, ALEX, 5, data, message_id=message_id)
    assert callback is not None
    return callback


def test_two_servers_never_see_each_others_records(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, "acme", **FORM)
            listed = await w.fake.slash(w.globex, SAM, "promises")
            assert "fibre" not in answer_text(listed) and "Nothing open" in answer_text(listed)
            shown = await w.fake.slash(w.globex, SAM, "show", customer="Acme Corp")
            assert "No customer is called" in answer_text(shown)
            suggested = await w.fake.autocomplete(w.globex, SAM, "record", "customer", "ac")
            assert suggested == []
            assert [
                c["name"]
                for c in await w.fake.autocomplete(w.acme, SAM, "record", "customer", "ac")
            ] == ["Acme Corp"]

            # A forged button in Globex naming Acme's promise finds nothing.
            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            forged = w.fake.post_as_user(w.globex, EVE, "look", channel="customers")
            forged["author"] = w.fake.bot
            forged["components"] = reminder["components"]
            kept = next(i for i in custom_ids(reminder) if i.startswith("tp:kept:"))
            pressed = await w.fake.press(w.globex, EVE, int(forged["id"]), kept)
            assert pressed.type == 4 and "no promise" in answer_text(pressed).lower()
            assert promise_statuses(w)[0] is PromiseStatus.OPEN

    run(scenario())


def test_a_form_with_mistakes_saves_nothing_and_gives_back_what_was_typed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            bad = {
                **FORM,
                "our_promises": "send quote by blursday 47th",
                "difference": " ".join(f"word{i}" for i in range(13)),  # over 12 words
            }
            done = await record_with_form(w, **bad)
            said = answer_text(done)
            assert done.data["data"]["flags"] & 64
            assert "Nothing was saved" in said
            assert "Our promises" in said and "Biggest difference" in said
            assert "blursday 47th" in said and "Spoke to the office manager" in said
            with w.container.uow_factory() as uow:
                assert uow.customers.list(f"discord:{w.acme.id}") == []

            [button] = done.data["data"]["components"][0]["components"]
            assert button["label"] == "Fix and resubmit"
            [answer] = w.fake.answers(done)
            reopened = await w.fake.press(w.acme, SAM, int(answer["id"]), button["custom_id"])
            assert reopened.type == 9
            prefilled = {
                c["component"]["custom_id"]: c["component"].get("value")
                for c in reopened.data["data"]["components"]
            }
            assert prefilled["our_promises"] == "send quote by blursday 47th"
            fixed = await w.fake.submit(w.acme, SAM, reopened.data["data"], FORM)
            assert "Touchpoint recorded" in answer_text(fixed)

    run(scenario())


def test_a_near_miss_customer_name_asks_which_one_and_records_the_choice(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)  # creates "Acme Corp"
            opened = await w.fake.slash(w.acme, SAM, "record", customer="acme")
            asked = await w.fake.submit(w.acme, SAM, opened.data["data"], {"notes": "quick call"})
            said = answer_text(asked)
            assert "Which customer?" in said and "quick call" in said
            labels = [b["label"] for b in asked.data["data"]["components"][0]["components"]]
            assert labels == ["Acme Corp", "Add “acme” as new"]
            [answer] = w.fake.answers(asked)
            pick = asked.data["data"]["components"][0]["components"][0]["custom_id"]
            chosen = await w.fake.press(w.acme, SAM, int(answer["id"]), pick)
            assert "Touchpoint recorded" in answer_text(chosen)
            with w.container.uow_factory() as uow:
                assert [c.name for c in uow.customers.list(f"discord:{w.acme.id}")] == ["Acme Corp"]

    run(scenario())


def test_quick_entry_records_without_a_form_and_errors_echo_the_entry(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            done = await w.fake.slash(
                w.acme,
                SAM,
                "record",
                customer="Initech",
                kind="video",
                code="meeting booked",
                entry="ch: billing confusing | we: call back tomorrow 10am | diff: a named contact",
            )
            assert done.type == 4 and "Touchpoint recorded" in answer_text(done)
            assert "Meeting booked" in answer_text(done) or "meeting booked" in answer_text(done)

            bad = await w.fake.slash(
                w.acme, SAM, "record", customer="Initech", entry="wibble: nonsense"
            )
            assert "You typed" in answer_text(bad) and "wibble: nonsense" in answer_text(bad)

    run(scenario())


def test_a_customer_option_is_the_whole_name_even_when_it_ends_in_a_kind(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            done = await w.fake.slash(
                w.acme, SAM, "record", customer="The Social", entry="ch: screens flicker"
            )
            assert "Touchpoint recorded" in answer_text(done)
            shown = await w.fake.slash(w.acme, SAM, "show", customer="The Social")
            assert "screens flicker" in answer_text(shown)

    run(scenario())


def test_an_unknown_completion_code_is_refused_before_the_form_opens(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            refused = await w.fake.slash(w.acme, SAM, "record", customer="Acme", code="teleported")
            assert refused.type == 4 and "not one of this server's completion codes" in answer_text(
                refused
            )
            choices = await w.fake.autocomplete(w.acme, SAM, "record", "code", "mes")
            assert [c["value"] for c in choices] == ["left message"]

    run(scenario())


def test_a_message_can_be_recorded_from_its_context_menu(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            said = w.fake.post_as_user(w.acme, EVE, "Customer says the invoice is wrong again")
            opened = await w.fake.context_menu(w.acme, SAM, said)
            assert opened.type == 9
            modal = opened.data["data"]
            fields = {c["component"]["custom_id"]: c["component"] for c in modal["components"]}
            assert list(fields) == [
                "customer",
                "challenges",
                "our_promises",
                "their_promises",
                "notes",
            ]
            assert fields["notes"]["value"] == "Customer says the invoice is wrong again"
            done = await w.fake.submit(
                w.acme,
                SAM,
                modal,
                {
                    "customer": "Globex email in",
                    "challenges": "invoice wrong",
                    "notes": fields["notes"]["value"],
                },
            )
            assert "Email in with Globex" in answer_text(done)

    run(scenario())


def test_settings_change_only_for_members_who_manage_the_server(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            refused = await w.fake.slash(
                w.acme, SAM, "config", setting="timezone", value="Asia/Tokyo"
            )
            assert "Manage Server" in answer_text(refused)
            sneaky = await w.fake.slash(w.acme, SAM, "text", command="config timezone Asia/Tokyo")
            assert "Manage Server" in answer_text(sneaky)

            general = str(w.acme.channels["general"])
            done = await w.fake.slash(w.acme, ALEX, "config", manager=True, channel=general)
            assert "Team channel: " + general in answer_text(done)
            named = await w.fake.slash(
                w.acme, ALEX, "text", manager=True, command="config channel #customers"
            )
            assert str(w.acme.channels["customers"]) in answer_text(named)

    run(scenario())


def test_the_bot_resumes_after_a_reconnect_and_misses_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await w.fake.reconnect()
            assert w.fake.resumes and w.fake.resumes[-1]["session_id"] == "session-1"
            answered = await w.fake.slash(w.acme, SAM, "help")
            assert "How to use Touchpoint" in answer_text(answered)

            await w.fake.drop_connection()
            # Sent while the bot is away: replayed when it resumes.
            waiting = asyncio.ensure_future(w.fake.slash(w.acme, SAM, "digest"))
            await w.fake.wait_resumed()
            assert "Daily digest" in answer_text(await waiting)
            assert len(w.fake.identify) == 1  # resumed, never identified again
            assert w.fake.connections == ["/gateway/", "/resume", "/resume"]

    run(scenario())


def _embed_size(embed: Json) -> int:
    return (
        len(embed.get("title", ""))
        + len(embed.get("description", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
        + len((embed.get("footer") or {}).get("text", ""))
    )


def test_a_long_customer_record_pages_within_discords_limits(tmp_path: Path) -> None:
    """Page after page of a long record, each within Discord's limits with nothing cut, the
    page asked for after the name (Discord's `customer` option takes any text)."""

    async def scenario() -> None:
        async with running(tmp_path) as w:
            words = " with the router at the depot after the firmware update"
            team = f"discord:{w.acme.id}"
            make_long_record(w.container.uow_factory, w.clock, team, wording=words)
            shown: dict[int, str] = {}
            for page in (1, 2, 3, 4):
                customer = "acme" if page == 1 else f"acme page {page}"
                callback = await w.fake.slash(w.acme, SAM, "show", customer=customer)
                await w.adapter.handlers.idle()  # the follow-ups are sent
                first = [callback.data["data"]] if callback.type == 4 else []
                messages = first + w.fake.answers(callback)
                assert 1 <= len(messages) <= 5
                for message in messages:
                    for embed in message["embeds"]:
                        assert _embed_size(embed) <= 6000 and len(embed.get("fields", [])) <= 25
                        assert all(len(f["value"]) <= 1024 for f in embed.get("fields", []))
                shown[page] = "\n".join(text_of(m) for m in messages)
                # The page line is the last line: had anything been cut, it would be too.
                assert f"Page {page} of 4" in shown[page]
            assert "acme (page 3)" in shown[3]
            assert "problem 00" in shown[4]
            for n in range(40):  # every item is on exactly one page
                for item in (f"problem {n:02d} ", f"promise {n:02d} ", f"reply {n:02d} "):
                    assert sum(item in text for text in shown.values()) == 1, item

    run(scenario())


def test_kept_typed_as_text_updates_the_posted_reminder(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            pid = next(i for i in custom_ids(reminder) if i.startswith("tp:kept:")).split(":")[2]

            answered = await w.fake.slash(w.acme, ALEX, "text", command=f"kept {pid}")
            assert "kept" in answer_text(answered)
            await until(lambda: custom_ids(reminder) == [])
            assert f"kept by <@{ALEX}>" in text_of(reminder).replace("** by", " by")

    run(scenario())


def test_a_snooze_button_naming_no_time_snoozes_until_tomorrow(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            pid = int(next(i for i in custom_ids(reminder) if i.startswith("tp:kept:"))[8:])
            # A button posted by an older release, whose snooze named no time.
            seen = copy.deepcopy(reminder)
            bare = f"tp:snooze:{pid}"
            for row in seen["components"]:
                for button in row["components"]:
                    if button["custom_id"].startswith(bare + ":"):
                        button["custom_id"] = bare
            pressed = await w.fake.press(w.acme, SAM, int(reminder["id"]), bare, seen)
            assert pressed.type == 7
            with w.container.uow_factory() as uow:
                promise = uow.promises.get(f"discord:{w.acme.id}", pid)
            assert promise is not None and promise.remind_at is not None
            local = promise.remind_at.astimezone(ZoneInfo("Europe/London"))
            assert local.date() == (w.clock.now() + timedelta(days=1)).date()

    run(scenario())
