from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.core.model import Challenge, Direction, Kind, Promise, PromiseStatus, parse_kind, slugify

T0 = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)


def promise(**kw: object) -> Promise:
    base: dict[str, object] = dict(
        team_id="t",
        customer_id=1,
        direction=Direction.OURS,
        text="send quote",
        owner="U1",
        made_by="U1",
        made_at=T0,
        due_at=T0 + timedelta(days=1),
        id=5,
    )
    base.update(kw)
    return Promise(**base)  # type: ignore[arg-type]


def test_a_new_promise_is_reminded_at_its_due_date() -> None:
    assert promise().remind_at == T0 + timedelta(days=1)
    assert promise(due_at=None).remind_at is None


def test_settling_twice_is_refused_and_the_first_settlement_stands() -> None:
    p = promise()
    p.keep("U2", T0)
    with pytest.raises(UserError, match="already kept by U2"):
        p.cancel("U3", T0)
    assert p.status is PromiseStatus.KEPT and [e.action for e in p.history] == ["kept"]


def test_a_reopened_promise_is_reminded_again() -> None:
    p = promise()
    p.not_keep("U2", T0)
    p.reopen("U2", T0 + timedelta(days=3))
    assert p.is_open and p.remind_at == T0 + timedelta(days=3)


def test_snooze_into_the_past_is_refused() -> None:
    with pytest.raises(UserError):
        promise().snooze(T0 - timedelta(minutes=1), "U1", T0)


def test_a_challenge_age_counts_from_its_last_reopening() -> None:
    c = Challenge("t", 1, "slow internet", "U1", T0, id=3)
    c.address("U2", T0 + timedelta(days=1))
    c.reopen("U3", T0 + timedelta(days=2))
    assert c.opened_at() == T0 + timedelta(days=2) and c.is_open


def test_an_addressed_challenge_cannot_be_passed_on_until_reopened() -> None:
    c = Challenge("t", 1, "slow internet", "U1", T0, id=3)
    c.address("U2", T0)
    with pytest.raises(UserError, match="reopen it"):
        c.pass_on("billing", "U2", T0)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Acme Corp.", "acme-corp"), ("Café Müller", "cafe-muller"), ("  ACME  ", "acme")],
)
def test_slugs_fold_case_accents_and_punctuation(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_names_without_latin_letters_still_get_a_stable_slug() -> None:
    assert slugify("東京") == slugify("東京") and slugify("東京") != slugify("大阪")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("call", Kind.CALL), ("Video Call", Kind.VIDEO), ("email in", Kind.EMAIL_IN), ("tea", None)],
)
def test_kinds_are_read_with_their_aliases(text: str, kind: Kind | None) -> None:
    assert parse_kind(text) is kind
