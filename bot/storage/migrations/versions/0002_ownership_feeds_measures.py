"""Touchpoint ownership and completion-code follow-ups per team, journey stage and
satisfaction / effort scores per touchpoint, and calendar feed tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("teams") as teams:
        teams.add_column(
            sa.Column("area_owners", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
        teams.add_column(
            sa.Column("code_followups", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
    with op.batch_alter_table("touchpoints") as touchpoints:
        touchpoints.add_column(sa.Column("stage", sa.String(length=16), nullable=True))
        touchpoints.add_column(sa.Column("satisfaction", sa.Integer(), nullable=True))
        touchpoints.add_column(sa.Column("effort", sa.Integer(), nullable=True))
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("revoked_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_calendar_feeds_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )
    op.create_index("ix_calendar_feeds_team_id_owner", "calendar_feeds", ["team_id", "owner"])


def downgrade() -> None:
    op.drop_index("ix_calendar_feeds_team_id_owner", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("touchpoints") as touchpoints:
        touchpoints.drop_column("effort")
        touchpoints.drop_column("satisfaction")
        touchpoints.drop_column("stage")
    with op.batch_alter_table("teams") as teams:
        teams.drop_column("code_followups")
        teams.drop_column("area_owners")
