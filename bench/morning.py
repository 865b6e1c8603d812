"""The morning channel over a scripted week: how many messages and lines the team channel
gets each morning before anyone types (tests/e2e/week.py, on a fresh SQLite file).

    python -m bench.morning

Lines are counted as printed (each non-blank line once) and as a window 100 columns wide
shows them (a long line wraps onto several).

It drives only the text commands and the reminder engine, so running it with another
version of the bot on PYTHONPATH (and this one's tests/ after it) gives that version's
figures to compare; docs/benchmarks.md has both.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot.bootstrap import build
from bot.config import load_settings
from bot.core import measures
from bot.core.clock import ManualClock
from tests.e2e.week import START, TEAM, Week, kept_on_time_by_rule

# A long line takes several lines of a screen: counted as a window this wide shows it.
WIDTH = 100


def screen_lines(text: str) -> int:
    return sum(-(-len(line) // WIDTH) for line in text.splitlines() if line.strip())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(START)
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'week.db'}",
                "TOUCHPOINT_TIMEZONE": "Europe/London",
            },
            dotenv=None,
        )
        container = build(settings, clock=clock)
        try:
            result = Week(container, clock.set).run()
            on_time, counted = kept_on_time_by_rule(container)
            own = measures.team_measures(TEAM, uow=container.uow_factory(), clock=clock).ours
        finally:
            container.close()
    print(f"| morning | messages | lines | lines at {WIDTH} columns | promises due that day |")
    print("|---|---:|---:|---:|---:|")
    wrapped = {day: screen_lines(text) for day, text in result.morning_text.items()}
    for day, lines in result.morning_lines.items():
        due = len(result.due_each_morning[day])
        posts = result.morning_posts[day]
        print(f"| {day:%a %d %b} | {posts} | {lines} | {wrapped[day]} | {due} |")
    total_posts = sum(result.morning_posts.values())
    total_lines = sum(result.morning_lines.values())
    print(f"| week | {total_posts} | {total_lines} | {sum(wrapped.values())} | |")
    print(f"kept on time by the README's rule: {on_time} of {counted}")
    print(f"kept on time as the bot counts it (stats): {own.on_time} of {own.counted}")


if __name__ == "__main__":
    main()
