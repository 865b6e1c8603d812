"""What an export or import is made of and comes to: the formats, the plan an import
reads a file into, and the report it gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.errors import UserError
from bot.core.model import Customer, MapEntry, Promise, Team, Touchpoint

FORMAT_NAME = "touchpoint-export"
# Version 2 added the touchpoint map, NPS and contacts, and turned CES around (7 is very
# easy now): a version 1 document is still read, each effort score e becoming 8 - e.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
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
    "nps",
    "touchpoint",
    "contacts",
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


# -- import -------------------------------------------------------------------------------


@dataclass
class Planned:
    customer: str  # its key in ``Plan.customers``
    touchpoint: Touchpoint  # team and customer ids are set once the customer is known
    map_entry: str | None = None  # the name of its map entry; the id is set on saving


@dataclass
class Plan:
    format: Format
    customers: dict[str, Customer] = field(default_factory=dict)  # by slug
    touchpoints: list[Planned] = field(default_factory=list)
    team: Team | None = None  # JSON: the document's settings
    map: list[MapEntry] | None = None  # JSON (version 2): the document's touchpoint map
    stages: tuple[str, ...] = ()  # ... and its own journey stages
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def already_due(promise: Promise, now: datetime) -> bool:
    return promise.due_at is not None and promise.due_at <= now
