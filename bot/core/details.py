"""The second step of a form: where on the journey a saved touchpoint was, who took part,
and its scores (CSAT, NPS, CES). Discord's modal holds five fields, so its form asks for
the five things a touchpoint records first and offers these afterwards.

Each given field replaces the touchpoint's; contacts are added. ``place`` names a map entry
(which sets the stage too, unless a stage is named) or one of the team's stages.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.catalogue import find_entry, team_stages
from bot.core.drafts import FormFields
from bot.core.errors import FieldError, NotFound, ParseError, UserError
from bot.core.model import Customer, MapEntry, Team, Touchpoint, map_key, stage_key
from bot.core.parsing import parse_form, reading
from bot.core.ports import Clock, UnitOfWork
from bot.core.services import MAX_ID, load_team


@dataclass(frozen=True)
class DetailsAdded:
    team: Team
    customer: Customer
    touchpoint: Touchpoint
    map_entry: MapEntry | None


NOTHING_GIVEN = (
    "Nothing to add: name the touchpoint on the map (or a stage), who took part, or a score."
)


def add_details(
    team_id: str,
    touchpoint_id: int,
    place: str,
    fields: FormFields,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> DetailsAdded:
    """``fields``: contacts and the scores, as a form sends them; ``place``: a map entry's
    name or a stage. All or nothing, like recording."""
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        found = 0 < touchpoint_id <= MAX_ID
        touchpoint = uow.touchpoints.get(team_id, touchpoint_id) if found else None
        if touchpoint is None:
            raise NotFound(f"There is no touchpoint #{touchpoint_id} in this team.")
        errors: list[FieldError] = []
        try:
            draft = parse_form(
                fields,
                now=now,
                **reading(team),
            )
        except ParseError as exc:
            draft = None
            errors += [e for e in exc.errors if e.field != "entry"]
        entry = None
        stage = draft.stage if draft else None
        place = " ".join(place.split())
        if place:
            stages = team_stages(uow, team_id)
            if stage_key(place) in stages:
                stage = stage_key(place)
            else:
                entries = uow.touchmap.entries(team_id)
                try:
                    entry = find_entry(entries, place, for_recording=True)
                except UserError as exc:
                    message = f"{exc.message} Or name a stage: {', '.join(stages)}."
                    errors.append(FieldError("map_entry", message))
        if errors:
            raise ParseError(errors)
        contacts = draft.contacts if draft else ()
        scores = (draft.satisfaction, draft.effort, draft.promoter) if draft else (None,) * 3
        if entry is None and stage is None and not contacts and scores == (None, None, None):
            raise ParseError([FieldError("map_entry", NOTHING_GIVEN)])
        if entry is not None:
            touchpoint.map_entry_id = entry.id
            touchpoint.stage = stage or entry.stage
        elif stage is not None:
            touchpoint.stage = stage
        satisfaction, effort, promoter = scores
        touchpoint.satisfaction = (
            satisfaction if satisfaction is not None else touchpoint.satisfaction
        )
        touchpoint.effort = effort if effort is not None else touchpoint.effort
        touchpoint.promoter = promoter if promoter is not None else touchpoint.promoter
        known = {map_key(c.name) for c in touchpoint.contacts}
        added = tuple(c for c in contacts if map_key(c.name) not in known)
        touchpoint.contacts = (*touchpoint.contacts, *added)
        uow.touchpoints.save_details(touchpoint, added)
        customer = uow.customers.get(team_id, touchpoint.customer_id)
        assert customer is not None
        if entry is None and touchpoint.map_entry_id is not None:
            entry = next(
                (e for e in uow.touchmap.entries(team_id) if e.id == touchpoint.map_entry_id),
                None,
            )
        uow.commit()
        return DetailsAdded(team, customer, touchpoint, entry)
