from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings


def test_defaults_use_sqlite_in_the_data_directory() -> None:
    settings = load_settings({}, dotenv=None)
    assert settings.database_url == "sqlite:///data/touchpoint.db"
    assert settings.timezone == "UTC" and settings.digest_time == time(9, 0)
    assert (
        settings.scan_seconds == 30 and not settings.slack_enabled and not settings.discord_enabled
    )


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nexport TOUCHPOINT_TIMEZONE='Europe/London'\nTOUCHPOINT_DIGEST_TIME=08:30\n"
    )
    settings = load_settings({"TOUCHPOINT_DIGEST_TIME": "7am"}, dotenv=dotenv)
    assert settings.timezone == "Europe/London" and settings.digest_time == time(7, 0)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TOUCHPOINT_TIMEZONE": "Nowhere/City"}, "TOUCHPOINT_TIMEZONE"),
        ({"TOUCHPOINT_DIGEST_TIME": "half nine"}, "TOUCHPOINT_DIGEST_TIME"),
        ({"TOUCHPOINT_SCAN_SECONDS": "-3"}, "TOUCHPOINT_SCAN_SECONDS"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
    ],
)
def test_a_bad_setting_names_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env, dotenv=None)


def test_a_malformed_dotenv_line_is_reported_with_its_line_number(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("GOOD=1\nthis is not a setting\n")
    with pytest.raises(SettingsError, match=r"\.env:2"):
        load_settings({}, dotenv=dotenv)


def test_secrets_are_hidden_from_the_settings_repr() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-secret-value"}, dotenv=None)
    assert "xoxb-secret-value" not in repr(settings)
    assert settings.secrets == ("xoxb-secret-value",)
