"""Channel holds: which bot instance sends to a channel right now, and until when no other
may (one instance paces each channel, so Slack's one post a second holds across
instances). A new table; nothing existing changes.

Revision ID: 0014_channel_holds
Revises: 0013_owner_summaries
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014_channel_holds"
down_revision: str | None = "0013_owner_summaries"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "channel_holds",
        sa.Column("team_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("worker", sa.Text(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel", name="pk_channel_holds"),
    )


def downgrade() -> None:
    op.drop_table("channel_holds")
