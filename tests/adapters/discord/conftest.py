"""discord.py 2.7 imports the standard library's ``audioop`` (voice support), which warns
on Python 3.11+; the suite turns warnings into errors, so import it once here, quietly."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
