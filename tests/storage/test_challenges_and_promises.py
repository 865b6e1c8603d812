from __future__ import annotations

from sqlalchemy import Engine, func, select

from bot.core.model import ChallengeStatus, Direction, Event, PromiseStatus
from bot.storage.orm import ChallengeEventRow, PromiseEventRow

from .conftest import Seed, UowFactory, at


def _count(engine: Engine, table: type[ChallengeEventRow] | type[PromiseEventRow]) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_saving_a_challenge_appends_to_its_history_instead_of_overwriting_it(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    seed.team("t1")
    (challenge,) = seed.touchpoint(seed.customer("t1", "Acme"), challenges=("outage",)).challenges
    assert challenge.id is not None
    with uow_factory() as uow:
        loaded = uow.challenges.get("t1", challenge.id)
        assert loaded is not None
        loaded.address("U1", at(1), "fixed")
        uow.challenges.save(loaded)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.challenges.get("t1", challenge.id)
        assert loaded is not None
        loaded.reopen("U2", at(2))
        uow.challenges.save(loaded)
        uow.challenges.save(loaded)  # a second save adds nothing
        uow.commit()
    with uow_factory() as uow:
        stored = uow.challenges.get("t1", challenge.id)
    assert stored is not None
    assert stored.status is ChallengeStatus.OPEN
    assert stored.history == [
        Event(at(1), "U1", "addressed", "fixed"),
        Event(at(2), "U2", "reopened", ""),
    ]
    assert _count(engine, ChallengeEventRow) == 2


def test_an_item_changed_in_a_later_unit_of_work_stores_only_its_new_events(
    seed: Seed, uow_factory: UowFactory, engine: Engine
) -> None:
    seed.team("t1")
    (promise,) = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("quote", at(24)),)
    ).promises
    promise.snooze(at(30), "U1", at(1))
    with uow_factory() as uow:
        uow.promises.save(promise)
        uow.commit()
    promise.keep("U1", at(2))  # the same object, saved again by a new unit of work
    for _ in range(2):
        with uow_factory() as uow:
            uow.promises.save(promise)
            uow.commit()
    assert promise.id is not None
    with uow_factory() as uow:
        stored = uow.promises.get("t1", promise.id)
    assert stored == promise
    assert [e.action for e in stored.history] == ["snoozed", "kept"]
    assert _count(engine, PromiseEventRow) == 2


def test_a_saved_change_is_visible_within_the_same_unit_of_work(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    (challenge,) = seed.touchpoint(seed.customer("t1", "Acme"), challenges=("x",)).challenges
    assert challenge.id is not None
    with uow_factory() as uow:
        loaded = uow.challenges.get("t1", challenge.id)
        assert loaded is not None
        loaded.pass_on("billing", "U1", at(1))
        uow.challenges.save(loaded)
        again = uow.challenges.get("t1", challenge.id)
    assert again == loaded
    assert again.passed_to == "billing"


def test_saving_a_promise_keeps_its_dates_and_reminder_state(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    (promise,) = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("quote", at(24)),)
    ).promises
    assert promise.id is not None
    promise.reminders_sent = 2
    promise.reschedule(at(72), "U1", at(1))
    promise.remind_at = None  # e.g. the reminder engine has nothing pending
    with uow_factory() as uow:
        uow.promises.save(promise)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.promises.get("t1", promise.id)
    assert stored is not None
    assert (stored.due_at, stored.remind_at, stored.reminders_sent) == (at(72), None, 0)


def test_a_stored_promise_without_a_pending_reminder_is_read_back_without_one(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    (promise,) = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("quote", at(24)),)
    ).promises
    assert promise.id is not None and promise.history == []
    promise.remind_at = None
    with uow_factory() as uow:
        uow.promises.save(promise)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.promises.get("t1", promise.id)
    assert stored is not None and stored.remind_at is None  # not re-derived from due_at


