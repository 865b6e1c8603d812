"""The OAuth ``state``: signed, short-lived, unique to one install page, and accepted once.

slack_sdk's stateless store signs only an expiry time, so two install pages opened in the
same second get the same state, and it accepts a signed, unexpired state every time it is
shown: a captured redirect (code, state and cookie) could be replayed for its lifetime.
Here each state also carries a random nonce, and its first use is remembered in the bot's
database (the table that remembers platform event ids), which every instance shares: a
second redirect with the same state is refused. Nothing else is stored, so any instance
can check a state another one issued.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.core import services
from bot.core.ports import Clock, UnitOfWork

log = logging.getLogger(__name__)

STATE_TEAM = "slack:oauth"  # the pseudo-team the used states are filed under
NONCE_BYTES = 16


class SingleUseStateStore(AsyncOAuthStateStore):
    def __init__(
        self,
        secret: str,
        *,
        expiration_seconds: int,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
    ) -> None:
        self._secret = secret.encode()
        self._expiration = expiration_seconds
        self._uow = uow_factory
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self) -> str:
        """``<expires>.<nonce>.<signature>``: URL- and cookie-safe."""
        expires = int(self._clock.now().timestamp()) + self._expiration
        signed = f"{expires}.{secrets.token_urlsafe(NONCE_BYTES)}"
        return f"{signed}.{self._sign(signed)}"

    def is_valid(self, state: str) -> bool:
        """Signed by us and not expired (used or not)."""
        signed, _, signature = state.rpartition(".")
        stamp = signed.partition(".")[0]
        if not (stamp.isascii() and stamp.isdigit()):
            return False
        if not hmac.compare_digest(signature.encode(), self._sign(signed).encode()):
            return False
        return int(stamp) >= self._clock.now().timestamp()

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return self.issue()

    async def async_consume(self, state: str) -> bool:
        if not self.is_valid(state):
            log.warning("refused an OAuth redirect with a state that is not ours or expired")
            return False
        key = "oauth-state:" + hashlib.sha256(state.encode()).hexdigest()
        first = await asyncio.to_thread(
            services.first_delivery, STATE_TEAM, key, uow=self._uow(), clock=self._clock
        )
        if not first:
            log.warning("refused an OAuth redirect whose state was already used")
        return first
