"""Labels of typed entries and the text cleaning every parser shares.

Which label fills which field, how a label is recognised (never a URL's scheme), the nouns
errors use for each field, and how typed text is made storable (one kind of line break, no
control characters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from bot.core.model import Kind

__all__ = ["ENTRY_LABELS", "LABELS", "LABEL_HELP", "clean_text"]


LABELS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "challenges": ("ch", "challenges", "challenge", "issues", "issue", "problems", "problem"),
        "our_promises": ("we", "us", "todo", "todos", "ours", "our promises", "our promise"),
        "their_promises": ("they", "them", "theirs", "their promises", "their promise"),
        "difference": ("diff", "difference", "biggest difference", "bd"),
        "code": ("code", "outcome", "completion", "result", "completion code"),
        "notes": ("notes", "note"),
        "kind": ("kind", "type"),
        "stage": ("stage", "journey", "journey stage"),
        "satisfaction": ("csat", "satisfaction"),
        "effort": ("ces", "effort"),
        "promoter": ("nps", "recommend"),
        "map_entry": ("tp", "touchpoint"),
        "contacts": ("with", "contact", "contacts"),
    }
)
"""Canonical field -> the labels that fill it (the first is the short one help shows)."""

# Labels of quick entry only (a spreadsheet has its own date and author columns).
ENTRY_LABELS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "when": ("when", "at", "happened"),
        "owner": ("owner", "assign", "assigned to"),
    }
)

_LISTS = ("challenges", "our_promises", "their_promises", "contacts")
_SCORES = ("stage", "satisfaction", "effort", "promoter", "map_entry")
_FORM_FIELDS = (*_LISTS, "difference", "code", "kind", "notes", *_SCORES)
_FORM_SINGLES = ("difference", "code", "kind", *_SCORES)
_SINGLES = ("difference", "code", "kind", *_SCORES, "when", "owner")
LABEL_HELP = (
    "ch (challenges), we (our promises), they (their promises), "
    "diff (biggest difference), code (completion code), kind, "
    "stage (journey stage), csat (satisfaction 1-5), ces (ease 1-7, 7 very easy), "
    "nps (would recommend 0-10), tp (the touchpoint on the team's map), "
    "with (who at the customer, e.g. Jane Smith (CFO)), "
    "when (a past moment it happened), owner (@who owns our promises), notes (last: the rest "
    "of the entry is notes)"
)
_EXAMPLE = "/touchpoint acme call | ch: slow internet | we: send quote by fri | they: read brochure"
_USAGE = (
    f"Write the customer, then what happened, e.g. `{_EXAMPLE} | diff: needs fibre`. "
    "Only an outcome works too: `/touchpoint acme code: no answer`."
)
_KINDS = ", ".join(k.value for k in Kind)
_LIST_NOUNS = {
    "challenges": ("challenge", "challenges"),
    "our_promises": ("promise of ours", "of our promises"),
    "their_promises": ("promise of theirs", "of their promises"),
    "contacts": ("contact", "contacts"),
}
_SINGLE_NOUNS = {
    "difference": "biggest difference",
    "code": "completion code",
    "kind": "kind",
    "stage": "journey stage",
    "satisfaction": "satisfaction score",
    "effort": "effort score",
    "when": "time it happened",
    "owner": "owner",
    "promoter": "recommend score (NPS)",
    "map_entry": "touchpoint on the map",
}

_ALIAS_FIELD = {
    alias: name for name, aliases in [*LABELS.items(), *ENTRY_LABELS.items()] for alias in aliases
}
_ALIASES = "|".join(
    re.escape(alias).replace(r"\ ", r"\s+") for alias in sorted(_ALIAS_FIELD, key=len, reverse=True)
)
# A label is its name then a colon, but never the scheme of a URL ("https://").
_LABEL_AT_START = re.compile(rf"\s*(?P<label>{_ALIASES})\s*:(?!//)", re.IGNORECASE)
_LABEL_IN_HEAD = re.compile(rf"(?<![\w+])(?P<label>{_ALIASES})\s*:(?!//)", re.IGNORECASE)
_UNKNOWN_LABEL = re.compile(r"\s*(?P<label>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)?)\s*:(?!//)")
_HEAD_COLON = re.compile(r":(?!//)")
_BULLET = re.compile(r"(?:[•·‣◦▪]\s*|[-*]\s+|\d{1,3}[.)]\s+)")

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[\t\x1f]")
# Other C0/C1 controls and lone surrogates (the database could not even encode those).
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")


def _clean_text(text: str) -> str:
    """One kind of line break, tabs as spaces, no other control characters."""
    return _CONTROLS.sub("", _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text)))


def clean_text(text: str) -> str:
    """Typed text as the parsers read it: for text that is stored without being parsed
    (names, aliases, settings). Neither database can store a lone surrogate, and
    PostgreSQL refuses NUL: these never get past here."""
    return _clean_text(text)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label_field(label: str) -> str:
    return _ALIAS_FIELD[" ".join(label.lower().split())]
