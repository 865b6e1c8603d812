"""How items are referred to: ``P13`` a promise, ``C13`` a challenge, ``T13`` a touchpoint.

Promises, challenges and touchpoints are numbered separately, so a bare "13" could mean
three different things. Every reply shows the letter; verbs read it (and still accept a
bare number or ``#13`` as the kind the verb acts on) and refuse a reference of the wrong
kind, saying what that number is.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class ItemKind(enum.StrEnum):
    PROMISE = "P"
    CHALLENGE = "C"
    TOUCHPOINT = "T"

    @property
    def noun(self) -> str:
        return {"P": "promise", "C": "challenge", "T": "touchpoint"}[self.value]


@dataclass(frozen=True)
class Ref:
    """A reference as typed: the kind when a letter said it, and the number."""

    kind: ItemKind | None
    number: int

    def shown(self, default: ItemKind) -> str:
        return f"{(self.kind or default).value}{self.number}"


def promise_ref(number: int | None) -> str:
    return f"P{number}"


def challenge_ref(number: int | None) -> str:
    return f"C{number}"


def touchpoint_ref(number: int | None) -> str:
    return f"T{number}"


_REF = re.compile(r"(?:(?P<kind>[pctPCT])|#)?(?P<number>\d{1,18})")


def parse_ref(word: str) -> Ref | None:
    """ "P13", "c13", "#13", "13" -> a Ref; anything else -> None."""
    match = _REF.fullmatch(word.strip())
    if match is None:
        return None
    kind = match["kind"]
    return Ref(ItemKind(kind.upper()) if kind else None, int(match["number"]))


def split_refs(text: str) -> tuple[list[Ref], str]:
    """The references at the start of ``text`` ("P12 P13, 14") and the text after them
    (a note, a date, who to pass on to)."""
    refs: list[Ref] = []
    rest = text.strip()
    while rest:
        word, _, after = rest.partition(" ")
        ref = parse_ref(word.rstrip(","))
        if ref is None:
            # "12,13" in one word
            parts = [p for p in word.split(",") if p]
            parsed = [parse_ref(p) for p in parts]
            if len(parts) < 2 or any(p is None for p in parsed):
                break
            refs += [p for p in parsed if p is not None]
        else:
            refs.append(ref)
        rest = after.lstrip(" ,")
    return refs, rest.strip()
