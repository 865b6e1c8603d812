"""Telling a mistyped command or a question from a new customer's name.

``/touchpoint acme`` opens the form for Acme, so any word could be a customer. A word
that is close to a command (``snoze``) or means one (``list``, ``resolve 19``), or a
question (``what did we promise acme?``), is answered with the nearest commands instead
of a form for a customer of that name; ``+list`` still records a customer called "list".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

# Words people type for a command that is spelled otherwise; each maps to command lines.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "list": ("promises", "challenges"),
    "ls": ("promises", "challenges"),
    "open": ("promises", "challenges"),
    "todos": ("promises",),
    "tasks": ("promises",),
    "issues": ("challenges",),
    "problems": ("challenges",),
    "resolve": ("addressed {ref:C}",),
    "resolved": ("addressed {ref:C}",),
    "close": ("addressed {ref:C}", "kept {ref:P}"),
    "closed": ("addressed {ref:C}", "kept {ref:P}"),
    "fix": ("addressed {ref:C}",),
    "fixed": ("addressed {ref:C}",),
    "complete": ("kept {ref:P}",),
    "completed": ("kept {ref:P}",),
    "finish": ("kept {ref:P}",),
    "finished": ("kept {ref:P}",),
    "cancelled": ("cancel {ref:P}",),
    "canceled": ("cancel {ref:P}",),
    "missed": ("notkept {ref:P}",),
    "failed": ("notkept {ref:P}",),
    "passon": ("pass {ref:C} billing",),
    "assign": ("pass {ref:C} billing",),
    "remove": ("delete {ref:T}",),
    "del": ("delete {ref:T}",),
    "revert": ("undo",),
    "back": ("undo",),
    "change": ("edit {ref:T}", "due {ref:P} fri"),
    "correct": ("edit {ref:T}",),
    "fix-up": ("edit {ref:T}",),
    "remind": ("snooze {ref:P} tomorrow",),
    "later": ("snooze {ref:P} tomorrow",),
    "settings": ("config",),
    "owner": ("config owner billing @priya",),
    "owners": ("config owner billing @priya",),
    "followup": ('config followup "no answer" = call back next working day',),
    "timezone": ("config timezone Europe/London",),
    "channel": ("config channel #customers",),
    "codes": ('config codes add "callback booked"',),
    "setup": ("config",),
    "options": ("config",),
    "report": ("stats",),
    "summary": ("stats",),
    "metrics": ("stats",),
    "find": ("show acme",),
    "search": ("show acme",),
    "view": ("show acme",),
    "commands": ("help",),
    "?": ("help",),
}
# Commands that act on an item's number.
TAKE_NUMBERS = frozenset(
    [
        *("kept", "done", "notkept", "not-kept", "cancel", "snooze", "due"),
        *("addressed", "reopen", "pass", "edit", "delete"),
    ]
)
QUESTION_WORDS = frozenset(
    [
        *("what", "who", "when", "where", "why", "how", "which", "is", "are"),
        *("do", "does", "did", "can", "could", "should", "will", "any"),
    ]
)
_REF = re.compile(r"[pctPCT#]?(\d{1,18})")


def suggestions(text: str, commands: Collection[str]) -> tuple[str, ...]:
    """The commands ``text`` probably meant when it is one word, or a word and a number;
    nothing when it reads as a customer's name."""
    words = text.split()
    if not 1 <= len(words) <= 2:
        return ()
    number = None
    if len(words) == 2:
        match = _REF.fullmatch(words[1])
        if match is None:
            return ()
        number = match.group(1)
    word = words[0].lower()
    found = list(SYNONYMS.get(word, ()))
    if number is not None:  # "customer 2" is a name; "resolve 19" acts on an item
        found = [c for c in found if "{ref" in c]
    if not found:
        candidates = [c for c in commands if c in TAKE_NUMBERS] if number else list(commands)
        found = difflib.get_close_matches(word, candidates, n=2, cutoff=0.75)
        found = [f"{c} {{ref:{_letter(c)}}}" if number else c for c in found]
    return tuple(_fill(c, number) for c in found)


def _letter(command: str) -> str:
    if command in {"addressed", "pass"}:
        return "C"
    if command in {"edit", "delete"}:
        return "T"
    return "P"


def _fill(template: str, number: str | None) -> str:
    return re.sub(r"\{ref:(\w)\}", lambda m: f"{m.group(1)}{number or 12}", template)


def is_question(text: str) -> bool:
    words = text.split()
    return text.rstrip().endswith("?") or (
        len(words) > 1 and words[0].lower().strip(",") in QUESTION_WORDS
    )


def question_suggestions(text: str, customers: list[str]) -> tuple[str, ...]:
    """Commands that answer a question: the record of a customer it names, the lists."""
    lowered = text.lower()
    found = [f"show {name}" for name in customers]
    if "promise" in lowered or "owe" in lowered or "due" in lowered:
        found.append("promises")
    if any(w in lowered for w in ("challenge", "problem", "issue", "complain")):
        found.append("challenges")
    if any(w in lowered for w in ("kept", "on time", "stat", "how many")):
        found.append("stats")
    return tuple(dict.fromkeys(found or ["help"]))
