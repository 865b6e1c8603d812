"""Paging windows over a customer's challenges or promises, picked in one query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select, union_all

from bot.core.ports import Window


def in_window(ordered: Select[tuple[int]], window: Window) -> Select[tuple[int]]:
    return ordered.offset(window.offset).limit(window.limit)


def any_of(windows: Sequence[Select[tuple[int]]]) -> Select[tuple[int]]:
    """The ids any of ``windows`` picks, as one subquery. Each window is wrapped in a
    subquery of its own: SQLite allows no ORDER BY or LIMIT on a part of a UNION."""
    wrapped = [select(window.subquery().c.id) for window in windows]
    if len(wrapped) == 1:
        return wrapped[0]
    return select(union_all(*wrapped).subquery().c.id)
