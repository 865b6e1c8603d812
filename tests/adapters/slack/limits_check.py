"""Would Slack accept this payload? The checks the fake Slack and the property tests share.

Every block goes through slack_sdk's own models (``Block.parse`` + ``validate_json``,
``View``), then through the limits table in ``bot.adapters.slack.limits``, lengths counted
in UTF-16 units. A refusal comes back as the error code Slack answers with.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.adapters.slack import limits as L
from bot.adapters.slack.limits import Limit, units

Json = dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    error: str  # what Slack answers: invalid_blocks, msg_blocks_too_long, invalid_arguments
    why: str

    def __str__(self) -> str:
        return f"{self.error}: {self.why}"


def check_message(blocks: Sequence[Json] | None, text: str = "") -> Refusal | None:
    """A chat.postMessage / chat.update / postEphemeral / response_url payload."""
    if not blocks:
        return None if text else Refusal("no_text", "neither text nor blocks")
    refusal = _check_blocks(blocks, L.BLOCKS_PER_MESSAGE)
    if refusal:
        return refusal
    total = sum(_text_units(block) for block in blocks)
    if total > L.MESSAGE_TEXT.most:
        return Refusal("msg_blocks_too_long", f"{total} units of text in the blocks")
    return None


def check_view(view: Json) -> Refusal | None:
    """A views.open / views.update / views.publish payload."""
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        return Refusal("invalid_arguments", f"view: {exc}")
    for key in ("title", "submit", "close"):
        item = view.get(key)
        if item is not None:
            refusal = _length(item.get("text", ""), L.VIEW_TITLE, f"view {key}")
            if refusal:
                return _as(refusal, "invalid_arguments")
    for key, limit in (("private_metadata", L.PRIVATE_METADATA), ("callback_id", L.CALLBACK_ID)):
        refusal = _length(str(view.get(key, "")), limit, key)
        if refusal:
            return _as(refusal, "invalid_arguments")
    refusal = _check_blocks(view.get("blocks") or [], L.BLOCKS_PER_VIEW)
    if refusal:
        return _as(refusal, "invalid_arguments")
    size = L.json_size(view)
    if size > L.VIEW_SIZE.most:
        return Refusal("view_too_large", f"{size:,} bytes; the most is {L.VIEW_SIZE.most:,}")
    return None


# -- blocks ---------------------------------------------------------------------------------


def _check_blocks(blocks: Sequence[Json], most: Limit) -> Refusal | None:
    if len(blocks) > most.most:
        return Refusal("invalid_blocks", f"{len(blocks)} {most.what}; the most is {most.most}")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        try:
            Block.parse(block).validate_json()  # type: ignore[union-attr]
        except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as exc:
            return Refusal("invalid_blocks", f"block {index}: {exc}")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                return Refusal("invalid_arguments", f"block_id {block_id!r} repeated")
            seen.add(block_id)
        for why in _block_problems(block):
            return Refusal("invalid_blocks", f"block {index} ({block.get('type')}): {why}")
    return None


def _block_problems(block: Json) -> Iterator[str]:
    kind = block.get("type")
    yield from _too_long(block.get("block_id"), L.BLOCK_ID)
    if kind == "section":
        yield from _text(block.get("text"), L.SECTION_TEXT, required="fields" not in block)
    elif kind == "header":
        yield from _text(block.get("text"), L.HEADER_TEXT, required=True)
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements or len(elements) > L.ELEMENTS_PER_CONTEXT.most:
            yield f"{len(elements)} {L.ELEMENTS_PER_CONTEXT.what}"
        for element in elements:
            if element.get("type") in {"mrkdwn", "plain_text"}:
                yield from _text(element, L.SECTION_TEXT, required=True)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > L.ELEMENTS_PER_ACTIONS.most:
            yield f"{len(elements)} {L.ELEMENTS_PER_ACTIONS.what}"
        action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            yield "an action_id repeated within the block"
        for element in elements:
            yield from _element(element)
    elif kind == "input":
        yield from _text(block.get("label"), L.INPUT_LABEL, required=True)
        yield from _text(block.get("hint"), L.INPUT_HINT, required=False)
        yield from _element(block.get("element") or {})


def _element(element: Json) -> Iterator[str]:
    yield from _too_long(element.get("action_id"), L.ACTION_ID)
    yield from _text(element.get("placeholder"), L.PLACEHOLDER, required=False)
    kind = element.get("type")
    if kind == "button":
        yield from _text(element.get("text"), L.BUTTON_TEXT, required=True)
        yield from _too_long(element.get("value"), L.BUTTON_VALUE)
    elif kind == "plain_text_input":
        most = int(element.get("max_length", L.INPUT_VALUE.most))
        if most > L.INPUT_VALUE.most:
            yield f"max_length {most} over {L.INPUT_VALUE.most}"
        initial = element.get("initial_value")
        if initial is not None and units(initial) > most:
            yield f"initial_value of {units(initial)} units over its max_length {most}"
    elif kind in {"static_select", "multi_static_select"}:
        options = element.get("options") or []
        if not options or len(options) > L.OPTIONS.most:
            yield f"{len(options)} {L.OPTIONS.what}"
        for option in options:
            yield from _text(option.get("text"), L.OPTION_TEXT, required=True)
            yield from _too_long(option.get("value"), L.OPTION_VALUE)


def _text(item: Json | None, limit: Limit, *, required: bool) -> Iterator[str]:
    if item is None:
        if required:
            yield f"no text for {limit.what}"
        return
    text = item.get("text", "")
    if required and not text.strip():
        yield f"empty text for {limit.what}"
    yield from _too_long(text, limit)


def _too_long(value: str | None, limit: Limit) -> Iterator[str]:
    if value is not None and units(value) > limit.most:
        yield f"{units(value)} UTF-16 units in {limit.what}; the most is {limit.most}"


def _length(value: str, limit: Limit, where: str) -> Refusal | None:
    for why in _too_long(value, limit):
        return Refusal("invalid_blocks", f"{where}: {why}")
    return None


def _as(refusal: Refusal, error: str) -> Refusal:
    return Refusal(error, refusal.why)


def _text_units(block: Json) -> int:
    """The text a block carries in all its text objects, as Slack adds it up."""
    if isinstance(block, dict):
        if block.get("type") in {"plain_text", "mrkdwn"} and isinstance(block.get("text"), str):
            return units(block["text"])
        return sum(_text_units(value) for value in block.values())
    if isinstance(block, list):
        return sum(_text_units(value) for value in block)
    return 0
