"""Export a team's data and import it back: JSON (lossless) or a spreadsheet's CSV.

JSON: ``{"format": "touchpoint-export", "version": 1, "team": {...}, "customers": [...],
"touchpoints": [...]}`` with the team's settings, each customer (slug, name, aliases) and each
touchpoint, oldest first, with its challenges and promises: statuses, due dates, ``remind_at``,
``reminders_sent`` and full histories (who, when, what). Instants are ISO 8601 UTC
("2026-11-19T10:00:00Z"). Database ids are left out: a touchpoint names its customer by slug
and holds its challenges and promises, so nothing else needs a reference, and an import
numbers everything afresh. Nothing in it depends on when it was made, so two exports of the
same data are byte-identical. ``_TEAM``, ``_CUSTOMER``, ``_TOUCHPOINT`` ... list the fields;
the same specs write and read them.

CSV: one row per touchpoint, the columns of ``CSV_COLUMNS`` (see ``_Sheet`` for how rows are
read). An export writes the same columns but loses what a sheet cannot hold: statuses and
histories, promise owners, reminder state, seconds.

Import is all-or-nothing: everything is read and checked first, and any problem means nothing
is saved and every problem is reported (CSV rows numbered as a spreadsheet shows them, the
header being row 1). A dry run does the same and saves nothing. Touchpoints the team already
has are skipped (``_fingerprint``), so importing the same file twice adds nothing the second
time, whether JSON or CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import StrEnum
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.core.dates import format_local
from bot.core.drafts import FormFields, PromiseDraft, TouchpointDraft
from bot.core.errors import NotFound, ParseError, UserError
from bot.core.model import (
    EFFORT_RANGE,
    SATISFACTION_RANGE,
    Challenge,
    ChallengeStatus,
    Customer,
    Direction,
    Event,
    JourneyStage,
    Kind,
    Promise,
    PromiseStatus,
    Team,
    Touchpoint,
    slugify,
)
from bot.core.parsing import LABELS, parse_form
from bot.core.ports import Clock, UnitOfWork
from bot.core.services import MAX_CUSTOMER_NAME, near_misses
from bot.core.team_settings import parse_timezone

FORMAT_NAME = "touchpoint-export"
FORMAT_VERSION = 1
CSV_COLUMNS = (
    "customer",
    "date",
    "kind",
    "code",
    "challenges",
    "our_promises",
    "their_promises",
    "difference",
    "notes",
    "author",
    "stage",
    "csat",
    "ces",
)
DEFAULT_AUTHOR = "import"


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


def detect_format(filename: str, text: str) -> Format:
    """By the file's suffix, else by its content (a JSON document starts with "{")."""
    suffix = filename.lower().rpartition(".")[2]
    if suffix in {"json", "csv"}:
        return Format(suffix)
    return Format.JSON if text.lstrip("\ufeff \t\r\n").startswith("{") else Format.CSV


