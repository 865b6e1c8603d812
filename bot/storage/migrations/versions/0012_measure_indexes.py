"""Covering indexes for `stats map` and `stats stage`. The report walks a team's
touchpoints of a span and, for each, its promises (with when each was kept) and its
challenges. Each index below replaces one that is its prefix, so nothing loses an index;
with them every step of the report reads indexes alone instead of fetching each row:

- touchpoints by (team, occurred_at) carry the place and the three scores;
- touchpoints by (team, map entry, occurred_at) give each entry's last touchpoint;
- a touchpoint's promises carry what their outcome needs (direction, status, due and
  keep-by times; the id for PostgreSQL's index-only scans);
- a promise's events are found by action, with their time (when it was kept);
- a touchpoint's challenges carry their status.

Revision ID: 0012_measure_indexes
Revises: 0011_direct_message_reactions
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision: str = "0012_measure_indexes"
down_revision: str | None = "0011_direct_message_reactions"
branch_labels: str | None = None
depends_on: str | None = None

# (table, old index, its columns, new index, its columns)
REPLACED = (
    (
        "touchpoints",
        "ix_touchpoints_team_id_occurred_at_map_entry_id_stage",
        ["team_id", "occurred_at", "map_entry_id", "stage"],
        "ix_touchpoints_team_id_occurred_at_map_entry_id_stage_scores",
        ["team_id", "occurred_at", "map_entry_id", "stage", "satisfaction", "effort", "promoter"],
    ),
    (
        "promises",
        "ix_promises_touchpoint_id",
        ["touchpoint_id"],
        "ix_promises_touchpoint_id_direction_status_due_at_keep_by_id",
        ["touchpoint_id", "direction", "status", "due_at", "keep_by", "id"],
    ),
    (
        "promise_events",
        "ix_promise_events_promise_id",
        ["promise_id"],
        "ix_promise_events_promise_id_action_at",
        ["promise_id", "action", "at"],
    ),
    (
        "challenges",
        "ix_challenges_touchpoint_id",
        ["touchpoint_id"],
        "ix_challenges_touchpoint_id_status",
        ["touchpoint_id", "status"],
    ),
)
LAST_BY_ENTRY = "ix_touchpoints_team_id_map_entry_id_occurred_at"


def upgrade() -> None:
    for table, old, _, new, columns in REPLACED:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)
    op.create_index(LAST_BY_ENTRY, "touchpoints", ["team_id", "map_entry_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index(LAST_BY_ENTRY, table_name="touchpoints")
    for table, old, old_columns, new, _ in reversed(REPLACED):
        op.create_index(old, table, old_columns)
        op.drop_index(new, table_name=table)
