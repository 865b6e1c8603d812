"""Hardening tests: discord.py imported quietly, and the
number of cases each test tried, printed at the end of the run (and written as JSON to
``$HARDENING_TALLY`` when set) so docs/reliability.md can quote reproducible figures."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from .support import TALLY

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY:
        return
    terminalreporter.section("hardening: cases tried")
    width = max(len(name) for name in TALLY)
    for name, count in sorted(TALLY.items()):
        terminalreporter.write_line(f"{name:<{width}}  {count:>7,}")
    terminalreporter.write_line(f"{'total':<{width}}  {sum(TALLY.values()):>7,}")
    target = os.environ.get("HARDENING_TALLY")
    if target:
        Path(target).write_text(json.dumps(dict(sorted(TALLY.items())), indent=2) + "\n")
