"""Reading due dates: the date phrase at the end of a promise, and standalone when-phrases.

A promise is never saved silently wrong: the date is read from the END of the item, and
if date words stay behind (before the phrase read, or anywhere in a promise that yields
no date), or the promise repeats, it is refused with the words quoted. "no date" at the
end keeps a promise undated on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.dates.context import DueContext
from bot.core.dates.formatting import NO_DATE, DueProblem, unreadable
from bot.core.dates.grammar import MAX_PHRASE_TOKENS, parse_phrase
from bot.core.dates.longtail import dateparser_resolve
from bot.core.dates.resolution import resolve
from bot.core.dates.specs import Spec
from bot.core.dates.words import (
    MODIFIERS,
    QUOTES,
    Token,
    amounts_of_time,
    date_like,
    in_date_vocabulary,
    repetition,
    tokens,
    trigger_len,
)

MAX_STANDALONE_CHARS = 100

# A connector just before a matched phrase means the date probably starts further left
# ("by the 3rd of the month after next"): let dateparser read the whole tail instead.
_CONTINUATIONS = frozenset({"of", "the", "after", "from", "following"})
# Words that, with date vocabulary only, make dateparser worth asking after a trigger.
_TEXT_TAIL = " \t,;:-–—("


@dataclass(frozen=True)
class DueSplit:
    """A promise split into its text and its due date (None: "no date" on purpose)."""

    text: str  # "send fibre quote"
    phrase: str  # "by fri", as written
    due_at: datetime | None  # aware UTC


def _grammar_match(words: list[str]) -> tuple[int, Spec, int] | None:
    """The leftmost (so longest) suffix of ``words`` that reads whole as a date phrase."""
    for i in range(max(0, len(words) - MAX_PHRASE_TOKENS), len(words)):
        parsed = parse_phrase(words[i:], standalone=False)
        if parsed is not None:
            return i, parsed[0], parsed[1]
    return None


def _looks_like_date(words: list[str]) -> bool:
    """Every word is date vocabulary and one is unmistakably about dates."""
    if not words or len(words) > MAX_PHRASE_TOKENS:
        return False
    if len(words) == 1 and _is_typo_of_date_word(words[0]):
        return True  # "by firday": tell them, rather than file it as promise text
    return all(in_date_vocabulary(w) for w in words) and bool(date_like(words) or _shaped(words))


def _shaped(words: list[str]) -> bool:
    # "the 3rd of next month", "2 weeks and 3 days": numbers with periods are dates too.
    return bool(amounts_of_time(words)) or (
        any(w[:1].isdigit() for w in words) and any(w in ("month", "week", "year") for w in words)
    )


_FULL_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "tomorrow",
]


def _is_typo_of_date_word(word: str) -> bool:
    if len(word) < 5 or not word.isalpha():
        return False
    import difflib  # only this rare path needs it

    return bool(difflib.get_close_matches(word, _FULL_NAMES, n=1, cutoff=0.8))


def _last_trigger(words: list[str]) -> tuple[int, int] | None:
    """Position and length of the last trigger word near the end whose tail is date-like."""
    last = None
    i = max(0, len(words) - MAX_PHRASE_TOKENS)
    while i < len(words):
        k = trigger_len(words[i:])
        if k:
            last = (i, k)
        i += k or 1
    if last is None or not _looks_like_date(words[last[0] + last[1] :]):
        return None
    return last


def _written(text: str) -> str:
    """The words as written, without the punctuation around them ("(by fri)." -> "by fri")."""
    return text.strip(QUOTES).rstrip("!?,").rstrip(".").strip(QUOTES) or text


def _span(item: str, toks: list[Token], start: int, end: int) -> str:
    return _written(item[toks[start].start : toks[end - 1].end])


def _read_end(item: str, toks: list[Token], ctx: DueContext) -> tuple[int, datetime] | None:
    """Where the date phrase at the end starts and its instant; None when there is none."""
    words = [t.word for t in toks]
    match = _grammar_match(words)
    clean = match is not None and (match[0] == 0 or words[match[0] - 1] not in _CONTINUATIONS)
    tail = None if clean else _last_trigger(words)
    if tail is not None and (match is None or tail[0] < match[0]):
        start, k = tail
        core = _span(item, toks, start + k, len(toks))
        due = dateparser_resolve(core, ctx)
        if due is not None:
            return start, due
        # Unread, the words before the match would be left in the text as if not a date
        # ("by 2 weeks from next monday" is not "next monday").
        raise unreadable(core)
    if match is None:
        return None
    start, spec, k = match
    return start, resolve(spec, ctx, _span(item, toks, start + k, len(toks)))


def _unplaced(item: str, toks: list[Token], positions: list[int]) -> DueProblem:
    """The words quoted as written, neighbours together: “2 weeks”, “3 days”."""
    spans: list[list[int]] = []
    for i in positions:
        if spans and spans[-1][1] == i:
            spans[-1][1] = i + 1
        else:
            spans.append([i, i + 1])
    shown = "”, “".join(_span(item, toks, start, end) for start, end in spans)
    return DueProblem("unplaced", shown)


def split_due(item: str, ctx: DueContext) -> DueSplit | None:
    """The date phrase at the end of ``item``, resolved; None when it has none.

    Raises DueProblem when the phrase is clearly a date but unusable, when date words
    are left over, or when the promise repeats.
    """
    toks = tokens(item)
    words = [t.word for t in toks]
    if words[-2:] == NO_DATE.split():
        start = toks[-2].start
        return DueSplit(item[:start].rstrip(_TEXT_TAIL), _written(item[start:]), None)
    repeats = repetition(words)
    if repeats is not None:
        raise DueProblem("recurring", _span(item, toks, *repeats))
    found = _read_end(item, toks, ctx)
    if found is None:
        left = date_like(words)
        end = len(words)
        while end > 0 and in_date_vocabulary(words[end - 1]):
            end -= 1
        # "within 2 weeks and 3 days" at the end is a date no rule reads whole.
        left += [end + i for i in amounts_of_time(words[end:])]
        if left:
            raise _unplaced(item, toks, sorted(set(left)))
        return None
    start, due = found
    before = start
    while before > 0 and in_date_vocabulary(words[before - 1]):
        before -= 1
    run = words[before:start]
    # "early" right before "next week" shifts it; before "by mon" ("ping later by mon")
    # it is the promise's own word.
    shifts = not trigger_len(words[start:])
    modifiers = [i for i, w in enumerate(run) if w in MODIFIERS and shifts]
    left = sorted(set(date_like(run) + amounts_of_time(run) + modifiers))
    if left:
        # "tomorrow" in "send report tomorrow by 3pm, the 5th": part of the date went unread.
        first = before + left[0]
        raise DueProblem("unplaced", _span(item, toks, first, start))
    phrase = _span(item, toks, start, len(toks))
    return DueSplit(item[: toks[start].start].rstrip(_TEXT_TAIL), phrase, due)


def resolve_when(phrase: str, ctx: DueContext) -> datetime:
    """A standalone when-phrase ("1h", "fri 2pm", "3 Dec") as an instant after now.

    Raises DueProblem when it cannot be read or is not in the next ten years.
    """
    toks = tokens(phrase)
    if not toks or len(phrase) > MAX_STANDALONE_CHARS or len(toks) > MAX_PHRASE_TOKENS:
        raise unreadable(phrase[:MAX_STANDALONE_CHARS])
    words = [t.word for t in toks]
    k = trigger_len(words)
    core = _written(phrase[toks[k].start :] if k < len(toks) else phrase)
    parsed = parse_phrase(words, standalone=True)
    if parsed is not None:
        return resolve(parsed[0], ctx, core)
    due = dateparser_resolve(core, ctx)
    if due is None:
        raise unreadable(core)
    return due
