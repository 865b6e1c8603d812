"""`/touchpoint` commands as typed requests: what the text grammar reads, and what a
platform with typed options (Discord's slash-command options) builds directly.

Text is read once, here, into one of these; a typed option never goes back through text.
Verbs no platform offers as typed options stay as ``Words`` for the text routes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

from bot.core import calendar
from bot.core.entry_labels import clean_text
from bot.core.measures import PERSON_WORDS, TEAM_WORDS
from bot.core.model import Direction, Kind
from bot.core.parsing import QUOTES, reads_as_entry, unquoted
from bot.core.refs import parse_ref
from bot.core.values import Grouping


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Digest:
    pass


@dataclass(frozen=True)
class Show:
    """One customer's record, a page of it."""

    customer: str
    page: int = 1
    typed: str = ""  # the words as typed, when they may also be a name ("Front page 2")


@dataclass(frozen=True)
class Promises:
    mine: bool = False
    direction: Direction | None = None
    customer: str | None = None  # one customer's: "promises hooli"


@dataclass(frozen=True)
class Challenges:
    customer: str | None = None


@dataclass(frozen=True)
class Stats:
    """The team's measures, the asker's (``mine``) or one customer's."""

    mine: bool = False
    customer: str | None = None


@dataclass(frozen=True)
class MapStats:
    """`stats map [mine] [weeks]` (by map entry) or `stats stage [weeks]` (by stage)."""

    by: Grouping
    rest: str = ""


@dataclass(frozen=True)
class WeeklyChart:
    """`stats week` (the team's weekly chart) or `stats week purchase` (one stage's).

    ``name`` is the whole text, in case it names a customer ("stats Weekly Widgets")."""

    stage: str = ""
    name: str = ""


@dataclass(frozen=True)
class TouchpointMap:
    """`map` (show it) or `map <add|change|owner|...> ...` (change it)."""

    change: str = ""


@dataclass(frozen=True)
class CalendarFeed:
    team: bool = False
    revoke: bool = False


@dataclass(frozen=True)
class Configure:
    """Show the settings (no ``setting``) or change one."""

    setting: str = ""
    value: str = ""


@dataclass(frozen=True)
class RecordEntry:
    """A touchpoint in one go, with the customer, kind and code already known; ``fields``
    is the labelled part (`ch: slow internet | we: send quote by fri`)."""

    customer: str
    fields: str
    kind: Kind | None = None
    code: str | None = None


@dataclass(frozen=True)
class Words:
    """Any other command (`kept 12`, `snooze 12 tomorrow`, a quick entry, a bare name):
    ``verb`` is "" for an entry or a name."""

    verb: str
    rest: str


Request = (
    Help
    | Digest
    | Show
    | Promises
    | Challenges
    | Stats
    | MapStats
    | WeeklyChart
    | TouchpointMap
    | CalendarFeed
    | Configure
    | RecordEntry
    | Words
)


def split_page(text: str) -> tuple[str, int]:
    r""" "acme corp page 2" -> ("acme corp", 2); without a page, page 1.

    Read from the end without a regex: a pattern such as ``.+?\s+page`` tries every run of
    spaces against every split of it, seconds on a long line of spaces, and Python's
    ``re`` holds the GIL meanwhile, stalling every other request."""
    stripped = text.strip()
    at = stripped.lower().rfind("page")
    digits = stripped[at + 4 :].lstrip()
    name = stripped[:at] if at > 0 else ""
    is_page = digits.isascii() and digits.isdigit() and len(digits) <= 9
    if not is_page or not name[-1:].isspace() or not name.strip():
        return stripped, 1
    return name.rstrip(), int(digits)


def cleaned(request: Request) -> Request:
    """``request`` with its text as ``read`` leaves typed text: no NUL, lone surrogate or
    other control character reaches the database from a typed option either."""
    texts = {
        f.name: clean_text(value)
        for f in dataclasses.fields(request)
        if type(value := getattr(request, f.name)) is str  # not a Kind, a StrEnum
    }
    changed: Request = dataclasses.replace(cast(Any, request), **texts)
    return changed


