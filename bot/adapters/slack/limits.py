"""What Slack accepts: one table, each figure with where Slack documents it.

Slack refuses a payload that crosses a limit (``invalid_blocks``, ``msg_blocks_too_long``,
``invalid_arguments``) instead of truncating it, so the renderers budget against this table
and the test suite's fake Slack enforces it.

Slack does not say whether it counts code points or UTF-16 units; an emoji is one of the
first and two of the second. Lengths here are counted in UTF-16 units, the larger count, so
a text that fits here fits whichever way Slack counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

_BLOCKS = "https://api.slack.com/reference/block-kit/blocks"
_ELEMENTS = "https://api.slack.com/reference/block-kit/block-elements"
_OBJECTS = "https://api.slack.com/reference/block-kit/composition-objects"
_SURFACES = "https://api.slack.com/reference/surfaces/views"
_POST = "https://api.slack.com/methods/chat.postMessage"
_PUBLISH = "https://api.slack.com/methods/views.publish"


@dataclass(frozen=True)
class Limit:
    most: int
    what: str
    source: str


BLOCKS_PER_MESSAGE = Limit(50, "blocks in a message", _BLOCKS)
BLOCKS_PER_VIEW = Limit(100, "blocks in a modal or the Home tab", _SURFACES)
SECTION_TEXT = Limit(3000, "a section's text, a context element's text", _BLOCKS + "#section")
HEADER_TEXT = Limit(150, "a header block's text", _BLOCKS + "#header")
BUTTON_TEXT = Limit(75, "a button's text", _ELEMENTS + "#button")
BUTTON_VALUE = Limit(2000, "a button's value", _ELEMENTS + "#button")
ACTION_ID = Limit(255, "an action_id (unique within its block)", _ELEMENTS + "#button")
BLOCK_ID = Limit(255, "a block_id (unique within a message or view)", _BLOCKS)
ELEMENTS_PER_ACTIONS = Limit(25, "elements in an actions block", _BLOCKS + "#actions")
ELEMENTS_PER_CONTEXT = Limit(10, "elements in a context block", _BLOCKS + "#context")
OPTION_TEXT = Limit(75, "an option's text", _OBJECTS + "#option")
OPTION_VALUE = Limit(150, "an option's value", _OBJECTS + "#option")
OPTIONS = Limit(100, "options in a select menu", _ELEMENTS + "#static_select")
PLACEHOLDER = Limit(150, "a placeholder", _ELEMENTS + "#input")
INPUT_LABEL = Limit(2000, "an input block's label", _BLOCKS + "#input")
INPUT_HINT = Limit(2000, "an input block's hint", _BLOCKS + "#input")
INPUT_VALUE = Limit(3000, "a plain-text input's max_length and initial value", _ELEMENTS)
PRIVATE_METADATA = Limit(3000, "a view's private_metadata", _SURFACES)
VIEW_TITLE = Limit(24, "a modal's title, submit and close text", _SURFACES)
CALLBACK_ID = Limit(255, "a view's callback_id", _SURFACES)
FALLBACK_TEXT = Limit(4000, "a message's top-level text (longer is truncated)", _POST)
# Not in the reference: Slack answers ``msg_blocks_too_long`` when the text of a message's
# blocks adds up to roughly 12,000 characters (reports: 11,341 refused, 9,597 accepted;
# https://github.com/slackapi/bolt-js/issues/2509). Kept under 11,000 for margin.
MESSAGE_TEXT = Limit(11_000, "the text of all a message's blocks together", _POST)
# A view has no total-text figure; what Slack documents is its size as sent: more than
# 250 kB is ``view_too_large``. The SDK sends it as JSON with every non-ASCII character
# escaped (``\u0436``, six bytes), so a Home tab of Cyrillic or CJK text reaches that long
# before its 100 blocks are full. Counted in bytes of that JSON.
VIEW_SIZE = Limit(250_000, "a view's size as sent (bytes of JSON)", _PUBLISH)

TABLE: tuple[Limit, ...] = (
    BLOCKS_PER_MESSAGE,
    BLOCKS_PER_VIEW,
    SECTION_TEXT,
    HEADER_TEXT,
    BUTTON_TEXT,
    BUTTON_VALUE,
    ACTION_ID,
    BLOCK_ID,
    ELEMENTS_PER_ACTIONS,
    ELEMENTS_PER_CONTEXT,
    OPTION_TEXT,
    OPTION_VALUE,
    OPTIONS,
    PLACEHOLDER,
    INPUT_LABEL,
    INPUT_HINT,
    INPUT_VALUE,
    PRIVATE_METADATA,
    VIEW_TITLE,
    CALLBACK_ID,
    FALLBACK_TEXT,
    MESSAGE_TEXT,
    VIEW_SIZE,
)


def units(text: str) -> int:
    """``text``'s length in UTF-16 units: an emoji outside the BMP counts two."""
    if text.isascii():
        return len(text)
    # Encoded in C rather than counted character by character in Python: rendering each
    # message counts every block's text. A lone surrogate passes as the one unit it is.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def json_size(value: object) -> int:
    """Bytes of ``value`` as the SDK sends it: JSON, non-ASCII characters escaped."""
    return len(json.dumps(value))


def fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    if units(text) <= limit:
        return len(text)
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
