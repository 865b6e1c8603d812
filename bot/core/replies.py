"""A neutral reply model that each adapter renders its own way.

The core never writes platform markup. User text travels as ``Text`` spans that every
renderer escapes, so nothing typed into a touchpoint can ping a channel or forge a link;
people and instants travel as ``UserRef`` and ``When`` so each platform can show its
native mention and date formats.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime

from bot.core.custom_ids import ButtonId, Verb


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


@dataclass(frozen=True)
class Link:
    """A URL the bot itself made (a calendar feed link): rendered as a plain, clickable
    link and never escaped, since escaping would break it. Never built from user text."""

    url: str


Span = Text | Strong | UserRef | When | Link


class Style(enum.StrEnum):
    """How a button stands out: the expected choice, a destructive one, or neither."""

    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


class ReplyKind(enum.StrEnum):
    """What a reply is, for renderers that show kinds differently (colour, hints, splits)."""

    CONFIRMATION = "confirmation"
    RECORD = "record"
    LIST = "list"
    DIGEST = "digest"
    REMINDER = "reminder"
    NOTICE = "notice"
    SUMMARY = "summary"
    HELP = "help"
    ERROR = "error"
    INFO = "info"


@dataclass(frozen=True)
class Action:
    """A button. Its ``custom_id`` survives restarts: it carries the record's id."""

    verb: Verb
    target: int
    label: str
    option: str = ""  # e.g. the snooze choice: "1h", "tomorrow", "next_week"
    style: Style = Style.DEFAULT

    @property
    def custom_id(self) -> str:
        return ButtonId(self.verb, self.target, self.option).encode()


@dataclass(frozen=True)
class Line:
    spans: tuple[Span, ...]
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Image:
    """A picture attached to a reply (the weekly chart). ``alt_text`` says what it shows,
    for screen readers and wherever the picture cannot be shown."""

    png: bytes
    filename: str
    alt_text: str

    def __repr__(self) -> str:  # not kilobytes of PNG in logs and test failures
        return f"Image({self.filename!r}, {len(self.png)} bytes, alt_text={self.alt_text!r})"


@dataclass(frozen=True)
class Reply:
    title: str
    sections: tuple[Section, ...] = ()
    private: bool = True
    # Who this reply is meant to ping (reminders mention the promise owner); renderers
    # allow mentions of these users only.
    mentions: tuple[str, ...] = ()
    kind: ReplyKind = ReplyKind.INFO
    # A picture to upload with the message (the weekly summary's chart); the text above
    # carries the same figures, so a renderer that cannot upload loses nothing but the look.
    image: Image | None = None
    # A check-mark reaction on this message keeps its one open promise. Platforms where
    # people can react say so (``with_reaction_hint``); the console, where nobody can,
    # shows the command beside the promise instead.
    check_mark_keeps: bool = False


REACTION_HINT = "React with ✅ to mark it kept."


def with_reaction_hint(reply: Reply) -> Reply:
    """The reply as shown where people can react: a reminder a check mark keeps says so."""
    if not reply.check_mark_keeps:
        return reply
    hint = Section(None, (line(REACTION_HINT),))
    return dataclasses.replace(reply, sections=(*reply.sections, hint))


def line(*parts: str | Span, actions: tuple[Action, ...] = ()) -> Line:
    """Build a line; plain strings become ``Text`` spans."""
    spans = tuple(Text(p) if isinstance(p, str) else p for p in parts)
    return Line(spans, actions)


def message(
    title: str, *texts: str, kind: ReplyKind = ReplyKind.INFO, private: bool = True
) -> Reply:
    """A short reply of plain lines."""
    lines = tuple(line(t) for t in texts)
    return Reply(title, (Section(None, lines),) if lines else (), private=private, kind=kind)
