"""The Slack adapter's own table, as migration 0003 creates it.

Kept apart from the rest of the adapter so that it imports nothing but SQLAlchemy: the
storage tests can compare it with the migrated schema without the Slack SDK installed.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()
installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("app_id", String(64), nullable=True),
    Column("enterprise_id", String(64), nullable=True),
    Column("enterprise_name", String(200), nullable=True),
    Column("team_id", String(64), nullable=False),
    Column("team_name", String(200), nullable=True),
    Column("bot_token", String(255), nullable=False),
    Column("bot_id", String(64), nullable=False),
    Column("bot_user_id", String(64), nullable=False),
    Column("bot_scopes", Text, nullable=False),
    Column("bot_refresh_token", String(255), nullable=True),
    Column("bot_token_expires_at", Integer, nullable=True),  # epoch seconds
    Column("installer_user_id", String(64), nullable=True),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("installed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("id", name="pk_slack_installations"),
    UniqueConstraint("client_id", "team_id", name="uq_slack_installations_client_id_team_id"),
)
