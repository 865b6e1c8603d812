"""Undoing due-date changes and edits of touchpoints.

A history event can say what it replaced: a promise's due-date change keeps the due date
(and its reminder) it replaced. Existing events replaced nothing anyone can restore; they
get an empty value, and an undo of one is refused as before. Edits of a touchpoint are
kept in a table of their own, each with what it replaced; there are none yet.

Revision ID: 0010_undo_and_edits
Revises: 0009_search_names
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_undo_and_edits"
down_revision: str | None = "0009_search_names"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("promise_events", "challenge_events")
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("previous", sa.Text(), nullable=False, server_default=sa.text("''"))
            )
    op.create_table(
        "touchpoint_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=100), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("previous", sa.Text(), nullable=False),
        sa.Column("undone_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name="fk_touchpoint_edits_touchpoint_id_touchpoints",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_touchpoint_edits"),
    )
    op.create_index(
        "ix_touchpoint_edits_team_id_actor_at", "touchpoint_edits", ["team_id", "actor", "at"]
    )
    op.create_index("ix_touchpoint_edits_touchpoint_id", "touchpoint_edits", ["touchpoint_id"])


def downgrade() -> None:
    op.drop_table("touchpoint_edits")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("previous")
