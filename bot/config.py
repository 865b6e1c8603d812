"""Settings, read once from the environment and an optional `.env` file.

Nothing else in the bot reads ``os.environ``. Every setting is listed in the README.
Real environment variables win over `.env`.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.errors import UserError
from bot.core.services import TeamDefaults
from bot.core.team_settings import parse_clock_time, parse_timezone

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")  # what bot.logs.setup_logging writes


class SettingsError(Exception):
    """A setting that cannot be used; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    timezone: str = "UTC"
    digest_time: time = time(9, 0)
    day_start: time = time(9, 0)
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object a line
    data_dir: Path = Path("data")
    scan_seconds: float = 30.0
    # Reminders, nudges and digests in flight at once in one instance.
    send_concurrency: int = 32
    db_wait_seconds: float = 120.0
    console_user: str = "me"
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    # Where people reach the bot's HTTP server (calendar feed links); no trailing slash.
    public_url: str = "http://127.0.0.1:3000"
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_state_secret: str = field(default="", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    discord_bot_token: str = field(default="", repr=False)
    discord_guild_id: str = ""
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    # Sharding over several processes: the total shard count, and the shards this process
    # runs (empty: all of them). Unset count: one connection, no sharding.
    discord_shard_count: int | None = None
    discord_shard_ids: tuple[int, ...] = ()

    @property
    def team_defaults(self) -> TeamDefaults:
        return TeamDefaults(self.timezone, self.digest_time, self.day_start)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_bot_token)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line."""
        values = (
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
            self.slack_client_secret,
            self.slack_state_secret,
            self.discord_bot_token,
        )
        return tuple(v for v in values if v)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments, `export ` prefixes and quotes are allowed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        key, sep, value = text.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got “{text[:40]}”.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Read every setting once; raises SettingsError naming the bad variable."""
    env = {
        **(read_dotenv(dotenv) if dotenv else {}),
        **(os.environ if environ is None else environ),
    }

    def get(name: str, default: str = "") -> str:
        return env.get(name, default).strip()

    data_dir = Path(get("TOUCHPOINT_DATA_DIR", "data"))
    database_url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'touchpoint.db'}"
    level = get("LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL “{level}” is not one of {', '.join(LOG_LEVELS)}.")
    log_format = get("LOG_FORMAT", "text").lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(
            f"LOG_FORMAT “{log_format}” is not one of {', '.join(LOG_FORMATS)}: "
            "`text` for people reading a terminal, `json` for a log collector."
        )
    http_host = get("TOUCHPOINT_HTTP_HOST", "127.0.0.1")
    http_port = int(_number("TOUCHPOINT_HTTP_PORT", get("TOUCHPOINT_HTTP_PORT", "3000")))
    return Settings(
        database_url=database_url,
        timezone=_checked("TOUCHPOINT_TIMEZONE", get("TOUCHPOINT_TIMEZONE", "UTC"), parse_timezone),
        digest_time=_time("TOUCHPOINT_DIGEST_TIME", get("TOUCHPOINT_DIGEST_TIME", "09:00")),
        day_start=_time("TOUCHPOINT_DAY_START", get("TOUCHPOINT_DAY_START", "09:00")),
        log_level=level,
        log_format=log_format,
        data_dir=data_dir,
        scan_seconds=_number("TOUCHPOINT_SCAN_SECONDS", get("TOUCHPOINT_SCAN_SECONDS", "30")),
        db_wait_seconds=_number(
            "TOUCHPOINT_DB_WAIT_SECONDS", get("TOUCHPOINT_DB_WAIT_SECONDS", "120")
        ),
        send_concurrency=_whole(
            "TOUCHPOINT_SEND_CONCURRENCY", get("TOUCHPOINT_SEND_CONCURRENCY", "32"), 1, 500
        ),
        console_user=get("TOUCHPOINT_CONSOLE_USER") or _login_name(),
        http_host=http_host,
        http_port=http_port,
        public_url=_public_url(
            get("TOUCHPOINT_PUBLIC_URL") or f"http://{_url_host(http_host)}:{http_port}"
        ),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_client_id=get("SLACK_CLIENT_ID"),
        slack_client_secret=get("SLACK_CLIENT_SECRET"),
        slack_state_secret=get("SLACK_STATE_SECRET"),
        slack_api_url=_with_slash(get("SLACK_API_URL", "https://slack.com/api/")),
        discord_bot_token=get("DISCORD_BOT_TOKEN"),
        discord_guild_id=get("DISCORD_GUILD_ID"),
        discord_api_url=get("DISCORD_API_URL", "https://discord.com/api/v10").rstrip("/"),
        discord_gateway_url=get("DISCORD_GATEWAY_URL", "wss://gateway.discord.gg/"),
        discord_shard_count=_shard_count(get("DISCORD_SHARD_COUNT")),
        discord_shard_ids=_shard_ids(get("DISCORD_SHARD_IDS"), get("DISCORD_SHARD_COUNT")),
    )


def _checked(name: str, value: str, check: Callable[[str], str]) -> str:
    try:
        return check(value)
    except UserError as exc:
        raise SettingsError(f"{name}: {exc.message}") from None


def _time(name: str, value: str) -> time:
    try:
        return parse_clock_time(value, name)
    except UserError as exc:
        raise SettingsError(exc.message) from None


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got “{value}”.") from None
    if number <= 0:
        raise SettingsError(f"{name} must be greater than zero, got {value}.")
    return number


def _whole(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got “{value}”.") from None
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}.")
    return number


def _public_url(url: str) -> str:
    """The base of the links the bot hands out: scheme and host, maybe a path prefix."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = urlsplit("")
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            "TOUCHPOINT_PUBLIC_URL must start with http:// or https://, name a host and have "
            f"no ?query or #fragment, got “{url}”. Example: https://touchpoint.example.com"
        )
    return url.rstrip("/")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address needs brackets


def _shard_count(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(
            f"DISCORD_SHARD_COUNT must be a whole number of shards, 1 or more, got “{value}”."
        )
    return int(value)


def _shard_ids(value: str, count_text: str) -> tuple[int, ...]:
    """ "0,2" or "0-3" (ranges inclusive) -> the sorted ids, each below the shard count."""
    if not value:
        return ()
    count = _shard_count(count_text)
    if count is None:
        raise SettingsError(
            "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT: the total number of shards over "
            "every process, e.g. DISCORD_SHARD_COUNT=3 and DISCORD_SHARD_IDS=0 on the first."
        )
    ids: list[int] = []
    for part in (p.strip() for p in value.split(",")):
        low, dash, high = (s.strip() for s in part.partition("-"))
        if not low.isdigit() or (dash and (not high.isdigit() or int(high) < int(low))):
            raise SettingsError(
                f"DISCORD_SHARD_IDS: “{part}” is not a shard id or a range such as 0-3."
            )
        ids += range(int(low), int(high if dash else low) + 1)
    for shard in ids:
        if shard >= count:
            raise SettingsError(
                f"DISCORD_SHARD_IDS: there is no shard {shard}; with DISCORD_SHARD_COUNT={count} "
                f"the ids are 0 to {count - 1}."
            )
    if len(set(ids)) != len(ids) or not ids:
        raise SettingsError(f"DISCORD_SHARD_IDS: “{value}” names a shard twice or none.")
    return tuple(sorted(ids))


def _with_slash(url: str) -> str:
    # slack_sdk joins paths with urljoin, which drops the last segment without a slash.
    return url if url.endswith("/") else url + "/"


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "me"
