"""Alembic's environment for the Touchpoint schema.

At run time ``bot.storage.migrate`` hands over an open connection (already inside the
transaction that holds the migration lock). For writing a new revision, point Alembic at a
database with ``-x url=...``::

    alembic -c bot/storage/alembic.ini -x url=sqlite:///data/touchpoint.db \\
        revision --autogenerate -m "add something"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.storage.engine import make_engine
from bot.storage.orm import Base

TARGET_METADATA = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("Tell Alembic which database to use: alembic -x url=... <command>")
    return url


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=_url(), target_metadata=TARGET_METADATA, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as own_connection:
            _configure(own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
