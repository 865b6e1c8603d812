"""Two small helpers the repositories share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult

# Large enough to batch, small enough for any backend's limit on bound parameters.
CHUNK = 500
T = TypeVar("T")


def chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """``ids`` in slices of at most CHUNK, for IN (...) lists."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def rowcount(result: object) -> int:
    """How many rows an UPDATE or DELETE touched (its result is a CursorResult)."""
    return cast("CursorResult[Any]", result).rowcount