def decode(data: bytes, filename: str) -> str:
    """The file's text: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{filename} is not UTF-8 text (byte {exc.start + 1} is not). Save it as "
            "“CSV UTF-8” (Excel) or with UTF-8 encoding, then import it again."
        ) from None


def team_or_explain(uow: UnitOfWork, team_id: str) -> Team:
    team = uow.teams.get(team_id)
    if team is None:
        known = ", ".join(t.id for t in uow.teams.list_all()) or "none yet"
        raise NotFound(
            f"There is no team “{team_id}” in this database (teams: {known}). A team "
            "appears once someone uses the bot in its workspace (or `touchpoint console`)."
        )
    return team


# -- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why an import cannot be saved: where (a CSV row, a JSON path), which field, what."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.where}, {self.field}" if self.field else self.where
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    format: Format
    dry_run: bool
    saved: bool = False
    team: str = ""  # which settings the team has after a JSON import
    customers_created: list[str] = field(default_factory=list)
    customers_matched: int = 0
    touchpoints: int = 0
    challenges: int = 0
    promises: int = 0
    skipped: int = 0  # touchpoints the team already had
    overdue: int = 0  # CSV promises already due: imported open, without a reminder
    warnings: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ExportSummary:
    customers: int
    touchpoints: int


def report_lines(report: ImportReport) -> list[str]:
    """The report as plain-text lines, for the command line."""
    if report.errors:
        head = f"Nothing was saved: {len(report.errors)} problem(s) to fix first."
    else:
        head = "Imported." if report.saved else "Dry run: nothing was saved."
    would = "" if report.saved else "would be "
    lines = [head]
    if report.team:
        lines.append(f"Team settings: {report.team}.")
    names = report.customers_created
    shown = f" ({', '.join(names[:20])}{' ...' if len(names) > 20 else ''})" if names else ""
    lines.append(
        f"Customers: {len(names)} {would}created{shown}, {report.customers_matched} existing."
    )
    lines.append(
        f"Touchpoints: {report.touchpoints} {would}added, with {report.challenges} challenges "
        f"and {report.promises} promises; {report.skipped} already there (skipped)."
    )
    if report.overdue:
        lines.append(
            f"{report.overdue} promises were already due: {would}imported open and overdue, "
            "with no reminder (the digest and the customer record show them)."
        )
    lines += [f"Warning: {warning}" for warning in report.warnings]
    lines += [f"  {problem}" for problem in report.errors]
    return lines


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


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Bad("must be text")
    return raw


def _texts(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise _Bad("must be a list of texts")
    return tuple(raw)


def _pairs(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise _Bad("must be an object of texts")
    return dict(raw)


def _flag(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _Bad("must be true or false")
    return raw


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


def _many(spec: Mapping[str, _Codec], build: Callable[[dict[str, Any]], Any]) -> _Codec:
    def load(raw: Any, where: str, problems: list[Problem]) -> list[Any]:
        if not isinstance(raw, list):
            raise _Bad("must be a list")
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


_TEXT = _simple(_text)
_INSTANT = _simple(_parse_instant, _instant)
_EVENT = {"at": _INSTANT, "actor": _TEXT, "action": _TEXT, "detail": _TEXT}
_HISTORY = _many(_EVENT, lambda values: Event(**values))
_CHALLENGE = {
    "text": _TEXT,
    "raised_by": _TEXT,
    "raised_at": _INSTANT,
    "status": _enum(ChallengeStatus),
    "passed_to": _nullable(_TEXT),
    "history": _HISTORY,
}
_PROMISE = {
    "direction": _enum(Direction),
    "text": _TEXT,
    "owner": _TEXT,
    "made_by": _TEXT,
    "made_at": _INSTANT,
    "due_at": _nullable(_INSTANT),
    "status": _enum(PromiseStatus),
    "remind_at": _nullable(_INSTANT),
    "reminders_sent": _simple(_whole(0, 1_000_000)),
    "history": _HISTORY,
}
_TOUCHPOINT = {
    "occurred_at": _INSTANT,
    "author": _TEXT,
    "kind": _enum(Kind),
    "code": _nullable(_TEXT),
    "stage": _nullable(_enum(JourneyStage)),
    "satisfaction": _nullable(_simple(_whole(*SATISFACTION_RANGE))),
    "effort": _nullable(_simple(_whole(*EFFORT_RANGE))),
    "difference": _nullable(_TEXT),
    "notes": _TEXT,
    "challenges": _many(_CHALLENGE, lambda v: Challenge(team_id="", customer_id=0, **v)),
    "promises": _many(_PROMISE, _promise_from),
}
_CUSTOMER = {
    "slug": _TEXT,
    "name": _TEXT,
    "aliases": _simple(_texts, list),
    "created_at": _nullable(_INSTANT),
}
_CLOCK_TIME = _simple(_parse_clock, lambda t: t.strftime("%H:%M"))
_TEAM = {
    "name": _TEXT,
    "timezone": _simple(_zone),
    "channel": _nullable(_TEXT),
    "digest_time": _CLOCK_TIME,
    "day_start": _CLOCK_TIME,
    "digest_days": _simple(_days, list),
    "completion_codes": _simple(_texts, list),
    "remind_overdue": _simple(_flag),
    "area_owners": _simple(_pairs, dict),
    "code_followups": _simple(_pairs, dict),
    "created_at": _nullable(_INSTANT),
}


# -- export -------------------------------------------------------------------------------


def export_team(team_id: str, fmt: Format, out: TextIO, *, uow: UnitOfWork) -> ExportSummary:
    """Write the team's data to ``out`` as it is read, batch by batch, from one snapshot."""
    with uow:
        uow.exchange.hold_snapshot()
        team = team_or_explain(uow, team_id)
        customers = {c.id: c for c in sorted(uow.customers.list(team_id), key=lambda c: c.slug)}
        batches = uow.exchange.touchpoint_batches(team_id)
        write = _write_json if fmt is Format.JSON else _write_csv
        return ExportSummary(len(customers), write(team, customers, batches, out))


