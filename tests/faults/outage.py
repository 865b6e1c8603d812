"""Taking the database away and bringing it back, as a crashed or restarted server would."""

from __future__ import annotations

import os
import subprocess

from pg import SYSTEM_USER, PostgresCluster


def crash(cluster: PostgresCluster) -> None:
    """Stop the server at once (``pg_ctl stop -m immediate``): connections drop mid-query."""
    cluster.stop()


def start_again(cluster: PostgresCluster) -> None:
    """Start a stopped cluster on the port it had before. ``PostgresCluster.start`` picks a
    new free port, which would change every URL the bot holds."""
    options = " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-c port={cluster.port}",
            f"-c unix_socket_directories={cluster.root}",
            "-c fsync=off",
        ]
    )
    command = [
        str(cluster.bindir / "pg_ctl"),
        "start",
        "-D",
        str(cluster.datadir),
        "-l",
        str(cluster.logfile),
        "-w",
        "-t",
        "30",
        "-o",
        options,
    ]
    if os.geteuid() == 0:
        command = ["runuser", "-u", SYSTEM_USER, "--", *command]
    done = subprocess.run(
        command, cwd=cluster.root, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"PostgreSQL did not start again:\n{cluster.log_tail()}")
