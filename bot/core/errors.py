"""Errors a user is shown, kept apart from bugs.

A ``UserError`` carries a message written for the person who typed the command: what was
wrong and how to fix it. Anything else is a bug: adapters log it with its traceback and
reply with a generic message carrying a short error id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass


class UserError(Exception):
    """Shown to the user as it is."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "That did not work."


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a form or quick entry."""

    field: str  # "challenges", "our_promises", "their_promises", "difference", "code", ...
    message: str


class ParseError(UserError):
    """A touchpoint that could not be understood; one message per problem, by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(f"• {e.message}" for e in self.errors))

    def by_field(self) -> dict[str, str]:
        """One message per field (joined when a field has several), for form UIs."""
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e.message)
        return {k: " ".join(v) for k, v in out.items()}


class NotFound(UserError):
    """The id or name does not exist in this team (ids of other teams look the same)."""


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str


class AmbiguousCustomer(UserError):
    """A name that nearly matches existing customers: ask rather than create a duplicate."""

    def __init__(self, text: str, candidates: list[Candidate]) -> None:
        self.text = text
        self.candidates = candidates
        names = ", ".join(f"“{c.name}”" for c in candidates)
        super().__init__(
            f"No customer is called “{text}”. Did you mean {names}? "
            f"Use the exact name, or write “+{text}” to add “{text}” as a new customer."
        )


def new_error_id() -> str:
    """A short id to quote in a generic error reply and find in the logs."""
    return secrets.token_hex(4)
