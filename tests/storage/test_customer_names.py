"""Customers with names in scripts that have no ASCII spelling stay apart, on both
databases: long names sharing a beginning, and lookups by a short prefix."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.core import customers, queries, services
from bot.core.clock import ManualClock
from bot.core.errors import AmbiguousCustomer, NotFound
from bot.core.model import slugify
from bot.storage.engine import make_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

from .conftest import T0, Seed, UowFactory

HEAD_OFFICE = "株式会社サンプル商事ホールディングス東京本社営業部第一課"
OSAKA_BRANCH = "株式会社サンプル商事ホールディングス東京本社営業部大阪支店"


def test_long_names_sharing_a_beginning_have_different_slugs() -> None:
    assert len(slugify(HEAD_OFFICE)) > 60
    assert slugify(HEAD_OFFICE) != slugify(OSAKA_BRANCH)


def test_a_branch_is_not_taken_for_its_head_office(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    clock = ManualClock(T0)
    services.record_quick_entry(
        "t1", "U1", f"+{HEAD_OFFICE} call | ch: invoices late", uow=uow_factory(), clock=clock
    )

    branch = services.record_quick_entry(
        "t1", "U1", f"+{OSAKA_BRANCH} call | ch: new office", uow=uow_factory(), clock=clock
    )

    assert branch.customer_created
    record = queries.customer_record("t1", OSAKA_BRANCH, uow=uow_factory(), clock=clock)
    assert record.customer.name == OSAKA_BRANCH
    with uow_factory() as uow:
        assert len(uow.customers.list("t1")) == 2


def test_a_short_cyrillic_prefix_suggests_only_names_it_begins(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.customer("t1", "Ромашка")  # slug 440-43e-43c-...
    seed.customer("t1", "Store 440")  # an ASCII slug sharing the code's first digits
    seed.customer("t1", "مرحبا")  # Arabic: slug 645-631-62d-...

    with pytest.raises(AmbiguousCustomer) as asked:
        services.record_quick_entry(
            "t1", "U1", "Ром call | ch: slow", uow=uow_factory(), clock=ManualClock(T0)
        )
    assert [c.name for c in asked.value.candidates] == ["Ромашка"]
    with uow_factory() as uow, pytest.raises(NotFound) as missing:
        customers.find_customer(uow, "t1", "Жук")  # 436-443-43a: no name begins so
    assert "Did you mean" not in str(missing.value)


def test_upgrading_lengthens_a_slug_that_was_cut(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine, "0004")
    cut = slugify(HEAD_OFFICE)[:60]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO teams (id, name, timezone, digest_time, day_start, digest_days,"
                " completion_codes, remind_overdue)"
                " VALUES ('t', 'T', 'UTC', '09:00', '09:00', '0', '[]', true)"
            )
        )
        connection.execute(
            text("INSERT INTO customers (team_id, name, slug) VALUES ('t', :name, :slug)"),
            {"name": HEAD_OFFICE, "slug": cut},
        )
    upgrade(engine)
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        found = uow.customers.by_slug("t", slugify(HEAD_OFFICE))
        assert found is not None and found.name == HEAD_OFFICE
        assert uow.customers.by_slug("t", slugify(OSAKA_BRANCH)) is None
    engine.dispose()


def test_digits_typed_in_a_search_do_not_find_a_name_through_its_coded_slug(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.customer("t1", "Ромашка")  # slug 440-43e-43c-...
    seed.customer("t1", "Store 440")

    with uow_factory() as uow:
        by_digits = [c.name for c in uow.customers.search("t1", "440")]
        by_letters = [c.name for c in uow.customers.search("t1", "Ром")]

    assert by_digits == ["Store 440"]
    assert by_letters == ["Ромашка"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ром", "Ромашка"),  # Cyrillic, lowercase prefix of a capitalised name
        ("РОМАШ", "Ромашка"),
        ("αθήνα", "ΑΘΉΝΑ Travel"),  # Greek: the name has an ASCII slug only for "travel"
        ("straße", "STRASSE Bau"),  # folded to "strasse" both ways
        ("ǆ", "ǄEMAL"),
        ("ΣΟΦΊΑ", "σοφία"),  # final sigma folds to sigma
    ],
)
def test_a_search_ignores_case_in_every_script(
    seed: Seed, uow_factory: UowFactory, typed: str, stored: str
) -> None:
    seed.team("t1")
    seed.customer("t1", stored)
    seed.customer("t1", "Жук")
    with uow_factory() as uow:
        assert [c.name for c in uow.customers.search("t1", typed)] == [stored]


def test_an_alias_in_capitals_is_found_by_a_lowercase_prefix(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.customer("t1", "Romashka Ltd", "РОМАШКА")
    with uow_factory() as uow:
        assert [c.name for c in uow.customers.search("t1", "ромаш")] == ["Romashka Ltd"]
        found = customers.find_customer(uow, "t1", "ромашка")
    assert found.name == "Romashka Ltd"


def test_a_renamed_customer_is_searched_by_its_new_name(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    customer = seed.customer("t1", "Ромашка")
    with uow_factory() as uow:
        customer.name, customer.slug = "Лютик", slugify("Лютик")
        uow.customers.save(customer)
        uow.commit()
    with uow_factory() as uow:
        assert [c.name for c in uow.customers.search("t1", "лют")] == ["Лютик"]
        assert uow.customers.search("t1", "ром") == []


def test_upgrading_gives_existing_names_and_aliases_their_search_keys(
    empty_db_url: str,
) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine, "0008_touchpoint_map")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO teams (id, name, timezone, digest_time, day_start, digest_days,"
                " completion_codes, remind_overdue)"
                " VALUES ('t', 'T', 'UTC', '09:00', '09:00', '0', '[]', true)"
            )
        )
        customer_id = connection.execute(
            text(
                "INSERT INTO customers (team_id, name, slug) VALUES ('t', :name, :slug)"
                " RETURNING id"
            ),
            {"name": "Ромашка", "slug": slugify("Ромашка")},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO customer_aliases (team_id, customer_id, alias, slug)"
                " VALUES ('t', :id, :alias, :slug)"
            ),
            {"id": customer_id, "alias": "ЛЮТИК", "slug": slugify("ЛЮТИК")},
        )
    upgrade(engine)
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        assert [c.name for c in uow.customers.search("t", "ром")] == ["Ромашка"]
        found = uow.customers.search("t", "лютик")
        assert [(c.name, c.aliases) for c in found] == [("Ромашка", ("ЛЮТИК",))]
    engine.dispose()
