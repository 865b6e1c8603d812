"""Export and import (bot.core.exchange) against in-memory fakes: no I/O."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import services
from bot.core.clock import ManualClock
from bot.core.errors import NotFound, UserError
from bot.core.exchange import (
    Format,
    ImportReport,
    decode,
    detect_format,
    export_team,
    import_team,
    report_lines,
)
from bot.core.model import ChallengeStatus, Direction, Kind, Promise, PromiseStatus, Touchpoint
from bot.core.services import TeamDefaults
from tests.fakes import FakeStore, FakeUnitOfWork

TEAM = "console:test"
NOW = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)  # Thu; London is on UTC in November
HEADER = "customer,date,kind,code,challenges,our_promises,their_promises,difference,notes,author"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def new_team(clock: ManualClock, store: FakeStore | None = None) -> FakeStore:
    store = store if store is not None else FakeStore()
    defaults = TeamDefaults("Europe/London")
    services.ensure_team(TEAM, "Test", defaults=defaults, uow=FakeUnitOfWork(store), clock=clock)
    return store


def seeded(clock: ManualClock) -> FakeStore:
    """Two customers, four touchpoints, statuses changed, histories, an alias, settings."""
    store = new_team(clock)

    def uow() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    services.configure_team(TEAM, "owner", "billing @U9", uow=uow(), clock=clock)
    services.configure_team(TEAM, "dates", "mdy", uow=uow(), clock=clock)
    services.configure_team(TEAM, "reminders", "dm", uow=uow(), clock=clock)
    services.set_reminder_route(TEAM, "U2", "channel", uow=uow())
    services.configure_team(
        TEAM, "followup", '"no answer" = call back in 2 days', uow=uow(), clock=clock
    )
    first = services.record_quick_entry(
        TEAM,
        "U1",
        "acme call | ch: slow internet; billing confusing | we: send quote by fri; "
        "call back tomorrow 10am | they: read brochure | diff: needs fibre | "
        "code: meeting booked | stage: pre | csat: 4 | ces: 2 | notes: asked about; fibre",
        uow=uow(),
        clock=clock,
    )
    clock.advance(timedelta(hours=2, seconds=17))
    ours = first.touchpoint.promises
    services.settle_promise(TEAM, ours[0].id or 0, "kept", "U2", uow=uow(), clock=clock)
    services.snooze_promise(TEAM, ours[1].id or 0, "tomorrow", "U1", uow=uow(), clock=clock)
    challenges = first.touchpoint.challenges
    services.change_challenge(
        TEAM, challenges[1].id or 0, "passed_on", "U1", to="billing", uow=uow(), clock=clock
    )
    services.change_challenge(
        TEAM, challenges[0].id or 0, "addressed", "U2", uow=uow(), clock=clock
    )
    services.add_alias(TEAM, "acme", "ACME Ltd", uow=uow())
    services.record_quick_entry(TEAM, "U2", "globex code: no answer", uow=uow(), clock=clock)
    services.record_quick_entry(
        TEAM,
        "U2",
        "globex email-in | we: =SUM(A1) | notes: first line\nsecond line",
        uow=uow(),
        clock=clock,
    )
    services.record_quick_entry(
        TEAM, "U1", "acme visit | ch: slow internet", uow=uow(), clock=clock
    )
    return store


def export(store: FakeStore, fmt: Format = Format.JSON) -> str:
    out = io.StringIO()
    export_team(TEAM, fmt, out, uow=FakeUnitOfWork(store))
    return out.getvalue()


def load(
    store: FakeStore, text: str, clock: ManualClock, fmt: Format = Format.JSON, **kwargs: object
) -> ImportReport:
    return import_team(TEAM, text, fmt, uow=FakeUnitOfWork(store), clock=clock, **kwargs)  # type: ignore[arg-type]


# -- JSON ------------------------------------------------------------------------------------


def test_json_export_imports_into_an_empty_database_and_exports_the_same(clock) -> None:
    document = export(seeded(clock))
    fresh = FakeStore()
    fresh.next_id = 1000  # ids are renumbered; the document never names them
    report = load(fresh, document, clock)
    assert report.saved and not report.errors
    assert (report.touchpoints, report.challenges, report.promises) == (4, 3, 5)
    assert report.customers_created == ["acme", "globex"]
    assert export(fresh) == document


def test_a_document_from_before_the_reminder_settings_imports_with_the_defaults(clock) -> None:
    document = json.loads(export(seeded(clock)))
    assert document["team"]["dm_reminders"] is True
    assert document["team"]["reminder_prefs"] == {"U2": "channel"}
    del document["team"]["dm_reminders"], document["team"]["reminder_prefs"]
    fresh = FakeStore()
    assert load(fresh, json.dumps(document), clock).saved
    with FakeUnitOfWork(fresh) as uow:
        team = uow.teams.get(TEAM)
    assert team is not None and not team.dm_reminders and team.reminder_prefs == {}


def test_json_document_holds_statuses_histories_reminders_and_settings(clock) -> None:
    document = json.loads(export(seeded(clock)))
    assert (document["format"], document["version"]) == ("touchpoint-export", 2)
    assert document["team"]["area_owners"] == {"billing": "U9"}
    assert document["team"]["code_followups"] == {"no answer": "call back in 2 days"}
    assert document["team"]["date_order"] == "mdy"
    assert document["customers"][0] == {
        "slug": "acme",
        "name": "acme",
        "aliases": ["ACME Ltd"],
        "created_at": "2026-11-19T10:00:00Z",
    }
    first = document["touchpoints"][0]
    assert (first["stage"], first["satisfaction"], first["effort"]) == ("pre-purchase", 4, 2)
    kept, snoozed, theirs = first["promises"]
    assert kept["status"] == "kept" and kept["history"][0]["actor"] == "U2"
    assert kept["history"][0]["at"] == "2026-11-19T12:00:17Z"
    assert (
        snoozed["remind_at"] == "2026-11-20T09:00:00Z"
        and snoozed["due_at"] == "2026-11-20T10:00:00Z"
    )
    assert theirs["direction"] == "theirs" and theirs["due_at"] is None
    passed = first["challenges"][1]
    assert (passed["status"], passed["passed_to"]) == ("passed_on", "billing")
    followup = document["touchpoints"][1]["promises"][0]
    # two working days from Thursday 19 Nov: Monday
    assert followup["text"] == "call back" and followup["due_at"] == "2026-11-23T09:00:00Z"


def test_importing_the_same_json_twice_adds_nothing_the_second_time(clock) -> None:
    document = export(seeded(clock))
    fresh = FakeStore()
    load(fresh, document, clock)
    again = load(fresh, document, clock)
    assert again.saved and again.skipped == 4 and again.touchpoints == 0
    assert again.customers_matched == 2 and not again.customers_created
    assert again.team == "the team's own (it already has data)"
    assert len(fresh.touchpoints) == 4


def test_json_into_an_existing_team_without_data_takes_the_documents_settings(clock) -> None:
    document = export(seeded(clock))
    store = new_team(clock)
    report = load(store, document, clock)
    assert report.team == "the document's (the team had no data yet)"
    assert store.teams[TEAM].area_owners == {"billing": "U9"}


def test_json_customers_join_the_teams_customer_of_that_name_and_bring_aliases(clock) -> None:
    document = json.loads(export(seeded(clock)))
    document["customers"][0]["aliases"] += ["Acme Group"]
    other = new_team(clock)
    services.record_quick_entry(
        TEAM, "U7", "ACME Ltd | ch: new one", uow=FakeUnitOfWork(other), clock=clock
    )
    services.add_alias(TEAM, "ACME Ltd", "acme", uow=FakeUnitOfWork(other))
    report = load(other, json.dumps(document), clock)
    assert report.saved and report.customers_matched == 1
    assert report.warnings == ["“ACME Ltd” gets the aliases Acme Group"]
    names = sorted((c.name, c.aliases) for c in other.customers.values())
    assert names == [("ACME Ltd", ("acme", "Acme Group")), ("globex", ())]


def test_bad_json_reports_every_problem_by_path_and_saves_nothing(clock) -> None:
    document = json.loads(export(seeded(clock)))
    document["touchpoints"][0]["kind"] = "pigeon"
    document["touchpoints"][0]["promises"][1]["due_at"] = "next tuesday"
    document["touchpoints"][2]["customer"] = "nobody"
    del document["customers"][1]["name"]
    fresh = FakeStore()
    report = load(fresh, json.dumps(document), clock)
    assert not report.saved and fresh.commits == 0 and not fresh.touchpoints
    shown = [str(p) for p in report.errors]
    assert any(s.startswith("touchpoints[0], kind: “pigeon” is not one of call") for s in shown)
    assert "touchpoints[0].promises[1], due_at: “next tuesday” is not an ISO 8601" in "\n".join(
        shown
    )
    assert "customers[1], name: is missing" in shown
    assert any(s.startswith("touchpoints[2], customer: “nobody”") for s in shown)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "line 1, column 2"),
        ('{"format": "something-else"}', "not a Touchpoint export"),
        ('{"format": "touchpoint-export", "version": 3}', "version 3 is not one"),
    ],
)
def test_what_is_not_a_readable_export_is_refused_clearly(clock, text, expected) -> None:
    report = load(FakeStore(), text, clock)
    assert expected in str(report.errors[0]) and not report.saved


def test_an_alias_that_names_another_customer_is_a_problem(clock) -> None:
    document = json.loads(export(seeded(clock)))
    document["customers"][1]["aliases"] = ["Acme Ltd"]  # already acme's alias
    report = load(FakeStore(), json.dumps(document), clock)
    assert [str(p) for p in report.errors] == [
        "customer “globex”, aliases: “acme-ltd” already names the customer “acme”"
    ]


# -- CSV --------------------------------------------------------------------------------------

MESSY = (
    "\ufeffClient;When;Type;Outcome;Issues;To-dos;Their promises;Biggest difference;Comments;"
    "By;Region\r\n"
    'Acme Corp;02/11/2026;phone call;Meeting booked;"slow internet; billing confusing";'
    '"send fibre quote by friday\ncall back 2026-11-25T14:00";read brochure by 3 Nov;'
    "needs fibre;;U5;North\r\n"
    "\r\n"
    'ACME CORP;2026-11-18 16:45;video;;"line one;still line one\nline two";;;;"a note\n'
    'with two lines";;South\r\n'
    "Globex;5 Nov 2026;email in;;;'=HYPERLINK(x);;;;;;\r\n"
)


def test_a_messy_spreadsheet_is_read_row_by_row_with_the_core_parser(clock) -> None:
    store = new_team(clock)
    report = load(store, MESSY, clock, Format.CSV, author="sheet")
    assert report.saved, report.errors
    assert report.customers_created == ["Acme Corp", "Globex"]
    assert report.warnings == ["columns ignored (not known): “Region”"]
    acme, globex, later = sorted(store.touchpoints.values(), key=lambda t: t.occurred_at)
    # A date alone happened at the team's working-day start (London = UTC in November).
    assert acme.occurred_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert (acme.kind, acme.code, acme.author) == (Kind.CALL, "meeting booked", "U5")
    assert acme.customer_id == later.customer_id  # names match in any case

    def challenges(touchpoint: Touchpoint) -> list[str]:
        return [c.text for c in store.challenges.values() if c.touchpoint_id == touchpoint.id]

    def promises(touchpoint: Touchpoint) -> list[Promise]:
        return [p for p in store.promises.values() if p.touchpoint_id == touchpoint.id]

    assert challenges(acme) == ["slow internet", "billing confusing"]
    send, call, read = promises(acme)
    # "by friday" is the Friday after that touchpoint, not after the import.
    assert (send.text, send.due_at) == ("send fibre quote", datetime(2026, 11, 6, 9, 0, tzinfo=UTC))
    assert (call.text, call.due_at) == ("call back", datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    assert read.direction is Direction.THEIRS and read.due_at == datetime(
        2026, 11, 3, 9, tzinfo=UTC
    )
    assert later.occurred_at == datetime(2026, 11, 18, 16, 45, tzinfo=UTC)
    assert later.notes == "a note\nwith two lines" and later.author == "sheet"
    assert challenges(later) == ["line one;still line one", "line two"]
    assert [p.text for p in promises(globex)] == ["=HYPERLINK(x)"]  # the guard quote dropped


def test_promises_already_due_at_import_stay_open_without_a_reminder(clock) -> None:
    store = new_team(clock)
    report = load(store, MESSY, clock, Format.CSV)
    assert report.overdue == 2  # send fibre quote (6 Nov), read brochure (3 Nov)
    by_text = {p.text: p for p in store.promises.values()}
    assert by_text["send fibre quote"].status is PromiseStatus.OPEN
    assert by_text["send fibre quote"].remind_at is None
    assert by_text["call back"].remind_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert all(c.status is ChallengeStatus.OPEN for c in store.challenges.values())
    assert "2 promises were already due" in "\n".join(report_lines(report))


def test_bad_rows_are_reported_by_row_field_and_message_and_nothing_is_saved(clock) -> None:
    sheet = (
        f"{HEADER},extra\n"
        'acme,2026-11-02,call,,"a challenge\nover two lines",,,,,,\n'  # row 2, on two lines
        "acme,31/02/2026,call,,slow,,,,,,\n"  # row 3: no such date
        "acme,2026-12-01,call,,slow,,,,,,\n"  # row 4: after the import
        ",2026-11-02,call,,slow,,,,,,\n"  # row 5: no customer
        "acme,2026-11-02,pigeon,teleported,,,,,,,\n"  # row 6: unknown kind, unknown code
        "acme,2026-11-10,call,,,send quote by 3 Nov,,,,,\n"  # row 7: due before the row
        "acme,2026-11-02,call,,slow,,,,,,,surplus\n"  # row 8: more cells than columns
        "acme,2026-11-02,call,,,,,,,,\n"  # row 9: nothing to record
    )
    store = new_team(clock)
    before = copy.deepcopy(store)
    report = load(store, sheet, clock, Format.CSV)
    assert not report.saved and store == before
    where = [(p.where, p.field) for p in report.errors]
    assert where == [
        ("row 3", "date"),
        ("row 4", "date"),
        ("row 5", "customer"),
        ("row 6", "kind"),
        ("row 6", "code"),
        ("row 7", "our_promises"),
        ("row 8", ""),
        ("row 9", "entry"),
    ]
    messages = {p.where: p.message for p in report.errors}
    assert messages["row 3"].startswith("can't read “31/02/2026”. Write it like 2026-11-19")
    assert messages["row 4"] == "“2026-12-01” is in the future"
    assert "is before the row's date, Tue 10 Nov" in messages["row 7"]
    assert messages["row 8"] == "12 cells but 11 columns: quote cells holding a comma or semicolon"


def test_an_unknown_completion_code_says_how_to_add_it(clock) -> None:
    report = load(
        new_team(clock), f"{HEADER}\nacme,2026-11-02,call,voicemail,,,,,,\n", clock, Format.CSV
    )
    assert [str(p) for p in report.errors] == [
        "row 2, code: “voicemail” is not one of the team's completion codes (no answer, left "
        "message, meeting booked, follow-up needed, resolved); add it with "
        '`/touchpoint config codes add "voicemail"`, or change the row'
    ]


def test_a_header_without_customer_or_date_stops_before_any_row(clock) -> None:
    report = load(new_team(clock), "name,kind,notes\nacme,call,hello\n", clock, Format.CSV)
    assert [(p.where, p.field) for p in report.errors] == [
        ("header", "customer"),
        ("header", "date"),
    ]
    assert "the columns are customer, date, kind" in report.errors[0].message


def test_a_dry_run_reports_what_would_change_and_changes_nothing(clock) -> None:
    store = new_team(clock)
    before = copy.deepcopy(store)
    report = load(store, MESSY, clock, Format.CSV, dry_run=True)
    assert store == before and not report.saved and not report.errors
    assert (report.touchpoints, report.challenges, report.promises) == (3, 4, 4)
    lines = report_lines(report)
    assert lines[0] == "Dry run: nothing was saved."
    assert "Customers: 2 would be created (Acme Corp, Globex), 0 existing." in lines


def test_a_dry_run_of_json_into_a_missing_team_creates_nothing(clock) -> None:
    fresh = FakeStore()
    report = load(fresh, export(seeded(clock)), clock, dry_run=True)
    assert report.team == "the document's (new team)" and report.touchpoints == 4
    assert fresh == FakeStore()


def test_existing_customers_are_matched_by_alias_and_near_misses_are_warned(clock) -> None:
    store = new_team(clock)
    services.record_quick_entry(
        TEAM, "U1", "Acme Corporation | ch: x", uow=FakeUnitOfWork(store), clock=clock
    )
    services.add_alias(TEAM, "Acme Corporation", "acme-corp", uow=FakeUnitOfWork(store))
    sheet = f"{HEADER}\nAcme Corp,2026-11-02,call,,slow,,,,,\nacme,2026-11-02,call,,slow,,,,,\n"
    report = load(store, sheet, clock, Format.CSV)
    assert report.customers_matched == 1 and report.customers_created == ["acme"]
    assert report.warnings == [
        "“acme” will be a new customer, but looks like “Acme Corporation”; write the existing "
        "name in the file if it is the same customer."
    ]


def test_importing_the_same_sheet_twice_adds_nothing_the_second_time(clock) -> None:
    store = new_team(clock)
    twice = MESSY + "Globex;5 Nov 2026;email in;;;'=HYPERLINK(x);;;;;;\r\n"  # a duplicate row
    assert load(store, twice, clock, Format.CSV).touchpoints == 4
    again = load(store, twice, clock, Format.CSV)
    assert (again.touchpoints, again.skipped) == (0, 4) and len(store.touchpoints) == 4


def test_csv_export_writes_the_sheet_columns_and_reads_back_the_same(clock) -> None:
    text = export(seeded(clock), Format.CSV)
    assert text.startswith("\ufeffcustomer,date,kind,code,challenges,our_promises,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert rows[1][:8] == [
        "acme",
        "2026-11-19 10:00",
        "call",
        "meeting booked",
        "slow internet\nbilling confusing",
        "send quote by 2026-11-20 09:00\ncall back by 2026-11-20 10:00",
        "read brochure",
        "needs fibre",
    ]
    assert rows[1][8:] == ["asked about; fibre", "U1", "pre-purchase", "4", "2", "", "", ""]
    assert rows[3][5] == "'=SUM(A1)"  # never a formula in a spreadsheet
    fresh = new_team(clock)
    report = load(fresh, text, clock, Format.CSV)
    assert report.saved and report.touchpoints == 4, report.errors
    assert export(fresh, Format.CSV) == text
    # Importing the sheet back into the team it came from finds every touchpoint there.
    assert load(fresh, text, clock, Format.CSV).skipped == 4


def test_csv_into_a_team_that_does_not_exist_is_refused(clock) -> None:
    with pytest.raises(NotFound, match="There is no team “console:test”"):
        load(FakeStore(), f"{HEADER}\n", clock, Format.CSV)


def test_export_reads_one_snapshot_and_import_holds_the_team(clock) -> None:
    store = seeded(clock)
    uow = FakeUnitOfWork(store)
    export_team(TEAM, Format.JSON, io.StringIO(), uow=uow)
    assert uow.exchange.calls == ["snapshot"]
    import_team(TEAM, export(store), Format.JSON, uow=uow, clock=clock)
    assert uow.exchange.calls == [f"lock {TEAM}"]


def test_files_are_recognised_by_name_then_content_and_must_be_utf8() -> None:
    assert detect_format("backup.JSON", "") is Format.JSON
    assert detect_format("sheet", "\ufeff  {") is Format.JSON
    assert detect_format("sheet.txt", "customer,date") is Format.CSV
    assert decode("\ufeffcafé".encode(), "x.csv") == "café"
    with pytest.raises(UserError, match=r"x\.csv is not UTF-8 text"):
        decode("café".encode("cp1252"), "x.csv")


def test_a_month_first_teams_sheet_reads_its_dates_and_due_dates_month_first(clock) -> None:
    store = new_team(clock)
    services.configure_team(TEAM, "dates", "mdy", uow=FakeUnitOfWork(store), clock=clock)
    sheet = f"{HEADER}\nAcme,11/2/2026,call,,,book QBR 12/10,,,,U1\n"
    report = load(store, sheet, clock, Format.CSV)
    assert report.saved, report.errors
    (touchpoint,) = store.touchpoints.values()
    assert touchpoint.occurred_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    (promise,) = store.promises.values()
    assert promise.due_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def test_sheet_dates_written_many_ways_are_read_and_guesses_are_refused(clock) -> None:
    store = new_team(clock)
    sheet = (
        "customer,date,challenges\n"
        '"Acme","Tue, 3rd Nov. 2026 at 2 p.m.",slow\n'  # row 2: London = UTC in November
        "Acme,05/11/2026,slow\n"  # row 3: day first, a date alone: the working-day start
        'Acme,"Nov 6, 26 4:45pm",slow\n'  # row 4
        "Acme,11/19/2026,slow\n"  # row 5: no such date day first; not swapped
        "Acme,19 Nov,slow\n"  # row 6: no year
        "Acme,19/11/2026 14,slow\n"  # row 7: a bare number is not an hour
    )
    report = load(store, sheet, clock, Format.CSV)
    cells = ["11/19/2026", "19 Nov", "19/11/2026 14"]
    assert [(p.where, p.field) for p in report.errors] == [
        ("row 5", "date"),
        ("row 6", "date"),
        ("row 7", "date"),
    ]
    for problem, cell in zip(report.errors, cells, strict=True):
        assert problem.message == (
            f"can't read “{cell}”. Write it like 2026-11-19, 2026-11-19 14:30, 19/11/2026 "
            "or 19 Nov 2026 2:30pm."
        )
    report = load(store, sheet.split("Acme,11/19")[0], clock, Format.CSV)
    assert report.saved, report.errors
    assert sorted(t.occurred_at for t in store.touchpoints.values()) == [
        datetime(2026, 11, 3, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 5, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 6, 16, 45, tzinfo=UTC),
    ]


# -- the touchpoint map, NPS, contacts ----------------------------------------------------------


def mapped(clock: ManualClock) -> FakeStore:
    """A team with its own stage, a new map entry with a note, and a touchpoint against it."""
    from bot.core import touchmap

    store = new_team(clock)

    def change(command: str) -> None:
        touchmap.change_map(
            TEAM, command, "U1", can_manage=None, uow=FakeUnitOfWork(store), clock=clock
        )

    change("stages pre-purchase, purchase, post-purchase, renewal")
    change('add "renewal call" call renewal truth @U7')
    change('note "renewal call" ask about usage first')
    services.record_quick_entry(
        TEAM,
        "U1",
        "acme | tp: renewal call | nps: 8 | ces: 6 | with: Jane Smith (CFO) | ch: price rise",
        uow=FakeUnitOfWork(store),
        clock=clock,
    )
    return store


def test_json_carries_the_map_stages_nps_and_contacts_and_reads_back_the_same(clock) -> None:
    document = export(mapped(clock))
    parsed = json.loads(document)
    assert parsed["stages"][-1] == "renewal"
    (renewal,) = [e for e in parsed["map"] if e["name"] == "renewal call"]
    assert (renewal["owner"], renewal["moment_of_truth"], renewal["notes"][0]["text"]) == (
        "U7",
        True,
        "ask about usage first",
    )
    (touchpoint,) = parsed["touchpoints"]
    assert (touchpoint["map_entry"], touchpoint["promoter"], touchpoint["effort"]) == (
        "renewal call",
        8,
        6,
    )
    assert touchpoint["contacts"] == [{"name": "Jane Smith", "role": "CFO"}]
    fresh = FakeStore()
    report = load(fresh, document, clock)
    assert report.saved and not report.errors
    assert export(fresh) == document


def test_a_version_1_document_has_its_ces_turned_to_the_new_scale(clock) -> None:
    document = json.loads(export(seeded(clock)))
    document["version"] = 1
    for key in ("map", "stages"):
        del document[key]
    for touchpoint in document["touchpoints"]:
        for key in ("map_entry", "promoter", "contacts"):
            del touchpoint[key]
    fresh = FakeStore()
    report = load(fresh, json.dumps(document), clock)
    assert report.saved and not report.errors
    efforts = [t.effort for t in fresh.touchpoints.values() if t.effort is not None]
    assert efforts == [6]  # 2 ("fairly easy" when 1 was easiest) is 6 now
    assert fresh.map_entries  # the new team still starts with the default map


def test_a_sheet_row_can_name_its_map_entry_contacts_and_nps(clock) -> None:
    store = new_team(clock)
    sheet = (
        "customer,date,touchpoint,contacts,nps\n"
        'acme,2026-11-18 10:00,first invoice,"Jane Smith (CFO); Raj",9\n'
        "acme,2026-11-18 11:00,frist invoice,,\n"
    )
    report = load(store, sheet, clock, Format.CSV)
    assert not report.saved
    assert any("Did you mean “first invoice”" in str(e) for e in report.errors)
    report = load(store, sheet.rsplit("acme,2026-11-18 11:00", 1)[0], clock, Format.CSV)
    assert report.saved, report.errors
    (touchpoint,) = store.touchpoints.values()
    entry = next(e for e in store.map_entries.values() if e.name == "first invoice")
    assert (touchpoint.map_entry_id, touchpoint.kind, touchpoint.stage) == (
        entry.id,
        Kind.EMAIL_OUT,
        "purchase",
    )
    assert ([str(c) for c in touchpoint.contacts], touchpoint.promoter) == (
        ["Jane Smith (CFO)", "Raj"],
        9,
    )


def test_the_owners_summary_day_travels_in_the_document_and_off_stays_off(clock) -> None:
    store = seeded(clock)
    with FakeUnitOfWork(store) as uow:
        team = uow.teams.get(TEAM)
        assert team is not None
        team.owner_summary_day = None  # turned off
        uow.teams.save(team)
        uow.commit()
    document = json.loads(export(store))
    assert document["team"]["owner_summary"] == "off"
    for written, expected in (("off", None), ("thu", 3), (None, 0)):
        if written is None:
            del document["team"]["owner_summary"]  # an older document: the default, Monday
        else:
            document["team"]["owner_summary"] = written
        fresh = FakeStore()
        assert load(fresh, json.dumps(document), clock).saved
        with FakeUnitOfWork(fresh) as uow:
            imported = uow.teams.get(TEAM)
        assert imported is not None and imported.owner_summary_day == expected
    document["team"]["owner_summary"] = "someday"
    report = load(FakeStore(), json.dumps(document), clock)
    assert not report.saved and any("owner_summary" in str(e) for e in report.errors)
