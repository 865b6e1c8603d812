"""Display names of people, for public messages that name someone without pinging them.

A reminder pings its owner but only names the colleague who made the promise; a digest
pings nobody. Slack notifies every ``<@U123>`` in a new message, so those people are
written as "@Sam" instead, which needs their name (``users.info``, cached for a day).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import Clock

log = logging.getLogger(__name__)

NAME_TTL = timedelta(days=1)
MAX_CACHED = 10_000


class Directory:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._names: dict[tuple[str, str], tuple[str, datetime]] = {}

    async def names(
        self, client: AsyncWebClient, workspace: str, user_ids: Iterable[str]
    ) -> dict[str, str]:
        """Names of those it can find; the renderer falls back to the id for the rest."""
        now = self._clock.now()
        wanted = sorted(set(user_ids))
        missing = [
            uid
            for uid in wanted
            if (workspace, uid) not in self._names
            or now - self._names[(workspace, uid)][1] > NAME_TTL
        ]
        if missing:
            found = await asyncio.gather(*(self._lookup(client, uid) for uid in missing))
            if len(self._names) > MAX_CACHED:
                self._names.clear()
            for uid, name in zip(missing, found, strict=True):
                if name:
                    self._names[(workspace, uid)] = (name, now)
        return {
            uid: self._names[(workspace, uid)][0]
            for uid in wanted
            if (workspace, uid) in self._names
        }

    async def _lookup(self, client: AsyncWebClient, user_id: str) -> str:
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.info("no name for Slack user %s: %s", user_id, type(exc).__name__)
            return ""
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        for name in (profile.get("display_name"), profile.get("real_name"), user.get("name")):
            if isinstance(name, str) and name.strip():
                return name.strip()
        return ""
