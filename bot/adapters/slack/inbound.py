"""Slack payloads -> the core's terms. Pure functions over the JSON Slack sends.

Team ids: a Slack workspace ``T123`` is the team ``slack:T123``. Enterprise Grid: each
workspace is its own team even inside an organisation (its data never mixes with a sister
workspace's), so the id always comes from the workspace, never the enterprise. The manifest
keeps org-wide deployment off, so every installation names its workspace.

Message references (what the notifier returns and reactions point at) are
``"<channel id>:<message ts>"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from bot.core.commands import Context
from bot.core.drafts import FormFields
from bot.core.errors import UserError
from bot.core.touchmap import ADMIN_VERBS

PLATFORM = "slack"
CHECK_MARKS = frozenset({"white_check_mark", "heavy_check_mark", "ballot_box_with_check"})
FORM_BLOCKS = (
    "customer",
    "kind",
    "code",
    "challenges",
    "our_promises",
    "their_promises",
    "difference",
    "notes",
    "owner",
)
# The label stops at the next "<" too: with ``[^>]*`` alone, every unclosed "<#C1|" scanned
# to the end of the text, quadratic in its length (seconds for 40,000 characters).
_CHANNEL_LINK = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>")


class Metadata(TypedDict, total=False):
    """What a modal carries in its ``private_metadata`` between opening and submitting."""

    channel: str  # where to confirm
    challenge: int  # pass on: which challenge
    ts: str  # pass on: the message the button was on
    block: str  # pass on: the actions block to replace on that message
    touchpoint: int  # an edit form: the touchpoint it corrects


class NotSlackWorkspace(UserError):
    """A payload that names no workspace (an org-level surface)."""


def team_key(workspace_id: str) -> str:
    return f"{PLATFORM}:{workspace_id}"


def workspace_of(team_id: str) -> str:
    """``"slack:T123"`` -> ``"T123"``."""
    platform, _, workspace = team_id.partition(":")
    if platform != PLATFORM or not workspace:
        raise ValueError(f"not a Slack team id: {team_id!r}")
    return workspace


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def parse_ref(ref: str) -> tuple[str, str]:
    channel, sep, ts = ref.partition(":")
    if not sep or not channel or not ts:
        raise ValueError(f"not a Slack message reference: {ref!r}")
    return channel, ts


def workspace_in(body: Mapping[str, Any], context_team: str | None = None) -> str:
    """The workspace an interaction or event comes from (see the module docstring)."""
    team = body.get("team")
    user = body.get("user")
    candidates = (
        context_team,
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else None,
        user.get("team_id") if isinstance(user, dict) else None,
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            return candidate
    raise NotSlackWorkspace("Touchpoint works inside a workspace; use it from one.")


def user_in(body: Mapping[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id", user or ""))


def context_for(
    body: Mapping[str, Any], *, context_team: str | None, channel: str | None
) -> Context:
    return Context(
        team_id=team_key(workspace_in(body, context_team)),
        user_id=user_in(body),
        channel=channel,
        team_name=str(body.get("team_domain") or ""),
    )


def needs_admin(text: str) -> bool:
    """Whether the command changes the touchpoint map, which takes a workspace admin."""
    words = text.split(maxsplit=2)
    return len(words) >= 2 and words[0].lower() == "map" and words[1].lower() in ADMIN_VERBS


def is_admin(user: Mapping[str, Any]) -> bool:
    """A ``users.info`` user: a workspace admin or owner."""
    return any(bool(user.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))


def command_text(text: str) -> str:
    """Channel links (``<#C123|sales>``) become their ids, so `config channel` stores an
    id every API call accepts."""
    return _CHANNEL_LINK.sub(lambda m: m.group(1), text)


def claimable(channel: str | None) -> str | None:
    """Only a real channel may become the team channel, not a direct message."""
    return channel if channel and channel[0] in "CG" else None


def channel_of_action(body: Mapping[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container")
    if isinstance(container, dict) and container.get("channel_id"):
        return str(container["channel_id"])
    return None


def is_ephemeral(body: Mapping[str, Any]) -> bool:
    container = body.get("container")
    return isinstance(container, dict) and bool(container.get("is_ephemeral"))


# -- forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedForm:
    customer: str
    fields: FormFields
    owner: str | None
    present: frozenset[str]  # the input blocks the modal had (errors can only go there)


def _value(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind in {"static_select", "external_select"}:
        option = element.get("selected_option") or {}
        return str(option.get("value") or "")
    if kind == "users_select":
        return str(element.get("selected_user") or "")
    return str(element.get("value") or "")


def state_values(view: Mapping[str, Any]) -> dict[str, str]:
    """``view.state.values`` flattened to block id -> the text or choice in it."""
    values = ((view.get("state") or {}).get("values")) or {}
    flat: dict[str, str] = {}
    for block_id, actions in values.items():
        for element in actions.values():
            flat[block_id] = _value(element)
    return flat


def submitted_form(view: Mapping[str, Any]) -> SubmittedForm:
    values = state_values(view)
    return SubmittedForm(
        customer=values.get("customer", "").strip(),
        fields=FormFields(
            kind=values.get("kind", ""),
            code=values.get("code", ""),
            challenges=values.get("challenges", ""),
            our_promises=values.get("our_promises", ""),
            their_promises=values.get("their_promises", ""),
            difference=values.get("difference", ""),
            notes=values.get("notes", ""),
            stage=values.get("stage", ""),
            satisfaction=values.get("satisfaction", ""),
            effort=values.get("effort", ""),
            promoter=values.get("promoter", ""),
            map_entry=values.get("map_entry", ""),
            contacts=values.get("contacts", "").replace(";", "\n"),
        ),
        owner=values.get("owner") or None,
        present=frozenset(values),
    )


def field_errors(by_field: Mapping[str, str], present: frozenset[str]) -> dict[str, str]:
    """Core field names -> the modal's block ids. A problem with no block of its own (the
    entry as a whole, a field the modal lacks) goes on the first field that is there, so
    Slack never gets an error for a block it does not know (it would reject them all)."""
    errors: dict[str, str] = {}
    fallback = next((b for b in ("challenges", "customer", *FORM_BLOCKS) if b in present), "")
    for name, message in by_field.items():
        block = name if name in present else fallback
        if not block:
            continue
        text = f"{errors[block]} {message}" if block in errors else message
        errors[block] = text[:2000]
    return errors


def metadata(view: Mapping[str, Any]) -> Metadata:
    """The modal's metadata, or nothing usable if it is not ours (it is only advisory:
    every id in it is looked up again within the submitting team)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return Metadata()
    if not isinstance(data, dict):
        return Metadata()
    out = Metadata()
    if isinstance(data.get("channel"), str):
        out["channel"] = data["channel"]
    if isinstance(data.get("ts"), str):
        out["ts"] = data["ts"]
    if isinstance(data.get("block"), str):
        out["block"] = data["block"]
    if isinstance(data.get("challenge"), int):
        out["challenge"] = data["challenge"]
    if isinstance(data.get("touchpoint"), int):
        out["touchpoint"] = data["touchpoint"]
    return out


def reaction_target(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(channel, ts)`` of the message a check-mark reaction was added to, else None."""
    name = str(event.get("reaction", "")).partition("::")[0]  # drop a skin-tone suffix
    item = event.get("item") or {}
    if name not in CHECK_MARKS or item.get("type") != "message":
        return None
    channel, ts = item.get("channel"), item.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str):
        return None
    return channel, ts
