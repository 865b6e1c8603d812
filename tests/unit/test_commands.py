"""Every `/touchpoint ...` text route, and the other ways in, through the one facade:
against in-memory fakes, no I/O. One example per route, asserting what the person sees
and what was saved."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.commands import Context
from bot.core.custom_ids import ButtonId, Verb
from bot.core.delivery import Delivery, DeliveryKind, DeliveryStatus
from bot.core.drafts import FormFields
from bot.core.errors import AmbiguousCustomer, ParseError
from bot.core.interactions import Interactions, Press, Result, Submission
from bot.core.model import ChallengeStatus, PromiseStatus
from bot.core.replies import Reply
from tests.fakes import FakeStore
from tests.unit.conftest import NOW

TEAM = "console:test"
CTX = Context(TEAM, "U1", "C1", "Test")
LONDON = ZoneInfo("Europe/London")


def said(result: Result) -> str:
    reply = result.reply
    assert reply is not None, result
    texts = [reply.title]
    for section in reply.sections:
        texts.append(section.heading or "")
        for line in section.lines:
            texts += [getattr(span, "text", "") for span in line.spans]
            texts += [getattr(span, "url", "") for span in line.spans]
    return "\n".join(t for t in texts if t)


def typed(way_in: Interactions, text: str, ctx: Context = CTX) -> Result:
    result = way_in.text(ctx, text)
    assert not result.error_id, said(result)
    return result


def recorded(way_in: Interactions) -> None:
    """acme: one challenge, our promise due Friday, their promise."""
    done = typed(way_in, "acme call | ch: slow internet | we: send quote by fri | they: read it")
    assert "Touchpoint recorded" in said(done)


def ours(store: FakeStore) -> int:
    """The id of our promise (ids are shared by every kind of record in the fake)."""
    return next(p.id for p in store.promises.values() if p.text == "send quote")


def theirs(store: FakeStore) -> int:
    return next(p.id for p in store.promises.values() if p.text == "read it")


def challenge(store: FakeStore) -> int:
    return next(iter(store.challenges))


# -- reading -----------------------------------------------------------------------------------


def test_help_lists_the_commands(way_in: Interactions) -> None:
    assert "promises" in said(typed(way_in, "help"))
    assert said(typed(way_in, "")) == said(typed(way_in, "help"))


def test_show_gives_the_customer_record(way_in: Interactions) -> None:
    recorded(way_in)
    assert "slow internet" in said(typed(way_in, "show acme"))
    assert "slow internet" in said(typed(way_in, "record acme"))


def test_promises_lists_what_is_open_and_mine_narrows_it(way_in: Interactions) -> None:
    recorded(way_in)
    assert "send quote" in said(typed(way_in, "promises"))
    assert "send quote" in said(typed(way_in, "todo mine"))
    assert "send quote" not in said(typed(way_in, "promises theirs"))


def test_challenges_lists_the_open_challenges(way_in: Interactions) -> None:
    recorded(way_in)
    assert "slow internet" in said(typed(way_in, "challenges"))


def test_digest_shows_today(way_in: Interactions) -> None:
    assert "Nothing open today" in said(typed(way_in, "digest"))
    recorded(way_in)
    assert "slow internet" in said(typed(way_in, "digest"))


def test_stats_reports_the_team_measures(way_in: Interactions) -> None:
    recorded(way_in)
    assert typed(way_in, "stats").reply is not None


# -- acting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "status"),
    [
        ("kept", PromiseStatus.KEPT),
        ("done", PromiseStatus.KEPT),
        ("notkept", PromiseStatus.NOT_KEPT),
        ("not-kept", PromiseStatus.NOT_KEPT),
        ("cancel", PromiseStatus.CANCELLED),
    ],
)
def test_settling_verbs_settle_the_promise(
    way_in: Interactions, store: FakeStore, verb: str, status: PromiseStatus
) -> None:
    recorded(way_in)
    typed(way_in, f"{verb} {ours(store)}")
    assert store.promises[ours(store)].status is status


def test_snooze_reminds_again_later(way_in: Interactions, store: FakeStore) -> None:
    recorded(way_in)
    assert "snoozed until" in said(typed(way_in, f"snooze {ours(store)} tomorrow"))
    remind_at = store.promises[ours(store)].remind_at
    assert remind_at is not None and remind_at.astimezone(LONDON).date().isoformat() == "2026-11-20"


def test_due_moves_the_due_date(way_in: Interactions, store: FakeStore) -> None:
    recorded(way_in)
    typed(way_in, f"due {ours(store)} next wed 3pm")
    assert store.promises[ours(store)].due_at == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_addressed_and_reopen_change_a_challenge(way_in: Interactions, store: FakeStore) -> None:
    recorded(way_in)
    cid = challenge(store)
    typed(way_in, f"addressed {cid}")
    assert store.challenges[cid].status is ChallengeStatus.ADDRESSED
    typed(way_in, f"reopen {cid}")
    assert store.challenges[cid].status is ChallengeStatus.OPEN


def test_pass_hands_a_challenge_on(way_in: Interactions, store: FakeStore) -> None:
    recorded(way_in)
    cid = challenge(store)
    assert "billing team" in said(typed(way_in, f"pass {cid} to billing team"))
    assert store.challenges[cid].status is ChallengeStatus.PASSED_ON


def test_alias_names_a_customer_another_way(way_in: Interactions) -> None:
    recorded(way_in)
    assert "ACME Ltd" in said(typed(way_in, "alias acme = ACME Ltd"))
    assert "slow internet" in said(typed(way_in, "show ACME Ltd"))


def test_config_shows_and_changes_the_settings(way_in: Interactions) -> None:
    assert "Europe/London" in said(typed(way_in, "config"))
    typed(way_in, "config timezone Europe/Paris")
    assert "Europe/Paris" in said(typed(way_in, "config"))


def test_calendar_gives_a_private_feed_link(way_in: Interactions) -> None:
    assert "https://tp.test/" in said(typed(way_in, "calendar"))


def test_a_bare_name_opens_the_form_and_labelled_fields_record(way_in: Interactions) -> None:
    opened = typed(way_in, "acme video")
    assert opened.form is not None and opened.form.customer == "acme"
    assert opened.reply is None


def test_a_mistake_comes_back_as_a_reply_that_says_how_to_fix_it(way_in: Interactions) -> None:
    result = typed(way_in, "kept twelve")
    assert result.error is not None and "/touchpoint kept P12" in said(result)


# -- the other ways in -----------------------------------------------------------------------


def posted_reminder(store: FakeStore, ref: str, *promise_ids: int) -> None:
    delivery = Delivery(
        TEAM,
        DeliveryKind.REMINDER,
        f"reminder:{ref}",
        "C1",
        NOW,
        promise_ids=promise_ids,
        status=DeliveryStatus.SENT,
        message_ref=ref,
    )
    delivery.id = store.new_id()
    store.deliveries[delivery.id] = delivery


def test_kept_typed_as_text_edits_every_posted_reminder_showing_the_promise(
    way_in: Interactions, store: FakeStore
) -> None:
    recorded(way_in)
    posted_reminder(store, "C1:100", ours(store))
    posted_reminder(store, "C1:200", ours(store))
    posted_reminder(store, "C1:300", theirs(store))
    result = typed(way_in, f"kept {ours(store)}")
    assert [e.ref for e in result.edits] == ["C1:100", "C1:200"]
    assert all(not e.reply.sections[-1].lines[-1].actions for e in result.edits)


def test_a_snooze_button_without_a_time_snoozes_until_tomorrow(
    way_in: Interactions, store: FakeStore
) -> None:
    recorded(way_in)
    posted_reminder(store, "C1:100", ours(store))
    result = way_in.press(CTX, Press(ButtonId(Verb.SNOOZE, ours(store)), "C1:100"))
    remind_at = store.promises[ours(store)].remind_at
    assert remind_at is not None and remind_at.astimezone(LONDON).date().isoformat() == "2026-11-20"
    [edit] = result.edits
    assert edit.ref == "C1:100" and "snoozed until" in said(Result(edit.reply))


def test_a_check_mark_reaction_keeps_a_one_promise_reminder_once(
    way_in: Interactions, store: FakeStore
) -> None:
    recorded(way_in)
    posted_reminder(store, "C1:100", ours(store))
    assert not way_in.react(CTX, "C1:100", "👍", "ev1").edits
    assert [e.ref for e in way_in.react(CTX, "C1:100", "✅\ufe0f", "ev2").edits] == ["C1:100"]
    assert store.promises[ours(store)].status is PromiseStatus.KEPT
    assert way_in.react(CTX, "C1:100", "✅", "ev2").edits == ()


def test_a_form_is_saved_whole_or_comes_back_with_its_mistakes(
    way_in: Interactions, store: FakeStore
) -> None:
    bad = way_in.submit(CTX, Submission("acme", FormFields(code="no such code")))
    assert isinstance(bad.error, ParseError) and not store.touchpoints
    good = way_in.submit(CTX, Submission("acme", FormFields(our_promises="send quote by fri")))
    assert good.error is None and "Touchpoint recorded" in said(good)
    near = way_in.submit(CTX, Submission("acmee", FormFields(challenges="x")))
    assert isinstance(near.error, AmbiguousCustomer)


def test_a_bug_is_logged_with_an_id_and_answered_in_one_wording(
    way_in: Interactions, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, ctx: Context) -> Reply:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(way_in._commands, "run", broken)
    with caplog.at_level(logging.ERROR):
        result = way_in.text(CTX, "digest")
    assert result.error_id and f"error id {result.error_id}" in said(result)
    assert "database on fire" not in said(result)
    assert result.error_id in caplog.text and "database on fire" in caplog.text


def test_kept_for_several_promises_edits_the_reminders_showing_any_of_them(
    way_in: Interactions, store: FakeStore
) -> None:
    recorded(way_in)
    posted_reminder(store, "C1:100", ours(store))
    posted_reminder(store, "C1:300", theirs(store))
    result = typed(way_in, f"kept P{ours(store)} P{theirs(store)}")
    assert result.reply is not None and result.reply.title == "2 items updated"
    assert sorted(e.ref for e in result.edits) == ["C1:100", "C1:300"]


def test_only_the_first_channel_recorded_from_becomes_the_team_channel(
    way_in: Interactions, store: FakeStore
) -> None:
    first = way_in.submit(CTX, Submission("acme", FormFields(challenges="slow internet")))
    elsewhere = Context(TEAM, "U2", "C2", "Test")
    later = way_in.submit(elsewhere, Submission("acme", FormFields(challenges="billing")))
    assert "This channel is now the team channel" in said(first)
    assert "Touchpoint recorded" in said(later)
    assert "team channel" not in said(later)
    assert store.teams[TEAM].channel == "C1"
