"""Neutral replies -> Discord messages (content, embeds, buttons). Pure: no I/O.

Discord rejects a message that breaks a limit, so every limit is respected here rather
than discovered in production: a reply that does not fit one message is split across
several (``max_messages``) and, past that, summarised ("… and 37 more"). It is never
rejected.

Safety: user text (``Text``, ``Strong``) is escaped so nothing typed can render as a
mention, a timestamp, a masked link or markdown; and ``allowed_mentions`` lets a message
ping only the users the reply names in ``Reply.mentions`` — never @everyone, @here or a
role, whatever the text says.

A reply's picture (the weekly chart) goes with the first message as an uploaded file, its
alt text as the attachment's description.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import discord

from bot.adapters.discord import limits
from bot.adapters.discord.buttons import ActionButton
from bot.core.custom_ids import CHALLENGE_VERBS
from bot.core.replies import (
    Action,
    Image,
    Line,
    Link,
    Reply,
    Span,
    Strong,
    Text,
    UserRef,
    When,
    with_reaction_hint,
)

CONTENT_MAX = limits.CONTENT.most
EMBED_TOTAL_MAX = limits.EMBEDS_TOTAL.most
FIELDS_MAX = limits.EMBED_FIELDS.most
TITLE_MAX = limits.EMBED_TITLE.most
DESCRIPTION_MAX = limits.EMBED_DESCRIPTION.most
FIELD_NAME_MAX = limits.FIELD_NAME.most
FIELD_VALUE_MAX = limits.FIELD_VALUE.most
FOOTER_MAX = limits.FOOTER.most
ROWS_MAX = limits.ACTION_ROWS.most
BUTTONS_PER_ROW = limits.BUTTONS_PER_ROW.most
LABEL_MAX = limits.BUTTON_LABEL.most
ATTACHMENT_DESCRIPTION_MAX = 1024
ALLOWED_USERS_MAX = 100  # Discord caps allowed_mentions.users at 100 ids
# Room kept free on every page for the closing note ("… and 37 more").
_RESERVE_CHARS = 300
_BLANK = "\u200b"  # a field needs a non-empty name; this one shows nothing

COLOURS = {
    "error": discord.Colour.red(),
    "confirmation": discord.Colour.green(),
    "reminder": discord.Colour.orange(),
    "digest": discord.Colour.blurple(),
    "record": discord.Colour.teal(),
}
MORE_HINTS = {
    "digest": "`/touchpoint promises` and `/touchpoint challenges` list everything",
    "reminder": "`/touchpoint promises` lists them all",
    "list": "narrow it down: `/touchpoint promises mine`, `/touchpoint challenges acme`",
    "summary": "`/touchpoint stats` shows the team's, `/touchpoint stats map mine` yours",
}
BUTTON_STYLES = {
    "primary": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
    "default": discord.ButtonStyle.secondary,
}

# The ASCII marks Discord's markdown gives a meaning to (emphasis, code, spoilers, quotes,
# headings, lists, masked links, and "<" which starts mentions, channels, custom emoji and
# timestamps). A backslash in front of any of them is hidden and shows the mark as text.
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]#<\-])")
_NUMBERED = re.compile(r"(?m)^(\s*\d+)\.")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def escape(text: str) -> str:
    """User text shown as typed: no markdown, mentions, timestamps or masked links."""
    text = _NUMBERED.sub(r"\1\\.", _MARKDOWN.sub(r"\\\1", text))
    return _MASS_MENTION.sub("@\u200b\\1", text)


def timestamp(span: When) -> str:
    """A Discord timestamp: shown in each reader's own timezone and language."""
    return f"<t:{int(span.at.timestamp())}:{'f' if span.with_time else 'D'}>"


def mention(user_id: str) -> str:
    # Ids that are not snowflakes (imported data, the console) are shown, not linked.
    return f"<@{user_id}>" if user_id.isdigit() else escape(f"@{user_id}")


def span_text(span: Span) -> str:
    if isinstance(span, Text):
        return escape(span.text)
    if isinstance(span, Strong):
        inner = escape(span.text.strip())
        if not inner:
            return escape(span.text)
        lead = span.text[: len(span.text) - len(span.text.lstrip())]
        trail = span.text[len(span.text.rstrip()) :]
        return f"{lead}**{inner}**{trail}"
    if isinstance(span, UserRef):
        return mention(span.user_id)
    if isinstance(span, Link):
        return span.url  # a bare URL links itself; markdown escapes would break it
    return timestamp(span)


def line_text(line: Line) -> str:
    return "".join(span_text(s) for s in line.spans)


