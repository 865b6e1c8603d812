"""The README's worked example of the touchpoint map, run through the console."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleNotifier
from bot.bootstrap import Container
from bot.core.clock import ManualClock
from bot.scheduling.engine import ReminderEngine
from tests.e2e.console_support import console_container, run_script

README_EXAMPLE = """\
/touchpoint map stages pre-purchase, purchase, onboarding, post-purchase
/touchpoint map change "onboarding call" onboarding
/touchpoint map add "kick-off meeting" meeting onboarding truth active @priya
/touchpoint map owner "first invoice" billing
/touchpoint config owner billing @priya
/touchpoint acme | tp: first invoice | with: Jane Smith (CFO) | ch: VAT missing on invoice \\
| csat: 2 | nps: 6
/touchpoint map note "first invoice" VAT shown wrong for EU customers
/touchpoint map
/touchpoint show acme
/touchpoint stats map
"""


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path) as built:
        yield built


def test_the_readme_example_builds_the_map_and_records_against_it(container: Container) -> None:
    out = run_script(container, README_EXAMPLE)
    assert "That didn't work" not in out, out
    assert "Touchpoint: first invoice (purchase, a moment of truth)" in out
    assert "★ kick-off meeting — meeting · active · owner @priya" in out
    assert out.index("Onboarding:") < out.index("Post-purchase:")
    assert "VAT shown wrong for EU customers" in out
    assert "Jane Smith (CFO) — last spoken to" in out
    # The record's recent touchpoints name the map entry the touchpoint was recorded against.
    assert "T1 Thu 19 Nov 10:00 first invoice (email-out) · purchase · csat 2/5" in out
    assert "★ first invoice (purchase) — 1 touchpoint (was 0) · CSAT 2.0/5 · NPS -100" in out


def test_the_readme_example_sends_priya_the_weekly_summary_of_her_touchpoints(
    container: Container,
) -> None:
    run_script(container, README_EXAMPLE)
    clock = container.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=3, hours=23))  # Mon 23 Nov 09:00 GMT, the digest time
    out = io.StringIO()
    engine = ReminderEngine(
        container.uow_factory, clock, {"console": ConsoleNotifier(out)}, worker="w"
    )
    asyncio.run(engine.digests())
    asyncio.run(engine.digests())  # planned once: the second run finds nothing new
    text = out.getvalue()
    assert text.count("[direct message to @priya] == Your touchpoints this week ==") == 1
    assert (
        "★ first invoice (purchase) — 1 touchpoint (0 in the 4 weeks before) · CSAT 2.0/5 · "
        "NPS -100 · challenges still open: 1 of 1"
    ) in text
    assert "note (Thu 19 Nov 2026, @sam): VAT shown wrong for EU customers" in text
    # Priya owns the kick-off meeting herself: listed, quiet as it was.
    assert "★ kick-off meeting (onboarding) — 0 touchpoints (0 in the 4 weeks before)" in text
    assert "[direct message to @sam]" not in text  # Sam owns nothing