def show(customer: str) -> Show:
    """`acme corp` or `acme corp page 2`, as every record page tells people to type."""
    name, page = split_page(customer)
    return Show(name, page, customer.strip() if page != 1 else "")


def read(text: str) -> Request:
    """The typed request for a command typed as text; a malformed one raises ``UserError``."""
    text = clean_text(text).strip()  # no NUL or lone surrogate reaches the database
    verb, _, rest = text.partition(" ")
    if "\n" in verb:
        verb, _, more = verb.partition("\n")
        rest = f"{more}\n{rest}".strip()
    verb, rest = verb.lower(), rest.strip()
    if _names_a_customer(verb, rest):  # "Due North Outdoors call | ch: ..."
        return Words("", text)
    if not text or verb == "help":
        return Help()
    if verb in {"show", "record"}:
        return show(rest)
    if verb in {"promises", "todo"}:
        return _promises(rest)
    if verb == "challenges":
        return Challenges(rest or None)
    if verb == "digest":
        return Digest()
    if verb == "map":
        return TouchpointMap(rest)
    if verb == "stats":
        words = " ".join(rest.split())
        if words and words[0] in QUOTES:  # `stats "Weekly Widgets"`: a quoted name is a customer
            return Stats(customer=unquoted(words))
        first, _, more = words.partition(" ")
        by: dict[str, Grouping] = {"map": "entry", "touchpoints": "entry", "stage": "stage"}
        # "stats stage coach" is the customer Stage Coach; "stats stage 8" eight weeks.
        then = more.split()[0].lower() if more else ""
        if first.lower() in by and (not then or then[0].isdigit() or then == "mine"):
            return MapStats(by[first.lower()], more)
        if first.lower() in CHART_WORDS:
            return WeeklyChart(more, words if more else "")
        if words.lower() in TEAM_WORDS:
            return Stats()
        return Stats(mine=True) if words.lower() in PERSON_WORDS else Stats(customer=words)
    if verb == "calendar":
        team, revoke = calendar.parse_request(rest)
        return CalendarFeed(team, revoke)
    if verb == "config":
        setting, _, value = rest.partition(" ")
        return Configure(setting, value)
    return Words(verb, rest) if verb in WORD_VERBS else Words("", text)


# `stats week`, `stats weekly`, `stats chart`: the weekly chart. "stats Weekly Widgets", whose
# rest is no journey stage, is the customer's measures (decided where the stages are known).
CHART_WORDS = frozenset({"week", "weekly", "chart"})


# Verbs whose arguments only the text routes read (no platform offers them as options).
_WORD_VERBS = (
    "kept done notkept not-kept cancel snooze due addressed reopen pass alias undo delete edit"
    " reminders link"
)
WORD_VERBS = frozenset(_WORD_VERBS.split(" "))


# Verbs whose argument is never a quick entry: their text may hold anything.
_TAKES_ANY_TEXT = {"config", "alias", "help"}
_COMMAND_WORDS = {
    *("help", "show", "record", "promises", "todo", "challenges", "digest", "stats"),
    *("calendar", "map"),
}


# Every command word, whichever way it is read.
VERBS = frozenset(WORD_VERBS | _COMMAND_WORDS | {"config"})


def _names_a_customer(verb: str, rest: str) -> bool:
    """ "Due North Outdoors call | ch: ..." is an entry for a customer whose name starts
    with a command word: the rest reads as an entry, and no item number follows the verb."""
    if verb not in WORD_VERBS | _COMMAND_WORDS or verb in _TAKES_ANY_TEXT:
        return False
    first = rest[:40].split(maxsplit=1)
    if first and parse_ref(first[0]) is not None:
        return False  # "pass 7 ...": an item's number, never a name
    return reads_as_entry(rest)


def _promises(rest: str) -> Promises:
    word = rest.lower()
    direction = {"ours": Direction.OURS, "theirs": Direction.THEIRS}.get(word)
    if word in PERSON_WORDS:
        return Promises(mine=True)
    if word and direction is None:
        return Promises(customer=rest)
    return Promises(direction=direction)
