"""The touchpoint map: the team's catalogue of touchpoints, placed on its customer journey.

`/touchpoint map` shows it; `map add|change|owner|truth|retire|restore|note|stages` change
it. Adding, changing and retiring need the platform's admin right where it has one (Manage
Server on Discord, a workspace admin on Slack); ``Context.can_manage`` carries the answer,
None where the platform has no such thing (the console). Anyone may add an improvement
note: it carries its author.

Entry grammar, after the name (in quotes when it has several words and is new):
a channel (a kind, or ``web``), a stage (one of the team's), ``truth`` / ``no-truth``,
``active`` / ``passive``, an owner (``@someone``, or ``owner <area>`` last).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.catalogue import MAX_MAP_NAME, find_entry, team_stages
from bot.core.entry_labels import clean_text
from bot.core.errors import UserError
from bot.core.model import (
    MAX_ITEM_CHARS,
    MAX_STAGE_CHARS,
    Kind,
    MapEntry,
    MapNote,
    Team,
    parse_kind,
    stage_key,
)
from bot.core.ports import Clock, UnitOfWork
from bot.core.services import load_team
from bot.core.team_settings import MENTION

MAX_MAP_ENTRIES = 100  # a map is a short list of the critical touchpoints, not a log
MAX_STAGES = 12
TRUTH_WORDS = {"truth": True, "moment": True, "mot": True, "no-truth": False, "not-truth": False}
ACTIVE_WORDS = {"active": True, "passive": False}
_QUOTED = re.compile(r"\s*[\"“”']([^\"“”']+)[\"“”']\s*(.*)", re.DOTALL)
ADMIN_VERBS = frozenset({"add", "change", "owner", "truth", "retire", "restore", "stages"})
USAGE = (
    "Write `/touchpoint map` to see the map, or "
    '`map add "first invoice" email-out purchase truth active @someone`, '
    '`map change "first invoice" post-purchase`, `map owner "first invoice" @someone` '
    '(or `owner "first invoice" billing`), `map truth "first invoice" on|off`, '
    '`map retire "first invoice"`, `map restore "first invoice"`, '
    '`map note "first invoice" VAT shown wrong for EU customers`, '
    "`map stages pre-purchase, purchase, onboarding, post-purchase`."
)


@dataclass(frozen=True)
class TouchpointMap:
    team: Team
    entries: tuple[MapEntry, ...]  # in use; retired ones are in ``retired``
    retired: tuple[MapEntry, ...]
    stages: tuple[str, ...]


@dataclass(frozen=True)
class MapChanged:
    map: TouchpointMap
    entry: MapEntry | None
    change: str  # "added", "changed", "owner", "truth", "retired", "restored", "note", "stages"


# -- reading ---------------------------------------------------------------------------------


def load_map(uow: UnitOfWork, team: Team) -> TouchpointMap:
    entries = uow.touchmap.entries(team.id)
    stages = team_stages(uow, team.id)
    order = {s: n for n, s in enumerate(stages)}

    def placed(entry: MapEntry) -> tuple[int, bool, str]:
        return (order.get(entry.stage, len(order)), not entry.moment_of_truth, entry.name)

    return TouchpointMap(
        team,
        tuple(sorted((e for e in entries if not e.is_retired), key=placed)),
        tuple(sorted((e for e in entries if e.is_retired), key=placed)),
        stages,
    )


def show_map(team_id: str, *, uow: UnitOfWork) -> TouchpointMap:
    with uow:
        return load_map(uow, load_team(uow, team_id))


# -- changing --------------------------------------------------------------------------------


def change_map(
    team_id: str,
    text: str,
    actor: str,
    *,
    can_manage: bool | None,
    uow: UnitOfWork,
    clock: Clock,
) -> MapChanged:
    """Run `map <verb> ...`; nothing is saved unless all of it is understood."""
    verb, _, rest = clean_text(text).strip().partition(" ")
    verb = verb.lower()
    if verb not in {*ADMIN_VERBS, "note"}:
        raise UserError(f"Unknown map command “{verb}”. {USAGE}")
    if verb in ADMIN_VERBS and can_manage is False:
        raise UserError(
            "Changing the touchpoint map needs an admin (Manage Server on Discord, a "
            "workspace admin on Slack). Anyone can add a note: "
            '`/touchpoint map note "first invoice" ...`.'
        )
    now = clock.now()
    with uow:
        team = load_team(uow, team_id)
        entries = uow.touchmap.entries(team_id)
        stages = team_stages(uow, team_id)
        rest = rest.strip()
        entry: MapEntry | None
        if verb == "stages":
            entry = None
            uow.touchmap.set_stages(team_id, _new_stages(rest, stages, entries))
        elif verb == "add":
            entry = _new_entry(team, rest, entries, stages, now)
            uow.touchmap.add(entry)
        else:
            entry, tail = _named(entries, rest, verb)
            _apply(verb, entry, tail, stages, actor, now)
            uow.touchmap.save(entry)
        uow.commit()
        return MapChanged(load_map(uow, team), entry, verb)


def _named(entries: Sequence[MapEntry], text: str, verb: str) -> tuple[MapEntry, str]:
    """The entry named at the start of ``text`` (quoted, or its longest prefix of words that
    names one) and what follows."""
    if not text:
        raise UserError(f'Name the touchpoint: `/touchpoint map {verb} "first invoice" ...`. ')
    quoted = _QUOTED.match(text)
    if quoted:
        return find_entry(entries, quoted.group(1), for_recording=False), quoted.group(2).strip()
    words = text.split()
    for n in range(len(words), 0, -1):
        name = " ".join(words[:n])
        if any(e.answers_to(name) for e in entries):
            return find_entry(entries, name, for_recording=False), " ".join(words[n:])
    return find_entry(entries, text, for_recording=False), ""  # raises, with suggestions


def _apply(
    verb: str, entry: MapEntry, tail: str, stages: Sequence[str], actor: str, now: datetime
) -> None:
    if verb == "change":
        if not _read_attributes(tail, stages, entry):
            raise UserError(
                f'Say what to change: `/touchpoint map change "{entry.name}" post-purchase '
                "email-out passive`."
            )
    elif verb == "owner":
        entry.owner, entry.owner_is_person = _owner(tail, entry.name)
    elif verb == "truth":
        word = (tail or "on").lower()
        if word not in {"on", "off", "yes", "no"}:
            raise UserError(f'Write `/touchpoint map truth "{entry.name}" on` (or `off`).')
        entry.moment_of_truth = word in {"on", "yes"}
    elif verb == "retire":
        if entry.is_retired:
            raise UserError(f"“{entry.name}” is already retired.")
        entry.retired_at = now
    elif verb == "restore":
        if not entry.is_retired:
            raise UserError(f"“{entry.name}” is in use; only retired touchpoints are restored.")
        entry.retired_at = None
    elif verb == "note":
        note = " ".join(tail.split())
        if not note:
            raise UserError(
                f'Write the note after the name: `/touchpoint map note "{entry.name}" '
                "VAT shown wrong for EU customers`."
            )
        if len(note) > MAX_ITEM_CHARS:
            raise UserError(f"A note can have at most {MAX_ITEM_CHARS} characters.")
        entry.notes.append(MapNote(now, actor, note))


def _new_entry(
    team: Team, text: str, entries: Sequence[MapEntry], stages: Sequence[str], now: datetime
) -> MapEntry:
    quoted = _QUOTED.match(text)
    if quoted:
        name, tail = quoted.group(1), quoted.group(2)
    else:
        name, tail = _split_unquoted(text, stages)
    name = " ".join(name.split())
    if not name:
        raise UserError(USAGE)
    if len(name) > MAX_MAP_NAME:
        raise UserError(f"A touchpoint's name can have at most {MAX_MAP_NAME} characters.")
    if any(e.answers_to(name) for e in entries):
        raise UserError(
            f"“{name}” is on the map already: change it with "
            f'`/touchpoint map change "{name}" ...` (or `restore` it if it is retired).'
        )
    if sum(not e.is_retired for e in entries) >= MAX_MAP_ENTRIES:
        raise UserError(
            f"The map has {MAX_MAP_ENTRIES} touchpoints, the most it takes: retire one first."
        )
    entry = MapEntry(team.id, name, Kind.OTHER, "", created_at=now)
    given = _read_attributes(tail, stages, entry)
    missing = [what for what in ("channel", "stage") if what not in given]
    if missing:
        raise UserError(
            f"Give “{name}” a {' and a '.join(missing)}: "
            f'`/touchpoint map add "{name}" email-out purchase`. Channels: '
            f"{', '.join(k.value for k in Kind)}. Stages: {', '.join(stages)}."
        )
    return entry


def _split_unquoted(text: str, stages: Sequence[str]) -> tuple[str, str]:
    """ "review site social post-purchase" -> ("review site", "social post-purchase")."""
    words = text.split()
    for n in range(len(words)):
        if _token_at(words, n, stages) is not None:
            return " ".join(words[:n]), " ".join(words[n:])
    return text, ""


def _token_at(words: Sequence[str], n: int, stages: Sequence[str]) -> tuple[str, int] | None:
    """What the words from ``n`` start: ("channel"|"stage"|"truth"|"active"|"owner"|"person",
    how many words); None when nothing known."""
    word = words[n].lower()
    if word in TRUTH_WORDS:
        return "truth", 1
    if word in ACTIVE_WORDS:
        return "active", 1
    if word in {"owner", "owner:"}:
        return "owner", len(words) - n
    if MENTION.fullmatch(words[n]):
        return "person", 1
    for size in (3, 2, 1):
        phrase = " ".join(words[n : n + size])
        if len(words) - n >= size and stage_key(phrase) in stages:
            return "stage", size
    for size in (2, 1):
        if len(words) - n >= size and parse_kind(" ".join(words[n : n + size])):
            return "channel", size
    return None


def _read_attributes(text: str, stages: Sequence[str], result: MapEntry) -> set[str]:
    """Set what ``text`` says on the entry; returns what it said (channel, stage, ...)."""
    words = text.split()
    given: set[str] = set()
    n = 0
    while n < len(words):
        token = _token_at(words, n, stages)
        if token is None:
            raise UserError(
                f"“{words[n]}” is not a channel, stage, flag or owner. Channels: "
                f"{', '.join(k.value for k in Kind)}. Stages: {', '.join(stages)} "
                "(`map stages ...` sets the team's own). Flags: truth, no-truth, active, "
                "passive. Owner: @someone, or `owner billing` at the end."
            )
        what, size = token
        given.add(what)
        phrase = " ".join(words[n : n + size])
        if what == "truth":
            result.moment_of_truth = TRUTH_WORDS[phrase.lower()]
        elif what == "active":
            result.active = ACTIVE_WORDS[phrase.lower()]
        elif what == "stage":
            result.stage = stage_key(phrase)
        elif what == "channel":
            kind = parse_kind(phrase)
            assert kind is not None
            result.channel = kind
        else:
            rest = " ".join(words[n + 1 :]) if what == "owner" else phrase
            result.owner, result.owner_is_person = _owner(rest, result.name)
        n += size
    return given


def _owner(text: str, name: str) -> tuple[str | None, bool]:
    """ "@U123" -> ("U123", True); "billing team" -> ("billing team", False); "none"."""
    text = " ".join(text.split())
    if not text:
        raise UserError(
            f'Name the owner: `/touchpoint map owner "{name}" @someone` or an area such as '
            f'`map owner "{name}" billing` (`none` removes the owner).'
        )
    if text.lower() == "none":
        return None, False
    mention = MENTION.fullmatch(text)
    if mention:
        return mention.group(1) or mention.group(2), True
    if len(text) > 40:
        raise UserError("An owner area can have at most 40 characters.")
    return text.lower(), False


def _new_stages(text: str, current: Sequence[str], entries: Sequence[MapEntry]) -> list[str]:
    """ "pre-purchase, purchase, onboarding, post-purchase" -> the stages, in order."""
    wanted = [stage_key(s) for s in text.split(",") if s.strip()]
    if not wanted:
        raise UserError(
            "List the stages in order, separated by commas: `/touchpoint map stages "
            f"pre-purchase, purchase, onboarding, post-purchase`. Now: {', '.join(current)}."
        )
    if len(wanted) > MAX_STAGES or len(set(wanted)) != len(wanted):
        raise UserError(f"Give at most {MAX_STAGES} different stages.")
    for stage in wanted:
        if len(stage) > MAX_STAGE_CHARS or not re.fullmatch(r"[\w][\w -]*", stage):
            raise UserError(
                f"“{stage[:MAX_STAGE_CHARS]}” can't be a stage: use letters, digits, spaces "
                f"and hyphens, at most {MAX_STAGE_CHARS} characters."
            )
    used = sorted({e.stage for e in entries if not e.is_retired} - set(wanted))
    if used:
        raise UserError(
            f"The map still places touchpoints at {', '.join(used)}: keep "
            f"{'that stage' if len(used) == 1 else 'those stages'} or move them first "
            '(`map change "..." <stage>`).'
        )
    return wanted
