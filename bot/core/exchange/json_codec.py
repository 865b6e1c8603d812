"""The JSON document: one spec per record (``_TEAM``, ``_CUSTOMER``, ``_TOUCHPOINT`` ...)
that both writes and reads it, so the two cannot drift apart."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Any, TextIO

from bot.core.customers import MAX_CUSTOMER_NAME
from bot.core.dates import DATE_ORDERS
from bot.core.errors import UserError
from bot.core.exchange.plan import (
    FORMAT_NAME,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    Format,
    Plan,
    Planned,
    Problem,
)
from bot.core.model import (
    EFFORT_RANGE,
    MAX_ITEM_CHARS,
    MAX_ITEMS_PER_LIST,
    MAX_NOTES_CHARS,
    MAX_STAGE_CHARS,
    PROMOTER_RANGE,
    SATISFACTION_RANGE,
    WEEKDAYS,
    Challenge,
    ChallengeStatus,
    Contact,
    Customer,
    Direction,
    Event,
    Kind,
    MapEntry,
    MapNote,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
    map_key,
    slugify,
    stage_key,
)
from bot.core.team_settings import (
    MAX_AREA_CHARS,
    MAX_CHANNEL_CHARS,
    MAX_CODE_CHARS,
    MAX_CODES,
    parse_timezone,
)

# A document is held to the limits of chat: a field is no longer here than typed there.
MAX_TEXT_CHARS = 1000  # an event's detail
MAX_PERSON_CHARS = 200  # a user id, a team's name
MAX_ACTION_CHARS = 32  # the column's size
MAX_SLUG_CHARS = 6 * MAX_CUSTOMER_NAME  # a coded slug: up to six characters a letter
MAX_ALIASES = 100
MAX_HISTORY = 1000
MAX_PAIRS = 100
MAX_INT_DIGITS = 18
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# -- JSON: one spec per record, used to write and to read -------------------------------------


class _Bad(ValueError):
    """A JSON value of the wrong shape; the message says what it should be."""


@dataclass(frozen=True)
class _Codec:
    dump: Callable[[Any], Any]
    load: Callable[[Any, str, list[Problem]], Any]  # (raw, path, problems); raises _Bad
    nullable: bool = False


def _simple(load: Callable[[Any], Any], dump: Callable[[Any], Any] = lambda v: v) -> _Codec:
    return _Codec(dump, lambda raw, _where, _problems: load(raw))


def _nullable(codec: _Codec) -> _Codec:
    return _Codec(codec.dump, codec.load, nullable=True)


def _text(raw: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Text as chat would store it: no NUL (PostgreSQL refuses it), no lone surrogate
    (neither database can store one), no longer than the same field typed in chat."""
    if not isinstance(raw, str):
        raise _Bad("must be text")
    if len(raw) > limit:
        raise _Bad(f"has {len(raw):,} characters; the most is {limit:,}")
    if "\x00" in raw:
        raise _Bad("holds a NUL character")
    if _SURROGATE.search(raw):
        raise _Bad("holds an unpaired surrogate (text that is not valid Unicode)")
    return raw


def _bounded(limit: int, nullable: bool = False) -> _Codec:
    codec = _simple(lambda raw: _text(raw, limit))
    return _nullable(codec) if nullable else codec


def _texts(limit: int, most: int) -> Callable[[Any], tuple[str, ...]]:
    def load(raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list):
            raise _Bad("must be a list of texts")
        if len(raw) > most:
            raise _Bad(f"has {len(raw):,} entries; the most is {most}")
        return tuple(_text(v, limit) for v in raw)

    return load


def _pairs(key_limit: int, value_limit: int) -> Callable[[Any], dict[str, str]]:
    def load(raw: Any) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise _Bad("must be an object of texts")
        if len(raw) > MAX_PAIRS:
            raise _Bad(f"has {len(raw):,} entries; the most is {MAX_PAIRS}")
        return {_text(k, key_limit): _text(v, value_limit) for k, v in raw.items()}

    return load


