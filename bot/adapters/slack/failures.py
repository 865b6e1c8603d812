"""slack_sdk errors -> ``DeliveryFailed``, so the reminder engine knows whether to retry.

Rate limits carry Slack's ``Retry-After``; server errors, timeouts and dropped connections
are worth retrying; a channel or token that is gone will not come back by retrying.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.delivery import DeliveryFailed

T = TypeVar("T")

_CHOOSE_CHANNEL = "choose another with `/touchpoint config channel:#channel`"
_REINSTALL = "reinstall the app in this workspace (an admin may need to approve it)"
_REPORT = "tell the bot's operator: `touchpoint outbox --team ID` shows them"
# Slack's error code -> (what went wrong, what to do). Retrying will not help with these:
# they are recorded as given up, and the team sees them in `/touchpoint config`.
GIVE_UP: dict[str, tuple[str, str]] = {
    "channel_not_found": ("the team channel does not exist any more", _CHOOSE_CHANNEL),
    "not_in_channel": (
        "the bot is not a member of the team channel",
        f"invite it with `/invite @Touchpoint` or {_CHOOSE_CHANNEL}",
    ),
    "is_archived": ("the team channel is archived", f"unarchive it or {_CHOOSE_CHANNEL}"),
    "invalid_auth": ("Slack no longer accepts the app's token", _REINSTALL),
    "account_inactive": ("the app's Slack account was deactivated", _REINSTALL),
    "token_revoked": ("the app was removed from the workspace", _REINSTALL),
    "token_expired": ("the app's token expired", _REINSTALL),
    "not_authed": ("the app has no token for this workspace", _REINSTALL),
    "missing_scope": ("the app lacks a permission it needs", _REINSTALL),
    "no_permission": ("the app is not allowed to post there", _CHOOSE_CHANNEL),
    "team_access_not_granted": ("the app has no access to this workspace", _REINSTALL),
    "restricted_action": ("posting there is restricted by the workspace", _CHOOSE_CHANNEL),
    "message_not_found": ("the message was deleted", "nothing: it is not updated any more"),
    "cant_update_message": ("the message cannot be edited", "nothing"),
    "edit_window_closed": ("the message can no longer be edited", "nothing"),
}
# The message itself was refused: a plain-text version may go through (sent once more).
CONTENT_ERRORS: dict[str, tuple[str, str]] = {
    code: ("Slack refused the message as too large or malformed", _REPORT)
    for code in (
        "msg_too_long",
        "msg_blocks_too_long",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_arguments",
    )
}
PERMANENT_ERRORS = frozenset(GIVE_UP) | frozenset(CONTENT_ERRORS)
DEFAULT_RETRY_AFTER = 30.0


def slack_error(exc: SlackApiError) -> tuple[int, str, Mapping[str, Any]]:
    """``(HTTP status, Slack's error code, response headers)`` of an API error."""
    response = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", 0) or 0
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    headers = getattr(response, "headers", None) or {}
    return int(status), error, headers


def delivery_failed(exc: BaseException) -> DeliveryFailed:
    if isinstance(exc, SlackApiError):
        status, error, headers = slack_error(exc)
        if status == 429 or error == "ratelimited":
            return DeliveryFailed(
                "Slack rate-limited the request", retry_after=_seconds(headers.get("Retry-After"))
            )
        if status >= 500:
            return DeliveryFailed(f"Slack answered HTTP {status}")
        if error in CONTENT_ERRORS:
            reason, todo = CONTENT_ERRORS[error]
            return DeliveryFailed(f"{reason} ({error}) — {todo}", content=True)
        if error in GIVE_UP:
            reason, todo = GIVE_UP[error]
            return DeliveryFailed(f"{reason} ({error}) — {todo}", permanent=True)
        return DeliveryFailed(f"Slack refused the request: {error or f'HTTP {status}'}")
    return DeliveryFailed(f"Slack could not be reached: {type(exc).__name__}")


async def delivery_call(call: Awaitable[T]) -> T:
    """Await a Web API call, translating its failures into ``DeliveryFailed``."""
    try:
        return await call
    except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        raise delivery_failed(exc) from exc


def _seconds(value: object) -> float:
    try:
        return max(0.0, float(str(value)))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
