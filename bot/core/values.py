"""Value types the ports speak in, beside the model: what repositories store and return
that is not a domain entity (calendar feeds, the measures' scopes and tallies).

They live here, not in the use-case modules that use them, so ``ports`` depends only on
``model`` and this module: the core has no import cycle, and the ports' type hints can
be resolved at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.model import JourneyStage, Kind


@dataclass
class CalendarFeed:
    """One feed URL. ``owner`` None is the whole team's feed."""

    team_id: str
    owner: str | None
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None
    id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Scope:
    """Which records a measure covers: a team, optionally one person or one customer, and
    optionally only what happened (fell due, was recorded, was addressed) since an instant.
    The open-challenge backlog is a state, so ``since`` does not narrow it."""

    team_id: str
    person: str | None = None
    customer_id: int | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class PromiseTally:
    """Promise outcomes, counted. Only dated promises count for on time."""

    on_time: int = 0  # kept at or before the due date
    late: int = 0  # kept after the due date
    missed: int = 0  # marked not kept
    overdue: int = 0  # still open, past the due date
    kept_undated: int = 0
    not_kept_undated: int = 0

    @property
    def counted(self) -> int:
        """The base of the on-time rate: dated promises settled or past due."""
        return self.on_time + self.late + self.missed + self.overdue

    @property
    def not_on_time(self) -> int:
        return self.late + self.missed + self.overdue

    @property
    def rate(self) -> float | None:
        return self.on_time / self.counted if self.counted else None

    @property
    def kept(self) -> int:
        return self.on_time + self.late + self.kept_undated

    @property
    def not_kept(self) -> int:
        return self.missed + self.not_kept_undated

    def __add__(self, other: PromiseTally) -> PromiseTally:
        return PromiseTally(
            self.on_time + other.on_time,
            self.late + other.late,
            self.missed + other.missed,
            self.overdue + other.overdue,
            self.kept_undated + other.kept_undated,
            self.not_kept_undated + other.not_kept_undated,
        )

    def is_empty(self) -> bool:
        return not (self.counted or self.kept_undated or self.not_kept_undated)


@dataclass(frozen=True)
class TouchpointGroup:
    """Touchpoints of one kind and journey stage, with the sums of their scores."""

    kind: Kind
    stage: JourneyStage | None
    count: int
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    effort_sum: int = 0
    effort_count: int = 0


@dataclass(frozen=True)
class DifferenceCount:
    """How many touchpoints of a customer named this biggest difference (exact text)."""

    customer_id: int
    text: str
    touchpoints: int
