"""Export and import through the real repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event

from bot.core import services
from bot.core.clock import ManualClock
from bot.core.exchange import Format, export_team, import_team
from bot.core.model import Challenge, Direction, Promise, Touchpoint
from bot.core.services import TeamDefaults
from bot.storage.engine import make_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

from .conftest import T0, Seed, UowFactory

TEAM = "slack:T1"


def record_some(uow_factory: UowFactory, clock: ManualClock) -> None:
    """Touchpoints with changed statuses, histories, an alias and team settings."""
    defaults = TeamDefaults("Europe/London")
    services.ensure_team(TEAM, "Team one", defaults=defaults, uow=uow_factory(), clock=clock)
    services.configure_team(TEAM, "owner", "billing @U9", uow=uow_factory(), clock=clock)
    services.configure_team(
        TEAM, "followup", '"no answer" = call back next working day', uow=uow_factory(), clock=clock
    )
    first = services.record_quick_entry(
        TEAM,
        "U1",
        "Acme Corp call | ch: slow internet; billing confusing | we: send quote by fri; "
        "call back tomorrow 10am | they: read brochure | diff: needs fibre | stage: post | "
        "csat: 5 | ces: 1 | code: meeting booked",
        uow=uow_factory(),
        clock=clock,
    )
    clock.advance(timedelta(hours=1, seconds=42, microseconds=1234))
    ours, challenges = first.touchpoint.promises, first.touchpoint.challenges
    services.settle_promise(TEAM, ours[0].id or 0, "not_kept", "U2", uow=uow_factory(), clock=clock)
    services.snooze_promise(
        TEAM, ours[1].id or 0, "next week", "U1", uow=uow_factory(), clock=clock
    )
    services.change_challenge(
        TEAM, challenges[1].id or 0, "passed_on", "U1", to="billing", uow=uow_factory(), clock=clock
    )
    services.change_challenge(
        TEAM, challenges[0].id or 0, "addressed", "U2", uow=uow_factory(), clock=clock
    )
    services.change_challenge(
        TEAM, challenges[0].id or 0, "reopened", "U3", uow=uow_factory(), clock=clock
    )
    services.add_alias(TEAM, "Acme Corp", "ACME Ltd", uow=uow_factory())
    services.record_quick_entry(
        TEAM, "U2", "Café Zoë code: no answer", uow=uow_factory(), clock=clock
    )
    services.record_quick_entry(
        TEAM,
        "U2",
        "Café Zoë email-in | they: pay; invoice | notes: one\ntwo",
        uow=uow_factory(),
        clock=clock,
    )


def export(uow_factory: UowFactory, fmt: Format = Format.JSON) -> str:
    out = io.StringIO()
    export_team(TEAM, fmt, out, uow=uow_factory())
    return out.getvalue()


@pytest.fixture
def other_db(empty_db_url: str) -> Iterator[UowFactory]:
    """A second, freshly migrated database (on each backend, so also across backends)."""
    engine = make_engine(empty_db_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    yield lambda: SqlAlchemyUnitOfWork(factory)
    engine.dispose()


def test_json_export_imports_into_a_fresh_database_and_exports_the_same(
    uow_factory: UowFactory, other_db: UowFactory
) -> None:
    clock = ManualClock(T0)
    record_some(uow_factory, clock)
    document = export(uow_factory)
    report = import_team(TEAM, document, Format.JSON, uow=other_db(), clock=clock)
    assert report.saved and not report.errors
    assert (report.touchpoints, report.challenges, report.promises) == (3, 2, 6)
    assert export(other_db) == document
    with uow_factory() as a, other_db() as b:
        assert a.teams.get(TEAM) == b.teams.get(TEAM)
        assert [(c.name, c.aliases) for c in a.customers.list(TEAM)] == [
            (c.name, c.aliases) for c in b.customers.list(TEAM)
        ]


def test_importing_the_same_document_again_adds_nothing(
    uow_factory: UowFactory, other_db: UowFactory
) -> None:
    clock = ManualClock(T0)
    record_some(uow_factory, clock)
    document = export(uow_factory)
    import_team(TEAM, document, Format.JSON, uow=other_db(), clock=clock)
    again = import_team(TEAM, document, Format.JSON, uow=other_db(), clock=clock)
    assert again.saved and (again.touchpoints, again.skipped) == (0, 3)
    assert export(other_db) == document


def test_a_csv_export_imports_into_a_team_without_data(
    uow_factory: UowFactory, other_db: UowFactory
) -> None:
    clock = ManualClock(T0)
    record_some(uow_factory, clock)
    sheet = export(uow_factory, Format.CSV)
    defaults = TeamDefaults("Europe/London")
    services.ensure_team(TEAM, "Team one", defaults=defaults, uow=other_db(), clock=clock)
    dry = import_team(TEAM, sheet, Format.CSV, dry_run=True, uow=other_db(), clock=clock)
    assert not dry.saved and dry.touchpoints == 3 and export(other_db, Format.CSV).count("\n") == 1
    report = import_team(TEAM, sheet, Format.CSV, uow=other_db(), clock=clock)
    assert report.saved and report.customers_created == ["Acme Corp", "Café Zoë"]
    assert export(other_db, Format.CSV) == sheet


def many_touchpoints(seed: Seed, count: int) -> None:
    seed.team(TEAM)
    customer = seed.customer(TEAM, "Acme")
    assert customer.id is not None
    cid = customer.id
    touchpoints = []
    for n in range(count):
        at = T0 + timedelta(minutes=n)
        challenge = Challenge(TEAM, cid, f"problem {n}", "U1", at)
        challenge.address("U2", at + timedelta(hours=1))
        promise = Promise(
            TEAM, cid, Direction.OURS, f"do {n}", "U1", "U1", at, at + timedelta(days=1)
        )
        promise.keep("U1", at + timedelta(hours=2))
        touchpoints.append(
            Touchpoint(TEAM, cid, "U1", at, challenges=[challenge], promises=[promise])
        )
    with seed.uow() as uow:
        uow.exchange.add_touchpoints(touchpoints)
        uow.commit()


def count_statements(engine: Engine) -> list[str]:
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_an_export_reads_in_batches_with_a_bounded_number_of_queries(
    db_url: str, seed: Seed
) -> None:
    many_touchpoints(seed, 1_200)
    engine = make_engine(db_url)
    statements = count_statements(engine)
    factory = make_session_factory(engine)
    out = io.StringIO()
    summary = export_team(TEAM, Format.JSON, out, uow=SqlAlchemyUnitOfWork(factory))
    engine.dispose()
    assert summary.touchpoints == 1_200
    # The map (entries, notes, stages), ids, then per batch of 500: touchpoints,
    # challenges, their events, promises, theirs, contacts.
    assert len(statements) <= 8 + 3 + 3 * 6
    assert out.getvalue().count('"action": "kept"') == 1_200


def test_a_dry_run_and_a_failed_import_leave_the_database_as_it_was(
    uow_factory: UowFactory, other_db: UowFactory
) -> None:
    clock = ManualClock(T0)
    record_some(uow_factory, clock)
    document = export(uow_factory)
    report = import_team(TEAM, document, Format.JSON, dry_run=True, uow=other_db(), clock=clock)
    assert report.touchpoints == 3 and not report.saved
    with other_db() as uow:
        assert uow.teams.get(TEAM) is None
    broken = document.replace('"kind": "email-in"', '"kind": "carrier pigeon"')
    report = import_team(TEAM, broken, Format.JSON, uow=other_db(), clock=clock)
    assert [p.field for p in report.errors] == ["kind"]
    with other_db() as uow:
        assert uow.teams.get(TEAM) is None
