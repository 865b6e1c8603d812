"""The touchpoint modal: building it, reading a submission, and answering a bad one.

A modal's ``custom_id`` carries everything its submission needs (customer, kind and a
short hash of the completion code), so submissions are handled without any state in
memory: a form someone is filling in while the bot restarts is still saved when they
press Submit. Discord allows five components in a modal; the slash command's form asks
for the five things a touchpoint records, and the message form trades "biggest
difference" for the customer (a message does not say who it was with).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import discord

from bot.adapters.discord import limits
from bot.core.commands import split_kind
from bot.core.custom_ids import (
    DETAILS_PREFIX,
    EDIT_DETAILS_PREFIX,
    EDIT_PREFIX,
    FormId,
    customer_room,
)
from bot.core.drafts import FormFields
from bot.core.errors import AmbiguousCustomer, ParseError
from bot.core.model import Kind
from bot.core.replies import Line, Reply, ReplyKind, Section, Strong, Text, line

PASS_ON_PREFIX = "tpp:"  # noqa: S105 - a custom_id prefix, not a secret
TITLE_MAX = limits.MODAL_TITLE.most
CUSTOM_ID_MAX = limits.CUSTOM_ID.most
INPUT_MAX = limits.INPUT_VALUE.most
MAX_CUSTOMER_IN_ID = customer_room(CUSTOM_ID_MAX)


@dataclass(frozen=True)
class FormField:
    name: str  # the TextInput's custom_id and the FormFields attribute
    label: str  # <= 45 characters
    hint: str  # <= 100 characters
    paragraph: bool
    max_length: int = INPUT_MAX


CUSTOMER = FormField(
    "customer", "Customer", "The name, then the kind if you like: acme email in", False, 100
)
CHALLENGES = FormField(
    "challenges", "Challenges", "One per line, a few words each: slow internet", True
)
OURS = FormField(
    "our_promises", "Our promises", "One per line, due date last: send fibre quote by fri", True
)
THEIRS = FormField(
    "their_promises", "Their promises", "One per line: read the brochure before next tue", True
)
DIFFERENCE = FormField(
    "difference",
    "Biggest difference",
    "The one thing that would help them most (12 words)",
    False,
    300,
)
NOTES = FormField("notes", "Notes", "Anything else worth keeping", True)
COMMAND_FORM = (CHALLENGES, OURS, THEIRS, DIFFERENCE, NOTES)
MESSAGE_FORM = (CUSTOMER, CHALLENGES, OURS, THEIRS, NOTES)
LABELS = {f.name: f.label for f in (CUSTOMER, *COMMAND_FORM)} | {
    "code": "Completion code",
    "kind": "Kind",
    "entry": "Entry",
}


@dataclass(frozen=True)
class FormSpec:
    """What the modal was opened for; it round-trips through the modal's custom_id."""

    customer: str = ""  # "" means the modal asks for the customer
    kind: Kind | None = None
    code_hash: str = ""

    @property
    def fields(self) -> tuple[FormField, ...]:
        return COMMAND_FORM if self.customer else MESSAGE_FORM

    def custom_id(self) -> str:
        return FormId(self.customer, self.kind, self.code_hash).encode()

    @classmethod
    def parse(cls, custom_id: str) -> FormSpec | None:
        found = FormId.decode(custom_id)
        return None if found is None else cls(found.customer, found.kind, found.code_hash)

    def title(self) -> str:
        text = f"Touchpoint with {self.customer}" if self.customer else "Record touchpoint"
        return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def build_form(spec: FormSpec, values: Mapping[str, str] | None = None) -> discord.ui.Modal:
    """The modal, prefilled with ``values`` (a retry, or a message's text as notes)."""
    values = values or {}
    modal = discord.ui.Modal(title=spec.title(), custom_id=spec.custom_id(), timeout=None)
    for f in spec.fields:
        text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=f.name,
            style=discord.TextStyle.paragraph if f.paragraph else discord.TextStyle.short,
            required=f is CUSTOMER,
            max_length=f.max_length,
            default=values.get(f.name, "")[: f.max_length] or None,
        )
        modal.add_item(discord.ui.Label(text=f.label, description=f.hint, component=text_input))
    return modal