def allowed_mentions(user_ids: tuple[str, ...]) -> discord.AllowedMentions:
    users = [discord.Object(int(u)) for u in user_ids if u.isdigit()][:ALLOWED_USERS_MAX]
    return discord.AllowedMentions(
        everyone=False, roles=False, users=users or False, replied_user=False
    )


@dataclass(frozen=True)
class Rendered:
    """One Discord message."""

    content: str
    embeds: tuple[discord.Embed, ...]
    rows: tuple[tuple[tuple[Action, str], ...], ...]  # (action, label) per button, per row
    mentions: tuple[str, ...] = ()
    ephemeral: bool = True
    image: Image | None = None

    @property
    def allowed_mentions(self) -> discord.AllowedMentions:
        return allowed_mentions(self.mentions)

    def files(self) -> list[discord.File]:
        """The picture as an upload. New ``File`` objects on every call: discord.py closes
        a file once it has been sent, and a retried send needs its own."""
        if self.image is None:
            return []
        return [attachment(self.image)]

    def view(self) -> discord.ui.View:
        """Buttons as persistent ``DynamicItem``s; an empty view clears old buttons."""
        view = discord.ui.View(timeout=None)
        for number, row in enumerate(self.rows):
            for action, label in row:
                view.add_item(ActionButton.of(action, label, BUTTON_STYLES[action.style], number))
        return view

    def size(self) -> int:
        return sum(len(e) for e in self.embeds)


