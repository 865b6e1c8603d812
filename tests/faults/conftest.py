"""Fault tests: discord.py imported quietly, and a throwaway
PostgreSQL cluster of this package's own (stopping and starting it must not disturb the
session's shared cluster, whose next test database is being copied in the background)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest
from pg import PostgresCluster, PostgresUnavailable, find_bindir, throwaway_postgres

from .outage import start_again

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401


@pytest.fixture
def own_pg() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster this test may stop and start (about 0.7 s to create). It runs
    with ``synchronous_commit`` on, as a production server does: ``pg.py`` turns it off for
    speed, and then a crash loses the last half second of commits, which is a property of
    that setting, not of the bot."""
    try:
        find_bindir()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {exc}")
        pytest.skip(str(exc))
    with throwaway_postgres() as cluster:
        cluster.stop()
        start_again(cluster)
        yield cluster
