"""The in-memory ``BatchReads``: each team read on its own through the fake repositories,
which is what the batched reads must answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.core.batch_reads import DueWindow, Section
from bot.core.model import Challenge, Customer, Direction, Promise


class FakeBatchReads:
    def __init__(self, challenges: Any, promises: Any, customers: Any) -> None:
        self._challenges = challenges
        self._promises = promises
        self._customers = customers

    def due_promises(
        self, windows: Sequence[DueWindow], limit: int
    ) -> dict[tuple[str, Section], tuple[list[Promise], int]]:
        out: dict[tuple[str, Section], tuple[list[Promise], int]] = {}
        for w in windows:
            for section, direction, before, since in (
                (Section.OURS_OVERDUE, Direction.OURS, w.day_start, None),
                (Section.OURS_TODAY, Direction.OURS, w.day_end, w.day_start),
                (Section.THEIRS, Direction.THEIRS, w.day_end, None),
            ):
                found = self._promises.open_for_team(
                    w.team_id, direction=direction, due_before=before, due_from=since
                )
                if found:
                    out[(w.team_id, section)] = (found[:limit], len(found))
        return out

    def promises(self, wanted: Mapping[str, Sequence[int]]) -> dict[str, dict[int, Promise]]:
        return {t: self._promises.get_many(t, ids) for t, ids in wanted.items()}

    def customers(self, wanted: Mapping[str, Sequence[int]]) -> dict[str, dict[int, Customer]]:
        return {t: self._customers.get_many(t, ids) for t, ids in wanted.items()}

    def open_challenge_counts(self, team_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        out = {}
        for team_id in team_ids:
            _, total, customers = self._challenges.open_customers(team_id, 0)
            if total:
                out[team_id] = (total, customers)
        return out

    def open_raised_since(
        self, since: Mapping[str, datetime], limit: int
    ) -> dict[str, tuple[list[Challenge], int]]:
        found = {t: self._challenges.open_raised_since(t, at, limit) for t, at in since.items()}
        return {t: (items, total) for t, (items, total) in found.items() if total}

    def open_passed_to(
        self, areas: Sequence[tuple[str, str]], limit: int
    ) -> dict[tuple[str, str], tuple[list[Challenge], int]]:
        found = {key: self._challenges.open_passed_to(*key, limit) for key in areas}
        return {key: (items, total) for key, (items, total) in found.items() if total}

    def oldest_open(self, limits: Mapping[str, int]) -> dict[str, list[Challenge]]:
        return {t: self._challenges.open_for_team(t, limit=n) for t, n in limits.items()}
