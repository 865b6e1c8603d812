"""Calendar feeds in the core, against in-memory fakes: tokens, revocation, content."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import SettingsError, load_settings
from bot.core import calendar, services
from bot.core.calendar import feed_for_token, hash_token, issue_feed, revoke_feeds
from bot.core.clock import ManualClock
from bot.core.commands import Commands, Context
from bot.core.errors import NotFound
from bot.core.replies import Reply
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork
from tests.unit.conftest import NOW  # Thu 2026-11-19 10:00

TEAM, OTHER = "slack:T1", "slack:T2"


@pytest.fixture
def uow(store: FakeStore, clock: ManualClock) -> FakeUnitOfWork:
    for team in (TEAM, OTHER):
        services.ensure_team(
            team,
            team,
            defaults=TeamDefaults("Europe/London"),
            uow=FakeUnitOfWork(store),
            clock=clock,
        )
    return FakeUnitOfWork(store)


def record(uow: FakeUnitOfWork, clock: ManualClock, text: str, author: str, team: str = TEAM):
    return services.record_quick_entry(team, author, text, uow=uow, clock=clock)


def texts(content: calendar.FeedContent | None) -> list[str]:
    assert content is not None
    return [p.text for p in content.promises]


def test_a_new_token_is_random_and_only_its_hash_is_stored(uow, clock, store) -> None:
    token = issue_feed(TEAM, "U1", uow=uow, clock=clock)
    other = issue_feed(TEAM, "U2", uow=uow, clock=clock)
    assert token != other and len(token) == 64 and token.isalnum()  # survives any markdown
    (feed, _) = store.calendar_feeds.values()
    assert feed.token_hash == hash_token(token) and len(feed.token_hash) == 64
    assert token not in repr(store)
    assert feed.owner == "U1" and feed.created_at == NOW and feed.is_active


def test_the_personal_feed_holds_the_owners_dated_open_promises_of_ours(uow, clock) -> None:
    record(
        uow,
        clock,
        "acme | we: send quote by fri; call back; ping later by mon | they: pay by fri",
        "U1",
    )
    record(uow, clock, "globex | we: visit site by tue", "U2")
    content = feed_for_token(issue_feed(TEAM, "U1", uow=uow, clock=clock), uow=uow, clock=clock)
    assert content is not None and content.owner == "U1" and content.team.id == TEAM
    assert texts(content) == [
        "send quote",
        "ping later",
    ]  # soonest first; undated and theirs left out
    assert {c.name for c in content.customers.values()} == {"acme"}
    assert all(p.due_at is not None for p in content.promises)


def test_the_team_feed_holds_everyones_dated_promises(uow, clock) -> None:
    record(uow, clock, "acme | we: send quote by fri", "U1")
    record(uow, clock, "globex | we: visit site by tue", "U2")
    content = feed_for_token(issue_feed(TEAM, None, uow=uow, clock=clock), uow=uow, clock=clock)
    assert content is not None and content.owner is None
    assert texts(content) == ["send quote", "visit site"]
    assert {c.name for c in content.customers.values()} == {"acme", "globex"}


def test_settled_promises_leave_the_feed(uow, clock) -> None:
    recorded = record(uow, clock, "acme | we: send quote by fri; call by mon", "U1")
    token = issue_feed(TEAM, "U1", uow=uow, clock=clock)
    first = recorded.touchpoint.promises[0]
    assert first.id is not None
    services.settle_promise(TEAM, first.id, "kept", "U1", uow=uow, clock=clock)
    assert texts(feed_for_token(token, uow=uow, clock=clock)) == ["call"]


def test_another_teams_token_never_shows_this_teams_promises(uow, clock) -> None:
    record(uow, clock, "acme | we: send quote by fri", "U1", team=TEAM)
    record(uow, clock, "initech | we: fix printer by fri", "U1", team=OTHER)
    theirs = feed_for_token(issue_feed(OTHER, None, uow=uow, clock=clock), uow=uow, clock=clock)
    mine = feed_for_token(issue_feed(TEAM, "U1", uow=uow, clock=clock), uow=uow, clock=clock)
    assert theirs is not None and theirs.team.id == OTHER and texts(theirs) == ["fix printer"]
    assert {c.name for c in theirs.customers.values()} == {"initech"}
    assert mine is not None and texts(mine) == ["send quote"]


def test_a_new_token_revokes_the_previous_one_for_the_same_owner_only(uow, clock) -> None:
    old = issue_feed(TEAM, "U1", uow=uow, clock=clock)
    team = issue_feed(TEAM, None, uow=uow, clock=clock)
    new = issue_feed(TEAM, "U1", uow=uow, clock=clock)
    assert feed_for_token(old, uow=uow, clock=clock) is None
    assert feed_for_token(new, uow=uow, clock=clock) is not None
    assert feed_for_token(team, uow=uow, clock=clock) is not None


def test_a_revoked_token_gives_nothing_and_stays_revoked(uow, clock, store) -> None:
    token = issue_feed(TEAM, "U1", uow=uow, clock=clock)
    clock.advance(timedelta(hours=1))
    assert revoke_feeds(TEAM, "U1", uow=uow, clock=clock) == 1
    assert feed_for_token(token, uow=uow, clock=clock) is None
    assert revoke_feeds(TEAM, "U1", uow=uow, clock=clock) == 0
    (feed,) = store.calendar_feeds.values()
    assert feed.revoked_at == NOW + timedelta(hours=1)  # the row stays: the hash is never reused


def test_revoking_in_one_team_leaves_another_teams_feeds_alone(uow, clock) -> None:
    theirs = issue_feed(OTHER, "U1", uow=uow, clock=clock)  # same user id, other workspace
    assert revoke_feeds(TEAM, "U1", uow=uow, clock=clock) == 0
    assert feed_for_token(theirs, uow=uow, clock=clock) is not None


@pytest.mark.parametrize("token", ["", "x", "not-a-token", "A" * 43, "A" * 5000])
def test_unknown_tokens_give_nothing(uow, clock, token: str) -> None:
    issue_feed(TEAM, "U1", uow=uow, clock=clock)
    assert feed_for_token(token, uow=uow, clock=clock) is None


def test_a_feed_for_an_unknown_team_cannot_be_issued(store, clock) -> None:
    with pytest.raises(NotFound):
        issue_feed("slack:nobody", "U1", uow=FakeUnitOfWork(store), clock=clock)
    assert store.calendar_feeds == {}


def command(
    store: FakeStore, clock: ManualClock, text: str, public_url: str = "https://tp.example"
) -> Reply:
    commands = Commands(lambda: FakeUnitOfWork(store), clock, TeamDefaults(), public_url=public_url)
    outcome = commands.handle(text, Context(TEAM, "U1", "C1", "Team"))
    assert isinstance(outcome, Reply)
    return outcome


def all_text(reply: Reply) -> str:
    return " ".join(
        getattr(span, "text", getattr(span, "url", ""))
        for s in reply.sections
        for item in s.lines
        for span in item.spans
    )


def test_the_calendar_command_sends_a_private_link_that_works(uow, store, clock) -> None:
    reply = command(store, clock, "calendar")
    body = all_text(reply)
    assert reply.private and reply.title == "Your calendar feed"
    url = next(word for word in body.split() if word.startswith("https://tp.example/calendar/"))
    token = url.removeprefix("https://tp.example/calendar/").removesuffix(".ics")
    content = feed_for_token(token, uow=uow, clock=clock)
    assert content is not None and content.owner == "U1"
    for needle in (
        "From URL",
        "Subscribe from web",
        "New Calendar Subscription",
        "Anyone with this link",
        "/touchpoint calendar revoke",
    ):
        assert needle in body


def test_the_team_variant_and_revoke(uow, store, clock) -> None:
    team = command(store, clock, "calendar team")
    assert team.title == "Team calendar feed" and "calendar team revoke" in all_text(team)
    (feed,) = store.calendar_feeds.values()
    assert feed.owner is None
    assert "no longer works" in all_text(command(store, clock, "calendar team revoke"))
    assert "nothing to revoke" in all_text(command(store, clock, "calendar revoke"))


def test_without_a_public_address_no_link_is_made(uow, store, clock) -> None:
    reply = command(store, clock, "calendar", public_url="")
    assert reply.kind == "error" and "TOUCHPOINT_PUBLIC_URL" in all_text(reply)
    assert store.calendar_feeds == {}


def test_a_wrong_calendar_subcommand_explains_the_choices(uow, store, clock) -> None:
    reply = command(store, clock, "calendar everyone")
    assert reply.kind == "error" and "/touchpoint calendar team" in all_text(reply)


def test_the_public_url_defaults_to_the_http_server_and_loses_its_trailing_slash() -> None:
    assert load_settings({}, dotenv=None).public_url == "http://127.0.0.1:3000"
    env = {"TOUCHPOINT_HTTP_HOST": "0.0.0.0", "TOUCHPOINT_HTTP_PORT": "8080"}
    assert load_settings(env, dotenv=None).public_url == "http://0.0.0.0:8080"
    env = {"TOUCHPOINT_PUBLIC_URL": "https://tp.example.com/bot/"}
    assert load_settings(env, dotenv=None).public_url == "https://tp.example.com/bot"


@pytest.mark.parametrize(
    "url", ["tp.example.com", "ftp://tp.example.com", "https://", "https://x/?a=b"]
)
def test_a_public_url_that_cannot_make_links_is_refused_by_name(url: str) -> None:
    with pytest.raises(SettingsError, match="TOUCHPOINT_PUBLIC_URL"):
        load_settings({"TOUCHPOINT_PUBLIC_URL": url}, dotenv=None)
