"""The spreadsheet: CSV written one row per touchpoint, and read back (``Sheet``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.core.catalogue import find_entry
from bot.core.customers import MAX_CUSTOMER_NAME
from bot.core.dates import default_date_order, format_local
from bot.core.drafts import FormFields, TouchpointDraft
from bot.core.entry_labels import LABELS
from bot.core.errors import ParseError, UserError
from bot.core.exchange.date_cells import read_date_cell
from bot.core.exchange.plan import (
    CSV_COLUMNS,
    Format,
    Plan,
    Planned,
    Problem,
    already_due,
)
from bot.core.model import (
    Customer,
    Direction,
    MapEntry,
    Promise,
    Team,
    Touchpoint,
    slugify,
)
from bot.core.parsing import parse_form, reading


def write_csv(
    team: Team,
    customers: Mapping[int | None, Customer],
    batches: Iterable[list[Touchpoint]],
    out: TextIO,
    map_names: Mapping[int | None, str] | None = None,
) -> int:
    """With a byte-order mark, so that Excel reads it as UTF-8; times in the team's zone."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    zone = ZoneInfo(team.timezone)
    count = 0
    for batch in batches:
        for t in batch:
            cells = _csv_cells(t, customers[t.customer_id], zone, map_names or {})
            writer.writerow(_defused(cell) for cell in cells)
            count += 1
    return count


def _csv_cells(
    t: Touchpoint, customer: Customer, zone: ZoneInfo, map_names: Mapping[int | None, str]
) -> list[str]:
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
        t.stage or "",
        "" if t.satisfaction is None else str(t.satisfaction),
        "" if t.effort is None else str(t.effort),
        "" if t.promoter is None else str(t.promoter),
        map_names.get(t.map_entry_id, ""),
        _list_cell([str(c) for c in t.contacts]),
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
_PAST = " is in the past. Pick a future date."
_ISO_T = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d?:\d\d)(?::00)?\s*$", re.MULTILINE)


def _header_key(cell: str) -> str:
    return " ".join(re.sub(r"[_\-./:]+", " ", cell.lower()).split())


class Sheet:
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

    def __init__(
        self,
        team: Team,
        author: str,
        now: datetime,
        entries: list[MapEntry] | None = None,
        stages: tuple[str, ...] = (),
    ) -> None:
        self.team, self.author, self.now = team, author, now
        self.entries, self.stages = entries or [], stages
        self.zone = ZoneInfo(team.timezone)
        self.plan = Plan(Format.CSV)
        self.columns: dict[int, str] = {}
        self.width = 0
        self.month_first = (team.date_order or default_date_order(team.timezone)) == "mdy"

    def read(self, text: str) -> Plan:
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
        entry = self.map_entry(draft, where)
        if len(self.plan.problems) > before:
            return
        author = " ".join(values.get("author", "").split()) or self.author
        touchpoint = self.touchpoint(draft, author, when[0])
        if entry is not None:
            touchpoint.kind = draft.kind or entry.channel
            touchpoint.stage = draft.stage or entry.stage
        key = slugify(name)
        self.plan.customers.setdefault(key, Customer(self.team.id, name, key, created_at=self.now))
        self.plan.touchpoints.append(Planned(key, touchpoint, entry.name if entry else None))

    def map_entry(self, draft: TouchpointDraft, where: str) -> MapEntry | None:
        """The row's map entry (it must be on the team's map), checking its stage too."""
        entry = None
        if draft.map_entry:
            try:
                entry = find_entry(self.entries, draft.map_entry, for_recording=True)
            except UserError as exc:
                self.problem(where, "touchpoint", exc.message)
        if draft.stage and self.stages and draft.stage not in self.stages:
            message = f"“{draft.stage}” is not one of the team's stages: {', '.join(self.stages)}"
            self.problem(where, "stage", message)
        return entry

    def when(self, text: str, where: str) -> tuple[datetime, datetime] | None:
        """(when the row happened, the ``now`` its promises are read from), aware UTC.

        A wall time is the team's, unless it carries an ISO offset ("Z", "+01:00").
        Numeric dates follow the team's date order (`config dates`). A date alone happened at
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
        found = read_date_cell(text, self.month_first)
        if found is None:
            return None
        at, has_clock = found
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
            promoter=get("promoter", ""),
            map_entry=get("map_entry", ""),
            contacts=_items(get("contacts", "")),
        )
        team = self.team
        try:
            return parse_form(
                fields,
                now=when[1],
                **reading(team),
            )
        except ParseError as exc:
            row_date = format_local(when[0], team.timezone)
            for error in exc.errors:  # "in the past" means before the row's date here
                message = error.message.replace(_PAST, f" is before the row's date, {row_date}.")
                self.problem(where, error.field, message)
            return None

    def touchpoint(self, draft: TouchpointDraft, author: str, occurred: datetime) -> Touchpoint:
        team = self.team
        code = team.find_code(draft.code) if draft.code else None

        made = draft.touchpoint(team.id, 0, author=author, at=occurred, code=code)
        for promise in made.promises:
            if already_due(promise, self.now):
                promise.remind_at = None
        return made


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")

    def known_columns(delimiter: str) -> int:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:  # a cell over the csv module's limit: reading it will say so
            return 0
        return sum(_header_key(cell) in _HEADERS for cell in cells)

    return max((",", ";", "\t"), key=known_columns)


def _items(cell: str) -> str:
    """A list cell as the form's one item per line: ";" separates in a one-line cell."""
    return cell if "\n" in cell or "\r" in cell else "\n".join(cell.split(";"))
