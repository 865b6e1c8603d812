"""Recording a touchpoint end to end on SQLite: parse, resolve the customer, save, commit."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import Figure, measure
from bot.bootstrap import build
from bot.config import load_settings
from bot.core import services
from bot.core.clock import ManualClock
from bot.core.commands import Context

ENTRY = (
    "{name} call | ch: slow internet; disconnects daily | we: send fibre quote by fri; "
    "call back tomorrow 10am | they: read brochure before next tue | diff: needs fibre"
)


def run(size: str = "small") -> list[Figure]:
    samples = 2000 if size == "small" else 20000
    customers = 200
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}"}, dotenv=None
        )
        clock = ManualClock(datetime(2026, 11, 19, 10, 0, tzinfo=UTC))
        container = build(settings, clock=clock)
        ctx = Context("bench:team", "U1", "C1", "Bench")
        container.commands.ensure_team(ctx)

        def record(i: int) -> None:
            clock.advance(timedelta(seconds=1))
            services.record_quick_entry(
                ctx.team_id,
                "U1",
                ENTRY.format(name=f"customer {abs(i) % customers:04d}"),
                uow=container.uow_factory(),
                clock=clock,
            )

        figure = measure(
            "record touchpoint (SQLite, 2 challenges + 3 promises with dates)",
            record,
            samples,
            warmup=customers,
            aim_p50_ms=5,
        )
        container.close()
    return [figure]


if __name__ == "__main__":
    for fig in run():
        print(fig)