def pass_on_form(challenge_id: int) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=f"Pass on challenge #{challenge_id}", custom_id=f"{PASS_ON_PREFIX}{challenge_id}"
    )
    to: discord.ui.TextInput[Any] = discord.ui.TextInput(custom_id="to", max_length=100)
    modal.add_item(
        discord.ui.Label(text="Pass it on to", description="billing team, Sam …", component=to)
    )
    return modal


# The second step's five fields (Discord's most); ids are FormFields names, "place" aside.
DETAILS = (
    FormField(
        "place", "Touchpoint on the map, or a stage", "e.g. first invoice, or onboarding", False, 60
    ),
    FormField("contacts", "With (who at the customer)", "e.g. Jane Smith (CFO); Raj", False, 1000),
    FormField("satisfaction", "Satisfaction (CSAT) 1-5", "5 very satisfied", False, 3),
    FormField("promoter", "Would recommend us (NPS) 0-10", "10 surely would", False, 4),
    FormField("effort", "Ease (CES) 1-7", "7 very easy", False, 3),
)


def details_form(
    touchpoint_id: int, values: Mapping[str, str] | None = None, *, editing: bool = False
) -> discord.ui.Modal:
    """The second step; ``editing``: an edit's, filled in with ``values`` (check
    ``too_big`` first: a default is never cut)."""
    prefix, what = (EDIT_DETAILS_PREFIX, "Edit T") if editing else (DETAILS_PREFIX, "Touchpoint #")
    modal = discord.ui.Modal(
        title=f"{what}{touchpoint_id}: journey, scores"[:TITLE_MAX],
        custom_id=f"{prefix}{touchpoint_id}",
    )
    for spec in DETAILS:
        text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=spec.name,
            max_length=spec.max_length,
            required=False,
            default=(values or {}).get(spec.name) or None,
        )
        modal.add_item(discord.ui.Label(text=spec.label, description=spec.hint, component=text))
    return modal


# -- editing a stored touchpoint -----------------------------------------------------------


def edit_values(values: FormFields) -> dict[str, str]:
    """An edit's first step, filled in: the five fields the slash command's form has."""
    return {f.name: getattr(values, f.name) for f in COMMAND_FORM}


def detail_values(values: FormFields, place: str) -> dict[str, str]:
    """An edit's second step, filled in."""
    return {
        "place": place,
        "contacts": values.contacts.replace("\n", "; "),
        "satisfaction": values.satisfaction,
        "promoter": values.promoter,
        "effort": values.effort,
    }


def too_big(values: Mapping[str, str], fields: Iterable[FormField]) -> str | None:
    """Why a modal cannot show ``values`` whole (None: it can). Discord refuses a longer
    default, and cutting one would lose what was recorded."""
    for f in fields:
        size = len(values.get(f.name, ""))
        if size > f.max_length:
            label = f.label.lower()
            return f"its {label} run to {size:,} characters; the form's box holds {f.max_length:,}"
    return None


KEEP_NOTES = ":keep-notes"  # an edit form without its notes box: the notes stay


def edit_fields(values: Mapping[str, str], keep_notes: bool = False) -> tuple[FormField, ...]:
    """The edit's first step: the command form's boxes, less the notes when they are
    longer than a box holds (they stay as they are, never cut) or were left out before."""
    if keep_notes or len(values.get(NOTES.name, "")) > NOTES.max_length:
        return tuple(f for f in COMMAND_FORM if f is not NOTES)
    return COMMAND_FORM


def edit_form(
    touchpoint_id: int, values: Mapping[str, str], *, keep_notes: bool = False
) -> discord.ui.Modal:
    """The edit's first step, filled in (check ``too_big`` of ``edit_fields`` first);
    ``keep_notes``: reopened after a mistake in a form that had no notes box."""
    fields = edit_fields(values, keep_notes)
    kept = "" if NOTES in fields else KEEP_NOTES
    modal = discord.ui.Modal(
        title=f"Edit T{touchpoint_id}{' (long notes kept)' if kept else ''}"[:TITLE_MAX],
        custom_id=f"{EDIT_PREFIX}{touchpoint_id}{kept}",
        timeout=None,
    )
    for f in fields:
        text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=f.name,
            style=discord.TextStyle.paragraph if f.paragraph else discord.TextStyle.short,
            required=False,
            max_length=f.max_length,
            default=values.get(f.name) or None,
        )
        modal.add_item(discord.ui.Label(text=f.label, description=f.hint, component=text_input))
    return modal


