from __future__ import annotations

from datetime import UTC, time

import pytest

from bot.core.errors import UserError
from bot.core.model import Customer, Team, slugify

from .conftest import T0, Seed, UowFactory


def test_a_team_round_trips_with_its_settings(uow_factory: UowFactory) -> None:
    team = Team(
        id="discord:42",
        name="Acme Support",
        timezone="Europe/Berlin",
        channel="C0123",
        digest_time=time(8, 30),
        day_start=time(7, 45),
        digest_days=(0, 2, 4),
        completion_codes=("no answer", "résolu"),
        remind_overdue=False,
        date_order="mdy",
        created_at=T0,
    )
    with uow_factory() as uow:
        uow.teams.add(team)
        uow.commit()
    with uow_factory() as uow:
        assert uow.teams.get("discord:42") == team
        assert uow.teams.get("discord:43") is None


def test_a_team_without_created_at_gets_the_databases_time(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.teams.add(Team(id="t", name="T"))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.teams.get("t")
    assert stored is not None and stored.created_at is not None
    assert stored.created_at.tzinfo is UTC


def test_saving_a_team_changes_its_settings(seed: Seed, uow_factory: UowFactory) -> None:
    team = seed.team("t1")
    team.channel, team.digest_days, team.completion_codes = "C9", (), ("done",)
    with uow_factory() as uow:
        uow.teams.save(team)
        uow.commit()
    with uow_factory() as uow:
        assert uow.teams.get("t1") == team


def test_saving_a_team_that_was_never_added_is_an_error(uow_factory: UowFactory) -> None:
    with uow_factory() as uow, pytest.raises(LookupError):
        uow.teams.save(Team(id="nobody", name="Nobody"))


def test_list_all_returns_every_team_by_id(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("b")
    seed.team("a")
    with uow_factory() as uow:
        assert [t.id for t in uow.teams.list_all()] == ["a", "b"]


def test_adding_a_customer_sets_its_id_and_keeps_its_aliases(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    customer = seed.customer("t1", "Acme Corp", "ACME Ltd", "Roadrunner Inc")
    assert customer.id is not None
    with uow_factory() as uow:
        stored = uow.customers.get("t1", customer.id)
    assert stored == customer
    assert stored.aliases == ("ACME Ltd", "Roadrunner Inc")
    assert stored.created_at == T0


def test_by_slug_finds_a_customer_by_its_slug_or_an_aliass_slug(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme Corp", "Roadrunner Inc")
    with uow_factory() as uow:
        assert uow.customers.by_slug("t1", "acme-corp") == acme
        assert uow.customers.by_slug("t1", slugify("roadrunner inc.")) == acme
        assert uow.customers.by_slug("t1", "acme") is None


def test_get_many_returns_the_found_customers_by_id(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    a = seed.customer("t1", "Alpha", "A1")
    b = seed.customer("t1", "Beta")
    assert a.id is not None and b.id is not None
    with uow_factory() as uow:
        found = uow.customers.get_many("t1", [b.id, a.id, a.id, 999_999])
        assert uow.customers.get_many("t1", []) == {}
    assert found == {a.id: a, b.id: b}


def test_list_returns_the_teams_customers_by_name(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team("t1")
    for name in ("beta", "Alpha", "Gamma"):
        seed.customer("t1", name)
    with uow_factory() as uow:
        assert [c.name for c in uow.customers.list("t1")] == ["Alpha", "beta", "Gamma"]


def test_search_puts_exact_then_prefix_then_inner_matches_then_sorts_by_name(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    for name in ("Big Acme", "Acme Widgets", "acme", "Zeta", "Acme Anvils"):
        seed.customer("t1", name)
    seed.customer("t1", "Roadrunner", "ACME West")  # matches through an alias
    with uow_factory() as uow:
        names = [c.name for c in uow.customers.search("t1", "ACME")]
        assert names == ["acme", "Acme Anvils", "Acme Widgets", "Roadrunner", "Big Acme"]
        assert [c.name for c in uow.customers.search("t1", "acme", limit=2)] == [
            "acme",
            "Acme Anvils",
        ]
        assert uow.customers.search("t1", "   ") == []


def test_search_matches_case_insensitive_substrings_of_names_and_slugs(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.customer("t1", "Café Müller")
    seed.customer("t1", "100% Pure")
    seed.customer("t1", "Under_score")
    seed.customer("t1", "東京商事")
    with uow_factory() as uow:
        assert [c.name for c in uow.customers.search("t1", "東京")] == ["東京商事"]
        assert [c.name for c in uow.customers.search("t1", "MÜLLER")] == ["Café Müller"]
        assert [c.name for c in uow.customers.search("t1", "cafe")] == ["Café Müller"]
        # LIKE wildcards in the text are matched literally
        assert [c.name for c in uow.customers.search("t1", "0%")] == ["100% Pure"]
        assert [c.name for c in uow.customers.search("t1", "r_s")] == ["Under_score"]
        assert uow.customers.search("t1", "e_s") == []


def test_saving_a_customer_renames_it_and_replaces_its_aliases(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    customer = seed.customer("t1", "Acme", "Old Name", "Keep Me")
    customer.name, customer.slug = "Acme Corp", "acme-corp"
    customer.aliases = ("keep me", "New Name")  # same slug, new spelling: updated in place
    with uow_factory() as uow:
        uow.customers.save(customer)
        uow.commit()
    with uow_factory() as uow:
        assert customer.id is not None
        assert uow.customers.get("t1", customer.id) == customer
        assert uow.customers.by_slug("t1", "old-name") is None
        assert uow.customers.by_slug("t1", "new-name") == customer


def test_a_name_already_used_by_another_customer_is_refused(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    seed.customer("t1", "Acme", "Roadrunner")
    beta = seed.customer("t1", "Beta")
    with (
        uow_factory() as uow,
        pytest.raises(UserError, match="“ACME” already names the customer “Acme”"),
    ):
        uow.customers.add(Customer("t1", "ACME", "acme"))
    with uow_factory() as uow, pytest.raises(UserError, match="already names the customer “Acme”"):
        uow.customers.add(Customer("t1", "Roadrunner", "roadrunner"))
    beta.aliases = ("acme",)
    with uow_factory() as uow, pytest.raises(UserError, match="already names"):
        uow.customers.save(beta)
    beta.aliases = ("RoadRunner!",)
    with uow_factory() as uow, pytest.raises(UserError, match="already names"):
        uow.customers.save(beta)


def test_a_customers_own_names_do_not_clash_with_each_other(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team("t1")
    acme = seed.customer("t1", "Acme", "ACME", "Acme Corp", "acme corp")
    assert acme.id is not None
    with uow_factory() as uow:
        uow.customers.save(acme)  # its own slug and aliases are not "taken"
        uow.commit()
    with uow_factory() as uow:
        stored = uow.customers.get("t1", acme.id)
    assert stored is not None
    assert stored.aliases == ("ACME", "Acme Corp")  # a second spelling of a slug adds nothing
