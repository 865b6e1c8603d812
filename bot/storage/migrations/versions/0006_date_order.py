"""Teams choose how numeric dates are read: day first (27/11) or month first (11/27).

NULL, what every existing team gets, keeps the default that follows the team's time zone.

Revision ID: 0006_date_order
Revises: 0005_full_slugs
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_date_order"
down_revision: str | None = "0005_full_slugs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("date_order", sa.String(3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("date_order")