def _write_json(
    team: Team,
    customers: Mapping[int | None, Customer],
    batches: Iterable[list[Touchpoint]],
    out: TextIO,
) -> int:
    """One customer or touchpoint per line."""
    head = {"format": FORMAT_NAME, "version": FORMAT_VERSION}
    out.write(_dumps(head)[:-1] + ',\n"team": ')
    out.write(_dumps({"id": team.id, **_dump(team, _TEAM)}) + ',\n"customers": [')
    out.write(",".join(f"\n{_dumps(_dump(c, _CUSTOMER))}" for c in customers.values()))
    out.write('\n],\n"touchpoints": [')
    count = 0
    for batch in batches:
        for t in batch:
            record = {"customer": customers[t.customer_id].slug, **_dump(t, _TOUCHPOINT)}
            out.write((",\n" if count else "\n") + _dumps(record))
            count += 1
    out.write("\n]}\n")
    return count


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write_csv(
    team: Team,
    customers: Mapping[int | None, Customer],
    batches: Iterable[list[Touchpoint]],
    out: TextIO,
) -> int:
    """With a byte-order mark, so that Excel reads it as UTF-8; times in the team's zone."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    zone = ZoneInfo(team.timezone)
    count = 0
    for batch in batches:
        for t in batch:
            cells = _csv_cells(t, customers[t.customer_id], zone)
            writer.writerow(_defused(cell) for cell in cells)
            count += 1
    return count


def _csv_cells(t: Touchpoint, customer: Customer, zone: ZoneInfo) -> list[str]:
    def promises(direction: Direction) -> str:
        return _list_cell([_promise_cell(p, zone) for p in t.promises if p.direction is direction])

    return [
        customer.name,
        _local(t.occurred_at, zone),
        t.kind.value,
        t.code or "",
        _list_cell([c.text for c in t.challenges]),
        promises(Direction.OURS),
        promises(Direction.THEIRS),
        t.difference or "",
        t.notes,
        t.author,
        t.stage.value if t.stage else "",
        "" if t.satisfaction is None else str(t.satisfaction),
        "" if t.effort is None else str(t.effort),
    ]


def _local(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def _promise_cell(promise: Promise, zone: ZoneInfo) -> str:
    if promise.due_at is None:
        return promise.text
    due = promise.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return f"{promise.text} by {due}"


def _list_cell(items: list[str]) -> str:
    """One item per line; a lone item holding ";" gets a line break so it stays one item."""
    if len(items) == 1 and ";" in items[0]:
        return items[0] + "\n"
    return "\n".join(items)


_FORMULA_START = ("=", "+", "-", "@")


def _defused(cell: str) -> str:
    """A spreadsheet runs a cell starting with = + - @ as a formula: a leading ' keeps it
    text (and is dropped again on import), so nothing typed in chat becomes a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _undefused(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


# -- import -------------------------------------------------------------------------------


@dataclass
class _Planned:
    customer: str  # its key in ``_Plan.customers``
    touchpoint: Touchpoint  # team and customer ids are set once the customer is known


@dataclass
class _Plan:
    format: Format
    customers: dict[str, Customer] = field(default_factory=dict)  # by slug
    touchpoints: list[_Planned] = field(default_factory=list)
    team: Team | None = None  # JSON: the document's settings
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_team(
    team_id: str,
    text: str,
    fmt: Format,
    *,
    dry_run: bool = False,
    author: str = DEFAULT_AUTHOR,
    uow: UnitOfWork,
    clock: Clock,
) -> ImportReport:
    """Read and check everything, then save it all in one transaction, unless this is a
    dry run or anything is wrong (then nothing is saved). Reports what was, or would be,
    done. CSV needs the team to exist: its zone, working-day start and codes read the rows."""
    now = clock.now()
    if fmt is Format.JSON:
        plan = _read_json(text, team_id)
    else:
        with uow:
            team = team_or_explain(uow, team_id)
        plan = _Sheet(team, author.strip() or DEFAULT_AUTHOR, now).read(text)
    report = ImportReport(fmt, dry_run, warnings=plan.warnings, errors=plan.problems)
    if report.errors:
        return report
    with uow:
        if dry_run:
            uow.exchange.hold_snapshot()
        else:
            uow.exchange.lock_team(team_id)
        _apply(uow, team_id, plan, report, now)
        if not report.errors and not dry_run:
            uow.commit()
            report.saved = True
    return report


def _apply(uow: UnitOfWork, team_id: str, plan: _Plan, report: ImportReport, now: datetime) -> None:
    """Resolve the customers, leave out what the team already has and, unless this is a dry
    run or something is wrong, write the rest (the caller commits)."""
    team = uow.teams.get(team_id)
    if team is None and plan.team is None:
        team_or_explain(uow, team_id)  # removed since the rows were read
    customers, grown = _resolve_customers(uow, team_id, plan, report)
    if report.errors:
        return
    new = _not_yet_stored(uow, team_id, plan, customers, report)
    for planned in new:
        t = planned.touchpoint
        report.touchpoints += 1
        report.challenges += len(t.challenges)
        report.promises += len(t.promises)
        if plan.format is Format.CSV:
            report.overdue += sum(1 for p in t.promises if _already_due(p, now))
    write = not report.dry_run
    report.team = _settle_team(uow, team, plan.team, write=write)
    if write:
        for customer in customers.values():
            if customer.id is None:
                uow.customers.add(customer)
        for customer in grown:
            uow.customers.save(customer)
        for planned in new:
            _assign(planned.touchpoint, customers[planned.customer])
        uow.exchange.add_touchpoints([planned.touchpoint for planned in new])


def _already_due(promise: Promise, now: datetime) -> bool:
    return promise.due_at is not None and promise.due_at <= now


def _assign(touchpoint: Touchpoint, customer: Customer) -> None:
    assert customer.id is not None
    records: list[Touchpoint | Challenge | Promise] = [touchpoint, *touchpoint.challenges]
    for record in [*records, *touchpoint.promises]:
        record.team_id, record.customer_id = customer.team_id, customer.id


def _settle_team(uow: UnitOfWork, team: Team | None, wanted: Team | None, *, write: bool) -> str:
    """JSON: a missing team is created from the document; a team with no customers yet
    takes the document's settings (keeping its own name and creation time); a team that
    already has data keeps its own."""
    if wanted is None:
        return ""
    if team is None:
        if write:
            uow.teams.add(wanted)
        return "the document's (new team)"
    if uow.customers.list(team.id):
        return "the team's own (it already has data)"
    wanted.name, wanted.created_at = team.name, team.created_at
    if wanted == team:
        return "unchanged"
    if write:
        uow.teams.save(wanted)
    return "the document's (the team had no data yet)"


def _resolve_customers(
    uow: UnitOfWork, team_id: str, plan: _Plan, report: ImportReport
) -> tuple[dict[str, Customer], list[Customer]]:
    """Each planned customer: the team's own when its slug, name or an alias matches one
    (in any case), given the planned aliases it lacks, else the planned new one. A name or
    alias that already names another customer is a problem. Returns them by key, and the
    team's customers that gained aliases."""
    resolved: dict[str, Customer] = {}
    grown: list[Customer] = []
    claimed: dict[str, str] = {}  # slug or alias slug -> the key of the new name's owner
    for key, wanted in plan.customers.items():
        found = uow.customers.by_slug(team_id, key) or uow.customers.by_slug(
            team_id, slugify(wanted.name)
        )
        names: dict[str, str | None] = {key: None} if found is None else {}
        for name in wanted.aliases:
            names.setdefault(slugify(name), name)
        added: list[str] = []
        for slug, alias in names.items():
            taken = uow.customers.by_slug(team_id, slug)
            if taken is not None and found is not None and taken.id == found.id:
                continue  # the team's customer answers to it already
            if taken is None and claimed.setdefault(slug, key) == key:
                added += [alias] if found is not None and alias else []
                continue
            holder = taken.name if taken else plan.customers[claimed[slug]].name
            message = f"“{slug}” already names the customer “{holder}”"
            report.errors.append(Problem(f"customer “{key}”", "aliases", message))
        if found is None:
            report.customers_created.append(wanted.name)
            if plan.format is Format.CSV:
                _warn_if_similar(uow, team_id, wanted.name, report)
        else:
            report.customers_matched += 1
            if added:
                found.aliases = (*found.aliases, *added)
                grown.append(found)
                report.warnings.append(f"“{found.name}” gets the aliases {', '.join(added)}")
        resolved[key] = found or wanted
    return resolved, grown


def _warn_if_similar(uow: UnitOfWork, team_id: str, name: str, report: ImportReport) -> None:
    similar = [f"“{c.name}”" for c in near_misses(uow, team_id, name)]
    if similar:
        report.warnings.append(
            f"“{name}” will be a new customer, but looks like {', '.join(similar)}; "
            "write the existing name in the file if it is the same customer."
        )


def _not_yet_stored(
    uow: UnitOfWork,
    team_id: str,
    plan: _Plan,
    customers: Mapping[str, Customer],
    report: ImportReport,
) -> list[_Planned]:
    """The planned touchpoints the team does not have yet. Each stored touchpoint cancels
    one planned touchpoint with the same fingerprint, so a file that holds two identical
    touchpoints imports both the first time and neither the second."""
    known = {c.id for c in customers.values() if c.id is not None}
    stored: Counter[tuple[object, ...]] = Counter()
    if known:
        for batch in uow.exchange.touchpoint_batches(team_id):
            stored.update(_fingerprint(t.customer_id, t) for t in batch if t.customer_id in known)
    new = []
    for planned in plan.touchpoints:
        customer_id = customers[planned.customer].id
        key = _fingerprint(customer_id, planned.touchpoint) if customer_id else None
        if key is not None and stored[key] > 0:
            stored[key] -= 1
            report.skipped += 1
        else:
            new.append(planned)
    return new


def _fingerprint(customer_id: int, t: Touchpoint) -> tuple[object, ...]:
    """What makes a touchpoint the same one again: its customer, minute (a sheet keeps no
    seconds), author, kind, code, difference, notes and the texts of its challenges and
    promises; never statuses, due dates or histories, which change after an import."""
    return (
        customer_id,
        t.occurred_at.astimezone(UTC).replace(second=0, microsecond=0),
        t.author,
        t.kind.value,
        t.code or "",
        t.difference or "",
        t.notes,
        tuple(c.text for c in t.challenges),
        tuple((p.direction.value, p.text) for p in t.promises),
    )


# -- import: JSON -------------------------------------------------------------------------


def _read_json(text: str, team_id: str) -> _Plan:
    plan = _Plan(Format.JSON)
    problems = plan.problems
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(f"line {exc.lineno}, column {exc.colno}", "", exc.msg))
        return plan
    if not _is_export(document, problems):
        return plan
    team = _load(document.get("team"), _TEAM, "team", problems)
    plan.team = Team(id=team_id, **team) if team else None
    for n, raw in enumerate(_list(document, "customers", problems)):
        values = _load(raw, _CUSTOMER, f"customers[{n}]", problems)
        if values is None:
            continue
        customer = Customer(team_id=team_id, **values)
        if customer.slug != slugify(customer.slug) or customer.slug in plan.customers:
            problems.append(Problem(f"customers[{n}]", "slug", "must be a unique slug"))
        plan.customers[customer.slug] = customer
    for n, raw in enumerate(_list(document, "touchpoints", problems)):
        values = _load(raw, _TOUCHPOINT, f"touchpoints[{n}]", problems)
        slug = raw.get("customer") if isinstance(raw, dict) else None
        if not isinstance(slug, str) or slug not in plan.customers:
            message = f"“{slug}” is not the slug of a customer in the document"
            problems.append(Problem(f"touchpoints[{n}]", "customer", message))
        elif values is not None:
            plan.touchpoints.append(_Planned(slug, Touchpoint(team_id, 0, **values)))
    return plan


