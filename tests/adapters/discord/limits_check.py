"""Would Discord accept this payload? The checks the fake Discord and the property tests
share, against the table in ``bot.adapters.discord.limits`` (lengths in code points).

A refusal is what Discord answers: HTTP 400 with code 50035 ("Invalid Form Body") and
the path of the offending field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.adapters.discord import limits as L
from bot.adapters.discord.limits import Limit

Json = dict[str, Any]
INVALID_FORM_BODY = 50035


def refusal_body(problems: list[str]) -> Json:
    """Discord's answer to a body that breaks a limit."""
    return {
        "message": "Invalid Form Body",
        "code": INVALID_FORM_BODY,
        "errors": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": p} for p in problems]},
    }


def message_problems(body: Json | None) -> list[str]:
    """A message to create or edit, or an interaction's message answer."""
    return list(_message(body or {}))


def modal_problems(data: Json) -> list[str]:
    return list(_modal(data))


def choices_problems(data: Json) -> list[str]:
    return list(_choices(data))


def commands_problems(commands: list[Json]) -> list[str]:
    return [p for command in commands for p in _command(command, "")]


# -- messages -------------------------------------------------------------------------------


def _message(body: Json) -> Iterator[str]:
    yield from _long("content", body.get("content"), L.CONTENT)
    embeds = body.get("embeds") or []
    if len(embeds) > L.EMBEDS.most:
        yield f"embeds: {len(embeds)} {L.EMBEDS.what}; the most is {L.EMBEDS.most}"
    total = 0
    for n, embed in enumerate(embeds):
        yield from _embed(f"embeds.{n}", embed)
        total += _embed_size(embed)
    if total > L.EMBEDS_TOTAL.most:
        yield f"embeds: {total} {L.EMBEDS_TOTAL.what}; the most is {L.EMBEDS_TOTAL.most}"
    rows = body.get("components") or []
    if len(rows) > L.ACTION_ROWS.most:
        yield f"components: {len(rows)} {L.ACTION_ROWS.what}; the most is {L.ACTION_ROWS.most}"
    seen: set[str] = set()
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if not items or len(items) > L.BUTTONS_PER_ROW.most:
            yield f"components.{r}: {len(items)} {L.BUTTONS_PER_ROW.what}"
        for c, item in enumerate(items):
            where = f"components.{r}.components.{c}"
            yield from _long(f"{where}.label", item.get("label"), L.BUTTON_LABEL)
            yield from _custom_id(where, item, seen)
            options = item.get("options")
            if options is not None and len(options) > L.SELECT_OPTIONS.most:
                yield f"{where}.options: {len(options)} {L.SELECT_OPTIONS.what}"


def _embed(where: str, embed: Json) -> Iterator[str]:
    yield from _long(f"{where}.title", embed.get("title"), L.EMBED_TITLE)
    yield from _long(f"{where}.description", embed.get("description"), L.EMBED_DESCRIPTION)
    yield from _long(f"{where}.footer.text", (embed.get("footer") or {}).get("text"), L.FOOTER)
    yield from _long(f"{where}.author.name", (embed.get("author") or {}).get("name"), L.AUTHOR_NAME)
    fields = embed.get("fields") or []
    if len(fields) > L.EMBED_FIELDS.most:
        yield f"{where}.fields: {len(fields)} {L.EMBED_FIELDS.what}"
    for f, item in enumerate(fields):
        for key, limit in (("name", L.FIELD_NAME), ("value", L.FIELD_VALUE)):
            text = item.get(key)
            if not text or not str(text).strip():
                yield f"{where}.fields.{f}.{key}: this field is required"
            yield from _long(f"{where}.fields.{f}.{key}", text, limit)


def _embed_size(embed: Json) -> int:
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + len((embed.get("footer") or {}).get("text") or "")
        + len((embed.get("author") or {}).get("name") or "")
        + sum(
            len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or []
        )
    )


def _fields(embed: Json) -> list[Json]:
    return list(embed.get("fields") or [])


# -- modals, choices, commands --------------------------------------------------------------


def _modal(data: Json) -> Iterator[str]:
    yield from _long("data.title", data.get("title"), L.MODAL_TITLE)
    yield from _long("data.custom_id", data.get("custom_id"), L.CUSTOM_ID)
    rows = data.get("components") or []
    if not rows or len(rows) > L.MODAL_COMPONENTS.most:
        yield f"data.components: {len(rows)} {L.MODAL_COMPONENTS.what}"
    seen: set[str] = set()
    for r, row in enumerate(rows):
        if "component" in row:  # a label (type 18) around one input
            yield from _long(f"data.components.{r}.label", row.get("label"), L.INPUT_LABEL)
            yield from _long(
                f"data.components.{r}.description", row.get("description"), L.LABEL_DESCRIPTION
            )
        items = [row["component"]] if "component" in row else row.get("components") or []
        for c, item in enumerate(items):
            where = f"data.components.{r}.components.{c}"
            yield from _custom_id(where, item, seen)
            yield from _long(f"{where}.label", item.get("label"), L.INPUT_LABEL)
            yield from _long(f"{where}.placeholder", item.get("placeholder"), L.INPUT_PLACEHOLDER)
            yield from _long(f"{where}.value", item.get("value"), L.INPUT_VALUE)
            most = item.get("max_length")
            if most is not None and int(most) > L.INPUT_VALUE.most:
                yield f"{where}.max_length: {most} over {L.INPUT_VALUE.most}"
            value = item.get("value")
            if value is not None and most is not None and len(value) > int(most):
                yield f"{where}.value: longer than its max_length {most}"


def _choices(data: Json) -> Iterator[str]:
    choices = data.get("choices") or []
    if len(choices) > L.CHOICES.most:
        yield f"data.choices: {len(choices)} {L.CHOICES.what}"
    for n, choice in enumerate(choices):
        yield from _long(f"data.choices.{n}.name", choice.get("name"), L.CHOICE_TEXT)
        value = choice.get("value")
        if isinstance(value, str):
            yield from _long(f"data.choices.{n}.value", value, L.CHOICE_TEXT)


def _command(command: Json, where: str) -> Iterator[str]:
    here = f"{where}{command.get('name')}"
    yield from _long(f"{here}.description", command.get("description"), L.COMMAND_DESCRIPTION)
    choices = command.get("choices") or []
    if len(choices) > L.CHOICES.most:
        yield f"{here}.choices: {len(choices)} {L.CHOICES.what}"
    most = command.get("max_length")
    if most is not None and int(most) > L.OPTION_STRING.most:
        yield f"{here}.max_length: {most} over {L.OPTION_STRING.most}"
    for option in command.get("options") or []:
        yield from _command(option, f"{here}.")


# -- pieces ---------------------------------------------------------------------------------


def _custom_id(where: str, item: Json, seen: set[str]) -> Iterator[str]:
    custom_id = item.get("custom_id")
    if custom_id is None:
        return
    yield from _long(f"{where}.custom_id", custom_id, L.CUSTOM_ID)
    if custom_id in seen:
        yield f"{where}.custom_id: {custom_id!r} repeated (COMPONENT_CUSTOM_ID_DUPLICATED)"
    seen.add(custom_id)


def _long(where: str, value: Any, limit: Limit) -> Iterator[str]:
    if value is not None and len(str(value)) > limit.most:
        yield f"{where}: {len(str(value))} characters in {limit.what}; the most is {limit.most}"
