"""Commands come as text or as a platform's typed options; both are the same typed request,
so text is read once and a typed option is never read again as text."""

from __future__ import annotations

import pytest

from bot.core.errors import ParseError, UserError
from bot.core.interactions import Interactions
from bot.core.model import Direction, Kind
from bot.core.requests import (
    CalendarFeed,
    Challenges,
    Configure,
    Digest,
    Help,
    Promises,
    RecordEntry,
    Show,
    Stats,
    WeeklyChart,
    Words,
    read,
    show,
)
from tests.fakes import FakeStore
from tests.unit.test_commands import CTX, recorded, said, typed


def test_text_is_read_into_the_typed_request_a_platform_would_build() -> None:
    assert read("") == Help() and read("help") == Help()
    assert read("show Acme Corp") == Show("Acme Corp")
    assert read("show acme page 2") == Show("acme", 2, "acme page 2")
    assert read("promises mine") == Promises(mine=True)
    assert read("promises theirs") == Promises(direction=Direction.THEIRS)
    assert read("challenges acme") == Challenges("acme")
    assert read("digest") == Digest()
    assert read("stats") == Stats() and read("stats team") == Stats()
    assert read("stats me") == Stats(mine=True)
    assert read("stats  acme   corp") == Stats(customer="acme corp")
    assert read("stats week") == WeeklyChart() and read("stats chart") == WeeklyChart()
    assert read("stats week stage purchase") == WeeklyChart("stage purchase", "week stage purchase")
    assert read("calendar team revoke") == CalendarFeed(team=True, revoke=True)
    assert read("config") == Configure()
    assert read("config timezone Europe/Paris") == Configure("timezone", "Europe/Paris")
    assert read("KEPT 12") == Words("kept", "12")
    assert read("acme | we: call back") == Words("", "acme | we: call back")


def test_a_malformed_command_is_refused_while_reading_it() -> None:
    assert read("promises everything") == Promises(customer="everything")  # a customer
    with pytest.raises(UserError, match="calendar team"):
        read("calendar everyone")


@pytest.mark.parametrize(
    ("text", "request_"),
    [
        ("help", Help()),
        ("show acme", show("acme")),
        ("promises mine", Promises(mine=True)),
        ("challenges", Challenges()),
        ("digest", Digest()),
        ("stats mine", Stats(mine=True)),
        ("stats acme", Stats(customer="acme")),
        ("config", Configure()),
        ("calendar revoke", CalendarFeed(revoke=True)),
    ],
)
def test_a_typed_request_answers_exactly_as_its_text(
    way_in: Interactions, text: str, request_: object
) -> None:
    recorded(way_in)
    by_request = way_in.request(CTX, request_)  # type: ignore[arg-type]
    assert not by_request.failed, said(by_request)
    assert said(by_request) == said(typed(way_in, text))


def test_an_entry_with_its_customer_kind_and_code_given_apart_is_recorded(
    way_in: Interactions, store: FakeStore
) -> None:
    entry = RecordEntry("Acme", "ch: slow internet | we: send quote by fri", Kind.VISIT)
    assert "Touchpoint recorded" in said(way_in.request(CTX, entry))
    [touchpoint] = store.touchpoints.values()
    assert touchpoint.kind is Kind.VISIT
    assert [p.text for p in store.promises.values()] == ["send quote"]


def test_a_customer_given_apart_is_the_whole_name_even_when_it_ends_in_a_kind(
    way_in: Interactions, store: FakeStore
) -> None:
    assert "Touchpoint recorded" in said(way_in.request(CTX, RecordEntry("The Social", "ch: x")))
    [customer] = store.customers.values()
    assert customer.name == "The Social"
    [touchpoint] = store.touchpoints.values()
    assert touchpoint.kind is Kind.OTHER


def test_an_entry_whose_kind_label_disagrees_with_the_kind_given_is_refused(
    way_in: Interactions, store: FakeStore
) -> None:
    entry = RecordEntry("acme", "kind: email in | ch: slow internet", Kind.CALL)
    refused = way_in.request(CTX, entry)
    assert isinstance(refused.error, ParseError)
    assert "Give one kind" in said(refused)
    assert not store.touchpoints


def test_an_entry_with_an_unknown_code_says_which_codes_there_are(
    way_in: Interactions, store: FakeStore
) -> None:
    refused = way_in.request(CTX, RecordEntry("acme", "ch: slow internet", code="wibble"))
    assert isinstance(refused.error, ParseError)
    assert "wibble" in said(refused) and not store.touchpoints
    kept = way_in.request(CTX, RecordEntry("acme", "ch: slow internet", code="No Answer"))
    assert "Touchpoint recorded" in said(kept)
    assert [t.code for t in store.touchpoints.values()] == ["no answer"]


def test_typed_options_reach_the_database_as_clean_as_typed_text(
    way_in: Interactions, store: FakeStore
) -> None:
    done = way_in.request(CTX, RecordEntry("Ac\x00me\x07", "ch: slow\x00 internet"))
    assert "Touchpoint recorded" in said(done)
    [customer] = store.customers.values()
    assert customer.name == "Acme"
    assert [c.text for c in store.challenges.values()] == ["slow internet"]
    assert not way_in.request(CTX, Configure("timezone", "Europe/Paris\x00")).failed
