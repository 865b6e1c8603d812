"""Delivery throughput with 1, 2 and 3 bot instances (processes) on one PostgreSQL.

Each run seeds a fresh database with teams that each have a reminder, a nudge and a digest
due, starts N reminder workers (``bench.instances``: the real ``ReminderEngine`` against a
platform that takes 50 ms to answer a post, like Slack's and Discord's APIs at their
quickest), releases them together and times them until the outbox is empty. Every post is
checked to have gone out exactly once. The figure's latency columns are the whole run;
its throughput is posts a second.

    .venv/bin/python -m bench.bench_instances [small|large]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench import dataset
from bench.harness import Figure
from bench.instances import posted, promises_posted, run_fleet
from tests.e2e.seeding import T1, seed_teams

LATENCY_MS = 50.0
TEAMS = {"small": 50, "large": 200}


def run(size: str = "small") -> list[Figure]:
    try:
        cluster = dataset.postgres_cluster()
    except dataset.Unavailable as exc:
        return [Figure("instances on one PostgreSQL", 0, 0, 0, note=f"skipped: {exc}")]
    teams = tuple(f"console:fleet{n:03d}" for n in range(TEAMS[size]))
    figures = []
    single = 0.0
    with tempfile.TemporaryDirectory(prefix="touchpoint-fleet-") as tmp_name:
        tmp = Path(tmp_name)
        for workers in (1, 2, 3):
            url = cluster.create_database(f"fleet_{size}_{workers}")
            seed_teams(url, teams, per_team=2)
            log = tmp / f"posts-{workers}.jsonl"
            fleet = run_fleet(url, log, T1, workers, LATENCY_MS, tmp)
            keys = [str(line["key"]) for line in posted(log)]
            # Each post once, all in the first pass; each team's digest, and each due
            # promise (two customers' ours and theirs a team) in exactly one post.
            assert len(keys) == len(set(keys)) == fleet.sent, fleet
            assert fleet.sent_again == 0 and fleet.failed == 0, fleet
            assert len([k for k in keys if k.startswith("digest:")]) == len(teams), keys
            carried = promises_posted(url)
            assert len(carried) == 4 * len(teams) and set(carried.values()) == {1}, carried
            single = single or fleet.per_second
            figures.append(
                Figure(
                    f"{workers} instance{'s' if workers > 1 else ''}: reminders, nudges and "
                    "digests sent (PostgreSQL)",
                    1,
                    fleet.seconds * 1000,
                    fleet.seconds * 1000,
                    throughput_per_s=fleet.per_second,
                    note=(
                        f"{fleet.sent} posts at {LATENCY_MS:g} ms each, "
                        f"{fleet.per_second / single:.1f}x one instance; "
                        f"per instance {list(fleet.sent_by_worker)}; each sent once"
                    ),
                )
            )
    return figures


if __name__ == "__main__":
    from bench.__main__ import table

    print(table([("instances", f) for f in run(sys.argv[1] if len(sys.argv) > 1 else "small")]))
