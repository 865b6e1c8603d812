"""An import is held to chat's limits and the database's: whatever the file holds, the
answer is a list of problems and nothing saved, never a traceback, on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.core.errors import UserError
from bot.core.exchange import Format, ImportReport, import_team
from bot.core.exchange.plan import FORMAT_NAME, FORMAT_VERSION

from .conftest import T0, Seed, UowFactory

TEAM = "t1"


SETTINGS = {
    "name": "T",
    "timezone": "UTC",
    "channel": None,
    "digest_time": "09:00",
    "day_start": "09:00",
    "digest_days": [0],
    "completion_codes": [],
    "remind_overdue": True,
    "area_owners": {},
    "code_followups": {},
    "created_at": None,
}


def _document(**changes: Any) -> dict[str, Any]:
    """A minimal valid export: one customer, one touchpoint with a challenge and a promise."""
    touchpoint = {
        "customer": "acme",
        "occurred_at": "2026-03-01T09:00:00Z",
        "author": "U1",
        "kind": "call",
        "code": None,
        "stage": None,
        "satisfaction": None,
        "effort": None,
        "difference": None,
        "notes": "",
        "challenges": [
            {
                "text": "slow internet",
                "raised_by": "U1",
                "raised_at": "2026-03-01T09:00:00Z",
                "status": "open",
                "passed_to": None,
                "history": [],
            }
        ],
        "promises": [
            {
                "direction": "ours",
                "text": "send quote",
                "owner": "U1",
                "made_by": "U1",
                "made_at": "2026-03-01T09:00:00Z",
                "due_at": "2026-03-09T09:00:00Z",
                "status": "open",
                "remind_at": "2026-03-09T09:00:00Z",
                "reminders_sent": 0,
                "history": [],
            }
        ],
    }
    touchpoint.update(changes.pop("touchpoint", {}))
    customer = {"slug": "acme", "name": "Acme", "aliases": [], "created_at": None}
    customer.update(changes.pop("customer", {}))
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "team": changes.pop("team", SETTINGS),
        "customers": [customer],
        "touchpoints": [touchpoint],
        **changes,
    }


def _import(uow_factory: UowFactory, text: str, fmt: Format = Format.JSON) -> ImportReport:
    return import_team(TEAM, text, fmt, uow=uow_factory(), clock=ManualClock(T0))


def _saved_nothing(uow_factory: UowFactory) -> bool:
    with uow_factory() as uow:
        return uow.customers.list(TEAM) == []


def _problems(report: ImportReport) -> str:
    assert not report.saved
    return " ".join(f"{p.where} {p.field} {p.message}" for p in report.errors)


def test_a_valid_document_imports(seed: Seed, uow_factory: UowFactory) -> None:
    seed.team(TEAM)
    report = _import(uow_factory, json.dumps(_document()))
    assert report.saved, report.errors


BAD_DOCUMENTS = {
    "100,000-deep JSON": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "a 5,000-digit integer": (
        json.dumps(_document()).replace('"reminders_sent": 0', '"reminders_sent": ' + "9" * 5000),
        "digits",
    ),
    "a lone surrogate": (
        json.dumps(_document(customer={"name": "Acme \ud800"})),
        "unpaired surrogate",
    ),
    "a NUL in a note": (json.dumps(_document(touchpoint={"notes": "a\x00b"})), "NUL"),
    "a 100 kB name": (json.dumps(_document(customer={"name": "A" * 100_000})), "the most is 80"),
    "30 MB of notes": (
        json.dumps(_document(touchpoint={"notes": "x" * 30_000_000})),
        "the most is 10,000",
    ),
    "a 300-character channel": (
        json.dumps(_document(team={**SETTINGS, "channel": "C" * 300})),
        "the most is 100",
    ),
    "a 40-character history action": (
        json.dumps(
            _document(
                touchpoint={
                    "promises": [
                        {
                            **_document()["touchpoints"][0]["promises"][0],
                            "history": [
                                {
                                    "at": "2026-03-02T09:00:00Z",
                                    "actor": "U1",
                                    "action": "k" * 40,
                                    "detail": "",
                                }
                            ],
                        }
                    ]
                }
            )
        ),
        "the most is 32",
    ),
}


@pytest.mark.parametrize("name", BAD_DOCUMENTS)
def test_a_bad_json_document_is_a_listed_problem_and_saves_nothing(
    seed: Seed, uow_factory: UowFactory, name: str
) -> None:
    seed.team(TEAM)
    text, expected = BAD_DOCUMENTS[name]
    report = _import(uow_factory, text)
    assert expected in _problems(report)
    assert _saved_nothing(uow_factory)


def test_a_csv_header_over_the_csv_modules_limit_is_a_listed_problem(
    seed: Seed, uow_factory: UowFactory
) -> None:
    seed.team(TEAM)
    text = "customer,date," + "x" * 140_000 + "\nacme,2026-03-01\n"
    report = _import(uow_factory, text, Format.CSV)
    assert "unreadable CSV" in _problems(report)
    assert _saved_nothing(uow_factory)


def test_a_team_id_longer_than_any_is_refused_clearly(uow_factory: UowFactory) -> None:
    with pytest.raises(UserError) as refused:
        import_team(
            "T" * 150,
            json.dumps(_document()),
            Format.JSON,
            uow=uow_factory(),
            clock=ManualClock(T0),
        )
    assert "1 to 100 characters" in refused.value.message
