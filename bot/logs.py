"""Logging set-up: plain text or one JSON object a line, and secrets scrubbed from every
record."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

REDACTED = "[redacted]"
# Tokens issued while the bot runs are not in the configured list: a workspace's bot token
# arrives in the OAuth exchange's answer, which slack_sdk logs in full at DEBUG. Slack's
# tokens say what they are, so any text shaped like one is scrubbed too.
TOKEN_SHAPED = re.compile(r"\b(?:xox[a-z]|xapp)-[0-9A-Za-z-]+")
# A calendar feed's URL is its secret. Our handlers never log a path, but aiohttp's parser
# logs the raw request line when it refuses one (a pasted trailing no-break space).
FEED_URL = re.compile(r"/calendar/[^\s/?#\"'<>]+")
FEED_REDACTED = "/calendar/" + REDACTED
NOISY_LIBRARIES = ("apscheduler", "alembic", "discord", "slack_bolt", "slack_sdk", "aiohttp.access")


class RedactSecrets(logging.Filter):
    """Replaces any configured secret, and anything shaped like a Slack token, found in a log
    record's message, arguments or traceback. Installed on the root handler, it scrubs the
    record itself, so handlers that run after it see the scrubbed record too."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a malformed call: the handler reports it
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # A line break in logged text (a query parameter, a name) would forge a log line.
        scrubbed = self._scrub(message).replace("\r", "\\r").replace("\n", "\\n")
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return FEED_URL.sub(FEED_REDACTED, TOKEN_SHAPED.sub(REDACTED, text))


class EveryMinuteAtMost(logging.Filter):
    """Lets a record that repeats in a storm (asyncio's "accept() out of system resource"
    at every retry while file descriptors run out) through once a minute, noting how many
    were held back; a traceback each time filled disks at megabytes a second."""

    def __init__(
        self,
        messages: Iterable[str],
        period_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._messages = tuple(messages)
        self._period_s = period_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.msg if isinstance(record.msg, str) else ""
        storm = next((m for m in self._messages if text.startswith(m)), None)
        if storm is None:
            return True
        now = self._clock()
        last = self._last.get(storm)
        if last is not None and now - last < self._period_s:
            self._held[storm] = self._held.get(storm, 0) + 1
            return False
        self._last[storm] = now
        held = self._held.pop(storm, 0)
        said = text.split("\n", 1)[0]  # asyncio adds the socket's repr on further lines
        record.msg = f"{said} ({held} more like it held back in the last minute)" if held else said
        record.args = None
        record.exc_info, record.exc_text = None, None  # the storm's cause is known: no stack
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class ClientMistakesQuiet(logging.Filter):
    """aiohttp logs every request its parser refuses (a bad header, a stray character in
    the path, TLS sent to the plain port) at ERROR with a traceback. That is the client's
    doing and answered with a 400: one line at INFO says enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.name != "aiohttp.server" or error is None:
            return True
        if not type(error).__module__.startswith("aiohttp.http_exceptions"):
            return True
        reason = str(getattr(error, "message", "") or error).strip().split("\n", 1)[0]
        record.msg = f"{record.getMessage()}: refused a malformed request ({reason})"
        record.args, record.exc_info, record.exc_text = None, None, None
        if record.levelno > logging.INFO:
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


# asyncio's own words when accept() fails for want of file descriptors.
ACCEPT_STORMS = ("socket.accept() out of system resource",)


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors: ``time`` (UTC, ISO 8601 with
    milliseconds), ``level``, ``logger``, ``message``, then ``team_id`` and ``error_id``
    when the call that logged knew them (``extra={"team_id": ...}``), and ``traceback``.
    The text is the record as RedactSecrets left it, and JSON escapes any line break, so
    one record is always one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("team_id", "error_id"):
            value = getattr(record, name, None)
            if value:
                entry[name] = str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, secrets: Iterable[str] = (), log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
            )
        )
    handler.addFilter(EveryMinuteAtMost(ACCEPT_STORMS))
    handler.addFilter(ClientMistakesQuiet())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        # Their INFO lines (every job run, every migration plugin) drown ours.
        for noisy in NOISY_LIBRARIES:
            logging.getLogger(noisy).setLevel(logging.WARNING)
