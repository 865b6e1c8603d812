"""The README's worked example of the touchpoint map, run through the console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Container
from tests.e2e.console_support import console_container, run_script

README_EXAMPLE = """\
/touchpoint map stages pre-purchase, purchase, onboarding, post-purchase
/touchpoint map change "onboarding call" onboarding
/touchpoint map add "kick-off meeting" meeting onboarding truth active @priya
/touchpoint map owner "first invoice" billing
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
