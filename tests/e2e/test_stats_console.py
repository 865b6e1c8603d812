"""`/touchpoint stats` and the weekly summary through the composition root, the console
adapter and a real SQLite file."""

from __future__ import annotations

import asyncio
import io
import re
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import charts
from bot.adapters.console import ConsoleNotifier
from bot.bootstrap import Container
from bot.core import measures, summaries
from bot.core.clock import ManualClock
from bot.core.commands import Context, Outcome
from bot.core.replies import Reply
from bot.scheduling.engine import ReminderEngine
from tests.e2e.console_support import console_container, run_script
from tests.unit.test_charts import chunks, decode, raw_chunks


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path) as built:
        yield built


def advance(container: Container, delta: timedelta) -> None:
    clock = container.clock
    assert isinstance(clock, ManualClock)
    clock.advance(delta)


def record_a_week(container: Container) -> None:
    run_script(
        container,
        "/touchpoint acme call | ch: slow internet; disconnects daily | we: send fibre quote "
        "by fri; call back tomorrow 10am | diff: Needs fibre | stage: purchase | csat: 4 "
        "| ces: 2\n"
        "/touchpoint globex visit | ch: billing confusing | we: send invoice copy by mon "
        "| diff: needs  FIBRE | csat: 2\n"
        "/touchpoint kept 1\n"  # acme's quote, a day early
        "/touchpoint addressed 2\n",  # disconnects daily
    )
    advance(container, timedelta(days=2))  # Sat 21 Nov: "call back" is overdue


def test_stats_for_the_team_a_person_and_a_customer(container: Container) -> None:
    record_a_week(container)
    output = run_script(
        container, "/touchpoint stats\n/touchpoint stats mine\n/touchpoint stats acme\n"
    )
    team, mine, acme = output.split("== ")[1:]
    assert team.startswith("Measures — Console ==")
    assert "50% kept on time — 1 of 2 with a due date" in team
    assert "Kept late 0 · not kept 0 · overdue now 1" in team
    assert "@sam: 1 of 2 on time (50%) · 1 overdue" in team
    assert "acme: 1 of 2 on time (50%) · 1 overdue" in team
    assert "Open: 2 — median age 2 days, oldest 2 days" in team
    assert "Addressed: 1 — median time to address 1 min" in team
    assert "Needs fibre — 2 customers" in team
    assert "2 recorded — call 1 · visit 1" in team
    assert "Journey stage: purchase 1 · not set 1" in team
    assert "Satisfaction (CSAT): 3.0 / 5 from 2 touchpoints" in team
    assert "Effort (CES): 2.0 / 7 from 1 touchpoint" in team
    assert "Kept on time: W40 – · " in team and "W47 50%" in team
    assert mine.startswith("Your measures ==") and "Open (raised by you): 2" in mine
    assert acme.startswith("Measures — acme ==")
    assert "1 recorded — call 1" in acme and "Open: 1 — median age 2 days" in acme


def test_stats_for_an_unknown_customer_explains_itself(container: Container) -> None:
    output = run_script(container, "/touchpoint stats initech\n/touchpoint stats\n")
    assert "That didn't work" in output and "initech" in output
    assert "Nothing to measure yet" in output


def test_the_weekly_summary_reaches_the_console_channel(
    container: Container, tmp_path: Path
) -> None:
    record_a_week(container)
    advance(container, timedelta(days=2, hours=-1))  # Mon 23 Nov 09:00 GMT
    out = io.StringIO()
    notifier = ConsoleNotifier(out, charts_dir=tmp_path / "charts")
    engine = ReminderEngine(
        container.uow_factory, container.clock, {"console": notifier}, worker="w"
    )
    result = asyncio.run(engine.digests())
    asyncio.run(engine.digests())  # planned once: the second run finds nothing new
    text = out.getvalue()
    assert result.sent == 2  # Monday's digest and the weekly summary
    assert text.count("== Weekly summary — week 47 (16 Nov – 22 Nov) ==") == 1
    assert "50% of our promises due last week were kept on time (1 of 2)." in text
    assert "W47 (16 Nov): 50% kept on time (1 of 2) · 2 open challenges" in text


