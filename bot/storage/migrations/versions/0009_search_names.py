"""Search keys for customer names and aliases, case-folded in every script.

A search by name compared ``lower(name)``, and SQLite's lower() (PostgreSQL's under the C
locale) folds ASCII letters only, so "ром" did not find "Ромашка". Each customer and alias
now keeps its name's search key (Unicode-normalised, case-folded, spaces collapsed),
filled in here for every existing row; names and slugs are left as they are. Downgrading
drops the keys.

Revision ID: 0009_search_names
Revises: 0008_touchpoint_map
Create Date: 2026-12-07
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision: str = "0009_search_names"
down_revision: str | None = "0008_touchpoint_map"
branch_labels: str | None = None
depends_on: str | None = None

BATCH = 1000


def _key(text: str) -> str:
    """The search key as of this revision (a copy: later changes must not alter history)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _fill(table: str, name_column: str) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(f"SELECT id, {name_column} AS name FROM {table}")  # noqa: S608
    ).all()
    update = sa.text(f"UPDATE {table} SET search_name = :key WHERE id = :id")  # noqa: S608
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        connection.execute(update, [{"key": _key(row.name), "id": row.id} for row in batch])


def upgrade() -> None:
    for table, name_column in (("customers", "name"), ("customer_aliases", "alias")):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("search_name", sa.Text(), server_default="", nullable=False))
        _fill(table, name_column)


def downgrade() -> None:
    for table in ("customer_aliases", "customers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_name")