def edited_fields(values: Mapping[str, str]) -> FormFields:
    """A submitted edit's first step."""
    return FormFields(**{f.name: values.get(f.name, "") for f in COMMAND_FORM})


def edit_given(custom_id: str) -> frozenset[str]:
    """The fields a submitted edit's first step had."""
    given = frozenset(f.name for f in COMMAND_FORM)
    return given - {NOTES.name} if custom_id.endswith(KEEP_NOTES) else given


def details_fields(values: Mapping[str, str]) -> tuple[str, FormFields]:
    """(place, the other fields) of a submitted second step."""
    return values.get("place", ""), FormFields(
        contacts=values.get("contacts", "").replace(";", "\n"),
        satisfaction=values.get("satisfaction", ""),
        promoter=values.get("promoter", ""),
        effort=values.get("effort", ""),
    )


def raw_data(interaction: discord.Interaction[Any]) -> Mapping[str, Any]:
    """The interaction's ``data`` as plain JSON (discord.py types it as a union of
    TypedDicts, one per interaction type)."""
    return cast("Mapping[str, Any]", interaction.data or {})


def custom_id_of(interaction: discord.Interaction[Any]) -> str:
    return str(raw_data(interaction).get("custom_id", ""))


def submitted_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """custom_id -> value of every text input in a modal submission, whatever the nesting
    (label components, or the older action rows)."""
    values: dict[str, str] = {}

    def walk(components: Iterable[Mapping[str, Any]]) -> None:
        for component in components:
            if "components" in component:
                walk(component["components"])
            elif "component" in component:
                walk([component["component"]])
            elif isinstance(component.get("custom_id"), str):
                values[component["custom_id"]] = str(component.get("value") or "")

    walk((data or {}).get("components", []))
    return values


@dataclass(frozen=True)
class Submission:
    """A submitted form: enough to record it, retry it, or echo it back."""

    spec: FormSpec
    values: Mapping[str, str] = field(default_factory=dict)
    code: str = ""  # the completion code, once matched to the team's list
    chosen: str = ""  # the customer picked when the typed name was ambiguous

    def _typed_customer(self) -> tuple[str, Kind | None]:
        # The message form's customer field may end with the kind: "acme email in".
        return split_kind(self.values.get(CUSTOMER.name, ""))

    @property
    def customer(self) -> str:
        return self.chosen or self.spec.customer or self._typed_customer()[0]

    @property
    def kind(self) -> Kind | None:
        return self.spec.kind or (None if self.spec.customer else self._typed_customer()[1])

    def form_fields(self) -> FormFields:
        v = self.values
        return FormFields(
            kind=self.kind.value if self.kind else "",
            code=self.code,
            challenges=v.get("challenges", ""),
            our_promises=v.get("our_promises", ""),
            their_promises=v.get("their_promises", ""),
            difference=v.get("difference", ""),
            notes=v.get("notes", ""),
        )


def echo(values: Mapping[str, str], fields: Iterable[FormField]) -> tuple[Section, ...]:
    """What was typed, field by field, so nothing is lost when nothing was saved."""
    sections = []
    for f in fields:
        typed = values.get(f.name, "").strip()
        if typed:
            sections.append(
                Section(f"You typed — {f.label}", tuple(line(Text(t)) for t in typed.split("\n")))
            )
    return tuple(sections)


def problems_reply(exc: ParseError, sub: Submission) -> Reply:
    problems: list[Line] = [
        line(Strong(LABELS.get(e.field, e.field.replace("_", " ").capitalize())), ": ", e.message)
        for e in exc.errors
    ]
    problems.append(line("Press “Fix and resubmit” to get the form back as you filled it in."))
    return Reply(
        "Nothing was saved — please fix this",
        (Section(None, tuple(problems)), *echo(sub.values, sub.spec.fields)),
        kind=ReplyKind.ERROR,
    )


def question_reply(exc: AmbiguousCustomer, sub: Submission) -> Reply:
    names = ", ".join(f"“{c.name}”" for c in exc.candidates)
    ask = line(
        f"No customer is called “{exc.text}”. Did you mean {names}? "
        f"Pick one below, or add “{exc.text}” as a new customer. Nothing is saved until you do."
    )
    return Reply("Which customer?", (Section(None, (ask,)), *echo(sub.values, sub.spec.fields)))