def test_for_customer_lists_every_item_oldest_first_with_history(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    assert acme.id is not None
    later = seed.touchpoint(acme, at(5), challenges=("later",), promises=(("later", None),))
    earlier = seed.touchpoint(acme, at(1), challenges=("earlier",), promises=(("earlier", None),))
    settled = earlier.promises[0]
    settled.cancel("U1", at(6))
    with uow_factory() as uow:
        uow.promises.save(settled)
        uow.commit()
    with uow_factory() as uow:
        challenges = uow.challenges.for_customer("t1", acme.id)
        promises = uow.promises.for_customer("t1", acme.id)
    assert [c.text for c in challenges] == ["earlier", "later"]
    assert [p.text for p in promises] == ["earlier", "later"]
    assert promises[0].history == settled.history
    assert later.promises[0] == promises[1]


def test_open_challenges_are_open_or_passed_on_oldest_raised_first(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme, beta = seed.customer("t1", "Acme"), seed.customer("t1", "Beta")
    assert acme.id and beta.id
    seed.touchpoint(acme, at(3), challenges=("third",))
    seed.touchpoint(beta, at(1), challenges=("first",))
    (c2,) = seed.touchpoint(acme, at(2), challenges=("second",)).challenges
    (done,) = seed.touchpoint(acme, at(0), challenges=("done",)).challenges
    c2.pass_on("billing", "U1", at(4))
    done.address("U1", at(4))
    with uow_factory() as uow:
        uow.challenges.save(c2)
        uow.challenges.save(done)
        uow.commit()
    with uow_factory() as uow:
        assert [c.text for c in uow.challenges.open_for_team("t1")] == ["first", "second", "third"]
        assert [c.text for c in uow.challenges.open_for_team("t1", acme.id)] == ["second", "third"]
        assert [c.text for c in uow.challenges.open_for_team("t1", limit=1)] == ["first"]


def test_open_promises_come_soonest_due_first_and_undated_last(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    ours = seed.touchpoint(
        acme, promises=(("undated", None), ("friday", at(96)), ("tomorrow", at(24)))
    ).promises
    seed.touchpoint(acme, promises=(("theirs", at(48)),), direction=Direction.THEIRS, author="U2")
    kept = seed.touchpoint(acme, promises=(("kept", at(1)),)).promises[0]
    kept.keep("U1", at(2))
    with uow_factory() as uow:
        uow.promises.save(kept)
        uow.commit()
    with uow_factory() as uow:
        texts = lambda promises: [p.text for p in promises]  # noqa: E731
        assert texts(uow.promises.open_for_team("t1")) == [
            "tomorrow",
            "theirs",
            "friday",
            "undated",
        ]
        assert texts(uow.promises.open_for_team("t1", owner="U2")) == ["theirs"]
        assert texts(uow.promises.open_for_team("t1", direction=Direction.OURS)) == [
            "tomorrow",
            "friday",
            "undated",
        ]
        # due_before is exclusive and leaves undated promises out
        assert texts(uow.promises.open_for_team("t1", due_before=at(48))) == ["tomorrow"]
    assert ours[0].status is PromiseStatus.OPEN


def test_due_for_reminder_returns_open_promises_of_every_team_earliest_first(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    acme, other = seed.customer("t1", "Acme"), seed.customer("t2", "Other")
    seed.touchpoint(acme, promises=(("b", at(2)), ("future", at(10)), ("undated", None)))
    seed.touchpoint(other, promises=(("a", at(1)), ("c", at(3))))
    (snoozed,) = seed.touchpoint(acme, promises=(("snoozed", at(0.5)),)).promises
    (settled,) = seed.touchpoint(acme, promises=(("settled", at(0.1)),)).promises
    snoozed.snooze(at(9), "U1", at(0))
    settled.cancel("U1", at(0))
    with uow_factory() as uow:
        uow.promises.save(snoozed)
        uow.promises.save(settled)
        uow.commit()
    with uow_factory() as uow:
        due = uow.promises.due_for_reminder(at(3))
        first_two = uow.promises.due_for_reminder(at(5), limit=2)
    assert [p.text for p in due] == ["a", "b", "c"]  # due exactly now counts
    assert {p.team_id for p in due} == {"t1", "t2"}
    assert [p.text for p in first_two] == ["a", "b"]


def test_advancing_reminders_moves_many_promises_at_once_without_history(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    a, b, settled = seed.touchpoint(
        seed.customer("t1", "Acme"), promises=(("a", at(1)), ("b", at(2)), ("settled", at(3)))
    ).promises
    settled.keep("U1", at(0))
    with uow_factory() as uow:
        uow.promises.save(settled)
        uow.commit()
    assert a.id and b.id and settled.id
    with uow_factory() as uow:
        uow.promises.advance_reminders([(a.id, at(25), 1), (b.id, None, 3), (settled.id, at(9), 1)])
        uow.promises.advance_reminders([])
        uow.commit()
    with uow_factory() as uow:
        stored = {p.text: p for p in uow.promises.for_customer("t1", a.customer_id)}
    assert (stored["a"].remind_at, stored["a"].reminders_sent) == (at(25), 1)
    assert (stored["b"].remind_at, stored["b"].reminders_sent) == (None, 3)
    assert (stored["settled"].remind_at, stored["settled"].reminders_sent) == (None, 0)
    assert stored["a"].history == stored["b"].history == []


def test_reads_after_a_bulk_reminder_update_see_the_new_values(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.touchpoint(seed.customer("t1", "Acme"), promises=(("a", at(1)),))
    with uow_factory() as uow:
        (due,) = uow.promises.due_for_reminder(at(2))
        assert due.id is not None
        uow.promises.advance_reminders([(due.id, at(26), 1)])
        again = uow.promises.get("t1", due.id)
    assert again is not None
    assert (again.remind_at, again.reminders_sent) == (at(26), 1)


def test_challenges_passed_to_an_area_in_another_spelling_join_it(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    tp = seed.touchpoint(seed.customer("t1", "Acme"), challenges=("a", "b", "c"))
    spellings = ("Billing  Team", "billing team", "Priya")
    for challenge, to in zip(tp.challenges, spellings, strict=True):
        challenge.pass_on(to, "U1", at(1))
        with uow_factory() as uow:
            uow.challenges.save(challenge)
            uow.commit()
    with uow_factory() as uow:
        assert uow.challenges.route_to_area("t1", "billing team") == 1
        uow.commit()
    with uow_factory() as uow:
        listed, total = uow.challenges.open_passed_to("t1", "billing team", 10)
    assert total == 2 and {c.text for c in listed} == {"a", "b"}
