"""The schema, as SQLAlchemy 2 typed declarative models.

Rows here are a storage detail: repositories turn them into the domain's dataclasses and
back. Enum values are stored as their ``.value`` strings; every instant is stored as UTC.
Every table below a team carries ``team_id``, and rows that point at a customer do so with
the pair (team_id, customer_id), so the database itself refuses a cross-team reference.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.core.delivery import DeliveryStatus
from bot.core.model import ChallengeStatus, Direction, PromiseStatus

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The reminder poll's partial index and its query share this predicate. It must stay a
# literal (not a bound parameter) or neither database can prove the index applies.
OPEN_PROMISE_SQL = f"status = '{PromiseStatus.OPEN.value}'"
# Likewise for the deliveries a worker may still have to send (the outbox poll).
ACTIVE_DELIVERY_SQL = (
    f"status IN ('{DeliveryStatus.PENDING.value}', '{DeliveryStatus.SENDING.value}')"
)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC, read back as aware UTC on every backend.

    SQLite has no time zones: it stores the naive UTC wall time, which also keeps its text
    ordering chronological. Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy's own hook)


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _customer_fk(ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["team_id", "customer_id"], ["customers.team_id", "customers.id"], ondelete=ondelete
    )


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(100))
    digest_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", team-local
    day_start: Mapped[str] = mapped_column(String(5))  # "HH:MM", team-local
    digest_days: Mapped[str] = mapped_column(String(20))  # "0,1,2,3,4" (Monday is 0)
    completion_codes: Mapped[list[str]] = mapped_column(JSON)
    remind_overdue: Mapped[bool] = mapped_column(Boolean)
    area_owners: Mapped[dict[str, str]] = mapped_column(JSON, server_default=sql_text("'{}'"))
    code_followups: Mapped[dict[str, str]] = mapped_column(JSON, server_default=sql_text("'{}'"))
    date_order: Mapped[str | None] = mapped_column(String(3))  # "dmy"/"mdy"; NULL: the zone's
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    dm_reminders: Mapped[bool] = mapped_column(Boolean, server_default=false())
    reminder_prefs: Mapped[dict[str, str]] = mapped_column(JSON, server_default=sql_text("'{}'"))
    # The weekday owners get their weekly summary (Monday is 0); NULL: turned off.
    owner_summary_day: Mapped[int | None] = mapped_column(Integer, server_default="0")


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("team_id", "slug"),
        # The target of the (team_id, customer_id) foreign keys below.
        UniqueConstraint("team_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100), ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text)
    # search_key(name): what a search by name compares, case-folded in every script.
    search_name: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CustomerAliasRow(Base):
    __tablename__ = "customer_aliases"
    __table_args__ = (
        # One name means one customer: an alias slug is unique in its team (and the
        # repository also keeps it apart from other customers' own slugs).
        UniqueConstraint("team_id", "slug"),
        _customer_fk(ondelete="CASCADE"),
        Index("ix_customer_aliases_team_id_customer_id", "team_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # keeps the aliases' order
    team_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(Integer)
    alias: Mapped[str] = mapped_column(Text)
    slug: Mapped[str] = mapped_column(Text)
    search_name: Mapped[str] = mapped_column(Text, server_default="")  # search_key(alias)


class TouchpointRow(Base):
    __tablename__ = "touchpoints"
    __table_args__ = (
        _customer_fk(),
        Index(
            "ix_touchpoints_team_id_customer_id_occurred_at",
            "team_id",
            "customer_id",
            "occurred_at",
        ),
        # Measures per map entry and stage (`stats map`, `stats stage`): a team's touchpoints
        # of a span with their place and scores, from the index alone; their promises and
        # challenges are found from there. (Leading with the entry instead made SQLite's
        # planner scan every touchpoint of the team for a one-month span.)
        Index(
            "ix_touchpoints_team_id_occurred_at_map_entry_id_stage_scores",
            "team_id",
            "occurred_at",
            "map_entry_id",
            "stage",
            "satisfaction",
            "effort",
            "promoter",
        ),
        # Each map entry's last touchpoint (the overlooked ones), without reading the rest.
        Index(
            "ix_touchpoints_team_id_map_entry_id_occurred_at",
            "team_id",
            "map_entry_id",
            "occurred_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text)
    difference: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    effort: Mapped[int | None] = mapped_column(Integer)  # CES, 7 very easy
    promoter: Mapped[int | None] = mapped_column(Integer)  # NPS answer 0-10
    # No foreign key: SQLite adds one to an existing table only by rebuilding the table
    # (every touchpoint copied). The service takes the id from the team's own map.
    map_entry_id: Mapped[int | None] = mapped_column(Integer)


class TouchpointEditRow(Base):
    """An edit of a touchpoint and what it replaced (``bot.core.model.TouchpointEdit``)."""

    __tablename__ = "touchpoint_edits"
    __table_args__ = (
        Index("ix_touchpoint_edits_team_id_actor_at", "team_id", "actor", "at"),
        Index("ix_touchpoint_edits_touchpoint_id", "touchpoint_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100))
    touchpoint_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("touchpoints.id", ondelete="CASCADE")
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    previous: Mapped[str] = mapped_column(Text)
    undone_at: Mapped[datetime | None]


class TouchpointContactRow(Base):
    """Someone at the customer named on a touchpoint (``with: Jane Smith (CFO)``)."""

    __tablename__ = "touchpoint_contacts"
    __table_args__ = (
        _customer_fk(),
        # The record's contact list: a customer's mentions, newest first.
        Index(
            "ix_touchpoint_contacts_team_id_customer_id_occurred_at",
            "team_id",
            "customer_id",
            "occurred_at",
        ),
        Index("ix_touchpoint_contacts_touchpoint_id", "touchpoint_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(Integer)
    touchpoint_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("touchpoints.id", ondelete="CASCADE")
    )
    occurred_at: Mapped[datetime]  # the touchpoint's, so the list needs no join
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)


class MapEntryRow(Base):
    """A touchpoint on the team's map (``bot.core.model.MapEntry``)."""

    __tablename__ = "map_entries"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_map_entries_team_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100), ForeignKey("teams.id"))
    key: Mapped[str] = mapped_column(Text)  # ``map_key(name)``: one entry per name
    name: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(Text)
    owner_is_person: Mapped[bool] = mapped_column(Boolean)
    moment_of_truth: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class MapNoteRow(Base):
    """An improvement note on a map entry; append-only, like the histories."""

    __tablename__ = "map_notes"
    __table_args__ = (Index("ix_map_notes_entry_id", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, ForeignKey("map_entries.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)


class JourneyStageRow(Base):
    """A team's own journey stages, in order; a team without rows has the standard three."""

    __tablename__ = "journey_stages"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100), ForeignKey("teams.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(16))


class ChallengeRow(Base):
    __tablename__ = "challenges"
    __table_args__ = (
        _customer_fk(),
        CheckConstraint(_one_of("status", [s.value for s in ChallengeStatus]), name="status"),
        Index("ix_challenges_team_id_status_raised_at", "team_id", "status", "raised_at"),
        # A customer's challenges by status, oldest raised first: the record's counts and
        # its pages read the index alone (the id too, for PostgreSQL's index-only scans).
        Index(
            "ix_challenges_team_id_customer_id_status_raised_at",
            "team_id",
            "customer_id",
            "status",
            "raised_at",
            "id",
        ),
        # A touchpoint's challenges with their status: `stats map` counts the open ones
        # from the index alone.
        Index("ix_challenges_touchpoint_id_status", "touchpoint_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(Integer)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("touchpoints.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    passed_to: Mapped[str | None] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]


class PromiseRow(Base):
    __tablename__ = "promises"
    __table_args__ = (
        _customer_fk(),
        CheckConstraint(_one_of("status", [s.value for s in PromiseStatus]), name="status"),
        CheckConstraint(_one_of("direction", [d.value for d in Direction]), name="direction"),
        Index("ix_promises_team_id_status_due_at", "team_id", "status", "due_at"),
        # A customer's promises by direction and status, oldest made first (the record).
        Index(
            "ix_promises_team_id_customer_id_direction_status_made_at",
            "team_id",
            "customer_id",
            "direction",
            "status",
            "made_at",
            "id",
        ),
        # A touchpoint's promises with what their outcome needs (`stats map`), index only.
        Index(
            "ix_promises_touchpoint_id_direction_status_due_at_keep_by_id",
            "touchpoint_id",
            "direction",
            "status",
            "due_at",
            "keep_by",
            "id",
        ),
        # The reminder poll: only open promises, in the order they fall due; the id makes
        # the index deliver the query's tie-break too.
        Index(
            "ix_promises_remind_at_open",
            "remind_at",
            "id",
            sqlite_where=sql_text(OPEN_PROMISE_SQL),
            postgresql_where=sql_text(OPEN_PROMISE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(Integer)
    touchpoint_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("touchpoints.id"))
    direction: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    remind_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, server_default=sql_text("0"))
    # Until when keeping it counts as on time (the end of the day for a date without a time).
    keep_by: Mapped[datetime | None]


class _EventColumns:
    """The shape both append-only histories share."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    # What the change replaced, for undoing it (``Event.previous``); "" when nothing.
    previous: Mapped[str] = mapped_column(Text, server_default=sql_text("''"))


class ChallengeEventRow(_EventColumns, Base):
    __tablename__ = "challenge_events"
    __table_args__ = (Index("ix_challenge_events_challenge_id", "challenge_id"),)

    challenge_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("challenges.id", ondelete="CASCADE")
    )


class PromiseEventRow(_EventColumns, Base):
    __tablename__ = "promise_events"
    # A promise's history; by action with its time, when it was kept (measures).
    __table_args__ = (
        Index("ix_promise_events_promise_id_action_at", "promise_id", "action", "at"),
    )

    promise_id: Mapped[int] = mapped_column(Integer, ForeignKey("promises.id", ondelete="CASCADE"))


class DeliveryRow(Base):
    """A message the bot owes a channel: the outbox (see ``bot.core.delivery``)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("key"),
        CheckConstraint(_one_of("status", [s.value for s in DeliveryStatus]), name="status"),
        Index("ix_deliveries_team_id_message_ref", "team_id", "message_ref"),
        # A reaction in a direct message names no team: its reminder is found by reference.
        Index("ix_deliveries_message_ref", "message_ref"),
        # The outbox poll: only deliveries still to send, oldest first. Sent, skipped and
        # failed ones (nearly all of them, in time) stay out of it.
        Index(
            "ix_deliveries_active",
            "due_at",
            "id",
            sqlite_where=sql_text(ACTIVE_DELIVERY_SQL),
            postgresql_where=sql_text(ACTIVE_DELIVERY_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100), ForeignKey("teams.id"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    day: Mapped[str] = mapped_column(String(10))  # digests: the team-local ISO date
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(Text)
    lease_until: Mapped[datetime | None]
    message_ref: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DeliveryPromiseRow(Base):
    """Which promises a reminder or nudge carries (to update it when one is settled)."""

    __tablename__ = "delivery_promises"
    __table_args__ = (Index("ix_delivery_promises_promise_id", "promise_id"),)

    delivery_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True
    )
    promise_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("promises.id", ondelete="CASCADE"), primary_key=True
    )


class ChannelHoldRow(Base):
    """Which worker sends to a channel (one instance paces each channel): held while it
    has deliveries to it claimed and not yet recorded (``claimed``), then until the
    platform's pace lets another post go (see ``bot.core.reminders.claim_deliveries``)."""

    __tablename__ = "channel_holds"

    team_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)
    worker: Mapped[str] = mapped_column(Text)
    claimed: Mapped[int] = mapped_column(Integer)
    held_until: Mapped[datetime]


class ProcessedEventRow(Base):
    """A platform event (Slack ``event_id``, ...) already handled: retries are dropped."""

    __tablename__ = "processed_events"
    # Old keys can be pruned by age; retries come within minutes.
    __table_args__ = (Index("ix_processed_events_at", "at"),)

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100))  # no FK: may precede the team's row
    at: Mapped[datetime]


class CalendarFeedRow(Base):
    """An iCalendar feed URL: only a hash of its secret token is stored; revoking keeps
    the row (and so the token can never be reissued)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("token_hash"),
        Index("ix_calendar_feeds_team_id_owner", "team_id", "owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(100), ForeignKey("teams.id"))
    owner: Mapped[str | None] = mapped_column(Text)  # None: the whole team's feed
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


def table_of(row: type[Base]) -> Table:
    """The Core table behind a mapped class. Core INSERTs skip the ORM's bulk machinery,
    which costs more CPU than the database does on the record path."""
    return Base.metadata.tables[row.__tablename__]


def table_names() -> list[str]:
    """Every table, parents before children (the order to create, or to empty in reverse)."""
    return [t.name for t in Base.metadata.sorted_tables]
