"""Customers and their aliases: one name (slug) means one customer within a team."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.core.errors import UserError
from bot.core.model import Customer, has_ascii_slug, search_key, slugify
from bot.storage.mapping import to_customer
from bot.storage.orm import CustomerAliasRow, CustomerRow
from bot.storage.sqlhelpers import chunks, rowcount

# Built once (with bound parameters): the record path looks a customer up every time.
_BY_SLUG = select(CustomerRow).where(
    CustomerRow.team_id == bindparam("team_id"), CustomerRow.slug == bindparam("slug")
)
_BY_ALIAS = (
    select(CustomerRow)
    .join(
        CustomerAliasRow,
        (CustomerAliasRow.team_id == CustomerRow.team_id)
        & (CustomerAliasRow.customer_id == CustomerRow.id),
    )
    .where(
        CustomerAliasRow.team_id == bindparam("team_id"), CustomerAliasRow.slug == bindparam("slug")
    )
)
_ALIASES_OF = (
    select(CustomerAliasRow.customer_id, CustomerAliasRow.alias)
    .where(
        CustomerAliasRow.team_id == bindparam("team_id"),
        CustomerAliasRow.customer_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(CustomerAliasRow.id)
)


class SqlCustomerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, team_id: str, customer_id: int) -> Customer | None:
        row = self._session.scalar(
            select(CustomerRow).where(CustomerRow.team_id == team_id, CustomerRow.id == customer_id)
        )
        return self._with_aliases(team_id, [row])[0] if row else None

    def get_many(self, team_id: str, customer_ids: Sequence[int]) -> dict[int, Customer]:
        rows: list[CustomerRow] = []
        for chunk in chunks(list(dict.fromkeys(customer_ids))):
            rows.extend(
                self._session.scalars(
                    select(CustomerRow).where(
                        CustomerRow.team_id == team_id, CustomerRow.id.in_(chunk)
                    )
                )
            )
        return {c.id: c for c in self._with_aliases(team_id, rows) if c.id is not None}

    def by_slug(self, team_id: str, slug: str) -> Customer | None:
        params = {"team_id": team_id, "slug": slug}
        row = self._session.scalar(_BY_SLUG, params) or self._session.scalar(_BY_ALIAS, params)
        return self._with_aliases(team_id, [row])[0] if row else None

    def search(self, team_id: str, text: str, limit: int = 10) -> list[Customer]:
        """Exact matches first, then prefixes, then other substrings; ties by name.

        A substring test is one no B-tree index can answer, so this scans the team's
        customers (and aliases) through the team's index: only the team's rows are read
        (about 3-6 ms for 10,000 customers on SQLite).
        """
        needle = search_key(text)
        if not needle or limit <= 0:
            return []
        slug = _searchable_slug(text)
        hits = union_all(
            _ranked(CustomerRow.id, CustomerRow.search_name, CustomerRow.slug, needle, slug).where(
                CustomerRow.team_id == team_id
            ),
            _ranked(
                CustomerAliasRow.customer_id,
                CustomerAliasRow.search_name,
                CustomerAliasRow.slug,
                needle,
                slug,
            ).where(CustomerAliasRow.team_id == team_id),
        ).subquery()
        best = (
            select(hits.c.customer_id, func.min(hits.c.rank).label("rank"))
            .group_by(hits.c.customer_id)
            .subquery()
        )
        # Typed letters or digits are matched against slugs, and a name with no ASCII
        # spelling has a coded slug ("440-43e-..."): its digits mean nothing to a search, so
        # a customer found only through one (not by its name) is dropped. Fetch more to
        # fill ``limit`` anyway.
        fetch = limit if slug is None else limit * 4
        rows = self._session.scalars(
            select(CustomerRow)
            .join(best, best.c.customer_id == CustomerRow.id)
            .where(CustomerRow.team_id == team_id)
            .order_by(best.c.rank, func.lower(CustomerRow.name), CustomerRow.id)
            .limit(fetch)
        ).all()
        found = self._with_aliases(team_id, rows)
        if slug is not None:
            found = [c for c in found if _has_spelled_name(c) or _named(c, needle)]
        return found[:limit]

    def add(self, customer: Customer) -> Customer:
        aliases = _aliases_by_slug(customer)
        self._ensure_names_free(customer, aliases)
        values: dict[str, Any] = {
            "team_id": customer.team_id,
            "name": customer.name,
            "slug": customer.slug,
            "search_name": search_key(customer.name),
        }
        if customer.created_at is not None:  # else the database's clock fills it in
            values["created_at"] = customer.created_at
        # Insert-if-absent: two instances creating the same new customer at the same moment
        # ("+acme" from two people) both pass the check above; the second then waits for
        # the first to commit and, instead of an IntegrityError that ends its transaction,
        # gets the same clear error as a name already taken (callers may then use it).
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        inserted = self._session.execute(
            upsert(CustomerRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=[CustomerRow.team_id, CustomerRow.slug])
            .returning(CustomerRow.id, CustomerRow.created_at)
        ).first()
        if inserted is None:
            existing = self._session.scalar(
                _BY_SLUG, {"team_id": customer.team_id, "slug": customer.slug}
            )
            taken_by = existing.name if existing else customer.name
            raise UserError(
                f"“{customer.name}” already names the customer “{taken_by}”. "
                "Pick a different name, or use that customer."
            )
        customer.id, customer.created_at = inserted.id, inserted.created_at
        self._insert_aliases(customer.team_id, customer.id, aliases)
        return customer

    def save(self, customer: Customer) -> None:
        if customer.id is None:
            raise ValueError("save() stores changes to a stored customer; use add() first")
        aliases = _aliases_by_slug(customer)
        self._ensure_names_free(customer, aliases)
        result = self._session.execute(
            update(CustomerRow)
            .where(CustomerRow.team_id == customer.team_id, CustomerRow.id == customer.id)
            .values(name=customer.name, slug=customer.slug, search_name=search_key(customer.name))
        )
        if rowcount(result) != 1:
            raise LookupError(f"customer {customer.id} of team {customer.team_id} is not stored")
        stored = {
            row.slug: row
            for row in self._session.scalars(
                select(CustomerAliasRow).where(
                    CustomerAliasRow.team_id == customer.team_id,
                    CustomerAliasRow.customer_id == customer.id,
                )
            )
        }
        gone = [row.id for slug, row in stored.items() if slug not in aliases]
        if gone:
            self._session.execute(delete(CustomerAliasRow).where(CustomerAliasRow.id.in_(gone)))
        for slug, alias in aliases.items():
            if slug in stored and stored[slug].alias != alias:  # same name, new spelling
                self._session.execute(
                    update(CustomerAliasRow)
                    .where(CustomerAliasRow.id == stored[slug].id)
                    .values(alias=alias, search_name=search_key(alias))
                )
        self._insert_aliases(
            customer.team_id,
            customer.id,
            {slug: alias for slug, alias in aliases.items() if slug not in stored},
        )

    def add_alias(self, customer: Customer, alias: str) -> Customer:
        if customer.id is None:
            raise ValueError("add_alias() names a stored customer; use add() first")
        slug = slugify(alias)
        probe = Customer(customer.team_id, alias, slug, id=customer.id)
        self._ensure_names_free(probe, {})
        # One row, insert-if-absent under the (team_id, slug) constraint: never a rewrite
        # of the whole list, which would drop an alias another request added meanwhile.
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        inserted = self._session.execute(
            upsert(CustomerAliasRow)
            .values(
                team_id=customer.team_id,
                customer_id=customer.id,
                alias=alias,
                slug=slug,
                search_name=search_key(alias),
            )
            .on_conflict_do_nothing(
                index_elements=[CustomerAliasRow.team_id, CustomerAliasRow.slug]
            )
            .returning(CustomerAliasRow.id)
        ).first()
        if inserted is None:
            holder = self._session.scalar(_BY_ALIAS, {"team_id": customer.team_id, "slug": slug})
            taken_by = holder.name if holder else customer.name
            raise UserError(
                f"“{alias}” already names the customer “{taken_by}”. "
                "Pick a different name, or use that customer."
            )
        stored = self.get(customer.team_id, customer.id)
        if stored is None:
            raise LookupError(f"customer {customer.id} of team {customer.team_id} is not stored")
        return stored

    def _insert_aliases(self, team_id: str, customer_id: int, aliases: dict[str, str]) -> None:
        if aliases:
            self._session.execute(
                insert(CustomerAliasRow),
                [
                    {
                        "team_id": team_id,
                        "customer_id": customer_id,
                        "alias": a,
                        "slug": s,
                        "search_name": search_key(a),
                    }
                    for s, a in aliases.items()
                ],
            )

    def _ensure_names_free(self, customer: Customer, aliases: dict[str, str]) -> None:
        """Refuse a slug or alias that already names another customer of the team."""
        wanted = {customer.slug: customer.name, **aliases}
        others: list[ColumnElement[bool]] = []
        if customer.id is not None:
            others.append(CustomerRow.id != customer.id)
        clash = self._session.execute(
            select(CustomerRow.slug, CustomerRow.name)
            .where(CustomerRow.team_id == customer.team_id, CustomerRow.slug.in_(wanted), *others)
            .union_all(
                select(CustomerAliasRow.slug, CustomerRow.name)
                .join(CustomerRow, CustomerRow.id == CustomerAliasRow.customer_id)
                .where(
                    CustomerAliasRow.team_id == customer.team_id,
                    CustomerAliasRow.slug.in_(wanted),
                    *others,
                )
            )
            .limit(1)
        ).first()
        if clash is not None:
            raise UserError(
                f"“{wanted[clash.slug]}” already names the customer “{clash.name}”. "
                "Pick a different name, or use that customer."
            )

    def _with_aliases(self, team_id: str, rows: Sequence[CustomerRow]) -> builtins.list[Customer]:
        aliases: dict[int, builtins.list[str]] = defaultdict(builtins.list)
        for chunk in chunks([row.id for row in rows]):
            params = {"team_id": team_id, "ids": chunk}
            for customer_id, alias in self._session.execute(_ALIASES_OF, params):
                aliases[customer_id].append(alias)
        return [to_customer(row, aliases.get(row.id, ())) for row in rows]

    # Last in the class: below this line the name ``list`` means this method.
    def list(self, team_id: str) -> builtins.list[Customer]:
        rows = self._session.scalars(
            select(CustomerRow)
            .where(CustomerRow.team_id == team_id)
            .order_by(func.lower(CustomerRow.name), CustomerRow.id)
        ).all()
        return self._with_aliases(team_id, rows)


def _aliases_by_slug(customer: Customer) -> dict[str, str]:
    """The customer's aliases keyed by slug; a second spelling of the same slug adds nothing."""
    aliases: dict[str, str] = {}
    for alias in customer.aliases:
        aliases.setdefault(slugify(alias), alias)
    return aliases


