"""The words of dates: tokens, spelling variants, and which words plainly mean a date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from bot.core.dates.formatting import DAY_ABBR, DAY_NAMES

MONTHS = {
    **{name.lower(): n for n, name in enumerate(calendar.month_name) if name},
    **{name.lower(): n for n, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}
WEEKDAYS = {
    **{name.lower(): n for n, name in enumerate(DAY_NAMES)},
    **{name.lower(): n for n, name in enumerate(DAY_ABBR)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
# Ordinary English words (or names) too: dates only after a trigger word or in an
# unambiguous phrase, and never "date words" left in a promise's text.
AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar", "jan"})
AMBIGUOUS_WEEKDAYS = frozenset({"sat", "sun"})
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minute"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hour"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "week"),
    **dict.fromkeys(("fortnight", "fortnights"), "fortnight"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "month"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "year"),
}
TRIGGERS = (
    ("no", "later", "than"),
    ("on", "or", "before"),
    ("some", "time"),
    ("sometime",),
    ("due", "by"),
    ("due", "on"),
    ("due", "before"),
    ("due",),
    ("by",),
    ("before",),
    ("on",),
    ("until",),
    ("till",),
    ("til",),
    ("at",),
    ("around",),
)
TRIGGER_WORDS = frozenset(word for trigger in TRIGGERS for word in trigger)

# Spellings read as one word; the text keeps what was written.
_ALIASES = {
    **dict.fromkeys(("tmrw", "tmr", "tmw", "tomorow", "tmrow", "2moro", "2morrow"), "tomorrow"),
    **dict.fromkeys(("tmorrow", "tommorow", "tommorrow", "2mrw", "2mrow"), "tomorrow"),
    "tonite": "tonight",
    "2nite": "tonight",
    **dict.fromkeys(("christmas", "x-mas", "xmas"), "xmas"),
    **dict.fromkeys(("oclock", "o’clock"), "o'clock"),
    "wc": "w/c",
    "mid-month": "mid month",
}
_ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
ORDINALS = {word: n for n, word in enumerate(_ORDINAL_WORDS, start=1)}
ORDINALS |= {f"twenty-{word}": 20 + n for word, n in list(ORDINALS.items())[:9]}
ORDINALS |= {"thirtieth": 30, "thirty-first": 31}


def _ordinal_suffix(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


# "second" -> "2nd", so one grammar reads "2nd of april" and "second of april".
_ALIASES |= {word: f"{n}{_ordinal_suffix(n)}" for word, n in ORDINALS.items()}


@dataclass(frozen=True)
class Token:
    word: str  # normalised: lower case, edge punctuation gone, spelling variants joined
    start: int  # span in the text as written
    end: int


_TOKEN_RE = re.compile(r"\S+")
QUOTES = "()[]{}\"'“”‘’«»"
# "16.12." keeps its last dot: a trailing dot makes it a date, never 16:12.
_DOTTED_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.")
# "mid-december" reads as "mid december" (one token, two words).
_HYPHENED_RE = re.compile(r"(mid|early|late)-([a-z]+)")


def tokens(text: str) -> list[Token]:
    out = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group().lower().strip(QUOTES)
        word = raw.rstrip(".,!?;:").strip(QUOTES)
        if _DOTTED_DATE_RE.fullmatch(raw.rstrip(",!?;:")):
            word = raw.rstrip(",!?;:")
        word = word.replace("a.m", "am").replace("p.m", "pm")
        word = _ALIASES.get(word, word)
        if hyphened := _HYPHENED_RE.fullmatch(word):
            word = f"{hyphened[1]} {hyphened[2]}"
        # Lone punctuation ("-") stays as an empty token so it still separates words.
        out.append(Token(word, m.start(), m.end()))
    return out


def trigger_len(words: list[str]) -> int:
    for trigger in TRIGGERS:
        if tuple(words[: len(trigger)]) == trigger:
            return len(trigger)
    return 0


# -- words that plainly mean a date -------------------------------------------------------

_CLOCK_SHAPE = r"\d{1,2}(?:[:.]\d{2})?(?:am|pm)|\d{1,2}:\d{2}"
_NUMERIC_SHAPE = (
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?|\d{4}-\d{1,2}-\d{1,2}"
)
_DATE_SHAPE_RE = re.compile(rf"{_CLOCK_SHAPE}|{_NUMERIC_SHAPE}")
# Fractions and idioms that are written like dates.
NOT_DATES = frozenset({"1/2", "1/3", "2/3", "1/4", "3/4", "24/7", "9/11", "50/50"})
DATE_WORDS = frozenset(
    {w for w in (*MONTHS, *WEEKDAYS) if w not in AMBIGUOUS_MONTHS | AMBIGUOUS_WEEKDAYS}
    | {"today", "tomorrow", "tonight", "yesterday", "eod", "cob", "eow", "eom", "eoy", "eoq"}
    | {"noon", "midnight", "midday", "weekend", "xmas", "fortnight", "o'clock", "w/c", "eop"}
)
# Words that only mean a date next to another date word: "this week", "next month".
_PERIODS = frozenset({"week", "month", "year", "quarter", "weekend", "fortnight"})
_PERIOD_LEADS = frozenset({"this", "next", "last", "coming", "following", "of"})


def date_like(words: list[str]) -> list[int]:
    """Positions of the words that plainly belong to a date ("fri", "3pm", "16.12.",
    "next week"); ordinary words that can also be dates ("may", "sun", "2nd") are not."""
    found = []
    for i, word in enumerate(words):
        shaped = word not in NOT_DATES and _DATE_SHAPE_RE.fullmatch(word)
        if shaped or any(part in DATE_WORDS for part in word.split(" ")):
            found.append(i)
        elif word in _PERIODS and i and words[i - 1] in _PERIOD_LEADS:
            found.extend((i - 1, i))
    return sorted(set(found))


_FULL_UNITS = frozenset(
    {"minute", "minutes", "mins", "hour", "hours", "hrs", "day", "days", "week", "weeks"}
    | {"wks", "fortnight", "fortnights", "month", "months", "year", "years"}
)


def amounts_of_time(words: list[str]) -> list[int]:
    """Positions of "3 days", "two weeks": a date's offset, when next to a date."""
    found: list[int] = []
    for i in range(1, len(words)):
        amount = words[i - 1]
        if words[i] in _FULL_UNITS and (
            amount.isdigit() or amount in NUMBER_WORDS or amount in ("few", "couple", "several")
        ):
            found.extend((i - 1, i))
    return found


