"""Bad input, from the parser to the database: any text typed after `/touchpoint`, any
form field, any id, any setting, any reaction ends in a saved record or a clear message,
never in a traceback and never half-saved. Run on SQLite and PostgreSQL (``db_url``):
the databases refuse different things (PostgreSQL: NUL characters, over-long
VARCHARs, ids beyond a 32-bit integer; both: lone surrogates), and the core must catch
them all before they get there.

(The parser's own properties are in tests/unit/test_parsing_properties.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import time as clock_time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text as sql_text

from bot.core import queries, services
from bot.core.commands import Context, OpenForm
from bot.core.custom_ids import ButtonId, Verb
from bot.core.delivery import Delivery, DeliveryKind
from bot.core.drafts import FormFields
from bot.core.errors import ParseError
from bot.core.model import MAX_ITEM_CHARS, Kind
from bot.core.parsing import parse_due, parse_form, parse_quick_entry
from bot.core.replies import Action, Reply

from .support import (
    FRAGMENTS,
    NOW,
    UNICODE,
    World,
    check_outcome,
    database_of,
    hostile_text,
    profile,
    reply_text,
    scaled,
    sql_world,
    tried,
)

NINE = clock_time(9)
ME = Context("slack:T1", "U1", "C1", "acme-sales")
THEM = Context("slack:T2", "U2", "C2", "globex")
SEED = (
    "Acme Corp call | ch: slow internet; billing confusing | we: send quote by fri; "
    "call back tomorrow 10am | they: read brochure by next tue | diff: needs fibre",
    "Initech | ch: printer jams | we: visit next week",
)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """Two teams with customers, open challenges and promises (so guessed ids hit rows of
    both), and a reminder posted for team 2's first promise."""
    with sql_world(db_url) as w:
        for ctx in (ME, THEM):
            for entry in SEED:
                outcome = w.handle(entry, ctx)
                assert isinstance(outcome, Reply) and outcome.kind == "confirmation", outcome
        yield w


def check_command(world: World, text: str, ctx: Context = ME) -> str:
    """Run one command and check the outcome against the database; returns its kind."""
    before, theirs = world.counts(), world.team_rows(THEM.team_id)
    mine = world.team_rows(ctx.team_id)
    outcome = world.handle(text, ctx)
    kind = check_outcome(outcome)
    after = world.counts()
    delta = {table: after[table] - before[table] for table in after}
    assert delta["touchpoints"] in (0, 1)
    if not delta["touchpoints"]:  # no touchpoint: nothing that belongs to one either
        assert delta["customers"] == delta["challenges"] == delta["promises"] == 0, delta
    if kind in {"error", "form"}:  # refused or not yet recorded: nothing changed at all
        assert after == before, (text[:80], delta)
        assert world.team_rows(ctx.team_id) == mine
    if kind == "confirmation":
        assert delta["touchpoints"] == 1
    if ctx != THEM:
        assert world.team_rows(THEM.team_id) == theirs, "another team's rows changed"
    return kind


# -- the whole command path --------------------------------------------------------------------

