"""The bounded digest on SQLite and PostgreSQL: each list shows its first items in order,
and the counts of the rest are exact, whatever the team's size; other teams' rows never
appear."""

from __future__ import annotations

from datetime import timedelta

from bot.core import digest_content, queries
from bot.core.clock import ManualClock
from bot.core.model import Direction
from bot.core.replies import Text

from .conftest import T0, Seed, UowFactory, at

TEAM, OTHER = "slack:T1", "slack:T2"
CUSTOMERS = 14  # customer n has n + 1 open challenges, raised from hour -n on


def seed_big_team(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team(TEAM, timezone="UTC", area_owners={"billing": "U9"})
    seed.team(OTHER, timezone="UTC")
    passed = []
    for n in range(CUSTOMERS):
        customer = seed.customer(TEAM, f"customer {n:02}")
        raised = seed.touchpoint(
            customer,
            at(-24 - n),  # customer 13 has the oldest challenge
            challenges=tuple(f"c{n}.{i}" for i in range(n + 1)),
        )
        passed += raised.challenges[:1]
    acme = seed.customer(TEAM, "acme")
    overdue = tuple((f"late {i}", T0 - timedelta(days=1, minutes=i)) for i in range(13))
    today = tuple((f"today {i}", T0 + timedelta(minutes=i)) for i in range(12))
    seed.touchpoint(acme, at(-48), promises=overdue + today)
    theirs = tuple((f"theirs {i}", T0 + timedelta(hours=i - 5)) for i in range(11))
    seed.touchpoint(acme, at(-48), promises=theirs, direction=Direction.THEIRS)
    seed.touchpoint(acme, at(-48), promises=(("no date", None),))  # never in the digest
    intruder = seed.customer(OTHER, "intruder")
    seed.touchpoint(
        intruder, at(-500), challenges=("not yours",), promises=(("not yours", at(-30)),)
    )
    with uow_factory() as uow:
        for challenge in passed[:7]:
            challenge.pass_on("billing", "U1", at(-1))
            uow.challenges.save(challenge)
        uow.commit()


def test_each_list_shows_its_first_items_and_counts_the_rest(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed_big_team(seed, uow_factory)
    digest = queries.digest(TEAM, uow=uow_factory(), clock=ManualClock(T0))

    assert [p.text for p in digest.ours_overdue.items] == [f"late {i}" for i in range(12, 2, -1)]
    assert digest.ours_overdue.total == 13 and digest.ours_overdue.more == 3
    assert [p.text for p in digest.ours_due_today.items] == [f"today {i}" for i in range(10)]
    assert digest.ours_due_today.total == 12
    assert [p.text for p in digest.theirs_due.items] == [f"theirs {i}" for i in range(10)]
    assert digest.theirs_due.total == 11

    # Everything was raised since Friday's digest: new, the oldest raised first.
    assert digest.new_challenges.total == sum(n + 1 for n in range(CUSTOMERS))
    assert [c.text for c in digest.new_challenges.items] == [f"c13.{i}" for i in range(10)]
    assert [c.text for c in digest.oldest] == ["c13.10", "c13.11", "c13.12"]  # not listed
    assert digest.open_challenges == sum(n + 1 for n in range(CUSTOMERS))
    assert digest.customers_with_open == CUSTOMERS

    [billing] = digest.passed_on
    assert (billing.area, billing.owner, billing.total) == ("billing", "U9", 7)
    assert [c.text for c in billing.challenges] == [f"c{n}.0" for n in range(6, 1, -1)]

    everything = [
        *digest.ours_overdue.items,
        *digest.ours_due_today.items,
        *digest.theirs_due.items,
        *digest.new_challenges.items,
        *digest.oldest,
        *billing.challenges,
    ]
    assert {item.team_id for item in everything} == {TEAM}

    tuesday = queries.digest(TEAM, uow=uow_factory(), clock=ManualClock(T0 + timedelta(days=1)))
    assert tuesday.new_challenges.total == 0  # all were in Monday's
    assert [c.text for c in tuesday.oldest] == ["c13.0", "c13.1", "c13.2"]


def test_the_reply_says_how_many_more_and_where_to_see_them(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed_big_team(seed, uow_factory)
    reply = digest_content.digest(queries.digest(TEAM, uow=uow_factory(), clock=ManualClock(T0)))
    assert reply is not None
    texts = {
        section.heading: [
            "".join(s.text for s in line.spans if isinstance(s, Text)) for line in section.lines
        ]
        for section in reply.sections
    }
    assert texts["Our overdue promises"][-1] == "… and 3 more: `/touchpoint promises`"
    assert texts["Our promises due today"][-1] == "… and 2 more: `/touchpoint promises`"
    assert texts["Their promises to follow up"][-1] == "… and 1 more: `/touchpoint promises`"
    new, area, count = texts[None]
    # (the references are Strong spans, not in these texts)
    assert new.startswith("New challenges since the last digest (105): customer 13:  c13.0,")
    assert new.endswith(" c13.9 · … and 95 more")
    assert area.startswith("Passed on to billing (7), owner") and area.endswith("and 2 more")
    assert count.startswith(
        "Open: 105 challenges at 14 customers (`/touchpoint challenges`); waiting longest:"
    )
    # the area's owner, then the owner of the promises due (the digest carries their reminders)
    assert reply.mentions == ("U9", "U1")


def test_a_team_with_nothing_open_or_due_gets_no_digest(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed_big_team(seed, uow_factory)
    seed.team("slack:T3", timezone="UTC")
    digest = queries.digest("slack:T3", uow=uow_factory(), clock=ManualClock(T0))
    assert digest.is_empty() and digest_content.digest(digest) is None
