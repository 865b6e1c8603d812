"""The touchpoint map: the catalogue, recording against it, contacts and NPS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import measures, queries, record_view, services
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.content import confirmation
from bot.core.errors import ParseError
from bot.core.model import Kind
from bot.core.replies import Reply, Strong, Text, UserRef
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "console:test"
NOW = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def bot(store: FakeStore, clock: ManualClock) -> Commands:
    return Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults("Europe/London"))


def flatten(reply: Reply) -> str:
    """The reply's text, headings included; people as @id."""
    parts = [reply.title]
    for section in reply.sections:
        parts += [section.heading] if section.heading else []
        for line in section.lines:
            spans = line.spans
            parts.append(
                "".join(
                    s.text
                    if isinstance(s, Text | Strong)
                    else f"@{s.user_id}"
                    if isinstance(s, UserRef)
                    else ""
                    for s in spans
                )
            )
    return "\n".join(parts)


def say(bot: Commands, text: str, *, user: str = "U1", can_manage: bool | None = None) -> str:
    reply = bot.handle(text, Context(TEAM, user, "#c", "T", can_manage=can_manage))
    assert isinstance(reply, Reply)
    return flatten(reply)


def entries(store: FakeStore) -> dict[str, object]:
    return {e.name: e for e in store.map_entries.values()}


def record(store: FakeStore, clock: ManualClock, text: str) -> services.Recorded:
    return services.record_quick_entry(TEAM, "U1", text, uow=FakeUnitOfWork(store), clock=clock)


# -- the catalogue ------------------------------------------------------------------------------


def test_a_new_team_starts_with_a_small_default_map_by_stage(bot, store) -> None:
    shown = say(bot, "map")
    assert "Touchpoint map" in shown
    for name in ("website visit", "first invoice", "field service visit", "review site"):
        assert name in shown
    assert shown.index("Pre-purchase") < shown.index("Purchase") < shown.index("Post-purchase")
    assert "★ first invoice — email-out · active · no owner yet" in shown
    assert "• website visit — web · passive" in shown


def test_map_add_places_a_new_touchpoint_with_its_flags_and_owner(bot, store) -> None:
    said = say(bot, 'map add "billing dispute call" call post-purchase truth passive @U7')
    assert "billing dispute call added to the map" in said
    entry = entries(store)["billing dispute call"]
    assert (entry.channel, entry.stage, entry.moment_of_truth, entry.active) == (
        Kind.CALL,
        "post-purchase",
        True,
        False,
    )
    assert (entry.owner, entry.owner_is_person) == ("U7", True)


def test_map_add_without_a_channel_or_stage_says_what_is_missing_and_saves_nothing(
    bot, store
) -> None:
    say(bot, "help")
    before = len(store.map_entries)
    said = say(bot, 'map add "price list" purchase')
    assert "Give “price list” a channel" in said and "web" in said
    assert len(store.map_entries) == before


def test_a_name_already_on_the_map_is_not_added_twice(bot) -> None:
    assert "is on the map already" in say(bot, 'map add "First  Invoice" email-out purchase')


def test_owner_truth_retire_restore_and_note_change_one_entry(bot, store) -> None:
    say(bot, 'map owner "first invoice" billing')
    say(bot, "map truth sales call on")
    say(bot, "map retire review site")
    say(bot, 'map note "first invoice" VAT shown wrong for EU customers', user="U5")
    found = entries(store)
    assert (found["first invoice"].owner, found["first invoice"].owner_is_person) == (
        "billing",
        False,
    )
    assert found["sales call"].moment_of_truth
    assert found["review site"].is_retired
    (note,) = found["first invoice"].notes
    assert (note.author, note.text) == ("U5", "VAT shown wrong for EU customers")
    shown = say(bot, "map")
    assert "Retired" in shown and "VAT shown wrong" in shown and "owner: billing" in shown
    say(bot, "map restore review site")
    assert not entries(store)["review site"].is_retired


def test_map_change_moves_an_entry_to_another_stage_and_channel(bot, store) -> None:
    say(bot, 'map change "sales quote" purchase web passive')
    entry = entries(store)["sales quote"]
    assert (entry.stage, entry.channel, entry.active) == ("purchase", Kind.WEB, False)