@dataclass
class _Field:
    name: str
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Page:
    title: str
    footer: str
    description: list[str] = field(default_factory=list)
    fields: list[_Field] = field(default_factory=list)
    rows: list[list[tuple[Action, str]]] = field(default_factory=list)
    custom_ids: set[str] = field(default_factory=set)

    def size(self) -> int:
        desc = len("\n".join(self.description))
        return (
            len(self.title)
            + len(self.footer)
            + desc
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


class _Packer:
    def __init__(self, reply: Reply, footer: str, max_messages: int) -> None:
        self.title = reply.title.strip()[:TITLE_MAX] or _BLANK
        self.footer = footer[:FOOTER_MAX]
        self.max_messages = max(1, max_messages)
        self.pages = [_Page(self.title, self.footer)]
        action_lines = sum(bool(line.actions) for s in reply.sections for line in s.lines)
        # Up to five items each get a full row of buttons; beyond that each item gets its
        # main button only, five to a row, so a long digest stays actionable.
        self.compact = action_lines > ROWS_MAX
        self.label_ids = action_lines > 1
        self.dropped = 0
        self.without_buttons = 0
        self.started: set[str] = set()  # section headings that already have a field

    @property
    def page(self) -> _Page:
        return self.pages[-1]

    def new_page(self) -> bool:
        if len(self.pages) >= self.max_messages:
            return False
        title = f"{self.title} (continued)"[:TITLE_MAX]
        self.pages.append(_Page(title, self.footer))
        return True

    def add(self, heading: str | None, text: str, actions: tuple[Action, ...]) -> None:
        if self.dropped:
            self.dropped += 1  # once something is left out, everything after it is too
            return
        if actions and not self._buttons_fit(actions):
            self.new_page()  # keep an item with its buttons while more messages are allowed
        while not self._try_add(heading, text):
            if not self.new_page():
                self.dropped += 1
                return
        if actions and not self._add_buttons(actions):
            self.without_buttons += 1

    def _buttons_fit(self, actions: tuple[Action, ...]) -> bool:
        rows = self.page.rows
        if self.compact and rows and len(rows[-1]) < BUTTONS_PER_ROW:
            return True
        return len(rows) < ROWS_MAX

    def _try_add(self, heading: str | None, text: str) -> bool:
        page = self.page
        budget = EMBED_TOTAL_MAX - _RESERVE_CHARS
        if heading is None and not page.fields:
            joined = len("\n".join([*page.description, text]))
            if joined > DESCRIPTION_MAX - _RESERVE_CHARS:
                return False
            if page.size() - len("\n".join(page.description)) + joined > budget:
                return False
            page.description.append(text)
            return True
        name = (heading or _BLANK)[:FIELD_NAME_MAX]
        last = page.fields[-1] if page.fields else None
        if (
            last is not None
            and last.name in (name, f"{name} (continued)"[:FIELD_NAME_MAX])
            and len(last.value) + 1 + len(text) <= FIELD_VALUE_MAX
        ):
            if page.size() + 1 + len(text) > budget:
                return False
            last.lines.append(text)
            return True
        if len(page.fields) >= FIELDS_MAX - 1:
            return False
        continued = heading is not None and name in self.started
        fresh = _Field(f"{name} (continued)"[:FIELD_NAME_MAX] if continued else name, [text])
        if page.size() + len(fresh.name) + len(text) > budget:
            return False
        page.fields.append(fresh)
        self.started.add(name)
        return True

    def _add_buttons(self, actions: tuple[Action, ...]) -> bool:
        chosen = actions[:1] if self.compact else actions[:BUTTONS_PER_ROW]
        seen = set(self.page.custom_ids)  # Discord rejects a repeated custom_id
        kept: list[Action] = []
        for action in chosen:
            if action.custom_id not in seen:
                seen.add(action.custom_id)
                kept.append(action)
        chosen = tuple(kept)
        if not chosen:
            return True
        labelled = [(a, self._label(a, first=i == 0)) for i, a in enumerate(chosen)]
        rows = self.page.rows
        if self.compact and rows and len(rows[-1]) < BUTTONS_PER_ROW:
            rows[-1].extend(labelled)
        elif len(rows) < ROWS_MAX:
            rows.append(labelled)
        else:
            return False
        self.page.custom_ids.update(a.custom_id for a in chosen)
        return True

    def _label(self, action: Action, *, first: bool) -> str:
        label = action.label
        letter = "C" if action.verb in CHALLENGE_VERBS else "P"
        if self.label_ids and first and not label.endswith(f"{letter}{action.target}"):
            label = f"{label} {letter}{action.target}"
        return label[:LABEL_MAX]

    def finish(self, kind: str) -> None:
        notes = []
        if self.dropped:
            hint = MORE_HINTS.get(kind)
            notes.append(f"… and {self.dropped} more" + (f" — {hint}" if hint else ""))
        if self.without_buttons:
            notes.append(
                f"{self.without_buttons} item(s) have no buttons here (Discord allows 25 a "
                "message): use `/touchpoint text kept P12` and the like."
            )
        if notes:
            self.page.fields.append(_Field(_BLANK, ["\n".join(notes)[:FIELD_VALUE_MAX]]))


def _chunks(text: str, size: int) -> list[str]:
    """Split an over-long line at spaces (or anywhere, if it has none) into pieces."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        cut = cut if cut > 0 else size
        # Never leave a lone escaping backslash at the end of a piece.
        while cut > 1 and text[cut - 1] == "\\":
            cut -= 1
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    pieces.append(text)
    return pieces


def render(reply: Reply, *, max_messages: int = 5, footer: str = "") -> list[Rendered]:
    """The messages that show ``reply``: as many as needed up to ``max_messages``, the
    last one summarising whatever did not fit."""
    reply = with_reaction_hint(reply)
    packer = _Packer(reply, footer, max_messages)
    for section in reply.sections:
        heading = section.heading.strip() if section.heading else None
        for line in section.lines:
            pieces = _chunks(line_text(line), FIELD_VALUE_MAX)
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                packer.add(heading, piece, line.actions if last else ())
    packer.finish(reply.kind)
    content = _mention_content(reply.mentions)
    colour = COLOURS.get(reply.kind)
    out: list[Rendered] = []
    for index, page in enumerate(packer.pages):
        description = "\n".join(page.description)
        embed = discord.Embed(
            title=page.title,
            description=description if description.strip() else None,
            colour=colour,
        )
        for f in page.fields:
            # Discord refuses a blank field value ("This field is required").
            embed.add_field(name=f.name, value=f.value if f.value.strip() else _BLANK, inline=False)
        if page.footer:
            embed.set_footer(text=page.footer)
        out.append(
            Rendered(
                content=content if index == 0 else "",
                embeds=(embed,),
                rows=tuple(tuple(row) for row in page.rows),
                mentions=reply.mentions if index == 0 else (),
                ephemeral=reply.private,
                image=reply.image if index == 0 else None,
            )
        )
    return out


def attachment(image: Image) -> discord.File:
    """The picture as a file, described by its alt text (read out by screen readers)."""
    description = image.alt_text
    if len(description) > ATTACHMENT_DESCRIPTION_MAX:
        description = description[: ATTACHMENT_DESCRIPTION_MAX - 1] + "…"
    return discord.File(io.BytesIO(image.png), filename=image.filename, description=description)


def _mention_content(user_ids: tuple[str, ...]) -> str:
    """The pings go in the content (embeds never ping): as many as fit in 2,000 chars."""
    parts: list[str] = []
    size = 0
    for user_id in dict.fromkeys(user_ids):
        if not user_id.isdigit() or len(parts) >= ALLOWED_USERS_MAX:
            continue
        text = mention(user_id)
        if size + len(text) + 1 > CONTENT_MAX:
            break
        parts.append(text)
        size += len(text) + 1
    return " ".join(parts)
