"""Customers by name: finding the one a user meant, near misses of a name, and the rules
for a new name. Nothing here commits; the use cases that call it do.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime

from bot.core.entry_labels import clean_text
from bot.core.errors import (
    AmbiguousCustomer,
    Candidate,
    FieldError,
    NotFound,
    ParseError,
    UserError,
)
from bot.core.model import Customer, has_ascii_slug, slugify
from bot.core.ports import UnitOfWork

MAX_CUSTOMER_NAME = 80
# Longer than any name or alias can be: a longer search cannot match, so it is not run
# (SQLite refuses LIKE patterns over 50,000 bytes).
MAX_CUSTOMER_SEARCH = 200


def find_customer(uow: UnitOfWork, team_id: str, text: str) -> Customer:
    """An existing customer by name, slug or alias; a clear error (with suggestions) if not."""
    name = clean_text(text).strip().lstrip("+").strip()
    if not name:
        raise UserError("Name the customer, e.g. `/touchpoint show acme`.")
    if len(name) > MAX_CUSTOMER_SEARCH:
        too_long = f"names have at most {MAX_CUSTOMER_NAME} characters"
        raise NotFound(f"No customer is called “{name[:60]}…”: {too_long}.")
    customer = uow.customers.by_slug(team_id, slugify(name))
    if customer is not None:
        return customer
    candidates = near_misses(uow, team_id, name)
    hint = f" Did you mean {', '.join(f'“{c.name}”' for c in candidates)}?" if candidates else ""
    raise NotFound(f"No customer is called “{name}”.{hint}")


def customer_name_too_long(name: str) -> str:
    """The one message for an over-long name, whichever way it was typed."""
    return (
        f"A customer name can have at most {MAX_CUSTOMER_NAME} characters; "
        f"“{name[:40].rstrip()}…” has {len(name)}. Use a shorter name: "
        "`/touchpoint alias` can give it another one later."
    )


def check_new_customer_name(text: str) -> None:
    """Refuse a name over the limit before a form opens for it. A leading "+" (insist on
    a new customer) is not part of the name."""
    name = " ".join(clean_text(text).strip().lstrip("+").split())
    if len(name) > MAX_CUSTOMER_NAME:
        raise UserError(customer_name_too_long(name))


def resolve_or_create_customer(
    uow: UnitOfWork, team_id: str, text: str, now: datetime
) -> tuple[Customer, bool]:
    """The customer the user meant, creating a new one for a new name. A near miss of an
    existing name asks instead ("acme" when only "Acme Corp" exists); "+acme" insists."""
    force = text.strip().startswith("+")
    name = " ".join(text.strip().lstrip("+").split())
    if not name:
        raise ParseError(
            [FieldError("customer", "Name the customer first, e.g. `acme call | ...`.")]
        )
    if len(name) > MAX_CUSTOMER_NAME:
        raise ParseError([FieldError("customer", customer_name_too_long(name))])
    slug = slugify(name)
    existing = uow.customers.by_slug(team_id, slug)
    if existing is not None:
        return existing, False
    if not force:
        candidates = near_misses(uow, team_id, name)
        if candidates:
            raise AmbiguousCustomer(name, [Candidate(c.id or 0, c.name) for c in candidates])
    try:
        customer = uow.customers.add(
            Customer(team_id=team_id, name=name, slug=slug, created_at=now)
        )
    except UserError:
        # Created since we looked, by another instance (two people typed "+acme" at the
        # same moment): that customer is the one meant.
        existing = uow.customers.by_slug(team_id, slug)
        if existing is None:
            raise
        return existing, False
    return customer, True


def near_misses(uow: UnitOfWork, team_id: str, name: str, limit: int = 3) -> list[Customer]:
    """Existing customers the name probably means: one name starts the other, or a typo."""
    found: dict[int, Customer] = {}
    words = [w for w in name.lower().split() if len(w) >= 3]
    for probe in [name, *words[:2]]:
        for customer in uow.customers.search(team_id, probe, limit=limit * 2):
            if customer.id is not None and _similar(name, customer):
                found.setdefault(customer.id, customer)
    # A slug's first letters find "acme" for "acm"; a coded slug's first digits would only
    # find unrelated names whose codes share them.
    if len(found) < limit and has_ascii_slug(name):
        wanted = slugify(name)
        for customer in uow.customers.search(team_id, wanted[:3], limit=50):
            if customer.id is not None and _similar(name, customer):
                found.setdefault(customer.id, customer)
    return list(found.values())[:limit]


def _similar(name: str, customer: Customer) -> bool:
    """ "acme" ~ "Acme Corp" (one name starts the other), "acme" ~ "acmee" (a typo); but not
    "customer 1" ~ "customer 2" (names that differ only in their numbers are distinct)."""
    a, b = slugify(name), customer.slug
    if a == b:
        return True
    if not (has_ascii_slug(name) and has_ascii_slug(customer.name)):
        # Coded slugs compare code points, not letters: compare the names themselves.
        mine, theirs = " ".join(name.lower().split()), " ".join(customer.name.lower().split())
        if mine.startswith(theirs) or theirs.startswith(mine):
            return True
        return difflib.SequenceMatcher(None, mine, theirs).ratio() >= 0.8
    words_a, words_b = a.split("-"), b.split("-")
    shorter, longer = sorted((words_a, words_b), key=len)
    if longer[: len(shorter)] == shorter:
        return True
    if re.sub(r"\d", "", a) == re.sub(r"\d", "", b):
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
