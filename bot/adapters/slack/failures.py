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

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_authed",
        "missing_scope",
        "no_permission",
        "team_access_not_granted",
        "restricted_action",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_metadata_format",
    }
)
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
        if error in PERMANENT_ERRORS:
            return DeliveryFailed(f"Slack refused the request: {error}", permanent=True)
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
