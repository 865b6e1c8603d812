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
from bot.core.drafts import FormFields
from bot.core.errors import UserError
from bot.core.model import Kind

RECORD_CALLBACK = "tp_record"
PASS_ON_CALLBACK = "tp_pass_on"  # noqa: S105 - a callback id, not a password
MAX_INPUT = 3000  # a plain_text_input's value, initial value and max_length
MAX_OPTION = 75
MAX_SELECT_OPTIONS = 100
DIFFERENCE_INPUT = 300
CONTACTS_INPUT = 1000  # several people, each "Jane Smith (CFO)"
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


def _offered(choices: tuple[str, ...], current: str) -> tuple[str, ...]:
    """The choices, and the current value too when an edit shows one no longer offered
    (a retired map entry, a removed code): a select can only show one of its options."""
    listed = choices[:MAX_SELECT_OPTIONS]
    if current and current not in listed:
        listed = (*listed[: MAX_SELECT_OPTIONS - 1], current)
    return listed


def measures_blocks(
    places: tuple[str, ...], stages: tuple[str, ...], filled: FormFields | None = None
) -> list[Block]:
    """The optional, compact part at the end of the form: where on the journey it was, who
    took part, and the scores. Each is one pick or one line, and all can be left alone."""
    now = filled or FormFields()
    blocks: list[Block] = [
        {"type": "divider"},
        {
            "type": "context",
            "elements": [plain("Optional: where on the journey, who took part, how it went.", 150)],
        },
    ]
    places = _offered(places, now.map_entry)
    stages = _offered(stages, now.stage)
    if places:
        options = [_option(p, p) for p in places]
        blocks.append(_select("map_entry", "Touchpoint on the map", options, now.map_entry))
    if stages:
        options = [_option(s, s) for s in stages]
        blocks.append(_select("stage", "Journey stage", options, now.stage))
    blocks.append(
        _text_input(
            "contacts",
            "With (who at the customer)",
            initial=now.contacts.replace("\n", "; "),
            placeholder="e.g. Jane Smith (CFO); Raj",
            max_length=CONTACTS_INPUT,
        )
    )
    for block_id, (label, choices) in SCALES.items():
        options = [_option(v, t) for v, t in choices]
        blocks.append(_select(block_id, label, options, getattr(now, block_id)))
    return blocks


# The form's text boxes and the most each holds (Slack counts an initial value the same).
TEXT_BOXES = {
    "challenges": MAX_INPUT,
    "our_promises": MAX_INPUT,
    "their_promises": MAX_INPUT,
    "difference": DIFFERENCE_INPUT,
    "notes": MAX_INPUT,
    "contacts": CONTACTS_INPUT,
}


def edit_problem(filled: FormFields) -> str | None:
    """Why the form cannot show a stored touchpoint whole, or None when it can. Slack
    refuses an initial value longer than its box, and cutting one would lose what was
    recorded: such a touchpoint is corrected by text instead. Long notes alone do not
    stop it: the form leaves them out, and they stay as they are."""
    for name, most in TEXT_BOXES.items():
        if name == "notes":
            continue  # notes too long for the box stay as they are (``notes_kept``)
        size = limits.units(
            getattr(filled, name).replace("\n", "; " if name == "contacts" else "\n")
        )
        if size > most:
            label = name.replace("_", " ")
            return f"its {label} run to {size:,} characters, and a box of the form holds {most:,}"
    for name in ("code", "map_entry", "stage"):
        if limits.units(getattr(filled, name)) > MAX_OPTION:
            return f"its {name.replace('_', ' ')} is longer than a choice of the form can be"
    return None


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
    filled: FormFields | None = None,
    editing: int | None = None,
) -> View:
    """The touchpoint form, prefilled; the channel to confirm in rides in the metadata.
    ``editing``: the stored touchpoint the form corrects, every field ``filled`` in as it
    is (check ``edit_problem`` first); its number rides in the metadata, and the customer
    is shown, not asked (an edit keeps it)."""
    now = filled or FormFields(notes=notes)
    head: Block = (
        {
            "type": "context",
            "elements": [plain(f"With {customer} (an edit keeps the customer)", 150)],
        }
        if editing is not None
        else _text_input(
            "customer", "Customer", initial=customer, optional=False, max_length=CUSTOMER_INPUT
        )
    )
    blocks: list[Block] = [
        head,
        _select(
            "kind",
            "Kind",
            [_option(k.value, KIND_LABELS[k]) for k in Kind],
            kind.value if kind else None,
        ),
    ]
    codes = _offered(codes, now.code)
    if codes:  # a select with no options is refused by Slack
        blocks.append(
            _select("code", "Completion code", [_option(c, c) for c in codes], now.code or None)
        )
    blocks += [
        _text_input(
            "challenges",
            "Challenges they mentioned",
            multiline=True,
            initial=now.challenges,
            placeholder="One per line, e.g. slow internet",
        ),
        _text_input(
            "our_promises",
            "Our promises",
            multiline=True,
            initial=now.our_promises,
            placeholder="One per line, e.g. send fibre quote by friday",
            hint="End a promise with when it is due: “by fri”, “tomorrow 10am”, “3 Dec”.",
        ),
        _text_input(
            "their_promises",
            "Their promises",
            multiline=True,
            initial=now.their_promises,
            placeholder="One per line, e.g. read the brochure before next tue",
        ),
        _text_input(
            "difference",
            "The biggest difference",
            initial=now.difference,
            placeholder="The one thing that would help them most (≤ 12 words)",
            max_length=DIFFERENCE_INPUT,
        ),
        _notes_block(now.notes, editing),
        {
            "type": "input",
            "block_id": "owner",
            "optional": True,
            "label": plain("Who owns our promises", 2000),
            "element": {"type": "users_select", "action_id": "value", "initial_user": owner},
        },
        *measures_blocks(places, stages, filled),
    ]
    meta = Metadata(channel=channel) if channel else Metadata()
    if editing is not None:
        meta["touchpoint"] = editing
    return {
        "type": "modal",
        "callback_id": RECORD_CALLBACK,
        "title": plain(f"Edit T{editing}" if editing is not None else "Record touchpoint", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": _metadata(meta),
        "blocks": blocks,
    }


def notes_kept(notes: str) -> bool:
    """Notes longer than the form's box: an edit form leaves them out, and they stay."""
    return limits.units(notes) > MAX_INPUT


def _notes_block(notes: str, editing: int | None) -> Block:
    if editing is not None and notes_kept(notes):
        said = (
            f"Notes: {len(notes):,} characters, more than the form holds, so they stay as "
            "they are (change them with `edit` by text)."
        )
        return {"type": "context", "elements": [plain(said, 150)]}
    return _text_input("notes", "Notes", multiline=True, initial=notes)


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
