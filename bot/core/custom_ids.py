"""The one codec for what travels in a platform's ``custom_id``: buttons and forms.

Slack's ``action_id``, Discord's component and modal ids and the console's hints all use
it, so a button means the same on every platform. Ids outlive deploys (a reminder posted
last week, a form someone is filling in while the bot restarts), so every part is written
by *value*, never by position in an enum: reordering an enum must not change the meaning
of an id already posted.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
from dataclasses import dataclass

from bot.core.model import Kind


class Verb(enum.StrEnum):
    """What a button does. Only verbs some reply offers as a button: cancelling a promise
    and reopening a challenge are typed (`/touchpoint cancel 12`, `reopen 7`)."""

    KEPT = "kept"
    NOT_KEPT = "not_kept"
    SNOOZE = "snooze"
    ADDRESSED = "addressed"
    PASS_ON = "pass_on"  # noqa: S105 - a verb, not a secret
    DETAILS = "details"  # a form's second step: journey, contacts and scores (Discord)
    EDIT_DETAILS = "edit_details"  # an edit's second step, filled in as it is (Discord)


PROMISE_VERBS = frozenset({Verb.KEPT, Verb.NOT_KEPT, Verb.SNOOZE})
SETTLING_VERBS = frozenset({Verb.KEPT, Verb.NOT_KEPT})
CHALLENGE_VERBS = frozenset({Verb.ADDRESSED, Verb.PASS_ON})

BUTTON_PREFIX = "tp:"
_VERBS = "|".join(sorted((v.value for v in Verb), key=len, reverse=True))
# Discord's DynamicItem matches this template; decode() uses the same one.
BUTTON_TEMPLATE = (
    rf"tp:(?P<verb>{_VERBS}):(?P<target>[0-9]{{1,18}})(?::(?P<option>[a-z0-9_]{{1,20}}))?"
)
_BUTTON = re.compile(BUTTON_TEMPLATE)


@dataclass(frozen=True)
class ButtonId:
    """``tp:<verb>:<record id>[:<option>]``, e.g. ``tp:snooze:12:tomorrow``."""

    verb: Verb
    target: int
    option: str = ""

    def encode(self) -> str:
        base = f"{BUTTON_PREFIX}{self.verb}:{self.target}"
        return f"{base}:{self.option}" if self.option else base

    @classmethod
    def decode(cls, custom_id: str) -> ButtonId | None:
        """None for anything that is not one of ours (or names a verb no longer known)."""
        match = _BUTTON.fullmatch(custom_id)
        return cls.from_match(match) if match else None

    @classmethod
    def from_match(cls, match: re.Match[str]) -> ButtonId:
        return cls(Verb(match["verb"]), int(match["target"]), match["option"] or "")


# -- forms -------------------------------------------------------------------------------------

FORM_PREFIX = "tpf:"
DETAILS_PREFIX = "tpd:"  # the second step's form: ``tpd:<touchpoint id>``
EDIT_PREFIX = "tpe:"  # an edit's form: ``tpe:<touchpoint id>``
EDIT_DETAILS_PREFIX = "tpr:"  # an edit's second step: ``tpr:<touchpoint id>``
CODE_HASH_LENGTH = 5
_LONGEST_KIND = max(len(k.value) for k in Kind)
# Forms opened before kinds were written by value carry the kind's position in this order.
_KINDS_BY_POSITION = (
    Kind.CALL,
    Kind.VIDEO,
    Kind.MEETING,
    Kind.EMAIL_IN,
    Kind.EMAIL_OUT,
    Kind.VISIT,
    Kind.CHAT,
    Kind.SOCIAL,
    Kind.OTHER,
)


def customer_room(limit: int) -> int:
    """How many characters of customer name fit in a form id of at most ``limit``."""
    return limit - len(FORM_PREFIX) - _LONGEST_KIND - CODE_HASH_LENGTH - 2


@dataclass(frozen=True)
class FormId:
    """``tpf:<kind value or ->:<code hash or ->:<customer>``: what a form was opened for."""

    customer: str = ""
    kind: Kind | None = None
    code_hash: str = ""

    def encode(self) -> str:
        kind = self.kind.value if self.kind is not None else "-"
        return f"{FORM_PREFIX}{kind}:{self.code_hash or '-'}:{self.customer}"

    @classmethod
    def decode(cls, custom_id: str) -> FormId | None:
        if not custom_id.startswith(FORM_PREFIX):
            return None
        word, _, rest = custom_id.removeprefix(FORM_PREFIX).partition(":")
        code, _, customer = rest.partition(":")
        kind: Kind | None
        if word == "-":
            kind = None
        elif word.isascii() and word.isdigit() and int(word) < len(_KINDS_BY_POSITION):
            kind = _KINDS_BY_POSITION[int(word)]
        elif word in {k.value for k in Kind}:
            kind = Kind(word)
        else:
            return None
        return cls(customer, kind, "" if code == "-" else code)


def code_hash(code: str) -> str:
    """A short stand-in for a completion code in a form id (the code itself may not fit)."""
    digest = hashlib.sha256(_code_key(code)).digest()
    return base64.urlsafe_b64encode(digest).decode()[:CODE_HASH_LENGTH]


def hash_matches(hashed: str, code: str) -> bool:
    """Whether ``hashed`` stands for ``code``; forms opened before the short hash carry
    eight hex digits."""
    if len(hashed) == 8:
        return hashlib.sha256(_code_key(code)).hexdigest()[:8] == hashed
    return code_hash(code) == hashed


def _code_key(code: str) -> bytes:
    return " ".join(code.lower().split()).encode()
