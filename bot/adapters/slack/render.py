"""Neutral replies -> Slack Block Kit and mrkdwn. Pure functions: no I/O, no clock.

Everything a person typed travels as ``Text``/``Strong`` and is escaped here (``&``, ``<``,
``>``), so nothing in a touchpoint can ping ``@channel`` or forge a link: the only ``<...>``
tokens in our output are the mentions and dates we write ourselves.

Slack refuses a message rather than truncating it, so the limits of ``limits`` are applied
here, lengths counted in UTF-16 units: a long reply is split over several messages (at most
``MAX_PARTS``) or summarised ("… and 37 more not shown here. `/touchpoint promises` lists
them all."), never rejected. A line and its buttons always travel together, so every
button shown still acts on the line above it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.slack import limits
from bot.core.replies import (
    Action,
    Line,
    Link,
    Reply,
    ReplyKind,
    Strong,
    Text,
    UserRef,
    When,
    with_reaction_hint,
)

Block = dict[str, Any]

MAX_BLOCKS_MESSAGE = limits.BLOCKS_PER_MESSAGE.most
MAX_BLOCKS_VIEW = limits.BLOCKS_PER_VIEW.most
MAX_TEXT = limits.SECTION_TEXT.most
MAX_HEADER = limits.HEADER_TEXT.most
MAX_BUTTONS = 5  # per actions block: a reminder line's five buttons fit one
MAX_BUTTON_TEXT = limits.BUTTON_TEXT.most
MAX_MESSAGE_TEXT = limits.MESSAGE_TEXT.most
# A view's blocks in bytes of JSON, with room for the rest of the view (type, ids,
# private_metadata of up to 3,000 characters escaped) and the closing "N more" line.
MAX_VIEW_BYTES = limits.VIEW_SIZE.most - 25_000
MAX_FALLBACK = 3000  # the notification text; Slack truncates long ones anyway
MAX_PARTS = 4  # more messages than this in a row is noise: the rest is summarised
# Room kept in every message's text budget for the closing "N more" line.
_SUMMARY_ROOM = 400
MORE_HINTS = {
    ReplyKind.REMINDER: "`/touchpoint promises` lists them all.",
    ReplyKind.DIGEST: "`/touchpoint promises` and `/touchpoint challenges` list them all.",
    ReplyKind.LIST: "`/touchpoint promises mine` or `/touchpoint challenges <name>` lists fewer.",
    ReplyKind.RECORD: "`/touchpoint show <customer> page 2` shows the next page.",
    ReplyKind.CONFIRMATION: "`/touchpoint show <customer>` shows the whole record.",
}

_USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")
_BOLD_LOOKALIKE = "∗"  # an asterisk inside bold text would end the bold early
_NOTHING = "\u200b"  # shown for a blank line that has buttons: Slack refuses empty text


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage / chat.update / respond take: fallback text and blocks."""

    text: str
    blocks: list[Block]


@dataclass(frozen=True)
class _Unit:
    """Blocks that must stay together in one message (a line and its buttons)."""

    blocks: tuple[Block, ...]
    lines: int  # how many reply lines it shows, for "N more"

    @property
    def size(self) -> int:
        """Its text in UTF-16 units, as Slack adds it up against a message's total."""
        return sum(text_units(block) for block in self.blocks)

    @property
    def json_size(self) -> int:
        """Its bytes as sent, against a view's total size (commas between blocks too)."""
        return sum(limits.json_size(block) + 2 for block in self.blocks)


# -- spans -----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters; everything else is shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def date_token(span: When) -> str:
    """Slack formats the date in each reader's own zone; the fallback uses the team's."""
    stamp = int(span.at.timestamp())
    local = span.at.astimezone(ZoneInfo(span.tz))
    if span.with_time:
        return f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{local:%a %d %b %H:%M}>"
    return f"<!date^{stamp}^{{date_short_pretty}}|{local:%a %d %b %Y}>"


def strong(text: str) -> str:
    core = text.strip()
    if not core:
        return escape(text)
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}*{escape(core.replace('*', _BOLD_LOOKALIKE))}*{trail}"


def user(user_id: str, *, ping: bool, names: Mapping[str, str]) -> str:
    """A mention when the reply may ping this person, else their name as plain text."""
    if not _USER_ID.fullmatch(user_id):
        return escape(f"@{user_id}")
    if ping:
        return f"<@{user_id}>"
    return escape(f"@{names.get(user_id, user_id)}")


def may_ping(reply: Reply, user_id: str) -> bool:
    """Private replies reach one reader and notify nobody; public ones ping only
    ``reply.mentions`` (a digest must not ping every owner it lists)."""
    return reply.private or user_id in reply.mentions


def line_text(item: Line, reply: Reply, names: Mapping[str, str] | None = None) -> str:
    known = names or {}
    out: list[str] = []
    for span in item.spans:
        if isinstance(span, Text):
            out.append(escape(span.text))
        elif isinstance(span, Strong):
            out.append(strong(span.text))
        elif isinstance(span, UserRef):
            out.append(user(span.user_id, ping=may_ping(reply, span.user_id), names=known))
        elif isinstance(span, When):
            out.append(date_token(span))
        elif isinstance(span, Link):
            out.append(f"<{escape(span.url)}>")  # Slack's own link syntax, & < > escaped
    return "".join(out)


