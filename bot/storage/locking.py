"""Claiming rows so that concurrent workers take disjoint sets.

PostgreSQL locks the selected rows (``FOR UPDATE SKIP LOCKED``: a second worker skips
them instead of waiting). SQLite has no row locks and ignores FOR UPDATE, so a claiming
transaction takes the database's single write lock before it reads (``BEGIN IMMEDIATE``):
a second claimant waits (up to the busy timeout) and then sees the first one's result.
The same lock serves a read-modify-write of one row (``get_for_update``): the second writer
reads only after the first has committed, so no change is lost.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from sqlalchemy.orm import Session


def lock_for_claiming(session: Session) -> None:
    """Call before the SELECT that claims rows (which also asks for FOR UPDATE SKIP LOCKED)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi = cast("sqlite3.Connection", connection.connection.dbapi_connection)
    # Already in a transaction means this one has written, so it holds the lock already.
    if not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
