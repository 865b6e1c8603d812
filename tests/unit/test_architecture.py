"""House rules that keep the core portable."""

from __future__ import annotations

import ast
import sys
import typing
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
FORBIDDEN_IN_CORE = {
    "slack_bolt",
    "slack_sdk",
    "discord",
    "sqlalchemy",
    "apscheduler",
    "aiohttp",
    "alembic",
}
STDLIB = set(sys.stdlib_module_names)


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_sdk_and_nothing_beyond_the_standard_library() -> None:
    offenders = {}
    for path in sorted((BOT / "core").rglob("*.py")):
        extra = imported_roots(path) - STDLIB - {"bot", "__future__"}
        if path.name == "longtail.py" and path.parent.name == "dates":
            extra -= {"dateparser"}
        if path.name == "date_cells.py" and path.parent.name == "exchange":
            extra -= {"dateutil"}
        if extra:
            offenders[str(path.relative_to(BOT))] = sorted(extra)
    assert offenders == {}
    assert not any(FORBIDDEN_IN_CORE & imported_roots(p) for p in (BOT / "core").rglob("*.py"))


def test_the_wall_clock_is_read_only_by_the_clock() -> None:
    readers = []
    for path in sorted(BOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time()"):
            if needle in text and path.name != "clock.py":
                readers.append(f"{path.relative_to(BOT)}: {needle}")
    assert readers == []


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [
        str(p.relative_to(BOT))
        for p in BOT.rglob("*.py")
        if "os.environ" in p.read_text(encoding="utf-8") and p.name != "config.py"
    ]
    assert readers == []


def test_the_ports_type_hints_resolve_at_run_time() -> None:
    """Value types the ports use live beside the model, so nothing hides behind
    TYPE_CHECKING to dodge an import cycle."""
    from bot.core import ports

    unresolved = []
    for name, kind in vars(ports).items():
        if not isinstance(kind, type) or kind.__module__ != ports.__name__:
            continue
        for member in vars(kind).values():
            if callable(member):
                try:
                    typing.get_type_hints(member)
                except NameError as exc:
                    unresolved.append(f"{name}.{member.__name__}: {exc}")
    assert unresolved == []


def test_no_adapter_imports_the_composition_root_or_storage() -> None:
    offenders = []
    for path in sorted((BOT / "adapters").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith(("bot.bootstrap", "bot.storage", "bot.runtime")):
                offenders.append(f"{path.relative_to(BOT)}: {module}")
    assert offenders == []
