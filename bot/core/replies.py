"""A neutral reply model that each adapter renders its own way.

The core never writes platform markup. User text travels as ``Text`` spans that every
renderer escapes, so nothing typed into a touchpoint can ping a channel or forge a link;
people and instants travel as ``UserRef`` and ``When`` so each platform can show its
native mention and date formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class UserRef:
    user_id: str


@dataclass(frozen=True)
class When:
    at: datetime  # aware UTC
    tz: str  # the team's zone, for renderers that cannot localise per reader
    with_time: bool = True


Span = Text | Strong | UserRef | When


@dataclass(frozen=True)
class Action:
    """A button. ``custom_id`` survives restarts: it carries the record's id."""

    verb: str  # "kept", "not_kept", "snooze", "addressed", "pass_on", "reopen"
    target: int
    label: str
    option: str = ""  # e.g. the snooze choice: "1h", "tomorrow", "next_week"
    style: str = "default"  # "primary", "danger" or "default"

    @property
    def custom_id(self) -> str:
        base = f"tp:{self.verb}:{self.target}"
        return f"{base}:{self.option}" if self.option else base


def parse_custom_id(custom_id: str) -> tuple[str, int, str] | None:
    """``"tp:kept:12"`` -> ``("kept", 12, "")``; None for anything that is not ours."""
    parts = custom_id.split(":")
    if len(parts) not in (3, 4) or parts[0] != "tp" or not parts[2].isdigit():
        return None
    if len(parts[2]) > 18:
        return None
    return parts[1], int(parts[2]), parts[3] if len(parts) == 4 else ""


@dataclass(frozen=True)
class Line:
    spans: tuple[Span, ...]
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Reply:
    title: str
    sections: tuple[Section, ...] = ()
    private: bool = True
    # Who this reply is meant to ping (reminders mention the promise owner); renderers
    # allow mentions of these users only.
    mentions: tuple[str, ...] = ()
    # "confirmation", "record", "list", "digest", "reminder", "help", "error", "info"
    kind: str = "info"


def line(*parts: str | Span, actions: tuple[Action, ...] = ()) -> Line:
    """Build a line; plain strings become ``Text`` spans."""
    spans = tuple(Text(p) if isinstance(p, str) else p for p in parts)
    return Line(spans, actions)


def message(title: str, *texts: str, kind: str = "info", private: bool = True) -> Reply:
    """A short reply of plain lines."""
    lines = tuple(line(t) for t in texts)
    return Reply(title, (Section(None, lines),) if lines else (), private=private, kind=kind)
