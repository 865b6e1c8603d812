"""A week of commands on the console with the mistakes people make, the clock moved day
by day: nothing settles another customer's item, nothing half-done, nothing hijacked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import Container
from bot.core.clock import ManualClock
from bot.core.model import ChallengeStatus, PromiseStatus
from tests.e2e.console_support import console_container, run_script

TEAM = "console:local"
EMAIL = (
    "From: Dana Reyes <dana@cafe.example>\\\n"
    "Sent: Monday 16:02\\\n"
    "To: Sam\\\n"
    "Subject: invoices | again\\\n"
    "Type: urgent\\\n"
    "we: please send the German invoices by Friday"
)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    with console_container(tmp_path) as built:
        yield built


def day(container: Container, script: str, hours: float = 24) -> str:
    output = run_script(container, script)
    clock = container.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(hours=hours))
    return output


def test_a_week_of_commands_with_the_usual_mistakes(container: Container) -> None:
    # Thursday: calls recorded, one logged after the fact, one for a colleague.
    thursday = day(
        container,
        "/touchpoint acme call | ch: slow internet | we: confirm PO number by fri\n"
        "/touchpoint cafe lumiere call | ch: German invoices missing; late delivery"
        " | we: @priya send the quote by mon\n"
        "/touchpoint Due North Outdoors call | when: today 9am | ch: tent poles broken\n"
        f"/touchpoint cafe lumiere email-in | notes: {EMAIL}\n"
        "/touchpoint hooli visit | chalenges: parking | thye: read brochure\n"
        "/touchpoint list\n"
        "/touchpoint what did we promise acme?\n"
        "/touchpoint resolve 2\n",
    )
    assert "Recorded: Call with Due North Outdoors" in thursday
    assert "Happened: Thu 19 Nov 09:00" in thursday
    assert "“chalenges:” (did you mean “challenges:”?)" in thursday
    assert thursday.count("Known labels:") == 1
    assert "Did you mean `/touchpoint promises` or `/touchpoint challenges`?" in thursday
    assert "`/touchpoint show acme` or `/touchpoint promises`" in thursday
    assert "Did you mean `/touchpoint addressed C2`?" in thursday

    # Friday: numbers collide across kinds; the wrong kind is refused, naming what it is.
    friday = day(
        container,
        "/touchpoint done C2\n"  # challenge C2 is Café Lumière's: never Acme's promise P2
        "/touchpoint kept P1 99\n"  # one unknown number: nothing kept
        "/touchpoint kept P1\n",
        hours=0.1,
    )
    friday += day(
        container, "/touchpoint addressed C2 corrected invoice INV-2291 sent\n", hours=0.1
    )
    friday += day(
        container,
        "/touchpoint undo\n/touchpoint addressed C2 corrected invoice INV-2291 sent\n",
        hours=24 - 0.2,
    )
    assert "C2 is a challenge (cafe lumiere: German invoices missing), not a promise" in friday
    assert "Nothing was changed" in friday and "no promise P99" in friday
    assert "P1 acme: confirm PO number — marked kept" in friday
    assert "“addressed” undone" in friday

    # Monday: a double submission deleted, the colleague's promise reopened after a slip.
    monday = day(
        container,
        "/touchpoint hooli visit | ch: parking | they: read brochure\n"
        "/touchpoint hooli visit | ch: parking | they: read brochure\n"
        "/touchpoint delete T6 confirm\n"
        "/touchpoint notkept P2\n"
        "/touchpoint reopen P2\n"
        "/touchpoint promises cafe lumiere\n"
        "/touchpoint show cafe lumiere\n",
        hours=0.1,
    )
    monday += day(
        container,
        "/touchpoint show cafe lumiere\n"
        "/touchpoint config owner billing @priya\n"
        "/touchpoint config\n"
        "/touchpoint undo\n",
    )
    assert "Deleted T6, a visit with hooli" in monday
    assert "P2 cafe lumiere: send the quote — reopened" in monday
    assert "owner @priya" in monday
    assert "Area owners: billing → @priya" in monday
    assert "— “From: Dana Reyes <dana@cafe.example>”" in monday  # the notes' preview

    with container.uow_factory() as uow:
        customers = {c.id: c.name for c in uow.customers.list(TEAM)}
        assert sorted(customers.values()) == [
            "Due North Outdoors",
            "acme",
            "cafe lumiere",
            "hooli",
        ]
        acme_po = uow.promises.get(TEAM, 1)
        quote = uow.promises.get(TEAM, 2)
        invoices = uow.challenges.get(TEAM, 2)
        assert acme_po is not None and acme_po.status is PromiseStatus.KEPT
        assert quote is not None and quote.status is PromiseStatus.NOT_KEPT  # undo of reopen
        assert quote.owner == "priya"
        assert [e.action for e in quote.history] == ["not_kept", "reopened", "undone"]
        assert invoices is not None and invoices.status is ChallengeStatus.ADDRESSED
        assert invoices.history[-1].detail == "corrected invoice INV-2291 sent"
        email = [t for t in uow.touchpoints.recent_for_customer(TEAM, invoices.customer_id)
                 if t.kind.value == "email-in"]  # fmt: skip
        assert "Type: urgent" in email[0].notes and email[0].notes.endswith("by Friday")
        hooli = next(cid for cid, name in customers.items() if name == "hooli")
        assert uow.touchpoints.count_for_customer(TEAM, hooli) == 1

    # Every settle reply named the customer whose item it changed.
    everything = thursday + friday + monday
    for ref, name in re.findall(r"(P\d+) ([\w ]+): .* — marked", everything):
        with container.uow_factory() as uow:
            promise = uow.promises.get(TEAM, int(ref[1:]))
            assert promise is not None
            customer = uow.customers.get(TEAM, promise.customer_id)
        assert customer is not None and customer.name == name
