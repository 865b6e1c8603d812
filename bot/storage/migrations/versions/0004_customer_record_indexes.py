"""Indexes for the paged customer record: a customer's challenges by status and raise
time, its promises by direction, status and time made. Each replaces the plain
(team_id, customer_id) index, which is its prefix, so nothing else loses an index.

With them the record counts a customer's items and picks a page's ids from the index alone
(the id is in it for PostgreSQL's index-only scans) instead of reading every row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_challenges_team_id_customer_id_status_raised_at",
        "challenges",
        ["team_id", "customer_id", "status", "raised_at", "id"],
    )
    op.drop_index("ix_challenges_team_id_customer_id", table_name="challenges")
    op.create_index(
        "ix_promises_team_id_customer_id_direction_status_made_at",
        "promises",
        ["team_id", "customer_id", "direction", "status", "made_at", "id"],
    )
    op.drop_index("ix_promises_team_id_customer_id", table_name="promises")


def downgrade() -> None:
    op.create_index("ix_promises_team_id_customer_id", "promises", ["team_id", "customer_id"])
    op.drop_index("ix_promises_team_id_customer_id_direction_status_made_at", table_name="promises")
    op.create_index("ix_challenges_team_id_customer_id", "challenges", ["team_id", "customer_id"])
    op.drop_index("ix_challenges_team_id_customer_id_status_raised_at", table_name="challenges")
