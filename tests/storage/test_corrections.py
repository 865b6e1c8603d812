"""Deleting a touchpoint and finding someone's last change, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.core.delivery import Delivery, DeliveryKind

from .conftest import Seed, UowFactory, at


def test_deleting_a_touchpoint_removes_its_items_histories_and_reminder_links(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    kept = seed.touchpoint(acme, challenges=("slow",), promises=(("send quote", at(48)),))
    twin = seed.touchpoint(acme, challenges=("slow",), promises=(("send quote", at(48)),))
    assert twin.id is not None and kept.id is not None
    with uow_factory() as uow:
        promise = uow.promises.get("t1", twin.promises[0].id or 0)
        assert promise is not None
        promise.keep("U1", at(1), "done")
        uow.promises.save(promise)
        uow.deliveries.add_if_absent(
            Delivery(
                team_id="t1",
                kind=DeliveryKind.REMINDER,
                key="reminder:twin",
                channel="C1",
                due_at=at(48),
                created_at=at(1),
                promise_ids=(promise.id or 0,),
            )
        )
        uow.commit()
    with uow_factory() as uow:
        assert not uow.touchpoints.delete("t2", twin.id)  # another team's number: nothing
        assert uow.touchpoints.delete("t1", twin.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.touchpoints.get("t1", twin.id) is None
        assert uow.touchpoints.get("t1", kept.id) is not None
        assert [c.text for c in uow.challenges.for_customer("t1", acme.id or 0)] == ["slow"]
        assert len(uow.promises.for_customer("t1", acme.id or 0)) == 1
        assert uow.deliveries.by_key("reminder:twin") is not None


def test_the_last_change_by_someone_is_found_within_the_team_and_the_window(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    acme = seed.customer("t1", "Acme")
    other = seed.customer("t2", "Other")
    first = seed.touchpoint(acme, challenges=("slow", "billing"))
    theirs = seed.touchpoint(other, challenges=("outage",))
    with uow_factory() as uow:
        for challenge, when in ((first.challenges[0], 1), (first.challenges[1], 2)):
            loaded = uow.challenges.get("t1", challenge.id or 0)
            assert loaded is not None
            loaded.address("U1", at(when))
            uow.challenges.save(loaded)
        foreign = uow.challenges.get("t2", theirs.challenges[0].id or 0)
        assert foreign is not None
        foreign.address("U1", at(3))
        uow.challenges.save(foreign)
        uow.commit()
    with uow_factory() as uow:
        last = uow.challenges.last_change_by("t1", "U1", at(0))
        assert last is not None and last.item_ids == (first.challenges[1].id,)
        assert last.at == at(2)
        assert uow.challenges.last_change_by("t1", "U1", at(2.5)) is None
        assert uow.challenges.last_change_by("t1", "U2", at(0)) is None
        assert uow.promises.last_change_by("t1", "U1", at(0)) is None


def test_undoing_a_due_date_change_restores_the_stored_date_and_reminder_plan(
    seed: Seed, uow_factory: UowFactory
) -> None:
    from datetime import timedelta

    from bot.core import corrections, services
    from bot.core.clock import ManualClock

    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    made = seed.touchpoint(acme, promises=(("send quote", at(48)),))
    pid = made.promises[0].id or 0
    clock = ManualClock(at(1))
    services.reschedule_promise("t1", pid, "in 2 weeks", "U1", uow=uow_factory(), clock=clock)
    with uow_factory() as uow:
        moved = uow.promises.get("t1", pid)
        assert moved is not None and moved.due_at != at(48)
        assert moved.history[-1].previous  # the old date, stored with the change
    clock.advance(timedelta(minutes=5))
    undone = corrections.undo_last("t1", "U1", uow=uow_factory(), clock=clock)
    assert [c.action for c in undone.changes] == ["rescheduled"]
    with uow_factory() as uow:
        back = uow.promises.get("t1", pid)
        assert back is not None
        assert (back.due_at, back.keep_by, back.remind_at) == (at(48), at(48), at(48))
        assert [e.action for e in back.history] == ["rescheduled", "undone"]


def test_an_edit_is_saved_in_place_kept_and_undone_on_both_databases(
    seed: Seed, uow_factory: UowFactory
) -> None:
    from datetime import timedelta

    from bot.core import corrections, revisions, services
    from bot.core.clock import ManualClock

    seed.team("t1")
    clock = ManualClock(at(1))
    recorded = services.record_quick_entry(
        "t1",
        "U1",
        "acme call | ch: slow; billing | we: send quote by fri | with: Jane (CFO) | csat: 2",
        uow=uow_factory(),
        clock=clock,
    )
    number = recorded.touchpoint.id or 0
    (quote,) = recorded.touchpoint.promises
    clock.advance(timedelta(minutes=1))
    edited = revisions.edit_by_text(
        "t1",
        number,
        "acme video | ch: billing; outage | we: send quote by next wed 3pm | csat: 4",
        "U2",
        uow=uow_factory(),
        clock=clock,
    )
    assert edited.recorded.touchpoint.id == number
    with uow_factory() as uow:
        tp = uow.touchpoints.get("t1", number)
        assert tp is not None
        assert (tp.kind.value, tp.satisfaction, tp.contacts) == ("video", 4, ())
        assert sorted(c.text for c in tp.challenges) == ["billing", "outage"]
        assert [(p.id, p.history[-1].action) for p in tp.promises] == [(quote.id, "rescheduled")]
        (edit,) = uow.touchpoints.edits_of("t1", number)
        assert (edit.actor, edit.undone_at) == ("U2", None)
        assert uow.touchpoints.last_edit_by("t1", "U2", at(0)) == edit
        assert uow.touchpoints.last_edits("t1", [number, number + 99]) == {number: edit}
        assert uow.touchpoints.last_edit_by("t1", "U1", at(0)) is None
    clock.advance(timedelta(minutes=1))
    undone = corrections.undo_last("t1", "U2", uow=uow_factory(), clock=clock)
    assert undone.edited is not None and [c.action for c in undone.changes] == ["rescheduled"]
    with uow_factory() as uow:
        tp = uow.touchpoints.get("t1", number)
        assert tp is not None
        assert (tp.kind.value, tp.satisfaction) == ("call", 2)
        assert [str(c) for c in tp.contacts] == ["Jane (CFO)"]
        assert sorted(c.text for c in tp.challenges) == ["billing", "slow"]
        assert [p.due_at for p in tp.promises] == [quote.due_at]
        (edit,) = uow.touchpoints.edits_of("t1", number)
        assert edit.undone_at == clock.now()
        assert uow.touchpoints.last_edits("t1", [number]) == {}
