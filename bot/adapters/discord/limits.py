"""What Discord accepts: one table, each figure with where Discord documents it.

Discord answers a payload that crosses a limit with HTTP 400, code 50035 ("Invalid Form
Body"), so the renderer and the forms budget against this table and the test suite's fake
Discord enforces it. Discord counts lengths in code points (``len`` of a ``str``).
"""

from __future__ import annotations

from dataclasses import dataclass

_MESSAGE = "https://discord.com/developers/docs/resources/message"
_EMBED_LIMITS = _MESSAGE + "#embed-object-embed-limits"
_COMPONENTS = "https://discord.com/developers/docs/components/reference"
_COMMANDS = "https://discord.com/developers/docs/interactions/application-commands"
_RESPONSES = "https://discord.com/developers/docs/interactions/receiving-and-responding"


@dataclass(frozen=True)
class Limit:
    most: int
    what: str
    source: str


CONTENT = Limit(2000, "a message's content", _MESSAGE + "#create-message")
EMBEDS = Limit(10, "embeds in a message", _MESSAGE + "#create-message")
EMBED_TITLE = Limit(256, "an embed's title", _EMBED_LIMITS)
EMBED_DESCRIPTION = Limit(4096, "an embed's description", _EMBED_LIMITS)
EMBED_FIELDS = Limit(25, "fields in an embed", _EMBED_LIMITS)
FIELD_NAME = Limit(256, "a field's name", _EMBED_LIMITS)
FIELD_VALUE = Limit(1024, "a field's value", _EMBED_LIMITS)
FOOTER = Limit(2048, "an embed's footer", _EMBED_LIMITS)
AUTHOR_NAME = Limit(256, "an embed's author name", _EMBED_LIMITS)
EMBEDS_TOTAL = Limit(6000, "characters in all of a message's embeds", _EMBED_LIMITS)
ACTION_ROWS = Limit(5, "action rows in a message", _COMPONENTS + "#action-row")
BUTTONS_PER_ROW = Limit(5, "buttons in an action row", _COMPONENTS + "#action-row")
BUTTON_LABEL = Limit(80, "a button's label", _COMPONENTS + "#button")
CUSTOM_ID = Limit(100, "a custom_id (unique within a message or modal)", _COMPONENTS)
SELECT_OPTIONS = Limit(25, "options in a select menu", _COMPONENTS + "#string-select")
MODAL_TITLE = Limit(45, "a modal's title", _RESPONSES + "#interaction-response-object-modal")
MODAL_COMPONENTS = Limit(5, "components in a modal", _RESPONSES)
INPUT_LABEL = Limit(45, "a text input's label", _COMPONENTS + "#text-input")
LABEL_DESCRIPTION = Limit(100, "a label's description", _COMPONENTS + "#label")
INPUT_PLACEHOLDER = Limit(100, "a text input's placeholder", _COMPONENTS + "#text-input")
INPUT_VALUE = Limit(4000, "a text input's value and max_length", _COMPONENTS + "#text-input")
CHOICES = Limit(25, "autocomplete or option choices", _COMMANDS + "#autocomplete")
CHOICE_TEXT = Limit(100, "a choice's name or string value", _COMMANDS)
OPTION_STRING = Limit(6000, "a string option's max_length", _COMMANDS)
COMMAND_DESCRIPTION = Limit(100, "a command's or option's description", _COMMANDS)

TABLE: tuple[Limit, ...] = (
    CONTENT,
    EMBEDS,
    EMBED_TITLE,
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    FIELD_NAME,
    FIELD_VALUE,
    FOOTER,
    AUTHOR_NAME,
    EMBEDS_TOTAL,
    ACTION_ROWS,
    BUTTONS_PER_ROW,
    BUTTON_LABEL,
    CUSTOM_ID,
    SELECT_OPTIONS,
    MODAL_TITLE,
    MODAL_COMPONENTS,
    INPUT_LABEL,
    LABEL_DESCRIPTION,
    INPUT_PLACEHOLDER,
    INPUT_VALUE,
    CHOICES,
    CHOICE_TEXT,
    OPTION_STRING,
    COMMAND_DESCRIPTION,
)