VERBS = (
    "",
    "help",
    "show",
    "record",
    "promises",
    "todo",
    "challenges",
    "kept",
    "done",
    "notkept",
    "not-kept",
    "cancel",
    "snooze",
    "due",
    "addressed",
    "reopen",
    "pass",
    "alias",
    "digest",
    "config",
    "calendar",
    "stats",
    "SHOW",
    "Kept",
)
ID_WORDS = st.one_of(
    st.integers(min_value=-3, max_value=12).map(str),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(
        (
            "#1",
            "#",
            "²",
            "𝟏",
            "١٢",
            "0",
            "-0",
            "+1",
            "1e3",
            "0x10",
            "1_000",
            "9" * 18,
            "9" * 19,
            "2147483647",
            "2147483648",
            "4294967296",
            "NaN",
            "",
        )
    ),
)
SETTING_WORDS = st.sampled_from(
    (
        "channel",
        "timezone",
        "tz",
        "digest",
        "daystart",
        "days",
        "codes",
        "code",
        "owner",
        "followup",
        "overdue",
        "wibble",
        "",
    )
)
SETTING_VALUES = st.one_of(
    hostile_text(6),
    st.sampled_from(
        (
            "Europe/London",
            "posix/Europe/London",
            "right/UTC",
            "Etc",
            "zone.tab",
            "tzdata.zi",
            "__init__.py",
            "../../etc/passwd",
            "/etc/localtime",
            "Europe/../Europe/London",
            "a/" * 200,
            "25:00",
            "24:00",
            "12pm",
            "0am",
            "13pm",
            "mon-sun",
            "sun-mon",
            "fri-mon",
            "weekdays",
            "add no answer",
            'add "call back later"',
            "remove no answer",
            "add " + "c" * 41,
            "billing @U123",
            "billing <@U123|sam>",
            "billing none",
            '"no answer" = call back next working day',
            '"no answer" = call back in 10000 years',
            '"no answer" = none',
            "on",
            "off",
            "C" + "1" * 200,
        )
    ),
)
NAME_VERBS = ("show", "challenges", "stats", "alias acme corp =", "pass 1", "config channel")
COMMAND_TEXT = st.one_of(
    hostile_text(),
    st.tuples(st.sampled_from(VERBS), FRAGMENTS).map(" ".join),
    st.tuples(st.sampled_from(NAME_VERBS), st.sampled_from((*UNICODE, "n" * 60_000))).map(" ".join),
    st.tuples(st.sampled_from(VERBS), st.sampled_from((" ", "\n", "  ", "\t")), hostile_text()).map(
        "".join
    ),
    st.tuples(st.sampled_from(VERBS), ID_WORDS, hostile_text(4)).map(" ".join),
    st.tuples(st.just("config"), SETTING_WORDS, SETTING_VALUES).map(" ".join),
)


def test_any_command_text_ends_in_a_reply_or_the_form_and_never_half_saves(
    world: World, db_url: str
) -> None:
    examples = scaled(db_url, 150)
    label = f"bad input: any /touchpoint text [{database_of(db_url)}]"

    @profile(examples)
    @given(text=COMMAND_TEXT)
    def check(text: str) -> None:
        tried(label)
        check_command(world, text)

    check()


# -- the cases the issue names, one by one -----------------------------------------------------

NAMED = {
    "a 1 MB entry": "acme | ch: " + "x" * 1_000_000,
    "a 1 MB customer name": "x" * 1_000_000 + " | ch: slow",
    "a 1 MB show": "show " + "x" * 1_000_000,
    "a 1 MB alias": "alias acme corp = " + "x" * 1_000_000,
    "a 1 MB pass on": "pass 1 " + "x" * 1_000_000,
    "a 1 MB setting": "config channel " + "x" * 1_000_000,
    "a 1 MB snooze": "snooze 1 " + "tomorrow " * 100_000,
    "10,000 challenges": "acme | ch: " + "; ".join(f"c{n}" for n in range(10_000)),
    "10,000 promises": "acme | we: " + "; ".join(f"p{n} by fri" for n in range(10_000)),
    "10,000 lines": "acme\n" + "\n".join(f"ch: c{n}" for n in range(10_000)),
    "empty": "",
    "only spaces": "   \t  ",
    "only a separator": "|",
    "an empty field": "acme | ch: | we: | diff:",
    "control characters": "acme\x00\x07\x1b | ch: a\x00b\x7f | notes: \x1b[31mred",
    "a lone surrogate in an entry": "acme \ud800 | ch: \udfff",
    "a lone surrogate in a name": "show \ud800",
    "a NUL in a name": "show \x00",
    "right-to-left text": "\u202eemca | ch: مرحبا بالعالم | we: שלום by fri",
    "combining characters": "Z\u0335\u0321\u0330 | ch: e\u0301\u0301\u0301 | diff: a\u0300",
    "emoji": "😀 Ltd | ch: 👩‍👩‍👧‍👦 unhappy | we: 🏳️‍🌈 send by fri",
    "by 31 Feb": "acme | we: send quote by 31 Feb",
    "in 10000 years": "acme | we: send quote in 10000 years",
    "snooze for 10000 years": "snooze 1 in 10000 years",
    "due on 31 Feb": "due 1 31 Feb",
    "another team's promise": "kept 8",
    "another team's challenge": "addressed 6",
    "another team's challenge passed on": "pass 6 billing",
    "an id past 32 bits": "kept 2147483648",
    "an 18-digit id": "notkept 999999999999999999",
    "a 19-digit id": "cancel 9999999999999999999",
    "a negative id": "kept -1",
    "a superscript id": "kept ²",
    "an Arabic-Indic id": "kept ١",
    "a superscript score": "acme | csat: ² | ces: 𝟕",
    "a superscript time": "config digest ²:00",
    "a superscript day start": "config daystart 9:²",
    "an over-long channel": "config channel " + "C" * 101,
    "a NUL in a channel": "config channel C1\x00",
    "a NUL in an alias": "alias acme corp = acme\x00ltd",
    "a NUL in a code": "config codes add call\x00back",
    "a NUL passed on": "pass 1 bill\x00ing",
    "a NUL in a follow-up": 'config followup "no answer" = call\x00 back tomorrow',
    "a NUL owner area": "config owner bill\x00ing @U7",
    "a lone surrogate in a setting": "config timezone \ud800",
    "a timezone that is a directory": "config timezone Europe",
    "a timezone that is not a zone file": "config timezone zone.tab",
    "a path as a timezone": "config timezone ../../../../etc/passwd",
    "stats of a lone surrogate": "stats \ud800",
    "challenges of a 1 MB name": "challenges " + "x" * 1_000_000,
}