def test_without_admin_rights_the_map_cannot_change_but_notes_can_be_added(bot, store) -> None:
    said = say(bot, 'map add "x" call purchase', can_manage=False)
    assert "needs an admin" in said and "x" not in entries(store)
    said = say(bot, "map retire first invoice", can_manage=False)
    assert not entries(store)["first invoice"].is_retired
    say(bot, 'map note "first invoice" customers ask for PDF', can_manage=False)
    assert entries(store)["first invoice"].notes


def test_a_misspelt_entry_is_refused_with_the_nearest_names(bot) -> None:
    said = say(bot, "map retire frist invoice")
    assert "not on the touchpoint map" in said and "Did you mean “first invoice”" in said


def test_the_team_sets_its_own_stages_in_order_and_places_touchpoints_there(bot, store) -> None:
    said = say(bot, "map stages pre-purchase, purchase, onboarding, post-purchase, renewal")
    assert "pre-purchase, purchase, onboarding, post-purchase, renewal" in said
    say(bot, 'map change "onboarding call" onboarding')
    say(bot, 'map change "renewal quote" renewal')
    shown = say(bot, "map")
    assert shown.index("Onboarding") < shown.index("Post-purchase") < shown.index("Renewal")


def test_a_stage_still_holding_touchpoints_cannot_be_dropped(bot, store) -> None:
    said = say(bot, "map stages purchase, post-purchase")
    assert "still places touchpoints at pre-purchase" in said
    assert store.stages.get(TEAM, ()) == ()


# -- recording against the map ----------------------------------------------------------------


def test_tp_sets_the_channel_and_stage_from_the_map(bot, store, clock) -> None:
    say(bot, "help")  # the team exists, with its default map
    recorded = record(store, clock, "acme | tp: first invoice | ch: VAT missing")
    tp = recorded.touchpoint
    assert (tp.kind, tp.stage) == (Kind.EMAIL_OUT, "purchase")
    assert tp.map_entry_id == entries(store)["first invoice"].id
    shown = flatten(confirmation(recorded))
    assert "Touchpoint: first invoice (purchase, a moment of truth)" in shown


def test_a_kind_or_stage_written_out_wins_over_the_map(bot, store, clock) -> None:
    say(bot, "help")
    tp = record(store, clock, "acme call | tp: first invoice | stage: post | csat: 4").touchpoint
    assert (tp.kind, tp.stage) == (Kind.CALL, "post-purchase")


def test_an_unknown_or_retired_touchpoint_is_refused_and_nothing_is_saved(
    bot, store, clock
) -> None:
    say(bot, "map retire review site")
    with pytest.raises(ParseError) as unknown:
        record(store, clock, "acme | tp: frist invoice | ch: slow")
    assert "Did you mean “first invoice”" in unknown.value.by_field()["map_entry"]
    with pytest.raises(ParseError) as retired:
        record(store, clock, "acme | tp: review site | ch: slow")
    assert "retired" in retired.value.by_field()["map_entry"]
    assert not store.touchpoints and not store.customers


def test_a_stage_the_team_does_not_have_is_refused(bot, store, clock) -> None:
    say(bot, "help")
    with pytest.raises(ParseError) as caught:
        record(store, clock, "acme | stage: renewal | ch: slow")
    assert "pre-purchase, purchase, post-purchase" in caught.value.by_field()["stage"]
    say(bot, "map stages pre-purchase, purchase, post-purchase, renewal")
    assert record(store, clock, "acme | stage: renewal | ch: slow").touchpoint.stage == "renewal"


def test_a_website_visit_is_a_kind_of_its_own(bot, store, clock) -> None:
    say(bot, "help")
    assert record(store, clock, "acme website | notes: read pricing").touchpoint.kind is Kind.WEB


# -- contacts and NPS ---------------------------------------------------------------------------


def test_the_record_lists_contacts_with_when_each_was_last_spoken_to(bot, store, clock) -> None:
    say(bot, "help")
    record(store, clock, "acme call | with: Jane Smith (CFO); Bob | ch: slow")
    clock.advance(timedelta(days=3))
    record(store, clock, "acme call | with: jane smith | nps: 9")
    record_ = queries.customer_record(TEAM, "acme", uow=FakeUnitOfWork(store), clock=clock)
    jane, bob = record_.contacts
    assert (str(jane.contact), jane.last_at, jane.touchpoints) == (
        "jane smith (CFO)",
        NOW + timedelta(days=3),
        2,
    )
    assert (str(bob.contact), bob.last_at) == ("Bob", NOW)
    shown = flatten(record_view.customer_record(record_))
    assert "Contacts" in shown and "Bob — last spoken to" in shown


