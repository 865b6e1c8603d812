"""The console's step-by-step form: its optional part, and `edit T12` walking it with the
touchpoint's current answers offered as defaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Container
from tests.e2e.console_support import console_container, run_script

TEAM = "console:local"


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path) as built:
        yield built


def test_the_optional_part_is_one_question_and_records_the_map_fields(
    container: Container,
) -> None:
    output = run_script(
        container,
        "/touchpoint initech call\n"
        "\n"  # code
        "printer jams\n\n"  # challenges
        "\n\n\n\n"  # our, their promises, difference, notes
        "y\n"  # more
        "5\n"  # the map's fifth touchpoint: first invoice
        "\n"  # stage: the map entry's
        "Jane Smith (CFO); Raj\n"  # with
        "4\n10\n7\n",  # CSAT, NPS, CES
    )
    assert "Touchpoint: first invoice (purchase, a moment of truth)" in output
    assert "With: Jane Smith (CFO), Raj" in output
    with container.uow_factory() as uow:
        (tp,) = uow.touchpoints.recent_for_customer(TEAM, 1)
    assert (tp.stage, tp.satisfaction, tp.promoter, tp.effort) == ("purchase", 4, 10, 7)


def test_skipping_the_optional_part_keeps_the_one_minute_path(container: Container) -> None:
    output = run_script(container, "/touchpoint initech call\n\nprinter jams\n\n\n\n\n\n\n")
    assert "Call with initech" in output and "printer jams" in output
    with container.uow_factory() as uow:
        (tp,) = uow.touchpoints.recent_for_customer(TEAM, 1)
    assert (tp.map_entry_id, tp.stage, tp.satisfaction) == (None, None, None)


def test_edit_walks_the_form_with_the_current_answers_and_corrects_in_place(
    container: Container,
) -> None:
    output = run_script(
        container,
        "/touchpoint acme call | tp: first invoice | ch: slow internet | we: send quote by fri "
        "| csat: 2 | with: Jane Smith (CFO) | notes: asked about VAT\n"
        "/touchpoint edit T1\n"
        "\n"  # kind [call]
        "\n"  # code
        "slow wifi\n\n"  # challenges: a new list
        "\n"  # our promises: kept
        "\n"  # their promises
        "needs fibre\n"  # difference
        "\n"  # notes: kept
        "y\n"  # more
        "\n\n"  # map entry, stage: kept
        "-\n"  # with: emptied
        "4\n"  # csat
        "\n\n"  # nps, ces
        "/touchpoint show acme\n",
    )
    assert "Editing T1, a call with acme" in output
    assert "  · send quote by 2026-11-20 09:00" in output  # the current answer, offered
    assert "T1 is corrected in place (added C2; removed C1)" in output
    assert "diff: needs fibre — “asked about VAT” — edited Thu 19 Nov 10:00 by @sam" in output
    with container.uow_factory() as uow:
        tp = uow.touchpoints.get(TEAM, 1)
    assert tp is not None
    assert [c.text for c in tp.challenges] == ["slow wifi"]
    assert [(p.text, p.history) for p in tp.promises] == [("send quote", [])]  # untouched
    assert (tp.difference, tp.notes, tp.satisfaction, tp.contacts) == (
        "needs fibre",
        "asked about VAT",
        4,
        (),
    )
    assert tp.map_entry_id is not None and tp.stage == "purchase"
