"""Modals and the Home tab as Block Kit views. Pure functions.

Every input block's id is the core's field name, so a ``ParseError`` comes back on the
exact field (``response_action: errors``) without a translation table.
"""

from __future__ import annotations

import json
from typing import Any

from bot.adapters.slack import limits
from bot.adapters.slack.inbound import Metadata
from bot.adapters.slack.render import Block, plain
from bot.core.customers import MAX_CUSTOMER_NAME
from bot.core.errors import UserError
from bot.core.model import Kind

RECORD_CALLBACK = "tp_record"
PASS_ON_CALLBACK = "tp_pass_on"  # noqa: S105 - a callback id, not a password
MAX_INPUT = 3000  # a plain_text_input's value, initial value and max_length
MAX_OPTION = 75
# Room for any name the core accepts, with its leading "+", however Slack counts: an
# emoji is two UTF-16 units. The core refuses a longer name on submit, naming the limit.
CUSTOMER_INPUT = 2 * MAX_CUSTOMER_NAME + 1
KIND_LABELS = {
    Kind.CALL: "Call",
    Kind.VIDEO: "Video call",
    Kind.MEETING: "Meeting",
    Kind.EMAIL_IN: "Email received",
    Kind.EMAIL_OUT: "Email sent",
    Kind.VISIT: "Visit",
    Kind.CHAT: "Live chat",
    Kind.SOCIAL: "Social media",
    Kind.WEB: "Website visit",
    Kind.OTHER: "Other",
}

View = dict[str, Any]


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, MAX_OPTION), "value": value[:MAX_OPTION]}


def _text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    initial: str = "",
    placeholder: str = "",
    hint: str = "",
    optional: bool = True,
    max_length: int = MAX_INPUT,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        fits = limits.fitting(initial, max_length)
        element["initial_value"] = initial[:fits]
        if fits < len(initial):  # shown, never silently: the person sees what is missing
            hint = (
                f"Only the first {fits:,} of {len(initial):,} characters fit in this box; "
                "add the rest by quick entry (`notes:`)."
            )
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label, 2000),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _select(block_id: str, label: str, options: list[dict[str, Any]], initial: str | None) -> Block:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "placeholder": plain("Choose…", 150),
        "options": options,
    }
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": plain(label, 2000),
        "element": element,
    }


SCALES = {
    "satisfaction": ("Satisfaction (CSAT)", [(str(n), f"{n} of 5") for n in range(5, 0, -1)]),
    "promoter": ("Would recommend us (NPS)", [(str(n), f"{n} of 10") for n in range(10, -1, -1)]),
    "effort": (
        "Ease (CES)",
        [
            ("7", "7 very easy"),
            *((str(n), f"{n} of 7") for n in range(6, 1, -1)),
            ("1", "1 very hard"),
        ],
    ),
}


def measures_blocks(places: tuple[str, ...], stages: tuple[str, ...]) -> list[Block]:
    """The optional, compact part at the end of the form: where on the journey it was, who
    took part, and the scores. Each is one pick or one line, and all can be left alone."""
    blocks: list[Block] = [
        {"type": "divider"},
        {
            "type": "context",
            "elements": [plain("Optional: where on the journey, who took part, how it went.", 150)],
        },
    ]
    if places:
        options = [_option(p, p) for p in places[:100]]
        blocks.append(_select("map_entry", "Touchpoint on the map", options, None))
    if stages:
        blocks.append(_select("stage", "Journey stage", [_option(s, s) for s in stages], None))
    blocks.append(
        _text_input(
            "contacts",
            "With (who at the customer)",
            placeholder="e.g. Jane Smith (CFO); Raj",
            max_length=300,
        )
    )
    for block_id, (label, choices) in SCALES.items():
        blocks.append(_select(block_id, label, [_option(v, t) for v, t in choices], None))
    return blocks


def record_modal(
    *,
    customer: str,
    kind: Kind | None,
    notes: str,
    codes: tuple[str, ...],
    owner: str,
    channel: str | None,
    places: tuple[str, ...] = (),
    stages: tuple[str, ...] = (),
) -> View:
    """The touchpoint form, prefilled; the channel to confirm in rides in the metadata."""
    blocks: list[Block] = [
        _text_input(
            "customer", "Customer", initial=customer, optional=False, max_length=CUSTOMER_INPUT
        ),
        _select(
            "kind",
            "Kind",
            [_option(k.value, KIND_LABELS[k]) for k in Kind],
            kind.value if kind else None,
        ),
    ]
    if codes:  # a select with no options is refused by Slack
        blocks.append(
            _select("code", "Completion code", [_option(c, c) for c in codes[:100]], None)
        )
    blocks += [
        _text_input(
            "challenges",
            "Challenges they mentioned",
            multiline=True,
            placeholder="One per line, e.g. slow internet",
        ),
        _text_input(
            "our_promises",
            "Our promises",
            multiline=True,
            placeholder="One per line, e.g. send fibre quote by friday",
            hint="End a promise with when it is due: “by fri”, “tomorrow 10am”, “3 Dec”.",
        ),
        _text_input(
            "their_promises",
            "Their promises",
            multiline=True,
            placeholder="One per line, e.g. read the brochure before next tue",
        ),
        _text_input(
            "difference",
            "The biggest difference",
            placeholder="The one thing that would help them most (≤ 12 words)",
            max_length=300,
        ),
        _text_input("notes", "Notes", multiline=True, initial=notes),
        {
            "type": "input",
            "block_id": "owner",
            "optional": True,
            "label": plain("Who owns our promises", 2000),
            "element": {"type": "users_select", "action_id": "value", "initial_user": owner},
        },
        *measures_blocks(places, stages),
    ]
    return {
        "type": "modal",
        "callback_id": RECORD_CALLBACK,
        "title": plain("Record touchpoint", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(Metadata(channel=channel) if channel else Metadata()),
        "blocks": blocks,
    }


def pass_on_modal(meta: Metadata, challenge_text: str = "") -> View:
    """Asks to whom a challenge goes (a person, a team, a touchpoint owner)."""
    intro = f"Pass on challenge #{meta.get('challenge', '?')}"
    if challenge_text:
        intro += f": {challenge_text}"
    return {
        "type": "modal",
        "callback_id": PASS_ON_CALLBACK,
        "title": plain("Pass on challenge", 24),
        "submit": plain("Pass on", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(meta),
        "blocks": [
            {"type": "section", "text": plain(intro, 3000)},
            _text_input(
                "to",
                "To whom",
                placeholder="e.g. billing team, Sam, technical support",
                optional=False,
                max_length=200,
            ),
        ],
    }


def home_view(blocks: list[Block]) -> View:
    return {"type": "home", "blocks": blocks}


class MetadataTooLong(UserError):
    """What a modal must carry does not fit its ``private_metadata``."""


def _metadata(meta: Metadata) -> str:
    """The modal's ``private_metadata``: ids only (a channel, a message, a challenge),
    never content, so it fits. Cut, it would no longer be JSON and the submission would
    lose where it belongs, so a value that does not fit is refused instead."""
    encoded = json.dumps(meta, separators=(",", ":"))
    if limits.units(encoded) > limits.PRIVATE_METADATA.most:
        raise MetadataTooLong(
            f"This form cannot be opened: what it must remember ({limits.units(encoded):,} "
            f"characters) is more than Slack keeps with a form "
            f"({limits.PRIVATE_METADATA.most:,}). Nothing was changed; use the command "
            "instead, e.g. `/touchpoint pass C7 billing team`."
        )
    return encoded