def test_each_named_hostile_input_ends_in_a_record_or_a_clear_message(
    world: World, db_url: str
) -> None:
    failures = []
    for name, text in NAMED.items():
        tried(f"bad input: named cases [{database_of(db_url)}]")
        started = time.perf_counter()
        try:
            check_command(world, text)
        except Exception as exc:  # report every case, not just the first
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        if time.perf_counter() - started > 5:
            failures.append(f"{name}: took {time.perf_counter() - started:.1f} s")
    assert not failures, "\n".join(failures)


def test_dates_that_do_not_exist_or_lie_too_far_ahead_are_refused_by_name(world: World) -> None:
    for entry, words in (
        ("acme | we: send quote by 31 Feb", "31 Feb"),
        ("acme | we: send quote in 10000 years", "more than 10 years ahead"),
        ("acme | we: send quote by 30 Feb 2027", "30 Feb"),
    ):
        outcome = world.handle(entry, ME)
        assert isinstance(outcome, Reply) and outcome.kind == "error"
        assert words in reply_text(outcome)


def test_another_teams_ids_are_not_found_and_their_records_stay_as_they_were(
    world: World,
) -> None:
    theirs = world.team_rows(THEM.team_id)
    mine = {p for p in world.ids("promises") if _team_of(world, "promises", p) == ME.team_id}
    for pid in world.ids("promises"):
        if pid in mine:
            continue
        for verb in ("kept", "notkept", "cancel", "snooze {} 1h", "due {} fri"):
            text = f"{verb} {pid}" if "{}" not in verb else verb.format(pid)
            outcome = world.handle(text, ME)
            assert isinstance(outcome, Reply) and outcome.kind == "error"
            assert f"no promise P{pid} in this team" in reply_text(outcome)
    assert world.team_rows(THEM.team_id) == theirs


def _team_of(world: World, table: str, row_id: int) -> str:
    with world.engine.connect() as connection:
        query = sql_text(f"SELECT team_id FROM {table} WHERE id = :i")
        return str(connection.scalar(query, {"i": row_id}))


# -- form submissions, below the adapters -------------------------------------------------------

FIELD_TEXT = st.one_of(hostile_text(8), st.just(""), st.sampled_from(("x" * 4001, "a\n" * 60)))


