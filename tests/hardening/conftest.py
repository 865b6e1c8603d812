"""Hardening tests: async tests without a plugin, discord.py imported quietly, and the
number of cases each test tried, printed at the end of the run (and written as JSON to
``$HARDENING_TALLY`` when set) so docs/reliability.md can quote reproducible figures."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import warnings
from pathlib import Path

import pytest

from .support import TALLY

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


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
