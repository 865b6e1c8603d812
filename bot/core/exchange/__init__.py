"""Export a team's data and import it back: JSON (lossless) or a spreadsheet's CSV.

JSON: ``{"format": "touchpoint-export", "version": 1, "team": {...}, "customers": [...],
"touchpoints": [...]}`` with the team's settings, each customer (slug, name, aliases) and each
touchpoint, oldest first, with its challenges and promises: statuses, due dates, ``remind_at``,
``reminders_sent`` and full histories (who, when, what). Instants are ISO 8601 UTC
("2026-11-19T10:00:00Z"). Database ids are left out: a touchpoint names its customer by slug
and holds its challenges and promises, so nothing else needs a reference, and an import
numbers everything afresh. Nothing in it depends on when it was made, so two exports of the
same data are byte-identical. ``json_codec`` lists the fields;
the same specs write and read them.

CSV: one row per touchpoint, the columns of ``CSV_COLUMNS`` (see ``sheet.Sheet`` for how rows
are read). An export writes the same columns but loses what a sheet cannot hold: statuses and
histories, promise owners, reminder state, seconds.

Import is all-or-nothing: everything is read and checked first, and any problem means nothing
is saved and every problem is reported (CSV rows numbered as a spreadsheet shows them, the
header being row 1). A dry run does the same and saves nothing. Touchpoints the team already
has are skipped (``_fingerprint``), so importing the same file twice adds nothing the second
time, whether JSON or CSV.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TextIO

from bot.core.catalogue import seed_default_map, team_stages
from bot.core.customers import near_misses
from bot.core.errors import NotFound, UserError
from bot.core.exchange.json_codec import read_json, write_json
from bot.core.exchange.plan import (
    CSV_COLUMNS,
    DEFAULT_AUTHOR,
    ExportSummary,
    Format,
    ImportReport,
    Plan,
    Planned,
    Problem,
    already_due,
    decode,
    detect_format,
    report_lines,
)
from bot.core.exchange.sheet import Sheet, write_csv
from bot.core.model import Challenge, Customer, Promise, Team, Touchpoint, map_key, slugify
from bot.core.ports import Clock, UnitOfWork
from bot.core.workdays import keep_by

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_AUTHOR",
    "ExportSummary",
    "Format",
    "ImportReport",
    "Problem",
    "decode",
    "detect_format",
    "export_team",
    "import_team",
    "report_lines",
    "team_or_explain",
]


MAX_IMPORT_CHARS = 64 * 1024 * 1024
MAX_TEAM_ID_CHARS = 100  # the column's size


def team_or_explain(uow: UnitOfWork, team_id: str) -> Team:
    team = uow.teams.get(team_id)
    if team is None:
        known = ", ".join(t.id for t in uow.teams.list_all()) or "none yet"
        raise NotFound(
            f"There is no team “{team_id}” in this database (teams: {known}). A team "
            "appears once someone uses the bot in its workspace (or `touchpoint console`)."
        )
    return team


# -- export -------------------------------------------------------------------------------


def export_team(team_id: str, fmt: Format, out: TextIO, *, uow: UnitOfWork) -> ExportSummary:
    """Write the team's data to ``out`` as it is read, batch by batch, from one snapshot."""
    with uow:
        uow.exchange.hold_snapshot()
        team = team_or_explain(uow, team_id)
        customers = {c.id: c for c in sorted(uow.customers.list(team_id), key=lambda c: c.slug)}
        entries = uow.touchmap.entries(team_id)
        stages = uow.touchmap.stages(team_id)
        batches = uow.exchange.touchpoint_batches(team_id)
        if fmt is Format.JSON:
            count = write_json(team, customers, batches, out, entries, stages)
        else:
            names = {e.id: e.name for e in entries}
            count = write_csv(team, customers, batches, out, names)
        return ExportSummary(len(customers), count)


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
    if not team_id.strip() or len(team_id) > MAX_TEAM_ID_CHARS or "\x00" in team_id:
        raise UserError(
            f"“{team_id[:60]}” is not a team id: ids have 1 to {MAX_TEAM_ID_CHARS} characters "
            "(run `touchpoint teams` to list them)."
        )
    if len(text) > MAX_IMPORT_CHARS:
        raise UserError(
            f"The file has {len(text):,} characters; an import takes at most "
            f"{MAX_IMPORT_CHARS:,}. Split it into several files."
        )
    if fmt is Format.JSON:
        plan = read_json(text, team_id)
    else:
        with uow:
            team = team_or_explain(uow, team_id)
            entries = uow.touchmap.entries(team_id)
            stages = team_stages(uow, team_id)
        sheet = Sheet(team, author.strip() or DEFAULT_AUTHOR, now, entries, stages)
        plan = sheet.read(text)
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


def _apply(uow: UnitOfWork, team_id: str, plan: Plan, report: ImportReport, now: datetime) -> None:
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
            report.overdue += sum(1 for p in t.promises if already_due(p, now))
    write = not report.dry_run
    had_data = team is not None and bool(uow.customers.list(team.id))
    report.team = _settle_team(uow, team, plan.team, write=write)
    entry_ids = _settle_map(
        uow, team_id, plan, replace=not had_data, new_team=team is None, write=write, now=now
    )
    if write:
        for customer in customers.values():
            if customer.id is None:
                uow.customers.add(customer)
        for customer in grown:
            uow.customers.save(customer)
        # Whose working day decides when a date-only promise stops being on time.
        settled = uow.teams.get(team_id) or plan.team
        for planned in new:
            _assign(planned.touchpoint, customers[planned.customer])
            if planned.map_entry is not None:
                planned.touchpoint.map_entry_id = entry_ids[map_key(planned.map_entry)]
            if settled is not None:
                for promise in planned.touchpoint.promises:
                    promise.keep_by = keep_by(settled, promise.due_at)
        uow.exchange.add_touchpoints([planned.touchpoint for planned in new])


def _settle_map(
    uow: UnitOfWork,
    team_id: str,
    plan: Plan,
    *,
    replace: bool,
    new_team: bool,
    write: bool,
    now: datetime,
) -> dict[str, int]:
    """JSON with a map: a team with no data yet takes the document's map and stages; a team
    with data keeps its own and gains the entries (and stages) it lacks. A team created from
    a document without a map (version 1) starts with the default map, as any new team does.
    Returns the map's ids by ``map_key`` (empty on a dry run)."""
    if not write:
        return {}
    if plan.map is None and new_team:
        seed_default_map(uow, team_id, now)
    if plan.map is not None:
        if replace:
            uow.touchmap.remove_unused(team_id)
            uow.touchmap.set_stages(team_id, plan.stages)
        else:
            stages = list(team_stages(uow, team_id))
            wanted = [*plan.stages, *(e.stage for e in plan.map)]
            missing = [s for s in dict.fromkeys(wanted) if s not in stages]
            if missing:
                uow.touchmap.set_stages(team_id, [*stages, *missing])
        have = {map_key(e.name) for e in uow.touchmap.entries(team_id)}
        for entry in plan.map:
            if map_key(entry.name) not in have:
                entry.team_id = team_id
                uow.touchmap.add(entry)
    return {map_key(e.name): e.id for e in uow.touchmap.entries(team_id) if e.id is not None}


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
    uow: UnitOfWork, team_id: str, plan: Plan, report: ImportReport
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
    plan: Plan,
    customers: Mapping[str, Customer],
    report: ImportReport,
) -> list[Planned]:
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
