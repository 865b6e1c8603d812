"""Discord API objects in the shapes the real API sends (API v10, late 2026).

discord.py stops its client on a missing required key, so every object carries the full
set of fields Discord documents for it, nulls included, not just what the bot reads.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
ALL_PERMISSIONS = str((1 << 50) - 1)
MEMBER_PERMISSIONS = str(0x0000_0000_0006_4C40)  # view, send, read history, react, embed
_increment = itertools.count(1)

Json = dict[str, Any]


def snowflake(at: datetime) -> int:
    """A snowflake for the instant ``at`` (so ``after=`` filters work as on Discord)."""
    ms = int(at.timestamp() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_increment) % 4096)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> Json:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None if bot else name.capitalize(),
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def me(user_id: int, name: str) -> Json:
    return {
        **user(user_id, name, bot=True),
        "mfa_enabled": True,
        "locale": "en-US",
        "verified": True,
        "email": None,
        "premium_type": 0,
    }


def application(app_id: int, bot_user: Json, owner: Json) -> Json:
    return {
        "id": str(app_id),
        "name": "Touchpoint",
        "icon": None,
        "description": "Record customer touchpoints",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "1e0a356058d627ca38a5c8c9648818061d49e49bd9da9e3ab17d98ad4d6bg2u8",
        "flags": 0,
        "bot": bot_user,
        "owner": owner,
        "team": None,
        "rpc_origins": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "event_webhooks_url": None,
        "event_webhooks_status": 1,
        "event_webhooks_types": [],
        "tags": [],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "84992"},
        "integration_types_config": {"0": {}},
        "custom_install_url": None,
        "approximate_guild_count": 2,
        "approximate_user_install_count": 0,
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "cover_image": None,
        "primary_sku_id": None,
        "slug": None,
        "guild_id": None,
    }


def role(guild_id: int) -> Json:
    return {
        "id": str(guild_id),
        "name": "@everyone",
        "description": None,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": 0,
        "permissions": MEMBER_PERMISSIONS,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        "tags": {},
    }


def text_channel(channel_id: int, guild_id: int, name: str) -> Json:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "last_pin_timestamp": None,
        "rate_limit_per_user": 0,
        "default_thread_rate_limit_per_user": 0,
        "default_auto_archive_duration": 4320,
        "flags": 0,
        "icon_emoji": None,
        "theme_color": None,
    }


def member(u: Json, joined: datetime, *, permissions: str | None = None) -> Json:
    data: Json = {
        "user": u,
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [],
        "joined_at": iso(joined),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
        "collectibles": None,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def guild_create(
    guild_id: int, name: str, owner_id: int, channels: list[Json], bot_member: Json, at: datetime
) -> Json:
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "icon_hash": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(owner_id),
        "region": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": [role(guild_id)],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": channels[0]["id"],
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_presences": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        "incidents_data": None,
        "latest_onboarding_question_id": None,
        "hub_type": None,
        "home_header": None,
        "inventory_settings": None,
        "version": 1,
        # GUILD_CREATE extras
        "joined_at": iso(at),
        "large": False,
        "unavailable": False,
        "lazy": True,
        "member_count": 3,
        "voice_states": [],
        "members": [bot_member],
        "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "activity_instances": [],
        "application_command_counts": {},
    }


def message(
    message_id: int,
    channel_id: int,
    guild_id: int | None,
    author: Json,
    at: datetime,
    body: Json,
    *,
    flags: int = 0,
    interaction: Json | None = None,
    attachments: list[Json] | None = None,
) -> Json:
    """A message as Discord returns it after a create or an edit."""
    data: Json = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": body.get("content") or "",
        "timestamp": iso(at),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": [_embed(e) for e in body.get("embeds") or []],
        "pinned": False,
        "type": 20 if interaction else 0,
        "flags": flags,
        "components": body.get("components") or [],
        "position": 0,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]
    if interaction is not None:
        data["interaction_metadata"] = interaction
        data["webhook_id"] = author["id"]
        data["application_id"] = author["id"]
    return data


def attachment(
    attachment_id: int, sent: Json, data: bytes, url: str, *, ephemeral: bool = False
) -> Json:
    """An uploaded file as a message carries it; ``sent`` is the bot's ``attachments``
    entry for it (filename, description)."""
    width = height = None
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    found: Json = {
        "id": str(attachment_id),
        "filename": sent["filename"],
        "size": len(data),
        "url": url,
        "proxy_url": url.replace("cdn.", "media.", 1),
        "content_type": "image/png" if width is not None else "application/octet-stream",
        "width": width,
        "height": height,
        "placeholder": "",
        "placeholder_version": 1,
    }
    if sent.get("description"):
        found["description"] = sent["description"]
    if ephemeral:
        found["ephemeral"] = True
    return found


def _embed(sent: Json) -> Json:
    # Discord adds the type (and drops nothing the bot sends).
    return {"type": "rich", **sent}


def interaction(
    interaction_id: int,
    application_id: int,
    kind: int,
    data: Json | None,
    guild_id: int,
    channel: Json,
    member_data: Json,
    *,
    message_data: Json | None = None,
    token: str = "",
) -> Json:
    payload: Json = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "guild_id": str(guild_id),
        "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
        "channel_id": channel["id"],
        "channel": channel,
        "member": member_data,
        "token": token or f"token-{interaction_id}",
        "version": 1,
        "app_permissions": ALL_PERMISSIONS,
        "locale": "en-GB",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0,
        "attachment_size_limit": 10_485_760,
    }
    if data is not None:
        payload["data"] = data
    if message_data is not None:
        payload["message"] = message_data
    return payload


def reaction_add(
    user_id: int,
    channel_id: int,
    message_id: int,
    guild_id: int | None,
    member_data: Json | None,
    emoji: str,
    message_author_id: int,
) -> Json:
    """MESSAGE_REACTION_ADD; in a direct message (no ``guild_id``) Discord sends neither
    the server nor a member."""
    event: Json = {
        "user_id": str(user_id),
        "channel_id": str(channel_id),
        "message_id": str(message_id),
        "emoji": {"id": None, "name": emoji},
        "message_author_id": str(message_author_id),
        "burst": False,
        "burst_colors": [],
        "type": 0,
    }
    if guild_id is not None:
        event |= {"guild_id": str(guild_id), "member": member_data}
    return event
