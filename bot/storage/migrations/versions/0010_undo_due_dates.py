"""A history event can say what it replaced, so it can be undone: a promise's due-date
change keeps the due date (and its reminder) it replaced. Existing events replaced nothing
anyone can restore; they get an empty value, and an undo of one is refused as before.

Revision ID: 0010_undo_due_dates
Revises: 0009_search_names
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_undo_due_dates"
down_revision: str | None = "0009_search_names"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("promise_events", "challenge_events")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("previous", sa.Text(), nullable=False, server_default=sa.text("''"))
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("previous")
