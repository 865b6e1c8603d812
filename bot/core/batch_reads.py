"""Reads for many teams at once: a claimed batch of the 09:00 burst builds its digests and
reminders from one query per kind for all its teams, where reading them team by team took
about ten queries a digest (most of a delivery's CPU).

Each method answers, for every team asked about, what the team-scoped repository methods
answer for that team alone; no answer mixes teams.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.model import Challenge, Customer, Promise


class Section(enum.IntEnum):
    """A digest's promise lists, each the soonest due first."""

    OURS_OVERDUE = 0  # ours, due before the day starts
    OURS_TODAY = 1  # ours, due during the day
    THEIRS = 2  # theirs, due before the day ends


@dataclass(frozen=True)
class DueWindow:
    """A team's local day, as instants: where its digest's promise lists start and end."""

    team_id: str
    day_start: datetime
    day_end: datetime


class BatchReads(Protocol):
    def due_promises(
        self, windows: Sequence[DueWindow], limit: int
    ) -> dict[tuple[str, Section], tuple[list[Promise], int]]:
        """Per team and section: the first ``limit`` open promises (soonest due first, with
        their histories) and how many there are. Empty sections are left out."""
        ...

    def promises(self, wanted: Mapping[str, Sequence[int]]) -> dict[str, dict[int, Promise]]:
        """Each team's promises of the given ids, with their histories."""
        ...

    def customers(self, wanted: Mapping[str, Sequence[int]]) -> dict[str, dict[int, Customer]]:
        """Each team's customers of the given ids, with their aliases."""
        ...

    def open_challenge_counts(self, team_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Per team: open challenges, and customers with one (teams with none left out)."""
        ...

    def open_raised_since(
        self, since: Mapping[str, datetime], limit: int
    ) -> dict[str, tuple[list[Challenge], int]]:
        """Per team: its first ``limit`` open challenges raised since its instant (oldest
        raised first) and how many there are. Teams with none are left out."""
        ...

    def open_passed_to(
        self, areas: Sequence[tuple[str, str]], limit: int
    ) -> dict[tuple[str, str], tuple[list[Challenge], int]]:
        """Per (team, area): the first ``limit`` open challenges passed on to the area and
        how many there are. Areas with none are left out."""
        ...

    def oldest_open(self, limits: Mapping[str, int]) -> dict[str, list[Challenge]]:
        """Per team: its first open challenges, oldest raised first, as many as its limit."""
        ...
