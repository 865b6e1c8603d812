"""The paged customer record on SQLite and PostgreSQL: the counts, the windows of each list
in their order, and every page together holding every item exactly once."""

from __future__ import annotations

from bot.core.clock import ManualClock
from bot.core.model import ChallengeStatus, Customer, Direction, PromiseStatus
from bot.core.ports import Window
from bot.core.record_view import customer_record
from tests.records import every_page, make_long_record

from .conftest import T0, Seed, UowFactory, at


def acme_and_beta(seed: Seed) -> tuple[Customer, Customer]:
    """Two customers of team t1."""
    seed.team("t1")
    return seed.customer("t1", "Acme"), seed.customer("t1", "Beta")


def test_challenge_windows_are_open_oldest_first_and_addressed_newest_first(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.team("t2")
    acme, beta = seed.customer("t1", "Acme"), seed.customer("t1", "Beta")
    other_team = seed.customer("t2", "Acme")
    assert acme.id is not None
    # Raised out of id order: the windows follow the time raised.
    items = {
        text: seed.touchpoint(acme, at(hour), challenges=(text,)).challenges[0]
        for text, hour in (("c3", 3), ("c1", 1), ("c5", 5), ("c2", 2), ("c4", 4), ("c6", 6))
    }
    seed.touchpoint(beta, at(0), challenges=("beta's",))
    seed.touchpoint(other_team, at(0), challenges=("other team's",))
    items["c2"].pass_on("billing", "U1", at(7))  # passed on is still open
    for text in ("c1", "c3", "c6"):
        items[text].address("U2", at(8))
    with uow_factory() as uow:
        for challenge in items.values():
            uow.challenges.save(challenge)
        uow.commit()
    with uow_factory() as uow:
        tally = uow.challenges.tally_for_customer("t1", acme.id)
        opened, addressed = uow.challenges.page_for_customer(
            "t1", acme.id, Window(0, 10), Window(0, 10)
        )
        second_open, second_addressed = uow.challenges.page_for_customer(
            "t1", acme.id, Window(1, 1), Window(1, 1)
        )
        nothing = uow.challenges.page_for_customer("t1", acme.id, Window(3, 0), Window(0, 0))
    assert tally == {
        ChallengeStatus.OPEN: 2,
        ChallengeStatus.PASSED_ON: 1,
        ChallengeStatus.ADDRESSED: 3,
    }
    assert [c.text for c in opened] == ["c2", "c4", "c5"]
    assert [c.text for c in addressed] == ["c6", "c3", "c1"]
    assert [c.text for c in second_open] == ["c4"] and [c.text for c in second_addressed] == ["c3"]
    assert nothing == ([], [])
    assert [e.action for e in opened[0].history] == ["passed_on"]
    assert [(e.action, e.actor) for e in addressed[0].history] == [("addressed", "U2")]


def test_promise_windows_per_direction_open_oldest_first_settled_newest_first(
    seed: Seed, uow_factory: UowFactory
) -> None:
    acme, beta = acme_and_beta(seed)
    assert acme.id is not None
    ours = {
        text: seed.touchpoint(acme, at(hour), promises=((text, at(48)),)).promises[0]
        for text, hour in (("o2", 2), ("o1", 1), ("o3", 3), ("o4", 4))
    }
    theirs = {
        text: seed.touchpoint(
            acme, at(hour), promises=((text, None),), direction=Direction.THEIRS
        ).promises[0]
        for text, hour in (("t1", 1), ("t2", 2))
    }
    seed.touchpoint(beta, at(0), promises=(("beta's", None),))
    ours["o1"].keep("U2", at(5))
    ours["o2"].not_keep("U2", at(5))
    ours["o3"].cancel("U2", at(5))
    theirs["t1"].keep("U3", at(6))
    with uow_factory() as uow:
        for promise in [*ours.values(), *theirs.values()]:
            uow.promises.save(promise)
        uow.commit()
    windows = {
        (Direction.OURS, True): Window(0, 5),
        (Direction.OURS, False): Window(0, 5),
        (Direction.THEIRS, True): Window(0, 5),
        (Direction.THEIRS, False): Window(0, 0),  # asked for, but none wanted
    }
    with uow_factory() as uow:
        tally = uow.promises.tally_for_customer("t1", acme.id)
        found = uow.promises.page_for_customer("t1", acme.id, windows)
        skipped = uow.promises.page_for_customer(
            "t1", acme.id, {(Direction.OURS, False): Window(1, 5)}
        )
    assert tally == {
        (Direction.OURS, PromiseStatus.OPEN): 1,
        (Direction.OURS, PromiseStatus.KEPT): 1,
        (Direction.OURS, PromiseStatus.NOT_KEPT): 1,
        (Direction.OURS, PromiseStatus.CANCELLED): 1,
        (Direction.THEIRS, PromiseStatus.OPEN): 1,
        (Direction.THEIRS, PromiseStatus.KEPT): 1,
    }
    texts = {key: [p.text for p in items] for key, items in found.items()}
    assert texts == {
        (Direction.OURS, True): ["o4"],
        (Direction.OURS, False): ["o3", "o2", "o1"],  # newest made first
        (Direction.THEIRS, True): ["t2"],
        (Direction.THEIRS, False): [],
    }
    assert [p.text for p in skipped[(Direction.OURS, False)]] == ["o2", "o1"]
    assert [e.action for e in found[(Direction.OURS, False)][0].history] == ["cancelled"]


def test_recent_touchpoints_skip_the_newest_given_an_offset(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme")
    assert acme.id is not None
    made = [seed.touchpoint(acme, at(hour), author=f"U{hour}") for hour in range(6)]
    with uow_factory() as uow:
        middle = uow.touchpoints.recent_for_customer("t1", acme.id, limit=2, offset=2)
        past_the_end = uow.touchpoints.recent_for_customer("t1", acme.id, limit=5, offset=6)
    assert [t.id for t in middle] == [made[3].id, made[2].id]
    assert past_the_end == []


def test_every_page_of_a_long_record_together_shows_every_item_once(
    uow_factory: UowFactory,
) -> None:
    clock = ManualClock(T0)
    made = make_long_record(uow_factory, clock, "slack:T1")
    pages = every_page(uow_factory, clock, "slack:T1")
    assert len(pages) == 4
    first = pages[0]
    assert [c.id for c in first.open_challenges.items] == made.challenges[30:]
    assert [c.id for c in first.addressed_challenges.items] == made.challenges[25:30][::-1]
    assert sorted(c.id or 0 for p in pages for c in p.challenges) == sorted(made.challenges)
    assert sorted(p.id or 0 for pg in pages for p in pg.promises) == sorted(made.ours + made.theirs)
    assert [t.id for p in pages for t in p.recent] == made.touchpoints[::-1]
    assert all(
        c.status is ChallengeStatus.ADDRESSED and c.history
        for p in pages
        for c in p.addressed_challenges.items
    )
    last = customer_record(pages[-1])
    shown = "\n".join(
        "".join(getattr(span, "text", "") for span in line.spans)
        for section in last.sections
        for line in section.lines
    )
    assert "problem 00 — addressed" in shown and "Page 4 of 4" in shown


def test_open_items_for_comparison_come_oldest_first_without_histories(
    seed: Seed, uow_factory: UowFactory
) -> None:
    acme, beta = acme_and_beta(seed)
    assert acme.id is not None
    for hour in (3, 1, 2):
        seed.touchpoint(acme, at(hour), challenges=(f"c{hour}",), promises=((f"p{hour}", None),))
    seed.touchpoint(acme, at(4), promises=(("theirs", None),), direction=Direction.THEIRS)
    seed.touchpoint(beta, at(0), challenges=("beta's",), promises=(("beta's", None),))
    kept = seed.touchpoint(acme, at(0), challenges=("done",), promises=(("kept", None),))
    kept.challenges[0].address("U2", at(5))
    kept.promises[0].keep("U2", at(5))
    with uow_factory() as uow:
        uow.challenges.save(kept.challenges[0])
        uow.promises.save(kept.promises[0])
        uow.commit()
    with uow_factory() as uow:
        challenges = uow.challenges.open_for_team("t1", acme.id, limit=2, with_history=False)
        ours = uow.promises.open_for_customer("t1", acme.id, Direction.OURS, 200)
        theirs = uow.promises.open_for_customer("t1", acme.id, Direction.THEIRS, 200)
        first_two = uow.promises.open_for_customer("t1", acme.id, Direction.OURS, 2)
    assert [c.text for c in challenges] == ["c1", "c2"]
    assert [p.text for p in ours] == ["p1", "p2", "p3"]
    assert [p.text for p in theirs] == ["theirs"]
    assert [p.text for p in first_two] == ["p1", "p2"]
    assert all(item.history == [] for item in [*challenges, *ours, *theirs])