def users_in(reply: Reply) -> set[str]:
    """Who a public reply names without pinging: their display names are needed."""
    return {
        span.user_id
        for section in reply.sections
        for item in section.lines
        for span in item.spans
        if isinstance(span, UserRef) and not may_ping(reply, span.user_id)
    }


# -- blocks ----------------------------------------------------------------------------------


def plain(text: str, limit: int) -> dict[str, Any]:
    # Slack refuses a text object with no text; a blank one shows a dash instead.
    return {"type": "plain_text", "text": _cut(text, limit).strip() or "-", "emoji": True}


def mrkdwn_section(text: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def context_block(text: str, limit: int = MAX_TEXT) -> Block:
    cut = _cut(text, max(1, min(limit, MAX_TEXT)))
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut}]}


def header_block(title: str) -> Block:
    return {"type": "header", "text": plain(title, MAX_HEADER)}


def button(action: Action) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(action.label.strip() or action.verb.replace("_", " "), MAX_BUTTON_TEXT),
        "action_id": action.custom_id,
        "value": action.custom_id,
    }
    if action.style in {"primary", "danger"}:
        element["style"] = action.style
    return element


def text_units(block: Block) -> int:
    """The text a block carries (every text object in it), in UTF-16 units."""
    total = 0
    stack: list[Any] = [block]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") in {"plain_text", "mrkdwn"} and isinstance(item.get("text"), str):
                total += limits.units(item["text"])
            else:
                stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return total


def _units(reply: Reply, names: Mapping[str, str] | None, prefix: str = "") -> list[_Unit]:
    """The reply as units. ``prefix`` keeps block_ids unique when several replies share
    one view (Slack refuses a view that repeats one)."""
    units: list[_Unit] = []
    for s, section in enumerate(reply.sections):
        heading = f"*{escape(section.heading)}*" if section.heading else ""
        pending: list[str] = [heading] if heading else []
        for n, item in enumerate(section.lines):
            text = line_text(item, reply, names)
            if not item.actions:
                pending.append(text)
                continue
            if heading and pending == [heading]:
                # A lone heading rides on the first line with buttons: one block fewer.
                text, pending = f"{heading}\n{text}", []
            units += _text_units(pending, counts_heading=bool(heading and pending))
            pending, heading = [], ""
            units.append(_action_unit(text, item.actions, f"{prefix}l{s}.{n}"))
        units += _text_units(pending, counts_heading=bool(heading and pending))
    return units


def _text_units(texts: list[str], *, counts_heading: bool) -> list[_Unit]:
    """Consecutive plain lines share a section block, up to MAX_TEXT UTF-16 units."""
    made: list[_Unit] = []
    chunk: list[str] = []
    size = 0
    lines = -1 if counts_heading else 0  # the heading is not a line of content
    for text in [piece for t in texts for piece in _chunks(t, MAX_TEXT)]:
        length = limits.units(text)
        if chunk and size + 1 + length > MAX_TEXT:
            made.append(_Unit((mrkdwn_section("\n".join(chunk)),), max(lines, 0)))
            chunk, size, lines = [], 0, 0
        chunk.append(text)
        size += length + (1 if size else 0)
        lines += 1
    if chunk:
        made.append(_Unit((mrkdwn_section("\n".join(chunk)),), max(lines, 0)))
    # Slack refuses a section with no text: blank lines on their own are not shown.
    return [unit for unit in made if unit.blocks[0]["text"]["text"].strip()]


def _action_unit(text: str, actions: Sequence[Action], block_id: str) -> _Unit:
    pieces = _chunks(text, MAX_TEXT) if text.strip() else [_NOTHING]
    blocks: list[Block] = [
        mrkdwn_section(piece, f"{block_id}.t{i}" if i else f"{block_id}.t")
        for i, piece in enumerate(pieces)
    ]
    for i in range(0, len(actions), MAX_BUTTONS):
        suffix = f".{i // MAX_BUTTONS}" if i else ""
        elements = [button(a) for a in actions[i : i + MAX_BUTTONS]]
        blocks.append({"type": "actions", "block_id": block_id + suffix, "elements": elements})
    return _Unit(tuple(blocks), 1)


# -- messages and views ----------------------------------------------------------------------


def to_messages(
    reply: Reply,
    names: Mapping[str, str] | None = None,
    *,
    split: bool = True,
    max_blocks: int = MAX_BLOCKS_MESSAGE,
    more_hint: str | None = None,
) -> list[SlackMessage]:
    """One message, or several when ``split`` and the reply exceeds a message's blocks or
    text; what still does not fit (or all of it without ``split``) is summarised in the
    last one, with ``more_hint`` (by default the command that lists it for this kind)."""
    hint = MORE_HINTS.get(reply.kind, "") if more_hint is None else more_hint
    reply = with_reaction_hint(reply)
    all_units = _units(reply, names)
    parts = MAX_PARTS if split else 1
    messages: list[SlackMessage] = []
    rest = all_units
    for part in range(parts):
        title = reply.title if part == 0 else f"{reply.title} (continued)"
        last = part == parts - 1
        before = len(rest)
        blocks, rest = _fill(
            [header_block(title)], rest, max_blocks, summarise=last, max_text=MAX_MESSAGE_TEXT
        )
        messages.append(SlackMessage(fallback_text(reply, names, title), blocks))
        if not rest or len(rest) == before:
            break
    if rest:
        _summarise(messages[-1].blocks, rest, hint)
    return messages


