"""Slack payloads in their documented shapes, and request signing (v0, HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

SECRET = "test-signing-secret-0123456789"
# Slack's trigger ids are unique per request, so no two of its requests have one body: the
# bot drops an exact replay (same timestamp and signature) as already handled.
_triggers = itertools.count(2)


def trigger(what: str) -> str:
    return f"trigger-{what}-{next(_triggers)}"


def signature_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{stamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def form(fields: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in fields.items() if v is not None})


def interactive(payload: dict[str, Any]) -> str:
    """Interactivity payloads arrive form-encoded as ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)})


def slash_command(
    text: str,
    *,
    team: str = "T1",
    user: str = "U1",
    channel: str = "C1",
    response_url: str = "",
    trigger_id: str = "",
) -> dict[str, Any]:
    return {
        "token": "verification-token",
        "team_id": team,
        "team_domain": f"team-{team.lower()}",
        "channel_id": channel,
        "channel_name": "customers",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/touchpoint",
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or trigger("command"),
    }


def _user(user: str, team: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}


def view_submission(view: dict[str, Any], *, team: str = "T1", user: str = "U1") -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": f"team-{team.lower()}"},
        "user": _user(user, team),
        "api_app_id": "A1",
        "token": "verification-token",
        "trigger_id": trigger("submit"),
        "view": {
            "id": "V1",
            "team_id": team,
            "app_id": "A1",
            "bot_id": "BBOT",
            "hash": "h",
            **view,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def fill(view: dict[str, Any], **values: str) -> dict[str, Any]:
    """The view as Slack sends it back on submit: ``state.values`` for every input block,
    from ``values`` (by block id) or the element's initial value."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        given = values.get(block["block_id"])
        kind = element["type"]
        if kind == "plain_text_input":
            entry: dict[str, Any] = {
                "type": kind,
                "value": given if given is not None else element.get("initial_value"),
            }
        elif kind == "static_select":
            option = next(
                (o for o in element["options"] if o["value"] == given),
                element.get("initial_option"),
            )
            entry = {"type": kind, "selected_option": option}
        elif kind == "users_select":
            entry = {"type": kind, "selected_user": given or element.get("initial_user")}
        else:
            raise AssertionError(f"unexpected element {kind}")
        state[block["block_id"]] = {element["action_id"]: entry}
    return {**view, "state": {"values": state}}


def block_actions(
    action_id: str,
    *,
    block_id: str = "l0.0",
    team: str = "T1",
    user: str = "U1",
    channel: str | None = "C1",
    message: dict[str, Any] | None = None,
    home_view: bool = False,
    response_url: str = "",
) -> dict[str, Any]:
    action = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": "Button", "emoji": True},
        "value": action_id,
        "type": "button",
        "action_ts": "1700000000.000200",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user, team),
        "api_app_id": "A1",
        "token": "verification-token",
        "trigger_id": trigger("action"),
        "team": {"id": team, "domain": f"team-{team.lower()}"},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if home_view:
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    else:
        assert message is not None and channel is not None
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel, "name": "customers"}
        payload["message"] = message
    return payload


def message_shortcut(
    text: str, *, team: str = "T1", user: str = "U1", channel: str = "C1", response_url: str = ""
) -> dict[str, Any]:
    return {
        "type": "message_action",
        "token": "verification-token",
        "action_ts": "1700000000.000300",
        "team": {"id": team, "domain": f"team-{team.lower()}"},
        "user": {"id": user, "name": user.lower()},
        "channel": {"id": channel, "name": "customers"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "record_touchpoint",
        "trigger_id": trigger("shortcut"),
        "response_url": response_url,
        "message_ts": "1700000000.000100",
        "message": {"type": "message", "user": "U2", "ts": "1700000000.000100", "text": text},
    }


def event_callback(event: dict[str, Any], *, event_id: str, team: str = "T1") -> dict[str, Any]:
    return {
        "token": "verification-token",
        "team_id": team,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def reaction_added(
    channel: str, ts: str, *, user: str = "U1", reaction: str = "white_check_mark"
) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": "UBOT",
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": "1700000000.000400",
    }


def app_home_opened(user: str = "U1") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D1",
        "tab": "home",
        "event_ts": "1700000000.000500",
    }
