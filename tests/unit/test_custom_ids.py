"""Ids outlive deploys: a form opened before a release must still be understood after it."""

from __future__ import annotations

import hashlib

from bot.core.custom_ids import CODE_HASH_LENGTH, FormId, code_hash, hash_matches
from bot.core.model import Kind


def _old_hash(code: str) -> str:
    """How forms opened before the short hash named their code: 8 hex digits."""
    return hashlib.sha256(" ".join(code.lower().split()).encode()).hexdigest()[:8]


def test_a_form_opened_with_the_kind_by_position_and_a_hex_code_hash_still_decodes() -> None:
    old = f"tpf:2:{_old_hash('meeting booked')}:Acme Corp"

    decoded = FormId.decode(old)

    assert decoded is not None
    assert (decoded.customer, decoded.kind) == ("Acme Corp", Kind.MEETING)
    assert hash_matches(decoded.code_hash, "Meeting  BOOKED")
    assert not hash_matches(decoded.code_hash, "no answer")


def test_every_old_kind_position_decodes_to_the_kind_it_meant() -> None:
    meant = ["call", "video", "meeting", "email-in", "email-out", "visit", "chat", "social"]
    for position, kind in enumerate([*meant, "other"]):
        decoded = FormId.decode(f"tpf:{position}:-:acme")
        assert decoded is not None and decoded.kind == Kind(kind)
    assert FormId.decode("tpf:9:-:acme") is None


def test_the_short_code_hash_round_trips_through_a_form_id() -> None:
    hashed = code_hash("meeting booked")
    sent = FormId("Acme Corp", Kind.EMAIL_IN, hashed).encode()

    assert len(hashed) == CODE_HASH_LENGTH
    assert sent == f"tpf:email-in:{hashed}:Acme Corp"
    assert FormId.decode(sent) == FormId("Acme Corp", Kind.EMAIL_IN, hashed)
    assert hash_matches(hashed, "meeting booked")
    assert not hash_matches(hashed, "meeting cancelled")


def test_a_form_id_without_kind_or_code_round_trips() -> None:
    assert FormId.decode(FormId("acme").encode()) == FormId("acme")
    assert FormId.decode("tp:kept:12") is None
