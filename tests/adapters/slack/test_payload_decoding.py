"""An interactive payload is decoded by the HTTP server, as Python's form reader would."""

from __future__ import annotations

import json
import random
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.adapters.slack.web import _decoded_payload

FORM = "application/x-www-form-urlencoded"


def test_a_form_submission_payload_reaches_bolt_as_the_json_slack_encoded() -> None:
    payload = {
        "type": "view_submission",
        "view": {"state": {"values": {"b": {"a": {"value": "50% off & free +1 😀 café"}}}}},
    }
    body = urlencode({"payload": json.dumps(payload)})
    assert json.loads(_decoded_payload(body, FORM)) == payload


@pytest.mark.parametrize(
    "body",
    [
        "command=%2Ftouchpoint&text=acme",  # a slash command: Bolt reads the form
        "payload=not-json",
        "payload=%7B%7D&other=1",  # more than the one field Slack sends
        "token=x&payload=%7B%7D",
    ],
)
def test_anything_but_one_json_payload_field_is_left_to_bolt(body: str) -> None:
    assert _decoded_payload(body, FORM) == body


def test_a_json_body_is_left_as_it_is() -> None:
    assert _decoded_payload('{"type": "event_callback"}', "application/json") == (
        '{"type": "event_callback"}'
    )


def test_the_decoder_agrees_with_pythons_form_reader_on_awkward_escapes() -> None:
    pieces = ["a", "+", "%2B", "%26", "%3D", "%25", "%zz", "%", "%C3%A9", "%F0%9F%98%80", "é", " "]
    rng = random.Random(7)
    for _ in range(2000):
        value = "{" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        body = "payload=" + value
        (expected,) = parse_qsl(body, keep_blank_values=True)
        decoded = _decoded_payload(body, FORM)
        assert decoded in {expected[1], body}, body
        if "&" not in value and "=" not in value:
            assert decoded == expected[1], body
