"""The touchpoint map: each team's catalogue of touchpoints (with improvement notes and its
own journey stages), touchpoints that name their map entry, an NPS answer and contacts at
the customer. CES turns to the common scale where 7 is very easy: every stored effort score
e (1 very easy .. 7 very hard) becomes 8 - e, so what was recorded keeps its meaning.
Every existing team gets the default map a new team starts with.

Revision ID: 0008_touchpoint_map
Revises: 0007_on_time_and_reminder_routes
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_touchpoint_map"
down_revision: str | None = "0007_on_time_and_reminder_routes"
branch_labels: str | None = None
depends_on: str | None = None

INSTANT = sa.DateTime(timezone=True)

# A copy of bot.core.catalogue.DEFAULT_MAP as it was when this migration was written: a
# migration must do the same thing whenever it runs.
# (name, channel, stage, moment of truth, active)
DEFAULT_MAP = (
    ("website visit", "web", "pre-purchase", False, False),
    ("sales call", "call", "pre-purchase", False, True),
    ("sales quote", "email-out", "pre-purchase", True, True),
    ("onboarding call", "call", "purchase", True, True),
    ("first invoice", "email-out", "purchase", True, True),
    ("support request", "email-in", "post-purchase", False, False),
    ("field service visit", "visit", "post-purchase", True, True),
    ("renewal quote", "email-out", "post-purchase", True, True),
    ("review site", "social", "post-purchase", False, False),
)


def upgrade() -> None:
    op.create_table(
        "map_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=100), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("owner_is_person", sa.Boolean(), nullable=False),
        sa.Column("moment_of_truth", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("retired_at", INSTANT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_map_entries_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_map_entries"),
        sa.UniqueConstraint("team_id", "key", name="uq_map_entries_team_id_key"),
    )
    op.create_index("ix_map_entries_team_id", "map_entries", ["team_id"])
    op.create_table(
        "map_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["map_entries.id"],
            name="fk_map_notes_entry_id_map_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_map_notes"),
    )
    op.create_index("ix_map_notes_entry_id", "map_notes", ["entry_id"])
    op.create_table(
        "journey_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_journey_stages_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_journey_stages"),
        sa.UniqueConstraint("team_id", "name", name="uq_journey_stages_team_id_name"),
    )
    op.create_table(
        "touchpoint_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", INSTANT, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id", "customer_id"],
            ["customers.team_id", "customers.id"],
            name="fk_touchpoint_contacts_team_id_customer_id_customers",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name="fk_touchpoint_contacts_touchpoint_id_touchpoints",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_touchpoint_contacts"),
    )
    op.create_index(
        "ix_touchpoint_contacts_team_id_customer_id_occurred_at",
        "touchpoint_contacts",
        ["team_id", "customer_id", "occurred_at"],
    )
    op.create_index(
        "ix_touchpoint_contacts_touchpoint_id", "touchpoint_contacts", ["touchpoint_id"]
    )
    # Plain ADD COLUMNs (no table rebuild on SQLite): both are nullable, with no default.
    op.add_column("touchpoints", sa.Column("promoter", sa.Integer(), nullable=True))
    op.add_column("touchpoints", sa.Column("map_entry_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_touchpoints_team_id_occurred_at_map_entry_id_stage",
        "touchpoints",
        ["team_id", "occurred_at", "map_entry_id", "stage"],
    )
    op.execute("UPDATE touchpoints SET effort = 8 - effort WHERE effort IS NOT NULL")
    _seed_default_maps()


def _seed_default_maps() -> None:
    """Each existing team gets the default map, dated when the team was created."""
    insert = sa.text(
        "INSERT INTO map_entries (team_id, key, name, channel, stage, owner, owner_is_person,"
        " moment_of_truth, active, created_at)"
        " SELECT id, :name, :name, :channel, :stage, NULL, :no, :truth, :active, created_at"
        " FROM teams"
    ).bindparams(
        sa.bindparam("no", type_=sa.Boolean()),
        sa.bindparam("truth", type_=sa.Boolean()),
        sa.bindparam("active", type_=sa.Boolean()),
    )
    for name, channel, stage, truth, active in DEFAULT_MAP:
        op.get_bind().execute(
            insert,
            {
                "name": name,
                "channel": channel,
                "stage": stage,
                "no": False,
                "truth": truth,
                "active": active,
            },
        )


def downgrade() -> None:
    op.execute("UPDATE touchpoints SET effort = 8 - effort WHERE effort IS NOT NULL")
    op.drop_index("ix_touchpoints_team_id_occurred_at_map_entry_id_stage", table_name="touchpoints")
    with op.batch_alter_table("touchpoints") as touchpoints:
        touchpoints.drop_column("map_entry_id")
        touchpoints.drop_column("promoter")
    op.drop_index("ix_touchpoint_contacts_touchpoint_id", table_name="touchpoint_contacts")
    op.drop_index(
        "ix_touchpoint_contacts_team_id_customer_id_occurred_at", table_name="touchpoint_contacts"
    )
    op.drop_table("touchpoint_contacts")
    op.drop_table("journey_stages")
    op.drop_index("ix_map_notes_entry_id", table_name="map_notes")
    op.drop_table("map_notes")
    op.drop_index("ix_map_entries_team_id", table_name="map_entries")
    op.drop_table("map_entries")