def _flag(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _Bad("must be true or false")
    return raw


def _date_order(raw: Any) -> str:
    if raw not in DATE_ORDERS:
        raise _Bad("must be “dmy” or “mdy”")
    return str(raw)


def _whole(low: int, high: int) -> Callable[[Any], int]:
    def load(raw: Any) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
            raise _Bad(f"must be a whole number from {low} to {high}")
        return raw

    return load


def _days(raw: Any) -> tuple[int, ...]:
    if not isinstance(raw, list):
        raise _Bad("must list weekdays as numbers, 0 (Monday) to 6")
    return tuple(_whole(0, 6)(day) for day in raw)


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_instant(raw: Any) -> datetime:
    try:
        at = datetime.fromisoformat(_text(raw))
    except ValueError:
        at = None
    if at is None or at.utcoffset() is None:
        raise _Bad(f"“{raw}” is not an ISO 8601 instant like 2026-11-19T10:00:00Z")
    return at.astimezone(UTC)


def _parse_clock(raw: Any) -> time:
    try:
        return time.fromisoformat(_text(raw))
    except ValueError:
        raise _Bad(f"“{raw}” is not a time like 09:00") from None


def _zone(raw: Any) -> str:
    try:
        return parse_timezone(_text(raw))
    except UserError as exc:
        raise _Bad(exc.message) from None


def _enum(kind: type[StrEnum]) -> _Codec:
    def load(raw: Any) -> StrEnum:
        try:
            return kind(_text(raw))
        except ValueError:
            raise _Bad(f"“{raw}” is not one of {', '.join(kind)}") from None

    return _simple(load, lambda member: member.value)


def _many(spec: Mapping[str, _Codec], build: Callable[[dict[str, Any]], Any], most: int) -> _Codec:
    def load(raw: Any, where: str, problems: list[Problem]) -> list[Any]:
        if not isinstance(raw, list):
            raise _Bad("must be a list")
        if len(raw) > most:
            raise _Bad(f"has {len(raw):,} entries; the most is {most}")
        loaded = (_load(item, spec, f"{where}[{n}]", problems) for n, item in enumerate(raw))
        return [build(values) for values in loaded if values is not None]

    return _Codec(lambda items: [_dump(item, spec) for item in items], load)


def _dump(record: object, spec: Mapping[str, _Codec]) -> dict[str, Any]:
    values = ((name, getattr(record, name)) for name in spec)
    return {name: None if v is None else spec[name].dump(v) for name, v in values}


def _load(
    raw: Any, spec: Mapping[str, _Codec], where: str, problems: list[Problem]
) -> dict[str, Any] | None:
    """The record's fields as ``spec`` reads them, or None (with problems) if any is bad."""
    if not isinstance(raw, dict):
        problems.append(Problem(where, "", "must be an object"))
        return None
    before = len(problems)
    values: dict[str, Any] = {}
    for name, codec in spec.items():
        value = raw.get(name)
        if value is None:
            if not codec.nullable:
                problems.append(Problem(where, name, "is missing"))
            values[name] = None
            continue
        try:
            values[name] = codec.load(value, f"{where}.{name}", problems)
        except _Bad as exc:
            problems.append(Problem(where, name, str(exc)))
    return values if len(problems) == before else None


def _promise_from(values: dict[str, Any]) -> Promise:
    remind_at = values.pop("remind_at")
    promise = Promise(team_id="", customer_id=0, **values)
    promise.remind_at = remind_at  # as exported: a new Promise would take its due date
    return promise


_PERSON = _bounded(MAX_PERSON_CHARS)
_ITEM = _bounded(MAX_ITEM_CHARS)
_INSTANT = _simple(_parse_instant, _instant)
_EVENT = {
    "at": _INSTANT,
    "actor": _PERSON,
    "action": _bounded(MAX_ACTION_CHARS),
    "detail": _bounded(MAX_TEXT_CHARS),
}
_HISTORY = _many(_EVENT, lambda values: Event(**values), MAX_HISTORY)
_CHALLENGE = {
    "text": _ITEM,
    "raised_by": _PERSON,
    "raised_at": _INSTANT,
    "status": _enum(ChallengeStatus),
    "passed_to": _bounded(MAX_ITEM_CHARS, nullable=True),
    "history": _HISTORY,
}
_PROMISE = {
    "direction": _enum(Direction),
    "text": _ITEM,
    "owner": _PERSON,
    "made_by": _PERSON,
    "made_at": _INSTANT,
    "due_at": _nullable(_INSTANT),
    "status": _enum(PromiseStatus),
    "remind_at": _nullable(_INSTANT),
    "reminders_sent": _simple(_whole(0, 1_000_000)),
    "history": _HISTORY,
}


def _stage(raw: Any) -> str:
    text = _text(raw)
    if not text.strip() or len(text) > MAX_STAGE_CHARS or stage_key(text) != text:
        raise ValueError(f"must be a journey stage of at most {MAX_STAGE_CHARS} characters")
    return text


_STAGE = _simple(_stage)
_CONTACT = {"name": _ITEM, "role": _ITEM}
_TOUCHPOINT = {
    "occurred_at": _INSTANT,
    "author": _PERSON,
    "kind": _enum(Kind),
    "code": _bounded(MAX_CODE_CHARS, nullable=True),
    "stage": _nullable(_STAGE),
    "satisfaction": _nullable(_simple(_whole(*SATISFACTION_RANGE))),
    "effort": _nullable(_simple(_whole(*EFFORT_RANGE))),
    "promoter": _nullable(_simple(_whole(*PROMOTER_RANGE))),
    "contacts": _many(_CONTACT, lambda values: Contact(**values), MAX_ITEMS_PER_LIST),
    "difference": _bounded(MAX_ITEM_CHARS, nullable=True),
    "notes": _bounded(MAX_NOTES_CHARS),
    "challenges": _many(
        _CHALLENGE, lambda v: Challenge(team_id="", customer_id=0, **v), MAX_ITEMS_PER_LIST
    ),
    "promises": _many(_PROMISE, _promise_from, 2 * MAX_ITEMS_PER_LIST),  # ours and theirs
}
# A touchpoint names its map entry by name (``map_entry``), outside this spec: the entry's
# id is the database's.
_NOTE = {"at": _INSTANT, "author": _PERSON, "text": _ITEM}
_MAP_ENTRY = {
    "name": _ITEM,
    "channel": _enum(Kind),
    "stage": _STAGE,
    "owner": _bounded(MAX_PERSON_CHARS, nullable=True),
    "owner_is_person": _simple(_flag),
    "moment_of_truth": _simple(_flag),
    "active": _simple(_flag),
    "retired_at": _nullable(_INSTANT),
    "created_at": _nullable(_INSTANT),
    "notes": _many(_NOTE, lambda values: MapNote(**values), MAX_HISTORY),
}
_CUSTOMER = {
    "slug": _bounded(MAX_SLUG_CHARS),
    "name": _bounded(MAX_CUSTOMER_NAME),
    "aliases": _simple(_texts(MAX_CUSTOMER_NAME, MAX_ALIASES), list),
    "created_at": _nullable(_INSTANT),
}
_CLOCK_TIME = _simple(_parse_clock, lambda t: t.strftime("%H:%M"))
_TEAM = {
    "name": _bounded(MAX_PERSON_CHARS),
    "timezone": _simple(_zone),
    "channel": _bounded(MAX_CHANNEL_CHARS, nullable=True),
    "digest_time": _CLOCK_TIME,
    "day_start": _CLOCK_TIME,
    "digest_days": _simple(_days, list),
    "completion_codes": _simple(_texts(MAX_CODE_CHARS, MAX_CODES), list),
    "remind_overdue": _simple(_flag),
    "area_owners": _simple(_pairs(MAX_AREA_CHARS, MAX_PERSON_CHARS), dict),
    "code_followups": _simple(_pairs(MAX_CODE_CHARS, MAX_ITEM_CHARS), dict),
    "date_order": _nullable(_simple(_date_order)),
    "created_at": _nullable(_INSTANT),
    # Newer settings: a document written before them leaves them out (the defaults stand).
    "dm_reminders": _nullable(_simple(_flag)),
    "reminder_prefs": _nullable(_simple(_pairs(MAX_PERSON_CHARS, 16), dict)),
}
_LATER_SETTINGS = ("dm_reminders", "reminder_prefs")
# The owners' summary day travels as "mon" .. "sun" or "off", outside ``_TEAM``: there a
# null means "left out" (the default, Monday), which "off" must not become.
_OWNER_SUMMARY = "owner_summary"


def _read_summary_day(raw: dict[str, Any], team: dict[str, Any], problems: list[Problem]) -> None:
    """The owners' summary day: "mon" .. "sun", or "off"; left out, the default stands."""
    if _OWNER_SUMMARY not in raw:
        return
    day = raw[_OWNER_SUMMARY]
    if day == "off":
        team["owner_summary_day"] = None
    elif isinstance(day, str) and day in WEEKDAYS:
        team["owner_summary_day"] = WEEKDAYS.index(day)
    else:
        problems.append(
            Problem("team", _OWNER_SUMMARY, "must be a weekday (“mon” .. “sun”) or “off”")
        )


def write_json(
    team: Team,
    customers: Mapping[int | None, Customer],
    batches: Iterable[list[Touchpoint]],
    out: TextIO,
    entries: Sequence[MapEntry] = (),
    stages: tuple[str, ...] = (),
) -> int:
    """One customer, map entry or touchpoint per line."""
    head = {"format": FORMAT_NAME, "version": FORMAT_VERSION}
    out.write(_dumps(head)[:-1] + ',\n"team": ')
    day = team.owner_summary_day
    settings = {"id": team.id, **_dump(team, _TEAM)}
    settings[_OWNER_SUMMARY] = "off" if day is None else WEEKDAYS[day]
    out.write(_dumps(settings) + ',\n"stages": ')
    out.write(_dumps(list(stages)) + ',\n"map": [')
    out.write(",".join(f"\n{_dumps(_dump(e, _MAP_ENTRY))}" for e in entries))
    out.write('\n],\n"customers": [')
    out.write(",".join(f"\n{_dumps(_dump(c, _CUSTOMER))}" for c in customers.values()))
    out.write('\n],\n"touchpoints": [')
    names = {e.id: e.name for e in entries}
    count = 0
    for batch in batches:
        for t in batch:
            record = {"customer": customers[t.customer_id].slug, **_dump(t, _TOUCHPOINT)}
            record["map_entry"] = names.get(t.map_entry_id)
            out.write((",\n" if count else "\n") + _dumps(record))
            count += 1
    out.write("\n]}\n")
    return count


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- import: JSON -------------------------------------------------------------------------


def read_json(text: str, team_id: str) -> Plan:
    plan = Plan(Format.JSON)
    problems = plan.problems
    try:
        document = json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        problems.append(Problem(f"line {exc.lineno}, column {exc.colno}", "", exc.msg))
        return plan
    except RecursionError:  # an export nests five deep; this is not one
        problems.append(Problem("document", "", "nested too deeply to be a Touchpoint export"))
        return plan
    except ValueError as exc:  # from _bounded_int
        problems.append(Problem("document", "", str(exc)))
        return plan
    if not _is_export(document, problems):
        return plan
    team = _load(document.get("team"), _TEAM, "team", problems)
    if team:
        for name in _LATER_SETTINGS:
            if team[name] is None:
                del team[name]
        _read_summary_day(document["team"], team, problems)
    plan.team = Team(id=team_id, **team) if team else None
    version = document.get("version")
    if version != 1 and ("map" in document or "stages" in document):
        _read_map(document, team_id, plan)  # without them (version 1): the team's own
    names = {map_key(e.name) for e in plan.map or ()}
    for n, raw in enumerate(_list(document, "customers", problems)):
        values = _load(raw, _CUSTOMER, f"customers[{n}]", problems)
        if values is None:
            continue
        customer = Customer(team_id=team_id, **values)
        if customer.slug != slugify(customer.slug) or customer.slug in plan.customers:
            problems.append(Problem(f"customers[{n}]", "slug", "must be a unique slug"))
        plan.customers[customer.slug] = customer
    for n, raw in enumerate(_list(document, "touchpoints", problems)):
        if isinstance(raw, dict):  # version 1 came before NPS and contacts; both optional
            raw = {"promoter": None, "contacts": [], **raw}
        values = _load(raw, _TOUCHPOINT, f"touchpoints[{n}]", problems)
        slug = raw.get("customer") if isinstance(raw, dict) else None
        if not isinstance(slug, str) or slug not in plan.customers:
            message = f"“{slug}” is not the slug of a customer in the document"
            problems.append(Problem(f"touchpoints[{n}]", "customer", message))
        elif values is not None:
            entry = raw.get("map_entry")
            if entry is not None and (not isinstance(entry, str) or map_key(entry) not in names):
                message = f"“{entry}” is not the name of an entry in the document's map"
                problems.append(Problem(f"touchpoints[{n}]", "map_entry", message))
                continue
            touchpoint = Touchpoint(team_id, 0, **values)
            if version == 1 and touchpoint.effort is not None:
                touchpoint.effort = 8 - touchpoint.effort  # 1 was very easy there
            plan.touchpoints.append(Planned(slug, touchpoint, entry))
    return plan


def _bounded_int(digits: str) -> int:
    """JSON integers as an export holds them: a few digits. Python refuses to convert more
    than 4,300 (with a ValueError the reader would not expect); far fewer is refused."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"a number has {len(digits):,} digits; an export's have a few")
    return int(digits)


def _read_map(document: Mapping[str, Any], team_id: str, plan: Plan) -> None:
    problems = plan.problems
    raw_stages = document.get("stages", [])
    if not isinstance(raw_stages, list):
        problems.append(Problem("stages", "", "must be a list of journey stages"))
    else:
        try:
            plan.stages = tuple(_stage(s) for s in raw_stages)
        except ValueError as exc:
            problems.append(Problem("stages", "", str(exc)))
    plan.map = []
    seen: set[str] = set()
    for n, raw in enumerate(_list(document, "map", problems)):
        values = _load(raw, _MAP_ENTRY, f"map[{n}]", problems)
        if values is None:
            continue
        entry = MapEntry(team_id=team_id, **values)
        if map_key(entry.name) in seen or not map_key(entry.name):
            problems.append(Problem(f"map[{n}]", "name", "must be a unique, non-blank name"))
        seen.add(map_key(entry.name))
        plan.map.append(entry)


def _is_export(document: Any, problems: list[Problem]) -> bool:
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        message = f'not a Touchpoint export (it has no "format": "{FORMAT_NAME}")'
        problems.append(Problem("document", "format", message))
        return False
    if document.get("version") not in READABLE_VERSIONS:
        message = (
            f"version {document.get('version')} is not one this Touchpoint reads "
            f"({FORMAT_VERSION}); a newer Touchpoint may read it"
        )
        problems.append(Problem("document", "version", message))
        return False
    return True


def _list(document: Mapping[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    found = document.get(key)
    if not isinstance(found, list):
        problems.append(Problem("document", key, "must be a list"))
        return []
    return found
