"""The owners' weekly summary: each team says on which weekday its touchpoint owners get
their private summary (0 Monday .. 6 Sunday), or NULL when it has turned them off.
Existing teams get Monday, as a new team does.

Revision ID: 0013_owner_summaries
Revises: 0012_measure_indexes
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013_owner_summaries"
down_revision: str | None = "0012_measure_indexes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A plain-string default: SQLite then adds the column in place (see 0007).
    with op.batch_alter_table("teams") as teams:
        teams.add_column(
            sa.Column("owner_summary_day", sa.Integer(), server_default="0", nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("teams") as teams:
        teams.drop_column("owner_summary_day")
