"""Promises remember until when keeping them counts as on time (``keep_by``): the due
instant, or for a date written without a time the end of that day in the team's zone.
Teams say where reminders of our promises go: the team channel or direct messages, for
the team (``dm_reminders``) and per person (``reminder_prefs``).

Existing promises are filled in by the rule the bot used when it read them: a date without
a time was due at the team's working-day start, so a promise due exactly then (in the
team's zone) was given a date only.

Revision ID: 0007_on_time_and_reminder_routes
Revises: 0006_date_order
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0007_on_time_and_reminder_routes"
down_revision: str | None = "0006_date_order"
branch_labels: str | None = None
depends_on: str | None = None

INSTANT = sa.DateTime(timezone=True)
BATCH = 1000


def upgrade() -> None:
    # Plain-string defaults: SQLite then adds the columns in place, where an expression
    # would make Alembic copy the table (and dropping the old one trips the foreign keys).
    with op.batch_alter_table("teams") as teams:
        teams.add_column(
            sa.Column("dm_reminders", sa.Boolean(), server_default="0", nullable=False)
        )
        teams.add_column(
            sa.Column("reminder_prefs", sa.JSON(), server_default="{}", nullable=False)
        )
    with op.batch_alter_table("promises") as promises:
        promises.add_column(sa.Column("keep_by", INSTANT, nullable=True))
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    team_rows = sa.table(
        "teams", sa.column("id", sa.String), sa.column("timezone", sa.String),
        sa.column("day_start", sa.String),
    )  # fmt: skip
    table = sa.table(
        "promises", sa.column("id", sa.Integer), sa.column("team_id", sa.String),
        sa.column("due_at", INSTANT), sa.column("keep_by", INSTANT),
    )  # fmt: skip
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values(keep_by=sa.bindparam("b_keep_by"))
    )
    for team_id, zone_name, day_start in bind.execute(sa.select(team_rows)).all():
        zone = _zone(zone_name)
        start = tuple(int(part) for part in (day_start or "09:00").split(":")[:2])
        rows = bind.execute(
            sa.select(table.c.id, table.c.due_at).where(
                table.c.team_id == team_id, table.c.due_at.is_not(None)
            )
        ).all()
        values = []
        for promise_id, due in rows:
            keep = _keep_by(_aware(due), zone, start)
            values.append({"b_id": promise_id, "b_keep_by": _stored(keep, sqlite)})
        for first in range(0, len(values), BATCH):
            bind.execute(update, values[first : first + BATCH])


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite through a plain table: the stored text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stored(value: datetime, sqlite: bool) -> datetime:
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if sqlite else value


def _keep_by(due: datetime, zone: ZoneInfo, start: tuple[int, ...]) -> datetime:
    """Kept in step with ``bot.core.workdays.keep_by`` (a migration must not import the
    application, which moves on while this stays as it was)."""
    local = due.astimezone(zone)
    if (local.hour, local.minute, local.second) != (*start, 0):
        return due
    end = local.date() + timedelta(days=1)
    return datetime(end.year, end.month, end.day, tzinfo=zone).astimezone(UTC)


def downgrade() -> None:
    with op.batch_alter_table("promises") as promises:
        promises.drop_column("keep_by")
    with op.batch_alter_table("teams") as teams:
        teams.drop_column("reminder_prefs")
        teams.drop_column("dm_reminders")
