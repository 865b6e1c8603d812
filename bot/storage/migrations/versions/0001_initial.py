"""The initial schema: teams, customers and aliases, touchpoints, challenges and promises
with their append-only histories, the outbox of deliveries and processed event ids.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Self-contained on purpose: a migration describes the schema as it was at this revision, so
it imports nothing from the application (not the ORM, not the domain's enums).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TEAM_ID = sa.String(length=100)
INSTANT = sa.DateTime(timezone=True)  # bot.storage.orm.UTCDateTime stores through this


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _customer_fk(table: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["team_id", "customer_id"],
        ["customers.team_id", "customers.id"],
        name=f"fk_{table}_team_id_customer_id_customers",
        ondelete=ondelete,
    )


def _events(table: str, owner: str, owner_table: str) -> None:
    op.create_table(
        table,
        _id(),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            [owner],
            [f"{owner_table}.id"],
            name=f"fk_{table}_{owner}_{owner_table}",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_{owner}", table, [owner])


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", TEAM_ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("digest_time", sa.String(length=5), nullable=False),
        sa.Column("day_start", sa.String(length=5), nullable=False),
        sa.Column("digest_days", sa.String(length=20), nullable=False),
        sa.Column("completion_codes", sa.JSON(), nullable=False),
        sa.Column("remind_overdue", sa.Boolean(), nullable=False),
        sa.Column("created_at", INSTANT, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
    )
    op.create_table(
        "customers",
        _id(),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("created_at", INSTANT, server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_customers_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("team_id", "slug", name="uq_customers_team_id_slug"),
        sa.UniqueConstraint("team_id", "id", name="uq_customers_team_id_id"),
    )
    op.create_table(
        "customer_aliases",
        _id(),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        _customer_fk("customer_aliases", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_customer_aliases"),
        sa.UniqueConstraint("team_id", "slug", name="uq_customer_aliases_team_id_slug"),
    )
    op.create_index(
        "ix_customer_aliases_team_id_customer_id", "customer_aliases", ["team_id", "customer_id"]
    )
    op.create_table(
        "touchpoints",
        _id(),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("occurred_at", INSTANT, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("difference", sa.Text(), nullable=True),
        _customer_fk("touchpoints"),
        sa.PrimaryKeyConstraint("id", name="pk_touchpoints"),
    )
    op.create_index(
        "ix_touchpoints_team_id_customer_id_occurred_at",
        "touchpoints",
        ["team_id", "customer_id", "occurred_at"],
    )
    op.create_table(
        "challenges",
        _id(),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("passed_to", sa.Text(), nullable=True),
        sa.Column("raised_by", sa.Text(), nullable=False),
        sa.Column("raised_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'passed_on', 'addressed')", name="ck_challenges_status"
        ),
        _customer_fk("challenges"),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"], ["touchpoints.id"], name="fk_challenges_touchpoint_id_touchpoints"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_challenges"),
    )
    op.create_index(
        "ix_challenges_team_id_status_raised_at", "challenges", ["team_id", "status", "raised_at"]
    )
    op.create_index("ix_challenges_team_id_customer_id", "challenges", ["team_id", "customer_id"])
    op.create_index("ix_challenges_touchpoint_id", "challenges", ["touchpoint_id"])
    op.create_table(
        "promises",
        _id(),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_at", INSTANT, nullable=False),
        sa.Column("due_at", INSTANT, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remind_at", INSTANT, nullable=True),
        sa.Column("reminders_sent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'kept', 'not_kept', 'cancelled')", name="ck_promises_status"
        ),
        sa.CheckConstraint("direction IN ('ours', 'theirs')", name="ck_promises_direction"),
        _customer_fk("promises"),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"], ["touchpoints.id"], name="fk_promises_touchpoint_id_touchpoints"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_promises"),
    )
    op.create_index(
        "ix_promises_team_id_status_due_at", "promises", ["team_id", "status", "due_at"]
    )
    op.create_index("ix_promises_team_id_customer_id", "promises", ["team_id", "customer_id"])
    op.create_index("ix_promises_touchpoint_id", "promises", ["touchpoint_id"])
    op.create_index(
        "ix_promises_remind_at_open",
        "promises",
        ["remind_at", "id"],
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    _events("challenge_events", "challenge_id", "challenges")
    _events("promise_events", "promise_id", "promises")
    _deliveries()
    op.create_table(
        "processed_events",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_processed_events"),
    )
    op.create_index("ix_processed_events_at", "processed_events", ["at"])


def _deliveries() -> None:
    op.create_table(
        "deliveries",
        _id(),
        sa.Column("team_id", TEAM_ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", INSTANT, nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=False),
        sa.Column("lease_until", INSTANT, nullable=True),
        sa.Column("message_ref", sa.Text(), nullable=False),
        sa.Column("sent_at", INSTANT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", INSTANT, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'skipped', 'failed')",
            name="ck_deliveries_status",
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_deliveries_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("key", name="uq_deliveries_key"),
    )
    op.create_index("ix_deliveries_team_id_message_ref", "deliveries", ["team_id", "message_ref"])
    op.create_index(
        "ix_deliveries_active",
        "deliveries",
        ["due_at", "id"],
        sqlite_where=sa.text("status IN ('pending', 'sending')"),
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_table(
        "delivery_promises",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name="fk_delivery_promises_delivery_id_deliveries",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"],
            ["promises.id"],
            name="fk_delivery_promises_promise_id_promises",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", "promise_id", name="pk_delivery_promises"),
    )
    op.create_index("ix_delivery_promises_promise_id", "delivery_promises", ["promise_id"])


def downgrade() -> None:
    for table in (
        "processed_events",
        "delivery_promises",
        "deliveries",
        "promise_events",
        "challenge_events",
        "promises",
        "challenges",
        "touchpoints",
        "customer_aliases",
        "customers",
        "teams",
    ):
        op.drop_table(table)  # its indexes go with it