# Words that may stand next to a date and belong with it: a run of these ending at the
# due date, with a date word among them, is a date read only in part.
DATE_VOCABULARY = frozenset(
    DATE_WORDS
    | _PERIODS
    | {*UNITS, *NUMBER_WORDS, *TRIGGER_WORDS, *ORDINALS, "the", "of", "in", "next", "this"}
    | {"last", "end", "and", "after", "from", "now", "early", "mid", "late", "start", "within"}
    | {"beginning", "coming", "following", "morning", "afternoon", "evening", "night"}
    | {"am", "pm", "time", "same", "half", "quarter", "past", "to", "every", "each"}
    | {"or", "", "few", "couple", "several", "later", "around", "middle", "thing", "lunch"}
)
# Words that shift a date ("early next week", "later today"): next to a date but left
# out of the phrase read, they mean it was read only in part.
MODIFIERS = frozenset({"beginning", "start", "early", "mid", "middle", "late", "later", "end"})


def in_date_vocabulary(word: str) -> bool:
    return (
        word in DATE_VOCABULARY
        or word.isdigit()
        or bool(_DATE_SHAPE_RE.fullmatch(word))
        or bool(re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", word))
    )


# -- repeating promises -------------------------------------------------------------------

_REPEATS = frozenset(
    {"daily", "weekly", "fortnightly", "monthly", "quarterly", "yearly", "annually"}
    | {"biweekly", "bi-weekly", "weekdays", "nightly", "hourly"}
    | {f"{name.lower()}s" for name in DAY_NAMES}
)
_AFTER_EVERY = frozenset(
    {*WEEKDAYS, *UNITS, *NUMBER_WORDS, "other", "day", "weekday", "working", "business"}
    | {"morning", "afternoon", "evening", "night", "quarter", "month", "week", "year"}
    | {f"{name.lower()}s" for name in DAY_NAMES}
)


def repetition(words: list[str]) -> tuple[int, int] | None:
    """The span of "every monday", "each month" or a trailing "weekly", or None.

    "every"/"each" count before a date word anywhere ("every page" does not); "weekly"
    and the like only where nothing but date words follow ("send weekly report" is fine).
    """
    for i, word in enumerate(words):
        if word in ("every", "each") and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt in _AFTER_EVERY or nxt.isdigit() or re.fullmatch(r"\d+(?:st|nd|rd|th)", nxt):
                # "every other week", "every 2 weeks": quote the unit too
                wider = nxt == "other" or nxt.isdigit() or nxt in NUMBER_WORDS
                return i, min(len(words), i + (3 if wider else 2))
        if word in _REPEATS and all(in_date_vocabulary(w) for w in words[i + 1 :]):
            return i, i + 1
    return None
