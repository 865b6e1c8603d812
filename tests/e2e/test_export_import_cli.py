"""`touchpoint export` and `touchpoint import` as real processes on SQLite files."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import build
from bot.config import load_settings
from bot.core import services
from bot.core.clock import ManualClock
from bot.core.exchange import CSV_COLUMNS
from bot.core.services import TeamDefaults

TEAM = "console:local"
SEEDED_AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday, safely in the past


def touchpoint(tmp_path: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / db}", "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def seed(tmp_path: Path, db: str) -> None:
    clock = ManualClock(SEEDED_AT)
    settings = load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / db}"}, dotenv=None)
    container = build(settings, clock=clock)
    uow = container.uow_factory
    defaults = TeamDefaults("Europe/London")
    services.ensure_team(TEAM, "Console", defaults=defaults, uow=uow(), clock=clock)
    recorded = services.record_quick_entry(
        TEAM,
        "sam",
        "acme call | ch: slow internet | we: send quote by fri | they: sign by 10 Mar | "
        "diff: needs fibre | csat: 3",
        uow=uow(),
        clock=clock,
    )
    clock.advance(timedelta(hours=2))
    promise = recorded.touchpoint.promises[0].id or 0
    services.settle_promise(TEAM, promise, "kept", "sam", uow=uow(), clock=clock)
    services.record_quick_entry(
        TEAM, "jo", "Zoë's Café visit | notes: met the owner", uow=uow(), clock=clock
    )
    container.close()


def test_a_json_backup_restores_into_another_database_exactly(tmp_path: Path) -> None:
    seed(tmp_path, "a.db")
    done = touchpoint(tmp_path, "a.db", "export", "--team", TEAM, "--out", "backup.json")
    assert done.returncode == 0, done.stderr
    assert "Exported 2 customers and 2 touchpoints of console:local to backup.json" in done.stderr
    backup = (tmp_path / "backup.json").read_text(encoding="utf-8")

    dry = touchpoint(tmp_path, "b.db", "import", "backup.json", "--team", TEAM, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[:2] == [
        "Dry run: nothing was saved.",
        "Team settings: the document's (new team).",
    ]
    missing = touchpoint(tmp_path, "b.db", "export", "--team", TEAM)
    assert missing.returncode == 1 and "There is no team “console:local”" in missing.stderr

    done = touchpoint(tmp_path, "b.db", "import", "backup.json", "--team", TEAM)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported.\n")
    assert "Touchpoints: 2 added, with 1 challenges and 2 promises" in done.stdout
    again = touchpoint(tmp_path, "b.db", "export", "--team", TEAM)
    assert again.returncode == 0 and again.stdout == backup

    twice = touchpoint(tmp_path, "b.db", "import", "backup.json", "--team", TEAM)
    assert "Touchpoints: 0 added, with 0 challenges and 0 promises; 2 already there" in twice.stdout


def test_a_spreadsheet_is_checked_then_imported_and_exported_as_csv(tmp_path: Path) -> None:
    seed(tmp_path, "a.db")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "Customer,Date,Type,Challenges,Our promises,Notes\n"
        'acme,10/03/2025,call,"slow internet; outages",send fibre quote by friday,\n'
        "Globex,31/02/2025,visit,,,walked the site\n",
        encoding="utf-8-sig",
    )
    bad = touchpoint(tmp_path, "a.db", "import", "sheet.csv", "--team", TEAM)
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[0] == "Nothing was saved: 1 problem(s) to fix first."
    assert "  row 3, date: can't read “31/02/2025”." in bad.stdout

    sheet.write_text(sheet.read_text(encoding="utf-8-sig").replace("31/02", "28/02"))
    done = touchpoint(tmp_path, "a.db", "import", "sheet.csv", "--team", TEAM, "--author", "kim")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Customers: 1 created (Globex), 1 existing." in done.stdout
    assert "1 promises were already due: imported open and overdue" in done.stdout

    exported = touchpoint(tmp_path, "a.db", "export", "--team", TEAM, "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert "Globex,2025-02-28 09:00,visit,,,,,,walked the site,kim,,,,,," in lines
    assert 'acme,2025-03-10 09:00,call,,"slow internet' in exported.stdout
    assert "send fibre quote by 2025-03-14 09:00" in exported.stdout


def test_a_file_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    seed(tmp_path, "a.db")
    (tmp_path / "latin1.csv").write_bytes("customer,date\nCafé,2025-03-01\n".encode("cp1252"))
    done = touchpoint(tmp_path, "a.db", "import", "latin1.csv", "--team", TEAM)
    assert done.returncode == 1 and "latin1.csv is not UTF-8 text" in done.stderr
    done = touchpoint(tmp_path, "a.db", "import", "nowhere.json", "--team", TEAM)
    assert done.returncode == 1 and "can't read nowhere.json" in done.stderr