def _has_spelled_name(customer: Customer) -> bool:
    """Whether the customer's name or an alias has a slug that spells it (not only codes)."""
    return any(has_ascii_slug(n) for n in (customer.name, *customer.aliases))


def _named(customer: Customer, needle: str) -> bool:
    """Whether the customer's name or an alias holds ``needle`` (a search key)."""
    return any(needle in search_key(n) for n in (customer.name, *customer.aliases))


def _searchable_slug(text: str) -> str | None:
    """The slug to match for ``text``, or None when slugify would only invent one (text
    with no letters or digits in ASCII, where matching the invented code means nothing)."""
    return slugify(text) if has_ascii_slug(text) else None


def _ranked(
    customer_id: InstrumentedAttribute[int],
    search_name: InstrumentedAttribute[str],
    slug: InstrumentedAttribute[str],
    needle: str,
    wanted_slug: str | None,
) -> Select[int, int]:
    """(customer_id, rank) of the rows that match: 0 exact, 1 prefix, 2 anywhere inside.

    Every text is matched against the stored search keys, case-folded in Python for every
    script ("ром" finds "Ромашка", "straße" finds "STRASSE"): the database's own lower()
    folds ASCII only. Text with letters or digits is matched against slugs too: they are
    lowercase, ASCII and punctuation-free, so "acme, inc" finds "Acme Inc." and "cafe"
    finds "Café".
    """
    pairs: list[tuple[ColumnElement[str], str]] = [(search_name.expression, needle)]
    if wanted_slug:
        pairs.append((slug.expression, wanted_slug))
    rank = case(
        (or_(*(column == wanted for column, wanted in pairs)), literal(0)),
        (
            or_(*(column.startswith(wanted, autoescape=True) for column, wanted in pairs)),
            literal(1),
        ),
        else_=literal(2),
    )
    return select(customer_id.label("customer_id"), rank.label("rank")).where(
        or_(*(column.contains(wanted, autoescape=True) for column, wanted in pairs))
    )
