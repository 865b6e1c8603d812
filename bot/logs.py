"""Logging set-up: one format, and secrets scrubbed from every record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
# Tokens issued while the bot runs are not in the configured list: a workspace's bot token
# arrives in the OAuth exchange's answer, which slack_sdk logs in full at DEBUG. Slack's
# tokens say what they are, so any text shaped like one is scrubbed too.
TOKEN_SHAPED = re.compile(r"\b(?:xox[a-z]|xapp)-[0-9A-Za-z-]+")
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
        scrubbed = self._scrub(message)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_SHAPED.sub(REDACTED, text)


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        # Their INFO lines (every job run, every migration plugin) drown ours.
        for noisy in NOISY_LIBRARIES:
            logging.getLogger(noisy).setLevel(logging.WARNING)
