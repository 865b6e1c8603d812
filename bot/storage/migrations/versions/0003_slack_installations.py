"""Slack installations: the bot token of each workspace that installed the app through the
OAuth flow (multi-workspace deployments). One row per workspace; a reinstall replaces it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Self-contained on purpose (imports nothing from the application). The table is read and
written by ``bot.adapters.slack.installations``, whose ``installations`` table object must
match this definition (a test in tests/adapters/slack checks that it does).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=64), nullable=True),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.Column("enterprise_name", sa.String(length=200), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=True),
        sa.Column("bot_token", sa.String(length=255), nullable=False),
        sa.Column("bot_id", sa.String(length=64), nullable=False),
        sa.Column("bot_user_id", sa.String(length=64), nullable=False),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.String(length=255), nullable=True),
        sa.Column("bot_token_expires_at", sa.Integer(), nullable=True),
        sa.Column("installer_user_id", sa.String(length=64), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_installations"),
        sa.UniqueConstraint(
            "client_id", "team_id", name="uq_slack_installations_client_id_team_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("slack_installations")