def test_any_form_submission_saves_one_touchpoint_or_names_the_fields_and_saves_nothing(
    world: World, db_url: str
) -> None:
    examples = scaled(db_url, 120)
    label = f"bad input: form fields, core [{database_of(db_url)}]"

    @profile(examples)
    @given(
        customer=st.one_of(hostile_text(4), st.sampled_from(("Acme Corp", "+acme", "x" * 81))),
        fields=st.builds(
            FormFields,
            kind=st.one_of(st.sampled_from([k.value for k in Kind]), hostile_text(2)),
            code=st.one_of(st.sampled_from(("", "no answer", "resolved")), hostile_text(2)),
            challenges=FIELD_TEXT,
            our_promises=FIELD_TEXT,
            their_promises=FIELD_TEXT,
            difference=FIELD_TEXT,
            notes=FIELD_TEXT,
            stage=st.one_of(st.just(""), hostile_text(2), st.just("post")),
            satisfaction=st.sampled_from(("", "1", "5", "6", "0", "-1", "²", "3/5", "x")),
            effort=st.sampled_from(("", "1", "7", "8", "𝟕", "7/7")),
        ),
        owner=st.one_of(st.none(), st.just("U9"), hostile_text(2)),
    )
    def check(customer: str, fields: FormFields, owner: str | None) -> None:
        tried(label)
        before = world.counts()
        c = world.container
        try:
            services.record_form(
                ME.team_id,
                ME.user_id,
                customer,
                fields,
                owner=owner,
                uow=c.uow_factory(),
                clock=c.clock,
            )
        except ParseError as exc:
            assert exc.errors and all(e.message for e in exc.errors)
            known = {"customer", "entry", *FormFields.__dataclass_fields__}
            assert {e.field for e in exc.errors} <= known, exc.errors
            assert world.counts() == before
            return
        except services.UserError as exc:  # an ambiguous customer, a name taken
            assert exc.message
            assert world.counts() == before
            return
        assert world.counts()["touchpoints"] == before["touchpoints"] + 1

    check()


# -- the parser, with the hostile pieces that broke other layers ------------------------------


@profile(300)
@given(text=hostile_text(20))
def test_hostile_quick_entries_parse_or_say_which_field_is_wrong(text: str) -> None:
    tried("bad input: quick entry parser")
    try:
        entry = parse_quick_entry(text, now=NOW, tz="Europe/London", day_start=clock_time(9))
    except ParseError as exc:
        assert exc.errors and all(e.message.strip() for e in exc.errors)
        return
    assert entry.customer.strip()
    stored = [entry.customer, *entry.draft.challenges, entry.draft.notes]
    stored += [p.text for p in (*entry.draft.our_promises, *entry.draft.their_promises)]
    for value in stored:  # what could reach the database is storable in both
        value.encode("utf-8")
        assert "\x00" not in value
    assert all(len(c) <= MAX_ITEM_CHARS for c in entry.draft.challenges)


@profile(200)
@given(fields=st.builds(FormFields, **{f: hostile_text(8) for f in ("challenges", "notes")}))
def test_hostile_form_fields_parse_or_say_which_field_is_wrong(fields: FormFields) -> None:
    tried("bad input: form parser")
    try:
        draft = parse_form(fields, now=NOW, tz="Europe/London", day_start=clock_time(9))
    except ParseError as exc:
        assert {e.field for e in exc.errors} <= {"entry", "challenges", "notes"}
        return
    for value in (*draft.challenges, draft.notes):
        value.encode("utf-8")
        assert "\x00" not in value


def test_a_one_megabyte_entry_is_refused_without_being_read() -> None:
    tried("bad input: quick entry parser")
    started = time.perf_counter()
    with pytest.raises(ParseError) as refused:
        parse_quick_entry("acme | ch: " + "x; " * 350_000, now=NOW, tz="UTC", day_start=NINE)
    assert time.perf_counter() - started < 1
    assert "the most is 60,000" in refused.value.errors[0].message


# -- button values and custom ids ---------------------------------------------------------------


@profile(500)
@given(
    custom_id=st.one_of(
        hostile_text(6),
        st.from_regex(r"tp:[a-z_]{0,8}:[^:]{0,20}(:.{0,5})?"),
        st.tuples(st.just("tp"), st.sampled_from(("kept", "snooze", "")), ID_WORDS).map(":".join),
    )
)
def test_any_custom_id_is_ours_with_a_sane_id_or_not_ours(custom_id: str) -> None:
    tried("bad input: custom ids")
    parsed = ButtonId.decode(custom_id)
    if parsed is not None:
        assert 0 <= parsed.target < 10**18
        assert parsed.encode() == custom_id


