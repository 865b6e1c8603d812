"""A batch's digests and reminders read together (one query per kind for all its teams)
say exactly what each reads alone says, on SQLite and PostgreSQL, on generated teams:
several time zones, owned areas, lists longer than a digest shows, aliases, differences,
teams with nothing at all and a team that is not set up."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.core import digest_batch, digest_content, queries, reminders
from bot.core.clock import ManualClock
from bot.core.delivery import Delivery, DeliveryKind
from bot.core.model import Direction, Team

from .conftest import T0, Seed, UowFactory, at

ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")
TEAMS = [f"slack:T{n}" for n in range(10)]
MISSING = "slack:TGONE"


def seed_teams(seed: Seed, uow_factory: UowFactory) -> dict[str, list[int]]:
    """Ten teams of random shape; returns each team's promise ids."""
    rng = random.Random(7)
    promise_ids: dict[str, list[int]] = {}
    for n, team_id in enumerate(TEAMS):
        areas = {"billing": "U9", "support": "U8"} if n % 3 == 0 else {}
        seed.team(team_id, timezone=ZONES[n % len(ZONES)], area_owners=areas)
        promise_ids[team_id] = []
        if n == 9:
            continue  # a team with nothing: an empty digest
        for c in range(rng.randint(1, 4)):
            aliases = (f"alias {n}.{c}",) if c % 2 else ()
            customer = seed.customer(team_id, f"customer {n}.{c}", *aliases)
            for _ in range(rng.randint(1, 3)):
                touchpoint = seed.touchpoint(
                    customer,
                    at(-rng.randint(0, 96)),
                    challenges=tuple(f"c{n}.{c}.{i}" for i in range(rng.randint(0, 7))),
                    promises=tuple(
                        (f"p{n}.{c}.{i}", at(rng.randint(-72, 40)))
                        for i in range(rng.randint(0, 9))
                    ),
                    direction=rng.choice(list(Direction)),
                    difference=rng.choice([None, f"faster {n}.{c}"]),
                )
                promise_ids[team_id] += [p.id for p in touchpoint.promises if p.id]
                if areas:
                    with uow_factory() as uow:
                        for challenge in touchpoint.challenges[::2]:
                            challenge.pass_on(rng.choice(list(areas)), "U1", at(-1))
                            uow.challenges.save(challenge)
                        uow.commit()
    return promise_ids


def test_batched_digests_equal_each_team_read_alone(seed: Seed, uow_factory: UowFactory) -> None:
    seed_teams(seed, uow_factory)
    clock = ManualClock(T0 + timedelta(hours=2))
    days = {t: queries.local_today(seed_team, clock.now()) for t, seed_team in _teams(uow_factory)}
    wanted = [*days.items(), (TEAMS[0], days[TEAMS[0]] - timedelta(days=1)), (MISSING, T0.date())]

    batched = digest_batch.digests(wanted, uow=uow_factory(), clock=clock)

    assert set(batched) == set(wanted) - {(MISSING, T0.date())}
    for (team_id, day), digest in batched.items():
        alone = queries.digest(team_id, day, uow=uow_factory(), clock=clock)
        assert digest == alone
        assert digest_content.digest(digest) == digest_content.digest(alone)
    assert any(d.ours_overdue.more or d.theirs_due.more for d in batched.values())
    assert any(d.passed_on for d in batched.values())
    assert any(d.new_challenges.total for d in batched.values())


def test_batched_reminders_equal_each_prepared_alone(seed: Seed, uow_factory: UowFactory) -> None:
    promise_ids = seed_teams(seed, uow_factory)
    clock = ManualClock(T0 + timedelta(hours=2))
    batch = [
        Delivery(team_id, kind, f"{kind}:{team_id}", "C1", T0, promise_ids=tuple(ids[i::2]))
        for team_id, ids in [*promise_ids.items(), (MISSING, [1, 2])]
        for i, kind in enumerate((DeliveryKind.REMINDER, DeliveryKind.NUDGE))
    ]
    batch.append(Delivery(TEAMS[1], DeliveryKind.DIGEST, "d", "C1", T0, day=T0.date().isoformat()))
    # Another team's promise ids are not found in a batch either.
    batch.append(
        Delivery(
            TEAMS[2], DeliveryKind.REMINDER, "x", "C1", T0, promise_ids=tuple(promise_ids[TEAMS[3]])
        )
    )

    together = reminders.prepare_many(batch, uow=uow_factory(), clock=clock)

    alone = [reminders.prepare(d, uow=uow_factory(), clock=clock) for d in batch]
    assert together == alone
    assert sum(p.message is not None for p in alone if isinstance(p, reminders.Prepared)) > 10


def _teams(uow_factory: UowFactory) -> list[tuple[str, Team]]:
    with uow_factory() as uow:
        return list(uow.teams.get_many(TEAMS).items())


def test_a_day_asked_for_twice_is_read_once(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team(TEAMS[0], timezone="UTC")
    day = date(2026, 3, 2)
    found = digest_batch.digests([(TEAMS[0], day)] * 2, uow=uow_factory(), clock=ManualClock(T0))
    assert list(found) == [(TEAMS[0], day)]