def test_the_weekly_chart_is_saved_as_a_png_and_announced_by_its_alt_text(
    container: Container, tmp_path: Path
) -> None:
    record_a_week(container)
    advance(container, timedelta(days=2, hours=-1))  # Mon 23 Nov 09:00 GMT
    out = io.StringIO()
    charts_dir = tmp_path / "out" / "charts"  # made when the first chart is saved
    notifier = ConsoleNotifier(out, charts_dir=charts_dir)
    engine = ReminderEngine(
        container.uow_factory, container.clock, {"console": notifier}, worker="w"
    )
    assert asyncio.run(engine.digests()).sent == 2
    text = out.getvalue()
    [announced] = [row for row in text.splitlines() if row.startswith("[chart: ")]
    found = re.fullmatch(r"\[chart: (Chart of the last 8 weeks.*)\] saved to (.+)", announced)
    assert found, announced
    alt_text, path = found.groups()
    assert "2026-W47: 50% kept on time (1 of 2), 2 open challenges" in alt_text
    # The line follows the summary it belongs to.
    assert text.index("== Weekly summary — week 47") < text.index(announced)
    saved = Path(path)
    assert saved == (charts_dir / "touchpoint-2026-W47.png").absolute()
    png = saved.read_bytes()
    found_chunks = raw_chunks(png)
    assert all(zlib.crc32(kind + data) == crc for kind, data, crc in found_chunks)
    assert found_chunks[0][0] == b"IHDR" and found_chunks[-1][0] == b"IEND"
    width, height, pixels = decode(png)
    assert (width, height) == (charts.WIDTH, charts.HEIGHT)
    assert len(pixels) == width * height * 3
    assert dict(chunks(png)["iTXt"])["Description"] == alt_text  # type: ignore[arg-type]


def test_a_chart_that_cannot_be_saved_is_said_and_the_text_still_shows(
    container: Container, tmp_path: Path
) -> None:
    record_a_week(container)
    advance(container, timedelta(days=2, hours=-1))
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the charts directory should be")
    out = io.StringIO()
    notifier = ConsoleNotifier(out, charts_dir=blocked)
    engine = ReminderEngine(
        container.uow_factory, container.clock, {"console": notifier}, worker="w"
    )
    assert asyncio.run(engine.digests()).sent == 2
    text = out.getvalue()
    assert "50% of our promises due last week were kept on time (1 of 2)." in text
    assert re.search(r"^\[chart: Chart of the last 8 weeks.*\] could not be saved to ", text, re.M)


def test_a_command_answer_with_a_chart_is_saved_too(container: Container, tmp_path: Path) -> None:
    record_a_week(container)
    handle = container.commands.run

    def stats_with_chart(text: str, ctx: Context) -> Outcome:
        reply = handle(text, ctx)
        assert isinstance(reply, Reply)
        report = measures.stats_report(
            ctx.team_id, "", ctx.user_id, uow=container.uow_factory(), clock=container.clock
        )
        return summaries.with_chart(reply, report.series, charts.weekly_chart)

    container.commands.run = stats_with_chart  # type: ignore[method-assign]
    output = run_script(container, "/touchpoint stats\n", charts_dir=tmp_path)
    assert "50% kept on time — 1 of 2 with a due date" in output
    assert f"] saved to {tmp_path.absolute() / 'touchpoint-2026-W47.png'}" in output
    assert decode((tmp_path / "touchpoint-2026-W47.png").read_bytes())[:2] == (
        charts.WIDTH,
        charts.HEIGHT,
    )


def test_stats_week_draws_the_chart_of_the_team_or_of_one_stage_and_saves_it(
    container: Container, tmp_path: Path
) -> None:
    record_a_week(container)  # acme's touchpoint is at the purchase stage, globex's has none
    charts_dir = tmp_path / "charts"
    output = run_script(
        container,
        "/touchpoint stats week\n/touchpoint stats week purchase\n",
        charts_dir=charts_dir,
    )
    team, purchase = output.split("== ")[1:]
    assert team.startswith("The last 8 weeks ==")
    assert "W47 (16 Nov): 50% kept on time (1 of 2) · 2 open challenges" in team
    assert purchase.startswith("The last 8 weeks — purchase stage ==")
    assert "W47 (16 Nov): 50% kept on time (1 of 2) · 1 open challenge" in purchase  # not globex
    assert "[chart: Chart of the last 8 weeks at the purchase stage" in purchase
    saved = sorted(p.name for p in charts_dir.iterdir())
    assert saved == ["touchpoint-2026-W47-purchase.png", "touchpoint-2026-W47.png"]