def _is_export(document: Any, problems: list[Problem]) -> bool:
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        message = f'not a Touchpoint export (it has no "format": "{FORMAT_NAME}")'
        problems.append(Problem("document", "format", message))
        return False
    if document.get("version") != FORMAT_VERSION:
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


# -- import: CSV --------------------------------------------------------------------------

_EXTRA_HEADERS = {
    "customer": ("client", "company", "account", "customer name", "organisation"),
    "date": ("when", "date time", "datetime", "occurred at", "timestamp"),
    "author": ("by", "staff", "recorded by", "agent", "user"),
    "notes": ("comments", "comment"),
    "our_promises": ("to dos", "to do", "actions"),
}
_HEADERS = {
    alias: name
    for name, aliases in [*LABELS.items(), *_EXTRA_HEADERS.items()]
    for alias in (name.replace("_", " "), *aliases)
}
_REQUIRED = ("customer", "date")
_DATE_HELP = "Write it like 2026-11-19, 2026-11-19 14:30, 19/11/2026 or 19 Nov 2026 2:30pm."
_DATES = (
    *("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y"),
    *("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y"),
)
_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M%p", " %I %p", " %I%p")
_DATE_FORMATS = tuple(d + t for d in _DATES for t in _TIMES)
_PAST = " is in the past. Pick a future date."
_ISO_T = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d?:\d\d)(?::00)?\s*$", re.MULTILINE)


