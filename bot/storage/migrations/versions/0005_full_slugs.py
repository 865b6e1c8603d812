"""Full slugs for names with no ASCII spelling.

Such a name's slug codes each character in hex; it used to be cut at 60 characters, so two
long names sharing their first dozen characters (a head office and its Osaka branch) had
one slug and were taken for one customer. The cut is gone: each slug that was cut becomes
the full one, unless that is taken already (then the rows were one customer before and stay
so). Nothing else changes, and downgrading leaves the longer slugs (they are still unique).

Revision ID: 0005_full_slugs
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision: str = "0005_full_slugs"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

CUT = 60


def _slug(name: str) -> str:
    """The slug rule as of this revision (a copy: later changes must not alter history)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if slug:
        return slug
    return "-".join(f"{ord(c):x}" for c in name.strip().lower() if not c.isspace()) or "x"


def _lengthen(table: str, name_column: str) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            f"SELECT id, team_id, {name_column}, slug FROM {table}"  # noqa: S608
            f" WHERE length(slug) = {CUT}"
        )
    ).all()
    taken = {
        (row.team_id, row.slug)
        for row in connection.execute(sa.text(f"SELECT team_id, slug FROM {table}"))  # noqa: S608
    }
    for row in rows:
        full = _slug(getattr(row, name_column))
        if len(row.slug) != CUT or full == row.slug or not full.startswith(row.slug):
            continue
        if (row.team_id, full) in taken:
            continue
        connection.execute(
            sa.text(f"UPDATE {table} SET slug = :slug WHERE id = :id"),  # noqa: S608
            {"slug": full, "id": row.id},
        )
        taken.add((row.team_id, full))


def upgrade() -> None:
    _lengthen("customers", "name")
    _lengthen("customer_aliases", "alias")


def downgrade() -> None:
    pass  # the full slugs are as unique as the cut ones were
