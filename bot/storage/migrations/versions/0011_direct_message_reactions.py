"""Deliveries are found by their message reference alone: a reaction in a direct message
names no server, so the team of the reminder it is on is read from the reminder itself.

Revision ID: 0011_direct_message_reactions
Revises: 0010_undo_and_edits
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision: str = "0011_direct_message_reactions"
down_revision: str | None = "0010_undo_and_edits"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_deliveries_message_ref", "deliveries", ["message_ref"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_message_ref", table_name="deliveries")