@profile(200)
@given(
    verb=st.sampled_from(tuple(Verb)),
    target=st.integers(min_value=0, max_value=10**18 - 1),
    option=st.sampled_from(("", "1h", "tomorrow", "next_week")),
)
def test_every_button_we_make_reads_back_as_itself(verb: Verb, target: int, option: str) -> None:
    tried("bad input: custom ids")
    action = Action(verb, target, "x", option)
    assert ButtonId.decode(action.custom_id) == ButtonId(verb, target, option)


# -- reaction events ----------------------------------------------------------------------------


def test_reactions_keep_only_a_one_promise_reminder_of_the_same_team_once(world: World) -> None:
    """Unknown message refs, another team's refs, repeated events and group reminders do
    nothing; the first check mark on this team's one-promise reminder keeps it, once."""
    c = world.container
    mine, theirs = _promise_ids(world, ME.team_id), _promise_ids(world, THEM.team_id)
    with c.uow_factory() as uow:
        for team, ref, pids in (
            (ME.team_id, "C1:1.1", mine[:1]),
            (ME.team_id, "C1:1.2", mine[1:3]),  # a group reminder
            (THEM.team_id, "C2:2.1", theirs[:1]),
        ):
            delivery = Delivery(team, DeliveryKind.REMINDER, ref, ref.split(":")[0], NOW, pids)
            uow.deliveries.add_if_absent(delivery)
            delivery.sent(ref, NOW)
            uow.deliveries.save(delivery)
        uow.commit()
    theirs_before = world.team_rows(THEM.team_id)
    refs = ["C1:1.1", "C1:1.2", "C2:2.1", "C1:9.9", "", ":", "C1:", "\u202e", "x" * 10_000]
    kept = []
    for n, ref in enumerate(refs * 3):  # every event three times: retries and repeats
        tried("bad input: reaction events")
        key = f"slack:Ev{n % len(refs)}"
        before = world.counts()
        result = services.keep_from_reaction(
            ME.team_id, ref, "U1", key, uow=c.uow_factory(), clock=c.clock
        )
        if result is not None:
            kept.append((ref, result.promise.id))
        else:
            after = world.counts()
            assert {k: v for k, v in after.items() if k != "processed_events"} == {
                k: v for k, v in before.items() if k != "processed_events"
            }
    assert kept == [("C1:1.1", mine[0])]
    assert world.team_rows(THEM.team_id) == theirs_before


def _promise_ids(world: World, team_id: str) -> list[int]:
    with world.container.uow_factory() as uow:
        return [p.id or 0 for p in uow.promises.open_for_team(team_id)]


# -- settings ----------------------------------------------------------------------------------


def test_any_setting_changes_that_setting_only_or_explains_and_the_team_still_works(
    world: World, db_url: str
) -> None:
    examples = scaled(db_url, 120)
    label = f"bad input: config commands [{database_of(db_url)}]"
    c = world.container

    @profile(examples)
    @given(setting=SETTING_WORDS | hostile_text(2), value=SETTING_VALUES)
    def check(setting: str, value: str) -> None:
        tried(label)
        kind = check_command(world, f"config {setting} {value}")
        if kind == "error":
            return
        with c.uow_factory() as uow:
            team = services.load_team(uow, ME.team_id)
        # Whatever was accepted, the team still reads dates and shows its digest.
        parse_due("tomorrow", now=NOW, tz=team.timezone, day_start=team.day_start)
        check_command(world, "digest")
        queries.digest(ME.team_id, uow=c.uow_factory(), clock=c.clock)

    check()


def test_a_bare_name_opens_the_form_for_that_name(world: World) -> None:
    for text in ("acme", "  acme corp video call ", "😀", "\u202eemca", "Z\u0335\u0321"):
        outcome = world.handle(text, ME)
        assert isinstance(outcome, OpenForm) and outcome.customer.strip()
