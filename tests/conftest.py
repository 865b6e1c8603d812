"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL) and units of work.

An ``async def test_...`` anywhere runs in its own event loop (no plugin needed).

``db_url`` runs a test on both databases, each time on a fresh, migrated, empty database.
PostgreSQL tests are marked ``postgres``; without the server binaries they are skipped
locally and fail in CI (when ``CI`` is set), where they must run.

``make test`` runs the suite in two worker processes (pytest-xdist, ``--dist loadfile``): each
worker has its own throwaway cluster, temporary directories and free ports, and a file's
tests stay together in one worker. The cases the hardening tests tried are counted in each
worker and added up here, printed at the end of the run (and written as JSON to
``$HARDENING_TALLY`` when set) so docs/reliability.md can quote reproducible figures.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pg import PostgresCluster, PostgresUnavailable, find_bindir, throwaway_postgres
from tally import TALLY

from bot.storage.engine import make_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlAlchemyUnitOfWork, make_session_factory

_database_names = itertools.count(1)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a worker process: hand its counts to the controlling process."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["hardening_tally"] = dict(TALLY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """In the controlling process: a worker finished; add up what it tried."""
    TALLY.update(getattr(node, "workeroutput", {}).get("hardening_tally", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY or hasattr(terminalreporter.config, "workeroutput"):
        return
    terminalreporter.section("hardening: cases tried")
    width = max(len(name) for name in TALLY)
    for name, count in sorted(TALLY.items()):
        terminalreporter.write_line(f"{name:<{width}}  {count:>7,}")
    terminalreporter.write_line(f"{'total':<{width}}  {sum(TALLY.values()):>7,}")
    target = os.environ.get("HARDENING_TALLY")
    if target:
        Path(target).write_text(json.dumps(dict(sorted(TALLY.items())), indent=2) + "\n")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    try:
        find_bindir()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {exc}")
        pytest.skip(str(exc))
    with throwaway_postgres() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def pg_url(pg_cluster: PostgresCluster) -> str:
    """An empty database (not migrated) in the session's throwaway cluster."""
    return pg_cluster.create_database("touchpoint")


class _FreshDatabases:
    """Copies of a migrated template, each made in the background while the previous test
    runs (a copy takes about 0.1 s), and dropped in the background after its test."""

    def __init__(self, cluster: PostgresCluster, template: str) -> None:
        self._cluster, self._template = cluster, template
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="pg-databases")
        self._next = self._worker.submit(self._create)

    def _create(self) -> str:
        name = f"test_{next(_database_names)}"
        self._cluster.create_database(name, template=self._template)
        return name

    def take(self) -> str:
        name = self._next.result()
        self._next = self._worker.submit(self._create)
        return name

    def url(self, name: str) -> str:
        return self._cluster.url(name)

    def give_back(self, name: str) -> None:
        self._worker.submit(self._cluster.drop_database, name)

    def close(self) -> None:
        self._worker.shutdown(wait=True)


@pytest.fixture(scope="session")
def _pg_databases(pg_cluster: PostgresCluster) -> Iterator[_FreshDatabases]:
    template = "touchpoint_template"
    upgrade(pg_cluster.create_database(template))
    databases = _FreshDatabases(pg_cluster, template)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "touchpoint.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "touchpoint.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    databases: _FreshDatabases = request.getfixturevalue("_pg_databases")
    name = databases.take()
    yield databases.url(name)
    databases.give_back(name)


@pytest.fixture
def uow_factory(db_url: str) -> Iterator[Callable[[], SqlAlchemyUnitOfWork]]:
    engine = make_engine(db_url)
    session_factory = make_session_factory(engine)
    yield lambda: SqlAlchemyUnitOfWork(session_factory)
    engine.dispose()