def _header_key(cell: str) -> str:
    return " ".join(re.sub(r"[_\-./:]+", " ", cell.lower()).split())


class _Sheet:
    """Reads a spreadsheet's CSV: the first non-blank row names the columns (any order and
    case, the ``CSV_COLUMNS`` or their aliases in ``_HEADERS``; unknown ones are ignored
    with a warning; customer and date are needed), separated by commas, semicolons or tabs
    (whichever the header uses). Blank rows are skipped. In a row:

    * the customer: an existing one when its name, slug or an alias matches in any case,
      else a new customer of that name;
    * the date: see ``when``;
    * challenges and promises: one item per line of the cell or, in a one-line cell,
      separated by ";". Promises may end with a due date as the bot reads them ("send
      quote by 3 Dec", "call back fri 10am", "2026-12-03 09:00"), read from the row's
      date, so "by friday" is the Friday after that touchpoint;
    * kind, code, difference, notes, stage, csat, ces: as in the bot's form; the code
      must be one of the team's; author: the row's, else the importer's default.

    Code follow-ups are not applied (they are for calls being recorded now). A promise
    already due when imported is kept open and overdue, with no reminder pending, so an
    old sheet does not set off a burst of late reminders.
    """

    def __init__(self, team: Team, author: str, now: datetime) -> None:
        self.team, self.author, self.now = team, author, now
        self.zone = ZoneInfo(team.timezone)
        self.plan = _Plan(Format.CSV)
        self.columns: dict[int, str] = {}
        self.width = 0
        self.date_format = _DATE_FORMATS[0]  # the last one that read a date: tried first

    def read(self, text: str) -> _Plan:
        text = text.lstrip("\ufeff")
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        number, want_header = 0, True
        try:
            for number, cells in enumerate(rows, start=1):
                if not any(cell.strip() for cell in cells):
                    continue
                if want_header:
                    want_header = False
                    if not self.header(cells):
                        return self.plan
                else:
                    self.row(number, cells)
        except csv.Error as exc:
            self.problem(f"row {number + 1}", "", f"unreadable CSV: {exc}")
        if want_header:
            self.problem("row 1", "", "the file has no header row (and no rows)")
        return self.plan

    def problem(self, where: str, column: str, message: str) -> None:
        self.plan.problems.append(Problem(where, column, message))

    def header(self, cells: list[str]) -> bool:
        self.width = len(cells)
        ignored = []
        for index, cell in enumerate(cells):
            name = _HEADERS.get(_header_key(cell))
            if name is None:
                ignored += [f"“{cell.strip()}”"] if cell.strip() else []
            elif name in self.columns.values():
                self.problem("header", cell.strip(), f"a second column for {name}")
            else:
                self.columns[index] = name
        if ignored:
            self.plan.warnings.append(f"columns ignored (not known): {', '.join(ignored)}")
        for name in _REQUIRED:
            if name not in self.columns.values():
                message = f"no “{name}” column; the columns are {', '.join(CSV_COLUMNS)}"
                self.problem("header", name, message)
        return not self.plan.problems

    def row(self, number: int, cells: list[str]) -> None:
        where, before = f"row {number}", len(self.plan.problems)
        if any(cell.strip() for cell in cells[self.width :]):
            message = f"{len(cells)} cells but {self.width} columns: quote cells holding a "
            self.problem(where, "", message + "comma or semicolon")
        values = {
            name: _undefused(cells[i].strip()) for i, name in self.columns.items() if i < len(cells)
        }
        name = " ".join(values.get("customer", "").split())
        if not name or len(name) > MAX_CUSTOMER_NAME:
            message = f"name the customer in 1 to {MAX_CUSTOMER_NAME} characters"
            self.problem(where, "customer", message)
        when = self.when(values.get("date", ""), where)
        draft = self.draft(values, when, where) if when else None
        code = " ".join(values.get("code", "").split())
        if code and self.team.find_code(code) is None:
            message = (
                f"“{code}” is not one of the team's completion codes "
                f"({', '.join(self.team.completion_codes)}); add it with "
                f'`/touchpoint config codes add "{code}"`, or change the row'
            )
            self.problem(where, "code", message)
        if draft is None or when is None or len(self.plan.problems) > before:
            return
        author = " ".join(values.get("author", "").split()) or self.author
        touchpoint = self.touchpoint(draft, author, when[0])
        key = slugify(name)
        self.plan.customers.setdefault(key, Customer(self.team.id, name, key, created_at=self.now))
        self.plan.touchpoints.append(_Planned(key, touchpoint))

    def when(self, text: str, where: str) -> tuple[datetime, datetime] | None:
        """(when the row happened, the ``now`` its promises are read from), aware UTC.

        A wall time is the team's, unless it carries an ISO offset ("Z", "+01:00").
        Numeric dates are day-first, as everywhere in Touchpoint. A date alone happened at
        the team's working-day start (or at the import, if that is still ahead today), and
        its promises are read from the start of that day: a promise due "today", or on the
        row's own date, is due that day, not in the past.
        """
        found = self.parse_date(text)
        if found is None:
            problem = f"can't read “{text}”" if text else "the date is missing"
            self.problem(where, "date", f"{problem}. {_DATE_HELP}")
            return None
        at, has_clock = found
        read_from = at
        if not has_clock:
            local_day = at.astimezone(self.zone).date()
            start = datetime.combine(local_day, self.team.day_start, self.zone)
            at = max(read_from, min(start.astimezone(UTC), self.now))
        if at > self.now:
            self.problem(where, "date", f"“{text}” is in the future")
        elif read_from.year < 1900:
            self.problem(where, "date", f"“{text}” is before 1900")
        else:
            return at, read_from
        return None

    def parse_date(self, text: str) -> tuple[datetime, bool] | None:
        """The instant, and whether a time of day was given (else it is local midnight)."""
        cleaned = _clean_date(text)
        try:
            at = datetime.fromisoformat(cleaned)
            has_clock = len(cleaned) > 10
        except ValueError:
            at, has_clock = None, False
        for form in (self.date_format, *_DATE_FORMATS) if at is None else ():
            try:
                at = datetime.strptime(cleaned, form)  # noqa: DTZ007 (zone added below)
            except ValueError:
                continue
            self.date_format, has_clock = form, form not in _DATES
            break
        if at is None:
            return None
        return (at if at.tzinfo else at.replace(tzinfo=self.zone)).astimezone(UTC), has_clock

    def draft(
        self, values: Mapping[str, str], when: tuple[datetime, datetime], where: str
    ) -> TouchpointDraft | None:
        get = values.get
        fields = FormFields(
            kind=get("kind", ""),
            code=get("code", ""),
            challenges=_items(get("challenges", "")),
            our_promises=_ISO_T.sub(r"\1 \2", _items(get("our_promises", ""))),
            their_promises=_ISO_T.sub(r"\1 \2", _items(get("their_promises", ""))),
            difference=get("difference", ""),
            notes=get("notes", ""),
            stage=get("stage", ""),
            satisfaction=get("satisfaction", ""),
            effort=get("effort", ""),
        )
        team = self.team
        try:
            return parse_form(fields, now=when[1], tz=team.timezone, day_start=team.day_start)
        except ParseError as exc:
            row_date = format_local(when[0], team.timezone)
            for error in exc.errors:  # "in the past" means before the row's date here
                message = error.message.replace(_PAST, f" is before the row's date, {row_date}.")
                self.problem(where, error.field, message)
            return None

    def touchpoint(self, draft: TouchpointDraft, author: str, occurred: datetime) -> Touchpoint:
        team = self.team
        code = team.find_code(draft.code) if draft.code else None

        def promise(direction: Direction, p: PromiseDraft) -> Promise:
            made = Promise(team.id, 0, direction, p.text, author, author, occurred, p.due_at)
            if _already_due(made, self.now):
                made.remind_at = None
            return made

        return Touchpoint(
            team_id=team.id,
            customer_id=0,
            author=author,
            occurred_at=occurred,
            kind=draft.kind or Kind.OTHER,
            code=code,
            notes=draft.notes,
            difference=draft.difference,
            stage=draft.stage,
            satisfaction=draft.satisfaction,
            effort=draft.effort,
            challenges=[Challenge(team.id, 0, text, author, occurred) for text in draft.challenges],
            promises=[
                *(promise(Direction.OURS, p) for p in draft.our_promises),
                *(promise(Direction.THEIRS, p) for p in draft.their_promises),
            ],
        )


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")

    def known_columns(delimiter: str) -> int:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(_header_key(cell) in _HEADERS for cell in cells)

    return max((",", ";", "\t"), key=known_columns)


def _items(cell: str) -> str:
    """A list cell as the form's one item per line: ";" separates in a one-line cell."""
    return cell if "\n" in cell or "\r" in cell else "\n".join(cell.split(";"))


def _clean_date(text: str) -> str:
    """ "Tue, 3rd Dec. 2026 at 2 p.m." -> "3 Dec 2026 2 pm"; ISO "T" -> " "."""
    text = re.sub(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", "", text.strip(), flags=re.I)
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b|(?<=[a-z])\.", "", text, flags=re.I)
    text = re.sub(r"(?<=\d)T(?=\d)", " ", text).replace(",", " ")
    return " ".join(word for word in text.split() if word.lower() != "at")