def to_view_blocks(
    replies: Iterable[Reply],
    names: Mapping[str, str] | None = None,
    *,
    max_blocks: int = MAX_BLOCKS_VIEW,
    max_bytes: int = MAX_VIEW_BYTES,
    more_hint: str = "",
) -> list[Block]:
    """Several replies stacked in one modal or Home tab, summarised past ``max_blocks`` or
    ``max_bytes`` (a view's size as sent); each reply's block_ids carry its position, so
    none repeats across the view."""
    all_units: list[_Unit] = []
    for index, reply in enumerate(replies):
        all_units.append(_Unit((header_block(reply.title),), 0))
        all_units += _units(reply, names, prefix=f"r{index}.")
    blocks, rest = _fill([], all_units, max_blocks, summarise=True, max_bytes=max_bytes)
    if rest:
        _summarise(blocks, rest, more_hint)
    return blocks


def _fill(
    blocks: list[Block],
    queue: list[_Unit],
    max_blocks: int,
    *,
    summarise: bool,
    max_text: int | None = None,
    max_bytes: int | None = None,
) -> tuple[list[Block], list[_Unit]]:
    """Add whole units while they fit in ``max_blocks`` blocks, ``max_text`` UTF-16 units
    of text and ``max_bytes`` of JSON, keeping room for a summary if one may be needed
    (the byte budget keeps that room already)."""
    used = len(blocks)
    text = sum(text_units(block) for block in blocks)
    size = sum(limits.json_size(block) + 2 for block in blocks)
    for index, unit in enumerate(queue):
        more_follow = index < len(queue) - 1
        reserve = summarise and more_follow
        room = max_blocks - (1 if reserve else 0)
        unit_text = unit.size
        if used + len(unit.blocks) > room:
            return blocks, queue[index:]
        if max_text is not None and text + unit_text > max_text - (_SUMMARY_ROOM if reserve else 0):
            return blocks, queue[index:]
        if max_bytes is not None:
            unit_bytes = unit.json_size
            if size + unit_bytes > max_bytes:
                return blocks, queue[index:]
            size += unit_bytes
        blocks.extend(unit.blocks)
        used += len(unit.blocks)
        text += unit_text
    return blocks, []


def _summarise(blocks: list[Block], rest: list[_Unit], hint: str) -> None:
    hidden = sum(unit.lines for unit in rest)
    if not hidden:
        return
    text = f"… and {hidden} more not shown here."
    blocks.append(context_block(f"{text} {hint}".strip()))


def fallback_text(
    reply: Reply, names: Mapping[str, str] | None = None, title: str | None = None
) -> str:
    """The notification / screen-reader text: the title and the first line, which for a
    reminder carries the owner's mention so the push notification reaches them."""
    text = escape(title or reply.title)
    first = next((item for section in reply.sections for item in section.lines), None)
    if first is not None:
        text += ": " + line_text(first, reply, names)
    return _cut(text, MAX_FALLBACK)


def blocks_of(reply: Reply, names: Mapping[str, str] | None = None) -> list[Block]:
    """The whole reply as blocks, no limits applied (for inspecting and small replies)."""
    return [header_block(reply.title)] + [b for u in _units(reply, names) for b in u.blocks]


# -- cutting text safely -------------------------------------------------------------------


def _chunks(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 units, cut at a break if possible."""
    pieces: list[str] = []
    while limits.units(text) > limit:
        cut = _safe_cut(text, limits.fitting(text, limit))
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def _cut(text: str, limit: int) -> str:
    """``text`` shortened with "…" to at most ``limit`` UTF-16 units."""
    if limits.units(text) <= limit:
        return text
    return text[: _safe_cut(text, limits.fitting(text, limit - 1))].rstrip() + "…"


def _safe_cut(text: str, limit: int) -> int:
    """The last position at or before ``limit`` (in characters) that splits at a line
    break or space if possible, and never inside one of our ``<...>`` tokens or an
    ``&amp;`` entity."""
    for separator in ("\n", " "):
        index = text.rfind(separator, 0, limit + 1)
        while index > limit // 2:
            if _outside_tokens(text, index):
                return index
            index = text.rfind(separator, 0, index)
    index = limit
    while index > 0 and not _outside_tokens(text, index):
        index -= 1
    return index or limit


def _outside_tokens(text: str, index: int) -> bool:
    if text.rfind("<", 0, index) > text.rfind(">", 0, index):
        return False
    amp = text.rfind("&", 0, index)
    return amp < 0 or text.rfind(";", 0, index) > amp or index - amp > 5