def test_nps_is_the_share_of_promoters_less_detractors(bot, store, clock) -> None:
    say(bot, "help")
    for answer in (10, 9, 8, 3):
        record(store, clock, f"acme call | nps: {answer}")
    m = measures.team_measures(TEAM, uow=FakeUnitOfWork(store), clock=clock)
    assert m.touchpoints.promoter is not None
    assert (m.touchpoints.promoter.score, m.touchpoints.promoter.answers) == (25, 4)
    assert "Would recommend (NPS): +25 from 4 answers" in say(bot, "stats")


# -- stats map / stats stage ------------------------------------------------------------------


def test_stats_map_shows_each_touchpoint_moments_of_truth_first_with_scores_and_trend(
    bot, store, clock
) -> None:
    say(bot, "help")
    record(store, clock, "acme | tp: sales call | csat: 3")
    clock.advance(timedelta(weeks=4, days=1))  # the next span
    record(store, clock, "acme | tp: first invoice | ch: VAT missing | we: fix it by tomorrow")
    record(store, clock, "globex | tp: first invoice | ch: wrong address | nps: 10 | csat: 5")
    record(store, clock, "acme | tp: sales call | csat: 4 | ces: 6")
    shown = say(bot, "stats map")
    invoice = shown.index("★ first invoice (purchase) — 2 touchpoints (was 0)")
    call = shown.index("sales call (pre-purchase) — 1 touchpoint · CSAT 4.0/5 ↑ · CES 6.0/7")
    assert invoice < call
    assert "NPS +100" in shown and "challenges open 2 of 2" in shown
    assert "Overlooked touchpoints" in shown
    assert "No touchpoint in the last 4 weeks: " in shown and "review site (never)" in shown
    assert "Challenges most often left open: first invoice (2 of 2 open)" in shown


def test_stats_stage_groups_by_journey_stage_in_order(bot, store, clock) -> None:
    say(bot, "help")
    record(store, clock, "acme | tp: first invoice | csat: 2")
    record(store, clock, "acme | tp: website visit")
    record(store, clock, "acme call | ch: slow")
    shown = say(bot, "stats stage 2")
    assert "Journey stages — the last 2 weeks" in shown
    assert shown.index("pre-purchase — 1 touchpoint") < shown.index("\npurchase — 1 touchpoint")
    assert "no stage — 1 touchpoint (was 0) · challenges open 1 of 1" in shown


def test_stats_stage_followed_by_a_name_is_still_a_customer(bot, store, clock) -> None:
    say(bot, "help")
    record(store, clock, "stage coach call | ch: slow")
    assert "stage coach" in say(bot, "stats stage coach").lower()


def test_the_second_step_refuses_an_unknown_place_or_nothing_at_all(bot, store, clock) -> None:
    from bot.core import details
    from bot.core.drafts import FormFields

    say(bot, "help")
    tid = record(store, clock, "acme call | ch: slow").touchpoint.id or 0
    with pytest.raises(ParseError) as unknown:
        details.add_details(
            TEAM, tid, "frist invoice", FormFields(), uow=FakeUnitOfWork(store), clock=clock
        )
    assert "Did you mean “first invoice”" in unknown.value.by_field()["map_entry"]
    with pytest.raises(ParseError) as nothing:
        details.add_details(TEAM, tid, "", FormFields(), uow=FakeUnitOfWork(store), clock=clock)
    assert "Nothing to add" in nothing.value.by_field()["map_entry"]
    with pytest.raises(ParseError):
        details.add_details(
            TEAM, tid, "", FormFields(promoter="11"), uow=FakeUnitOfWork(store), clock=clock
        )


def test_stats_map_mine_shows_the_touchpoints_a_person_or_their_area_owns(
    bot, store, clock
) -> None:
    say(bot, "help")
    say(bot, 'map owner "sales call" @U1')
    say(bot, 'map owner "first invoice" billing')
    say(bot, "config owner billing @U1")
    say(bot, 'map owner "renewal quote" @U9')
    record(store, clock, "acme | tp: first invoice | csat: 2")
    shown = say(bot, "stats map mine")
    assert "Your touchpoints" in shown
    assert "first invoice" in shown and "sales call" in shown
    assert "renewal quote" not in shown and "website visit" not in shown
    assert "You own no touchpoint" in say(bot, "stats map mine", user="U5")
