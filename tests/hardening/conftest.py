"""Hardening tests: discord.py imported quietly. The number of cases each test tried is
printed at the end of the run by the root conftest (``tests/tally.py``)."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
