"""How the bot answers: safely, within limits, on time, and honestly when it fails."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.discord import respond

from .test_flows import FORM, answer_text, record_with_form, text_of, until
from .world import SAM, run, running

HOSTILE = "@everyone @here <@&123> <@456> [x](https://evil)"


def test_hostile_text_in_a_touchpoint_pings_no_one_but_the_promise_owner(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            done = await record_with_form(
                w, **{**FORM, "our_promises": f"tell {HOSTILE} by fri", "notes": HOSTILE}
            )
            said = answer_text(done)
            assert done.data["data"]["allowed_mentions"] == {"parse": []}
            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            sent = next(b for m, path, b in w.fake.requests if m == "POST" and "/channels/" in path)
            assert sent["allowed_mentions"] == {"parse": [], "users": [SAM]}
            assert reminder["content"] == f"<@{SAM}>"
            for shown in (said, text_of(reminder)):
                assert "@everyone" not in shown and "@here" not in shown
                assert not re.search(r"(?<!\\)<@[&\d]", shown.replace(f"<@{SAM}>", ""))
                assert "](https://evil)" not in shown.replace("\\]", "")

    run(scenario())


def test_a_long_list_is_split_into_several_private_messages(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            items = "; ".join(f"promise number {i} " + "with many details " * 12 for i in range(50))
            for name in ("Initech", "Umbrella", "Hooli"):
                done = await w.fake.slash(
                    w.acme, SAM, "record", customer=name, entry=f"we: {items}"
                )
                assert "Touchpoint recorded" in answer_text(done), answer_text(done)
            listed = await w.fake.slash(w.acme, SAM, "promises")
            answers = await until(
                lambda: len(w.fake.answers(listed)) == 5 and w.fake.answers(listed)
            )
            assert len(answers) == 5  # the answer and four follow-ups, all private
            assert all(m["flags"] & 64 for m in answers)
            for m in answers:
                assert len(m["embeds"]) == 1 and len(text_of(m)) <= 6000
                assert all(len(f["value"]) <= 1024 for f in m["embeds"][0]["fields"])
            assert re.search(r"… and \d+ more", text_of(answers[-1]))

    run(scenario())


async def eventually(check: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait for the bot's background work (a follow-up, an edit) without a fixed sleep that
    a busy machine outruns."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check() and loop.time() < deadline:
        await asyncio.sleep(0.02)


def test_slow_work_is_deferred_and_answered_by_a_follow_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(respond, "DEFER_AFTER", 0.0)

    async def scenario() -> None:
        async with running(tmp_path) as w:
            done = await record_with_form(w, **FORM)
            assert done.type == 5  # "thinking…", private
            await eventually(lambda: w.fake.answers(done))
            [answer] = w.fake.answers(done)
            assert "Touchpoint recorded" in text_of(answer) and answer["flags"] & 64

            w.later(days=1, minutes=1)
            await w.engine.scan()
            [reminder] = w.fake.channel_messages(w.acme)
            kept = next(
                c["custom_id"]
                for row in reminder["components"]
                for c in row["components"]
                if c["custom_id"].startswith("tp:kept:")
            )
            pressed = await w.fake.press(w.acme, SAM, int(reminder["id"]), kept)
            assert pressed.type == 6  # deferred update, then the message is edited
            await eventually(lambda: reminder.get("edits"))
            assert "kept" in text_of(reminder) and reminder.get("edits")

    run(scenario())


def test_a_bug_gets_a_generic_answer_with_an_error_id_and_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:

            def broken(request: object, ctx: object) -> None:
                raise RuntimeError("database on fire")

            w.container.commands.execute = broken  # type: ignore[method-assign]
            answered = await w.fake.slash(w.acme, SAM, "digest")
            said = answer_text(answered)
            error_id = re.search(r"error id ([0-9a-f]{8})", said)
            assert error_id and "database on fire" not in said
            assert any(error_id.group(1) in r.getMessage() and r.exc_info for r in caplog.records)

    run(scenario())
