"""LOG_FORMAT=json: one JSON object a line, with the team and error id where the code that
logged knew them, and secrets scrubbed as in the text format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import SettingsError, load_settings
from bot.core.commands import Context
from bot.core.interactions import Interactions
from bot.core.replies import Reply
from bot.logs import setup_logging

SECRET = "s3cret-signing-value"
TOKEN = "xoxb-1234-5678-abcdefgh"


@pytest.fixture
def json_lines() -> Iterator[Any]:
    """The bot's logging set up as ``touchpoint run`` does with LOG_FORMAT=json, writing
    to a buffer; yields a function that returns the lines written, parsed."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO", [SECRET], "json")
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    handler.setStream(written)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in written.getvalue().splitlines()]

    try:
        yield lines
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_each_record_is_one_json_line_with_time_level_logger_and_message(
    json_lines: Any,
) -> None:
    log = logging.getLogger("bot.test")
    log.info("first\nsecond line of the same record")
    log.warning("delivery %s failed", "reminder:x", extra={"team_id": "slack:T1"})
    first, second = json_lines()
    assert first["message"] == "first\\nsecond line of the same record"
    assert (first["level"], first["logger"]) == ("INFO", "bot.test")
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert "team_id" not in first and "error_id" not in first
    assert second["message"] == "delivery reminder:x failed"
    assert (second["level"], second["team_id"]) == ("WARNING", "slack:T1")


def test_secrets_and_tokens_are_scrubbed_from_the_message_and_the_traceback(
    json_lines: Any,
) -> None:
    log = logging.getLogger("bot.test")
    try:
        raise RuntimeError(f"refused {TOKEN} with {SECRET}")
    except RuntimeError:
        log.exception("calling Slack with %s failed", TOKEN, extra={"error_id": "ab12cd34"})
    (line,) = json_lines()
    text = json.dumps(line)
    assert TOKEN not in text and SECRET not in text
    assert line["message"] == "calling Slack with [redacted] failed"
    assert "RuntimeError: refused [redacted] with [redacted]" in line["traceback"]
    assert line["error_id"] == "ab12cd34"


def test_a_bug_in_a_command_is_logged_with_its_team_and_error_id(
    json_lines: Any, way_in: Interactions, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, ctx: Context) -> Reply:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(way_in._commands, "run", broken)
    result = way_in.text(Context("console:test", "U1", "C1", "Test"), "digest")
    (line,) = [line for line in json_lines() if line["level"] == "ERROR"]
    assert line["team_id"] == "console:test" and line["error_id"] == result.error_id
    assert "database on fire" in line["traceback"]


def test_log_format_is_text_unless_set_and_a_wrong_value_says_what_is_allowed() -> None:
    assert load_settings({}, dotenv=None).log_format == "text"
    assert load_settings({"LOG_FORMAT": "JSON"}, dotenv=None).log_format == "json"
    with pytest.raises(SettingsError, match=r"LOG_FORMAT “yaml” is not one of text, json"):
        load_settings({"LOG_FORMAT": "yaml"}, dotenv=None)
