"""The outbox's ports: the deliveries waiting to be sent, and the platform events already
handled. Storage implements them; ``bot.core.ports.UnitOfWork`` holds one of each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.delivery import ChannelKey, ChannelRelease, Delivery, DeliveryStatus, OutboxDepth


class DeliveryRepository(Protocol):
    def add_if_absent(self, delivery: Delivery) -> bool:
        """Store a new delivery unless one with its key exists (then False). Safe under
        concurrent callers: the key is unique in the database."""
        ...

    def add_all_if_absent(self, deliveries: Sequence[Delivery]) -> int:
        """``add_if_absent`` for many deliveries in one statement; returns how many were new."""
        ...

    def carry(self, key: str, promise_ids: Sequence[int]) -> DeliveryStatus | None:
        """Add ``promise_ids`` to what the delivery with ``key`` carries (a digest taking on
        the morning's reminders) while it is still to be sent; returns its status (None:
        no such delivery). Holds the delivery until the transaction ends, so recording
        its outcome meanwhile waits, and then sees these."""
        ...

    def claimable(self, now: datetime, limit: int, worker: str = "") -> list[Delivery]:
        """Pending deliveries whose next attempt is due, and claimed ones whose lease ran
        out, oldest first; locked for this transaction (skipping rows other workers hold).
        Deliveries to a channel a worker other than ``worker`` holds past ``now`` (see
        ``hold_channels``) are left out."""
        ...

    def hold_channels(
        self, worker: str, claimed: Mapping[ChannelKey, int], now: datetime, until: datetime
    ) -> set[ChannelKey]:
        """Hold each (team id, channel) for ``worker`` until ``until``, counting the
        deliveries to it ``worker`` claims with it; one another worker holds past ``now``
        is not taken. Returns the channels taken. Concurrent callers for one channel take
        turns (the second waits for the first's transaction, then sees its hold)."""
        ...

    def release_channels(self, worker: str, recorded: Mapping[ChannelKey, ChannelRelease]) -> None:
        """``worker`` recorded the outcome of that many of its claimed deliveries to each
        channel; a channel with none of them left is held only until its ``free_at``."""
        ...

    def save(self, delivery: Delivery) -> None: ...
    def save_all(self, deliveries: Sequence[Delivery]) -> None:
        """``save`` for many deliveries, in one statement."""
        ...

    def of_team(
        self, team_id: str, statuses: Sequence[DeliveryStatus], limit: int
    ) -> list[Delivery]:
        """The team's deliveries in these states, newest due first."""
        ...

    def given_up_since(self, team_id: str, since: datetime) -> list[tuple[str, int]]:
        """(reason, how many) of the team's given-up deliveries due since ``since``, most
        frequent first."""
        ...

    def retry_given_up(self, team_id: str, now: datetime) -> int:
        """Make the team's given-up deliveries pending again, due now, with a fresh count
        of attempts; returns how many."""
        ...

    def outbox_depth(self, now: datetime) -> OutboxDepth:
        """What the outbox holds now, for operators."""
        ...

    def get(self, delivery_id: int) -> Delivery | None: ...
    def by_key(self, key: str) -> Delivery | None: ...
    def by_message_ref(self, team_id: str, message_ref: str) -> Delivery | None: ...
    def team_of_direct_message(self, channel: str, message_ref: str) -> str | None:
        """The team whose delivery to ``channel`` (a person's direct messages) was posted as
        ``message_ref``; None if none was."""
        ...

    def sent_for_promise(self, team_id: str, promise_id: int) -> list[Delivery]:
        """Sent reminders and nudges that carry the promise."""
        ...


class ProcessedEventRepository(Protocol):
    def remember(self, key: str, team_id: str, at: datetime) -> bool:
        """Record a platform event id; False if it was already recorded (a retry)."""
        ...

    def forget(self, prefix: str, before: datetime) -> None:
        """Drop the keys starting with ``prefix`` recorded before ``before``."""
        ...
