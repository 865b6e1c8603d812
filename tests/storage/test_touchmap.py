"""The touchpoint map, contacts and NPS on SQLite and PostgreSQL, and the migration that
brings them to an existing database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.core import measures, queries, services, touchmap
from bot.core.clock import ManualClock
from bot.core.model import Kind
from bot.core.ports import UnitOfWork
from bot.core.services import TeamDefaults
from bot.storage.engine import make_engine
from bot.storage.migrate import upgrade
from tests.storage.conftest import T0, UowFactory

TEAM = "slack:T1"


def started(uow_factory: UowFactory) -> ManualClock:
    clock = ManualClock(T0)
    services.ensure_team(TEAM, "T", defaults=TeamDefaults(), uow=uow_factory(), clock=clock)
    return clock


def change(uow_factory: UowFactory, clock: ManualClock, command: str, user: str = "U1") -> None:
    touchmap.change_map(TEAM, command, user, can_manage=True, uow=uow_factory(), clock=clock)


def test_a_new_team_has_the_default_map_stored(uow_factory: UowFactory) -> None:
    started(uow_factory)
    tmap = touchmap.show_map(TEAM, uow=uow_factory())
    names = {e.name for e in tmap.entries}
    assert {"first invoice", "website visit", "field service visit"} <= names
    assert tmap.stages == ("pre-purchase", "purchase", "post-purchase")


def test_map_changes_notes_and_stages_are_stored(uow_factory: UowFactory) -> None:
    clock = started(uow_factory)
    change(uow_factory, clock, "stages pre-purchase, purchase, onboarding, post-purchase")
    change(uow_factory, clock, 'add "kick-off meeting" meeting onboarding truth @U7')
    change(uow_factory, clock, 'note "kick-off meeting" agenda sent too late', user="U2")
    clock.advance(timedelta(hours=1))
    change(uow_factory, clock, 'note "kick-off meeting" invite finance too', user="U3")
    change(uow_factory, clock, "retire review site")
    tmap = touchmap.show_map(TEAM, uow=uow_factory())
    assert tmap.stages == ("pre-purchase", "purchase", "onboarding", "post-purchase")
    (kickoff,) = [e for e in tmap.entries if e.name == "kick-off meeting"]
    assert (kickoff.channel, kickoff.stage, kickoff.moment_of_truth, kickoff.owner) == (
        Kind.MEETING,
        "onboarding",
        True,
        "U7",
    )
    assert [(n.author, n.text) for n in kickoff.notes] == [
        ("U2", "agenda sent too late"),
        ("U3", "invite finance too"),
    ]
    assert [e.name for e in tmap.retired] == ["review site"]
    # Times read back aware and in UTC, as written.
    assert kickoff.notes[1].at == clock.now() and kickoff.notes[1].at.tzinfo is not None
    assert tmap.retired[0].retired_at == clock.now()


def test_a_touchpoint_keeps_its_map_entry_nps_and_contacts(uow_factory: UowFactory) -> None:
    clock = started(uow_factory)
    recorded = services.record_quick_entry(
        TEAM,
        "U1",
        "acme | tp: first invoice | nps: 6 | ces: 7 | with: Jane Smith (CFO); Raj (IT)",
        uow=uow_factory(),
        clock=clock,
    )
    assert recorded.touchpoint.id is not None
    with uow_factory() as uow:
        stored = uow.touchpoints.get(TEAM, recorded.touchpoint.id)
    assert stored is not None
    assert recorded.map_entry is not None and stored.map_entry_id == recorded.map_entry.id
    assert (stored.kind, stored.stage, stored.promoter, stored.effort) == (
        Kind.EMAIL_OUT,
        "purchase",
        6,
        7,
    )
    assert [str(c) for c in stored.contacts] == ["Jane Smith (CFO)", "Raj (IT)"]
    clock.advance(timedelta(days=2))
    services.record_quick_entry(
        TEAM, "U1", "acme call | with: JANE SMITH | nps: 10", uow=uow_factory(), clock=clock
    )
    record = queries.customer_record(TEAM, "acme", uow=uow_factory(), clock=clock)
    assert [(str(c.contact), c.last_at, c.touchpoints) for c in record.contacts] == [
        ("JANE SMITH (CFO)", T0 + timedelta(days=2), 2),
        ("Raj (IT)", T0, 1),
    ]
    nps = measures.team_measures(TEAM, uow=uow_factory(), clock=clock).touchpoints.promoter
    assert nps is not None and (nps.promoters, nps.detractors, nps.score) == (1, 1, 0)


def test_migrating_an_existing_database_keeps_its_data_turns_ces_and_adds_the_map(
    empty_db_url: str,
) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine, "0004")
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    if engine.dialect.name == "sqlite":
        at = at.replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO teams (id, name, timezone, digest_time, day_start, digest_days,"
                " completion_codes, remind_overdue, created_at)"
                " VALUES ('t', 'T', 'UTC', '09:00', '09:00', '0', '[]', true, :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO customers (id, team_id, name, slug, created_at)"
                " VALUES (1, 't', 'Acme', 'acme', :at)"
            ),
            {"at": at},
        )
        for effort in (1, 2, None):
            connection.execute(
                text(
                    "INSERT INTO touchpoints (team_id, customer_id, author, occurred_at, kind,"
                    " notes, stage, effort) VALUES ('t', 1, 'U1', :at, 'call', '',"
                    " 'purchase', :effort)"
                ),
                {"at": at, "effort": effort},
            )
    upgrade(engine)
    with engine.connect() as connection:
        efforts = (
            connection.execute(text("SELECT effort FROM touchpoints ORDER BY id")).scalars().all()
        )
        entries = connection.execute(
            text("SELECT name, moment_of_truth FROM map_entries WHERE team_id = 't'")
        ).all()
        stages = connection.execute(text("SELECT stage FROM touchpoints")).scalars().all()
    engine.dispose()
    assert efforts == [7, 6, None]  # 1 "very easy" is now 7 "very easy"
    assert ("first invoice", True) in [(name, bool(truth)) for name, truth in entries]
    assert len(entries) == 9 and stages == ["purchase"] * 3


Factory = Callable[[], UnitOfWork]  # SQL or fake
SCRIPT = (
    "acme | tp: first invoice | ch: VAT missing; wrong address | we: fix VAT by tomorrow | "
    "nps: 3 | csat: 2",
    "globex | tp: first invoice | nps: 10 | ces: 6 | we: send credit note",
    "acme call | tp: sales call | stage: post | csat: 5 | ces: 7 | nps: 9",
    "initech visit | ch: noisy | they: send floor plan",
)


def play(factory: Factory, clock: ManualClock) -> None:
    """The same touchpoints, a promise kept, one late, a challenge addressed."""
    for line in SCRIPT:
        services.record_quick_entry(TEAM, "U1", line, uow=factory(), clock=clock)
        clock.advance(timedelta(hours=1))
    clock.advance(timedelta(days=2))
    services.settle_promise(
        TEAM, promise_id(factory, "fix VAT"), "kept", "U1", uow=factory(), clock=clock
    )
    services.change_challenge(
        TEAM, challenge_id(factory, "wrong address"), "addressed", "U1", uow=factory(), clock=clock
    )


def promise_id(factory: Factory, text: str) -> int:
    with factory() as uow:
        return next(p.id or 0 for p in uow.promises.open_for_team(TEAM) if p.text == text)


def challenge_id(factory: Factory, text: str) -> int:
    with factory() as uow:
        return next(c.id or 0 for c in uow.challenges.open_for_team(TEAM) if c.text == text)


def test_the_database_counts_places_as_the_measures_define(uow_factory: UowFactory) -> None:
    from tests.fakes import FakeStore, FakeUnitOfWork

    store = FakeStore()
    results = []
    factories: list[Factory] = [uow_factory, lambda: FakeUnitOfWork(store)]
    for factory in factories:
        clock = ManualClock(T0)
        services.ensure_team(TEAM, "T", defaults=TeamDefaults(), uow=factory(), clock=clock)
        play(factory, clock)
        now = clock.now()
        with factory() as uow:
            names = {e.id: e.name for e in uow.touchmap.entries(TEAM)}
            for by in ("entry", "stage"):
                week = now - timedelta(weeks=1)
                figures = uow.touchmap.figures(TEAM, by, week, now, now, state_since=week)
                results.append(
                    {names.get(k, k) if by == "entry" else k: v for k, v in figures.items()}
                )
    sql_entries, sql_stages, fake_entries, fake_stages = results
    assert sql_entries == fake_entries and sql_stages == fake_stages
    invoice = sql_entries["first invoice"]
    assert (invoice.touchpoints, invoice.promoters, invoice.detractors) == (2, 1, 1)
    assert (invoice.challenges_raised, invoice.challenges_open) == (2, 1)
    assert (invoice.promises.late, invoice.promises.counted) == (1, 1)  # kept 2 days late
    assert sql_stages["post-purchase"].effort_sum == 7


def test_the_second_step_adds_the_place_contacts_and_scores_to_a_saved_touchpoint(
    uow_factory: UowFactory,
) -> None:
    from bot.core import details
    from bot.core.drafts import FormFields

    clock = started(uow_factory)
    recorded = services.record_quick_entry(
        TEAM, "U1", "acme call | with: Raj | ch: slow", uow=uow_factory(), clock=clock
    )
    tid = recorded.touchpoint.id or 0
    fields = FormFields(contacts="raj\nJane Smith (CFO)", promoter="9", effort="6")
    added = details.add_details(
        TEAM, tid, "field service visit", fields, uow=uow_factory(), clock=clock
    )
    assert added.map_entry is not None and added.map_entry.name == "field service visit"
    with uow_factory() as uow:
        stored = uow.touchpoints.get(TEAM, tid)
    assert stored is not None
    assert (stored.stage, stored.promoter, stored.effort, stored.kind) == (
        "post-purchase",
        9,
        6,
        Kind.CALL,
    )
    assert [str(c) for c in stored.contacts] == ["Raj", "Jane Smith (CFO)"]
    details.add_details(TEAM, tid, "purchase", FormFields(), uow=uow_factory(), clock=clock)
    with uow_factory() as uow:
        again = uow.touchpoints.get(TEAM, tid)
    assert again is not None and (again.stage, again.map_entry_id) == (
        "purchase",
        stored.map_entry_id,
    )
