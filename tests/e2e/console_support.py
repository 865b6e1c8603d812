"""The console adapter on the real composition root, a real SQLite file and a manual clock."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.bootstrap import Container, build
from bot.config import load_settings
from bot.core.clock import ManualClock

# Thu 19 Nov 2026, 10:00 UTC
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


@contextmanager
def console_container(tmp_path: Path, **env: str) -> Iterator[Container]:
    """A bot for the user "sam" in Europe/London; ``env`` adds or overrides settings."""
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'tp.db'}",
            "TOUCHPOINT_TIMEZONE": "Europe/London",
            "TOUCHPOINT_CONSOLE_USER": "sam",
            **env,
        },
        dotenv=None,
    )
    built = build(settings, clock=ManualClock(NOW))
    try:
        yield built
    finally:
        built.close()


def run_script(container: Container, script: str, *, charts_dir: Path | None = None) -> str:
    """Feed ``script`` to the console as its standard input; return what it printed."""
    out = io.StringIO()
    adapter = ConsoleAdapter(
        container.core,
        user="sam",
        stdin=io.StringIO(script),
        stdout=out,
        interactive=False,
        charts_dir=charts_dir,
    )
    assert adapter.run() == 0
    return out.getvalue()
