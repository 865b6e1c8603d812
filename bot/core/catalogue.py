"""Reading the touchpoint map: the map a new team starts with, the team's journey stages,
and finding the entry a user named. (Changing the map: ``bot.core.touchmap``.)

The default map holds a few touchpoints most customer-facing teams have, across the
journey, with the moments of truth marked; owners are left for the team to name.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.entry_labels import clean_text
from bot.core.errors import NotFound, UserError
from bot.core.model import JourneyStage, Kind, MapEntry, map_key
from bot.core.ports import UnitOfWork

MAX_MAP_NAME = 60
STANDARD_STAGES = tuple(s.value for s in JourneyStage)

PRE, BUY, POST = JourneyStage.PRE_PURCHASE, JourneyStage.PURCHASE, JourneyStage.POST_PURCHASE

# (name, channel, stage, moment of truth, active)
DEFAULT_MAP: tuple[tuple[str, Kind, JourneyStage, bool, bool], ...] = (
    ("website visit", Kind.WEB, PRE, False, False),
    ("sales call", Kind.CALL, PRE, False, True),
    ("sales quote", Kind.EMAIL_OUT, PRE, True, True),
    ("onboarding call", Kind.CALL, BUY, True, True),
    ("first invoice", Kind.EMAIL_OUT, BUY, True, True),
    ("support request", Kind.EMAIL_IN, POST, False, False),
    ("field service visit", Kind.VISIT, POST, True, True),
    ("renewal quote", Kind.EMAIL_OUT, POST, True, True),
    ("review site", Kind.SOCIAL, POST, False, False),
)


def default_map(team_id: str, now: datetime) -> list[MapEntry]:
    return [
        MapEntry(
            team_id=team_id,
            name=name,
            channel=channel,
            stage=stage.value,
            moment_of_truth=truth,
            active=active,
            created_at=now,
        )
        for name, channel, stage, truth, active in DEFAULT_MAP
    ]


def seed_default_map(uow: UnitOfWork, team_id: str, now: datetime) -> None:
    """A new team's starting map (the caller commits)."""
    for entry in default_map(team_id, now):
        uow.touchmap.add(entry)


@dataclass(frozen=True)
class FormChoices:
    """What a form offers to pick from: the team's codes, map entries in use, stages."""

    codes: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()


def form_choices(team_id: str, *, uow: UnitOfWork) -> FormChoices:
    with uow:
        team = uow.teams.get(team_id)
        entries = uow.touchmap.entries(team_id)
        return FormChoices(
            team.completion_codes if team else (),
            tuple(e.name for e in entries if not e.is_retired),
            team_stages(uow, team_id),
        )


def team_stages(uow: UnitOfWork, team_id: str) -> tuple[str, ...]:
    """The team's journey stages in order: its own, or the three standard ones."""
    return uow.touchmap.stages(team_id) or STANDARD_STAGES


def find_entry(entries: Sequence[MapEntry], text: str, *, for_recording: bool) -> MapEntry:
    """The entry ``text`` names; a clear error with the nearest names when none does."""
    wanted = map_key(clean_text(text))
    for entry in entries:
        if map_key(entry.name) == wanted:
            if entry.is_retired and for_recording:
                raise UserError(
                    f"“{entry.name}” is retired from the touchpoint map. Name another, or "
                    f'bring it back with `/touchpoint map restore "{entry.name}"`.'
                )
            return entry
    live = [map_key(e.name) for e in entries if not (for_recording and e.is_retired)]
    close = difflib.get_close_matches(wanted, live, n=3, cutoff=0.6)
    close += [n for n in live if wanted and wanted in n and n not in close]
    hint = f" Did you mean {', '.join(f'“{n}”' for n in close[:3])}?" if close else ""
    raise NotFound(
        f"“{text.strip()[:MAX_MAP_NAME]}” is not on the touchpoint map.{hint} "
        f"The map: {', '.join(live) or 'none yet'}. `/touchpoint map add` adds one."
    )
