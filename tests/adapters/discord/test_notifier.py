"""The reminder engine's Discord side: posting, finding after a crash, error translation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.delivery import DeliveryFailed, Outgoing, find_sent_or_fallen_back
from bot.core.model import Team
from bot.core.replies import Reply, Section, line

from .test_flows import FORM, record_with_form, text_of
from .world import World, run, running

REPLY = Reply(
    "Reminder: a promise is due", (Section(None, (line("send the quote"),)),), private=False
)


def outgoing(w: World, key: str = "reminder:k1", channel: str = "") -> Outgoing:
    team = Team(id=f"discord:{w.acme.id}", name="Acme Sales")
    return Outgoing(key, team, channel or str(w.acme.channels["customers"]), REPLY)


async def failure(w: World, status: int, **kwargs: object) -> DeliveryFailed:
    w.fake.fail("POST", r"/channels/\d+/messages", status, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(DeliveryFailed) as caught:
        await w.adapter.notifier.send(outgoing(w))
    return caught.value


def test_a_posted_reminder_is_found_again_by_its_key_and_others_are_not(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            message = outgoing(w)
            since = w.clock.now()
            ref = await w.adapter.notifier.send(message)
            channel, _, message_id = ref.partition(":")
            assert channel == str(w.acme.channels["customers"])
            posted = w.fake.messages[int(message_id)]
            assert "Touchpoint · ref " in text_of(posted)
            assert await w.adapter.notifier.find_sent(message, since) == ref
            assert await w.adapter.notifier.find_sent(outgoing(w, "reminder:k2"), since) is None

    run(scenario())


def test_sending_the_same_delivery_twice_posts_it_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            first = await w.adapter.notifier.send(outgoing(w))
            second = await w.adapter.notifier.send(outgoing(w))  # same nonce: Discord dedupes
            assert first == second and len(w.fake.channel_messages(w.acme)) == 1

    run(scenario())


def test_platform_errors_become_retries_or_permanent_failures(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            limited = await failure(
                w,
                429,
                body={
                    "message": "You are being rate limited.",
                    "retry_after": 64.5,
                    "global": False,
                    "code": 0,
                },
                headers={"Via": "1.1 google", "Retry-After": "65", "X-RateLimit-Scope": "user"},
            )
            assert limited.retry_after == 64.5 and not limited.permanent
            cloudflare = await failure(
                w, 429, body={"message": "banned"}, headers={"Retry-After": "120"}
            )
            assert cloudflare.retry_after == 120 and not cloudflare.permanent
            forbidden = await failure(w, 403, body={"message": "Missing Access", "code": 50001})
            assert forbidden.permanent
            unavailable = await failure(w, 503, body={"message": "upstream"})
            assert not unavailable.permanent and unavailable.retry_after is None
            bad = await failure(w, 400, body={"message": "Invalid Form Body", "code": 50035})
            assert bad.permanent

            with pytest.raises(DeliveryFailed) as gone:
                await w.adapter.notifier.send(outgoing(w, channel="123456789012345678"))
            assert gone.value.permanent  # Unknown Channel
            with pytest.raises(DeliveryFailed) as named:
                await w.adapter.notifier.send(outgoing(w, channel="#customers"))
            assert named.value.permanent and "config channel" in str(named.value)

    run(scenario())


def test_a_reminder_whose_answer_was_lost_is_found_not_posted_twice(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            await record_with_form(w, **FORM)
            w.later(days=1, minutes=1)
            # Discord posts the message, but the bot only sees a server error.
            w.fake.fail("POST", r"/channels/\d+/messages", 503, body={"message": "oops"}, lost=True)
            first = await w.engine.scan()
            assert first.failed == 1 and len(w.fake.channel_messages(w.acme)) == 1

            w.later(minutes=10)  # long after Discord forgot the nonce
            second = await w.engine.deliver()
            assert second.sent == 1
            assert len(w.fake.channel_messages(w.acme)) == 1  # found by its footer marker
            assert (await w.engine.deliver()).sent == 0  # and recorded as sent

    run(scenario())


def test_a_settled_reminder_is_updated_in_place(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            ref = await w.adapter.notifier.send(outgoing(w))
            team = Team(id=f"discord:{w.acme.id}", name="Acme Sales")
            done = Reply("Settled: a promise is due", (Section(None, (line("kept"),)),))
            await w.adapter.notifier.update(team, ref.split(":")[0], ref, done)
            [message] = w.fake.channel_messages(w.acme)
            assert message["embeds"][0]["title"] == "Settled: a promise is due"
            assert message["components"] == []
            with pytest.raises(DeliveryFailed) as missing:
                await w.adapter.notifier.update(team, "1", f"{ref.split(':')[0]}:42", done)
            assert missing.value.permanent

    run(scenario())


def test_a_personal_reminder_goes_to_the_owners_direct_messages(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            owner = 424242
            message = outgoing(w, "reminder:dm1", channel=f"dm:{owner}")
            since = w.clock.now()
            ref = await w.adapter.notifier.send(message)
            (posted,) = w.fake.direct_messages(owner)
            assert ref == f"{w.fake.direct[owner]}:{posted['id']}"
            assert w.fake.channel_messages(w.acme) == []
            assert await w.adapter.notifier.find_sent(message, since) == ref

    run(scenario())


def refuse_direct_messages(w: World) -> Team:
    """Discord refuses the bot's direct messages (the person allows none); the team, with
    its channel to fall back to."""
    refused = {"message": "Cannot send messages to this user", "code": 50007}
    w.fake.fail("POST", r"/channels/\d+/messages", 403, body=refused)
    return Team(id=f"discord:{w.acme.id}", name="Acme", channel=str(w.acme.channels["customers"]))


def test_someone_who_takes_no_direct_messages_gets_the_reminder_in_the_channel(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            owner = 434343
            team = refuse_direct_messages(w)
            ref = await w.adapter.notifier.send(
                Outgoing("reminder:dm2", team, f"dm:{owner}", REPLY)
            )
            assert ref.startswith(f"{w.acme.channels['customers']}:")
            assert len(w.fake.channel_messages(w.acme)) == 1 and not w.fake.direct_messages(owner)

    run(scenario())


def test_a_refused_direct_message_posted_in_the_channel_is_found_there_after_a_crash(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            owner = 444444
            refused = {"message": "Cannot send messages to this user", "code": 50007}
            team = Team(
                id=f"discord:{w.acme.id}", name="Acme", channel=str(w.acme.channels["customers"])
            )
            message = Outgoing("reminder:dm3", team, f"dm:{owner}", REPLY)
            since = w.clock.now()
            w.fake.fail("POST", r"/channels/\d+/messages", 403, body=refused)
            ref = await w.adapter.notifier.send(message)  # then the process dies, unrecorded
            # The next attempt looks before it posts: not in the direct messages, but in
            # the team channel, where the fall-back went.
            assert await w.adapter.notifier.find_sent(message, since) is None
            found = await find_sent_or_fallen_back(message, since, w.adapter.notifier.find_sent)
            assert found == ref and len(w.fake.channel_messages(w.acme)) == 1

    run(scenario())
