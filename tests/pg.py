"""A throwaway PostgreSQL cluster for tests and benchmarks.

    with throwaway_postgres() as cluster:
        url = cluster.create_database("app")   # postgresql+psycopg://postgres@127.0.0.1:PORT/app

The cluster lives in a temporary directory, listens on 127.0.0.1 only (on a free port, with
its unix socket inside that directory), trusts local connections, runs with fsync off, and
is stopped (``pg_ctl stop -m immediate``) and deleted afterwards, even when the block fails.
``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` system
user (``runuser -u postgres --``) in a directory chowned to it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SYSTEM_USER = "postgres"
START_ATTEMPTS = 3  # the free port we picked can be taken before the server binds it


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


class CommandFailed(RuntimeError):
    """initdb or pg_ctl exited with an error (the message carries its output)."""


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: on the PATH, or the newest
    ``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu keep them off the PATH)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
        "/usr/lib/postgresql/*/bin; install them with `apt-get install -y postgresql`."
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int = 0

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SYSTEM_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` if given); returns its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def execute(self, statement: sql.Composable) -> None:
        """Run one statement in the maintenance database, outside a transaction."""
        dsn = f"host=127.0.0.1 port={self.port} user={SYSTEM_USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(statement)

    # -- lifecycle -------------------------------------------------------------------

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            SYSTEM_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self) -> None:
        last_error: CommandFailed | None = None
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={self.port}",
                    f"-c unix_socket_directories={self.root}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            try:
                self._run(
                    "pg_ctl", "start", "-D", str(self.datadir), "-l", str(self.logfile),
                    "-w", "-t", "60", "-o", options,
                )  # fmt: skip
                return
            except CommandFailed as exc:
                last_error = exc
        raise RuntimeError(
            f"PostgreSQL did not start; its log says:\n{self.log_tail()}"
        ) from last_error

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _run(self, program: str, *args: str) -> None:
        command: Sequence[str] = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise CommandFailed(
                f"{program} exited with {done.returncode}: {done.stderr.strip() or done.stdout}"
            )


@contextmanager
def throwaway_postgres() -> Iterator[PostgresCluster]:
    """A running cluster for the duration of the block; gone afterwards."""
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="touchpoint-pg-"))
    cluster = PostgresCluster(bindir=bindir, root=root)
    try:
        if os.geteuid() == 0:
            shutil.chown(root, user=SYSTEM_USER, group=SYSTEM_USER)
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
