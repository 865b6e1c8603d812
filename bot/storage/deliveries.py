"""The outbox: deliveries the reminder engine plans, claims, sends and records."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Table,
    TextualSelect,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.delivery import (
    CHANGING_FIELDS,
    REMINDING,
    ChannelKey,
    ChannelRelease,
    Delivery,
    DeliveryStatus,
    OutboxDepth,
)
from bot.storage.locking import lock_for_claiming
from bot.storage.mapping import delivery_values, to_delivery
from bot.storage.orm import (
    ACTIVE_DELIVERY_SQL,
    ChannelHoldRow,
    DeliveryPromiseRow,
    DeliveryRow,
    UTCDateTime,
    table_of,
)
from bot.storage.sqlhelpers import chunks, rowcount

_DELIVERIES = table_of(DeliveryRow)
_LINKS = table_of(DeliveryPromiseRow)
_HOLDS = table_of(ChannelHoldRow)
# Built once: on the scan's path, building a statement costs about what running it does.
_UPSERT_DELIVERIES_SQLITE = (
    sqlite.insert(_DELIVERIES)
    .on_conflict_do_nothing(index_elements=[_DELIVERIES.c.key])
    .returning(_DELIVERIES.c.id, _DELIVERIES.c.key, _DELIVERIES.c.created_at)
)
_INSERT_LINKS = insert(_LINKS)
_INSTANT = UTCDateTime()
# PostgreSQL gets one statement a table, its text fixed: an executemany is a statement per
# row there (500 links: about 15 ms), and a multi-row VALUES of 264 deliveries is 3,168
# parameters to adapt, parse and plan at every scan.
_INSERT_LINKS_PG = sql_text(
    "INSERT INTO delivery_promises (delivery_id, promise_id)"
    " SELECT * FROM unnest(CAST(:deliveries AS integer[]), CAST(:promises AS integer[]))"
)


def _hold(upsert: Any) -> Any:
    """Take a channel unless another worker holds it past ``now``: see ``hold_channels``."""
    stmt = upsert(_HOLDS)
    old, new, now = _HOLDS.c, stmt.excluded, bindparam("now", type_=_INSTANT)
    ours_still = and_(old.worker == new.worker, old.held_until > now)
    return stmt.on_conflict_do_update(
        index_elements=[old.team_id, old.channel],
        set_={
            # Still ours: these add to those not yet recorded; else the count starts
            # afresh (the deliveries of a lease run out are claimable again anyway).
            "claimed": case((ours_still, old.claimed + new.claimed), else_=new.claimed),
            "worker": new.worker,
            "held_until": new.held_until,
        },
        where=or_(old.worker == new.worker, old.held_until <= now),
    ).returning(old.team_id, old.channel)


# Built once (building is about what running costs): per dialect, and the release.
_HOLD = {"postgresql": _hold(postgresql.insert), "sqlite": _hold(sqlite.insert)}
_LEFT = _HOLDS.c.claimed > bindparam("n")
_RELEASE = (
    update(_HOLDS)
    .where(
        _HOLDS.c.team_id == bindparam("w_team"),
        _HOLDS.c.channel == bindparam("w_channel"),
        _HOLDS.c.worker == bindparam("w_worker"),
    )
    .values(
        claimed=case((_LEFT, _HOLDS.c.claimed - bindparam("n")), else_=0),
        held_until=case((_LEFT, _HOLDS.c.held_until), else_=bindparam("free_at", type_=_INSTANT)),
    )
)


_PENDING = DeliveryStatus.PENDING.value
_SENDING = DeliveryStatus.SENDING.value
_FAILED = DeliveryStatus.FAILED.value
_REMINDING = [kind.value for kind in REMINDING]


class SqlDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_if_absent(self, delivery: Delivery) -> bool:
        return self.add_all_if_absent([delivery]) == 1

    def add_all_if_absent(self, deliveries: Sequence[Delivery]) -> int:
        """INSERT .. ON CONFLICT (key) DO NOTHING, many rows in one statement: a concurrent
        planner with the same key waits for the first one's transaction and then inserts
        nothing. Sets id and created_at on the deliveries stored; returns how many.

        Core statements on the tables, not the mapped classes: the ORM's bulk path cost
        more CPU than the database did (a scan of 500 due promises writes 264 of them)."""
        if not deliveries:
            return 0
        by_key: dict[str, Delivery] = {}
        for delivery in deliveries:  # a key repeated in the batch: the first one counts,
            by_key.setdefault(delivery.key, delivery)  # as with add_if_absent one by one
        # Rows without created_at take the database's clock: one statement per shape.
        shapes: dict[bool, list[dict[str, Any]]] = defaultdict(list)
        for delivery in by_key.values():
            values = delivery_values(delivery)
            shapes["created_at" in values].append(values)
        postgres = self._session.get_bind().dialect.name == "postgresql"
        connection = self._session.connection()
        links: list[tuple[int, int]] = []
        inserted = 0
        for rows in shapes.values():
            for row in _upsert(connection, rows, postgres=postgres):
                delivery = by_key[row.key]
                delivery.id, delivery.created_at = row.id, row.created_at
                links += [(row.id, pid) for pid in dict.fromkeys(delivery.promise_ids)]
                inserted += 1
        if links:
            _link(connection, links, postgres=postgres)
        return inserted

    def carry(self, key: str, promise_ids: Sequence[int]) -> DeliveryStatus | None:
        # An UPDATE rather than a SELECT: it locks the row (PostgreSQL) and re-checks the
        # status after waiting for a transaction recording the outcome meanwhile.
        held = self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.key == key, DeliveryRow.status.in_([_PENDING, _SENDING]))
            .values(status=DeliveryRow.status)
            .returning(DeliveryRow.id, DeliveryRow.status)
        ).first()
        if held is None:
            status = self._session.scalar(select(DeliveryRow.status).where(DeliveryRow.key == key))
            return None if status is None else DeliveryStatus(status)
        dialect = self._session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        links = [{"delivery_id": held.id, "promise_id": pid} for pid in dict.fromkeys(promise_ids)]
        if links:
            self._session.execute(upsert(DeliveryPromiseRow).on_conflict_do_nothing(), links)
        return DeliveryStatus(held.status)

    def claimable(self, now: datetime, limit: int, worker: str = "") -> list[Delivery]:
        lock_for_claiming(self._session)
        held_by_another = (
            select(ChannelHoldRow.team_id)
            .where(
                ChannelHoldRow.team_id == DeliveryRow.team_id,
                ChannelHoldRow.channel == DeliveryRow.channel,
                ChannelHoldRow.worker != worker,
                ChannelHoldRow.held_until > now,
            )
            .exists()
        )
        return self._fetch(
            select(DeliveryRow)
            .where(
                sql_text(ACTIVE_DELIVERY_SQL),  # literal, so the partial index applies
                ~held_by_another,
                or_(
                    and_(
                        DeliveryRow.status == _PENDING,
                        or_(
                            DeliveryRow.next_attempt_at.is_(None),
                            DeliveryRow.next_attempt_at <= now,
                        ),
                    ),
                    and_(DeliveryRow.status == _SENDING, DeliveryRow.lease_until <= now),
                ),
            )
            .order_by(DeliveryRow.due_at, DeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    def hold_channels(
        self, worker: str, claimed: Mapping[ChannelKey, int], now: datetime, until: datetime
    ) -> set[ChannelKey]:
        """One INSERT .. ON CONFLICT DO UPDATE .. WHERE for all the channels. On PostgreSQL
        a claim running beside ours waits on a channel row we wrote until we commit, then
        re-checks its condition on our row: it does not take that channel. The rows go in
        one order (sorted), so two claims never wait on each other in a circle."""
        if not claimed:
            return set()
        rows = self._session.execute(
            _HOLD[self._session.get_bind().dialect.name],
            [
                {"team_id": t, "channel": c, "worker": worker, "claimed": n, "held_until": until}
                | {"now": now}
                for (t, c), n in sorted(claimed.items())
            ],
        ).all()
        return {(row.team_id, row.channel) for row in rows}

    def release_channels(self, worker: str, recorded: Mapping[ChannelKey, ChannelRelease]) -> None:
        """One UPDATE executed for all the channels (executemany), in the claims' order."""
        if not recorded:
            return
        self._session.connection().execute(
            _RELEASE,
            [
                {"w_team": t, "w_channel": c, "w_worker": worker}
                | {"n": r.count, "free_at": r.free_at}
                for (t, c), r in sorted(recorded.items())
            ],
        )

    def save(self, delivery: Delivery) -> None:
        if delivery.id is None:
            raise ValueError("save() stores changes to a stored delivery; add_if_absent() first")
        values = delivery_values(delivery)
        result = self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.team_id == delivery.team_id, DeliveryRow.id == delivery.id)
            .values({name: values[name] for name in CHANGING_FIELDS})
        )
        if rowcount(result) != 1:
            raise LookupError(f"delivery {delivery.id} of team {delivery.team_id} is not stored")

    def save_all(self, deliveries: Sequence[Delivery]) -> None:
        """One UPDATE executed for many rows (executemany): recording a burst's outcomes
        costs one round trip, not one a delivery."""
        if not deliveries:
            return
        if any(d.id is None for d in deliveries):
            raise ValueError("save_all() stores changes to stored deliveries; add them first")
        table = cast(Table, DeliveryRow.__table__)
        stmt = (
            update(table)
            .where(table.c.team_id == bindparam("w_team"), table.c.id == bindparam("w_id"))
            .values({name: bindparam(f"v_{name}") for name in CHANGING_FIELDS})
        )
        params = []
        for delivery in deliveries:
            values = delivery_values(delivery)
            params.append(
                {"w_team": delivery.team_id, "w_id": delivery.id}
                | {f"v_{name}": values[name] for name in CHANGING_FIELDS}
            )
        self._session.connection().execute(stmt, params)

    def of_team(
        self, team_id: str, statuses: Sequence[DeliveryStatus], limit: int
    ) -> list[Delivery]:
        return self._fetch(
            select(DeliveryRow)
            .where(
                DeliveryRow.team_id == team_id,
                DeliveryRow.status.in_([s.value for s in statuses]),
            )
            .order_by(DeliveryRow.due_at.desc(), DeliveryRow.id.desc())
            .limit(limit)
        )

    def given_up_since(self, team_id: str, since: datetime) -> list[tuple[str, int]]:
        count = func.count()
        rows = self._session.execute(
            select(DeliveryRow.last_error, count)
            .where(
                DeliveryRow.team_id == team_id,
                DeliveryRow.status == _FAILED,
                DeliveryRow.due_at >= since,
            )
            .group_by(DeliveryRow.last_error)
            .order_by(count.desc(), DeliveryRow.last_error)
        )
        return [(str(reason), int(n)) for reason, n in rows]

    def retry_given_up(self, team_id: str, now: datetime) -> int:
        result = self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.team_id == team_id, DeliveryRow.status == _FAILED)
            .values(
                status=_PENDING,
                attempts=0,
                next_attempt_at=now,
                claimed_by="",
                lease_until=None,
            )
        )
        return rowcount(result)

    def outbox_depth(self, now: datetime) -> OutboxDepth:
        due = and_(
            DeliveryRow.status == _PENDING,
            or_(DeliveryRow.next_attempt_at.is_(None), DeliveryRow.next_attempt_at <= now),
        )
        row = self._session.execute(
            select(
                func.count().filter(due),
                func.count().filter(DeliveryRow.status == _PENDING),
                func.count().filter(DeliveryRow.status == _SENDING),
                func.min(DeliveryRow.due_at).filter(DeliveryRow.due_at <= now),
            ).where(sql_text(ACTIVE_DELIVERY_SQL))  # literal, so the partial index applies
        ).one()
        due_n, pending_n, sending_n, oldest = row
        return OutboxDepth(
            due=int(due_n),
            waiting=int(pending_n) - int(due_n),
            sending=int(sending_n),
            oldest_due=oldest,
        )

    def get(self, delivery_id: int) -> Delivery | None:
        found = self._fetch(select(DeliveryRow).where(DeliveryRow.id == delivery_id))
        return found[0] if found else None

    def by_key(self, key: str) -> Delivery | None:
        found = self._fetch(select(DeliveryRow).where(DeliveryRow.key == key))
        return found[0] if found else None

    def by_message_ref(self, team_id: str, message_ref: str) -> Delivery | None:
        if not message_ref:
            return None  # every unsent delivery has the empty reference
        found = self._fetch(
            select(DeliveryRow)
            .where(DeliveryRow.team_id == team_id, DeliveryRow.message_ref == message_ref)
            .order_by(DeliveryRow.id.desc())
            .limit(1)
        )
        return found[0] if found else None

    def team_of_direct_message(self, channel: str, message_ref: str) -> str | None:
        if not message_ref:
            return None
        found = self._session.scalar(
            select(DeliveryRow.team_id)
            .where(DeliveryRow.message_ref == message_ref, DeliveryRow.channel == channel)
            .order_by(DeliveryRow.id.desc())
            .limit(1)
        )
        return None if found is None else str(found)

    def sent_for_promise(self, team_id: str, promise_id: int) -> list[Delivery]:
        return self._fetch(
            select(DeliveryRow)
            .join(DeliveryPromiseRow, DeliveryPromiseRow.delivery_id == DeliveryRow.id)
            .where(
                DeliveryRow.team_id == team_id,
                DeliveryRow.status == DeliveryStatus.SENT.value,
                DeliveryRow.kind.in_(_REMINDING),  # a digest carrying it is not updated
                DeliveryPromiseRow.promise_id == promise_id,
            )
            .order_by(DeliveryRow.id)
        )

    def _fetch(self, stmt: Select[DeliveryRow]) -> list[Delivery]:
        rows = self._session.scalars(stmt).all()
        promise_ids = self._promise_ids([row.id for row in rows])
        return [to_delivery(row, promise_ids.get(row.id, ())) for row in rows]

    def _promise_ids(self, delivery_ids: Sequence[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for chunk in chunks(delivery_ids):
            for delivery_id, promise_id in self._session.execute(
                select(DeliveryPromiseRow.delivery_id, DeliveryPromiseRow.promise_id)
                .where(DeliveryPromiseRow.delivery_id.in_(chunk))
                .order_by(DeliveryPromiseRow.delivery_id, DeliveryPromiseRow.promise_id)
            ):
                found[delivery_id].append(promise_id)
        return found


def _link(connection: Connection, links: Sequence[tuple[int, int]], *, postgres: bool) -> None:
    """Store which promises new deliveries carry, (delivery id, promise id) pairs."""
    if postgres:
        deliveries, promises = zip(*links, strict=True)
        connection.execute(
            _INSERT_LINKS_PG, {"deliveries": list(deliveries), "promises": list(promises)}
        )
    else:  # in process, SQLite's executemany is one C loop
        connection.execute(_INSERT_LINKS, [{"delivery_id": d, "promise_id": p} for d, p in links])


def _upsert(
    connection: Connection, rows: Sequence[dict[str, Any]], *, postgres: bool
) -> Sequence[Row[Any]]:
    """Insert deliveries (rows of one shape) unless their key exists: (id, key, created_at)
    of those inserted."""
    if not postgres:
        return connection.execute(_UPSERT_DELIVERIES_SQLITE, rows).all()
    instants = [name for name in rows[0] if isinstance(_DELIVERIES.c[name].type, UTCDateTime)]
    stored = []
    for row in rows:
        row = dict(row)
        for name in instants:  # as the column type would: refuse naive instants, store UTC
            value = _INSTANT.process_bind_param(row[name], connection.dialect)
            row[name] = None if value is None else value.isoformat()
        stored.append(row)
    return connection.execute(
        _upsert_deliveries_pg(tuple(rows[0])), {"rows": json.dumps(stored)}
    ).all()


@functools.cache
def _upsert_deliveries_pg(columns: tuple[str, ...]) -> TextualSelect:
    """INSERT .. SELECT FROM json_populate_recordset(..) .. ON CONFLICT (key) DO NOTHING: the
    rows travel as one JSON document and PostgreSQL reads each field as its column's type.
    (Arrays, one a column, cost psycopg more: it quotes every string of a text array.)"""
    names = ", ".join(f'"{name}"' for name in columns)
    return sql_text(
        f"INSERT INTO deliveries ({names}) SELECT {names}"  # noqa: S608
        " FROM json_populate_recordset(NULL::deliveries, CAST(:rows AS json))"
        ' ON CONFLICT ("key") DO NOTHING RETURNING id, "key", created_at'
    ).columns(_DELIVERIES.c.id, _DELIVERIES.c.key, _DELIVERIES.c.created_at)
    # (S608: the names are the table's own columns; the values travel as a parameter.)
