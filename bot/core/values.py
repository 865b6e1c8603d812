"""Value types the ports speak in, beside the model: what repositories store and return
that is not a domain entity (calendar feeds, the measures' scopes and tallies).

They live here, not in the use-case modules that use them, so ``ports`` depends only on
``model`` and this module: the core has no import cycle, and the ports' type hints can
be resolved at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.core.model import Kind

PROMOTER_FROM = 9  # NPS answers of 9-10 are promoters
DETRACTOR_UP_TO = 6  # 0-6 detractors; 7-8 passives


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
    optionally only what happened (fell due, was recorded, was addressed) since an instant,
    and for promises and challenges optionally only those of one journey stage.
    The open-challenge backlog is a state, so ``since`` does not narrow it."""

    team_id: str
    person: str | None = None
    customer_id: int | None = None
    since: datetime | None = None
    # Only promises made at, and challenges raised at, touchpoints of this journey stage.
    stage: str | None = None


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
    stage: str | None
    count: int
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    effort_sum: int = 0
    effort_count: int = 0
    promoters: int = 0  # NPS answers of 9 or 10
    detractors: int = 0  # NPS answers of 0 to 6
    promoter_count: int = 0  # NPS answers


@dataclass(frozen=True)
class DifferenceCount:
    """How many touchpoints of a customer named this biggest difference (exact text)."""

    customer_id: int
    text: str
    touchpoints: int


@dataclass(frozen=True)
class NetPromoter:
    """NPS: the share of promoters (9-10) minus the share of detractors (0-6), -100..100."""

    promoters: int
    detractors: int
    answers: int

    @property
    def score(self) -> int:
        return round(100 * (self.promoters - self.detractors) / self.answers)


# `stats map` groups by map entry, `stats stage` by journey stage.
Grouping = Literal["entry", "stage"]


@dataclass(frozen=True)
class PlaceFigures:
    """What happened at one place (a map entry or a stage); the repository counts it
    (``bot.core.map_measures`` says what)."""

    touchpoints: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    effort_sum: int = 0
    effort_count: int = 0
    promoters: int = 0
    detractors: int = 0
    answers: int = 0
    promises: PromiseTally = field(default_factory=PromiseTally)
    promises_made: int = 0  # our promises made there, counted for on time or not (yet)
    challenges_raised: int = 0
    challenges_open: int = 0  # now
    last_at: datetime | None = None  # the latest touchpoint there, ever

    @property
    def satisfaction(self) -> float | None:
        return self.satisfaction_sum / self.satisfaction_count if self.satisfaction_count else None

    @property
    def effort(self) -> float | None:
        return self.effort_sum / self.effort_count if self.effort_count else None

    @property
    def nps(self) -> NetPromoter | None:
        return NetPromoter(self.promoters, self.detractors, self.answers) if self.answers else None

    @property
    def open_share(self) -> float:
        return self.challenges_open / self.challenges_raised if self.challenges_raised else 0.0
