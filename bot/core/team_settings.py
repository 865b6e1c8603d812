"""The team settings' grammar: `/touchpoint config <setting> <value>` read into a
``Team``'s fields, with a clear message for anything that cannot be read.

Pure functions on the team: the use case (``services.configure_team``) loads, applies and
saves in one unit of work. The deployment's settings (``bot.config``) read their clock
times and zones with the same functions.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.dates import DATE_ORDERS, DateOrder
from bot.core.drafts import FormFields
from bot.core.errors import UserError
from bot.core.model import MAX_ITEM_CHARS, WEEKDAY_NAMES, WEEKDAYS, Team
from bot.core.parsing import parse_form, reading
from bot.core.workdays import add_working_days, next_working_day_start, on_a_working_day

MAX_CHANNEL_CHARS = 100  # the column's size; platform channel ids are far shorter
MAX_CODE_CHARS = 40
MAX_CODES = 25  # a select menu holds at most 25 options on both platforms


def apply_setting(team: Team, setting: str, value: str, now: datetime) -> tuple[str, ...]:
    if setting == "channel":
        if not value:
            raise UserError("Name the channel: `/touchpoint config channel #customer-team`.")
        if len(value) > MAX_CHANNEL_CHARS or len(value.split()) > 1:
            raise UserError(
                "That is not one channel: name it like `/touchpoint config channel #customer-team`."
            )
        team.channel = value
    elif setting in {"timezone", "tz"}:
        team.timezone = parse_timezone(value)
    elif setting in {"digest", "digest_time", "digest-time"}:
        team.digest_time = parse_clock_time(value, "digest time")
    elif setting in {"daystart", "day_start", "day-start"}:
        team.day_start = parse_clock_time(value, "working-day start")
    elif setting in {"days", "digest_days", "workdays"}:
        team.digest_days = parse_weekdays(value)
    elif setting in {"codes", "code"}:
        team.completion_codes = edit_codes(team.completion_codes, value)
    elif setting in {"owner", "owners"}:
        team.area_owners = edit_owners(team.area_owners, value)
    elif setting in {"followup", "follow-up", "followups"}:
        team.code_followups = edit_followups(team, value, now)
    elif setting in {"overdue", "repeat"}:
        team.remind_overdue = parse_switch(value, "overdue")
    elif setting in {"dates", "date", "date_order", "date-order"}:
        team.date_order = parse_date_order(value)
    elif setting in {"reminders", "reminder"}:
        team.dm_reminders = parse_route(value, "config reminders") == "dm"
    elif setting in OWNER_SUMMARY_SETTINGS:
        team.owner_summary_day = parse_summary_day(value)
    else:
        raise UserError(
            f"Unknown setting “{setting}”. Settings: channel, timezone, digest, daystart, "
            "days, codes, overdue, owner, followup, dates, reminders, owner-summary. "
            "Example: `/touchpoint config timezone Europe/London`."
        )
    return (setting,)


OWNER_SUMMARY_SETTINGS = frozenset(
    {"owner-summary", "ownersummary", "owner_summary", "owner-summaries", "ownersummaries"}
)


def parse_summary_day(value: str) -> int | None:
    """`mon` .. `sun` (or the day's full name): the owners' weekly summary comes that day, at
    the digest time; `off` stops it, `on` brings it back on Monday."""
    word = value.strip().lower()
    if word in {"off", "no", "none", "never"}:
        return None
    if word in {"on", "yes"}:
        return 0
    for day, name in enumerate(n.lower() for n in WEEKDAY_NAMES):
        if len(word) >= 3 and (name.startswith(word) or word == f"{name}s"):
            return day
    raise UserError(
        "Write `/touchpoint config owner-summary mon` (any weekday: the owners' weekly "
        "summary comes that day at the digest time) or `owner-summary off`."
    )


def parse_timezone(value: str) -> str:
    name = value.strip()
    try:
        if not name or "\x00" in name or ".." in name:
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserError(
            f"Unknown timezone “{value}”. Use an IANA name such as Europe/London, "
            "America/New_York or Asia/Tokyo."
        ) from None
    return name


MENTION = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>|@([A-Za-z0-9._-]+)")
MAX_AREA_CHARS = 40


def edit_owners(owners: dict[str, str], value: str) -> dict[str, str]:
    """`billing @U123` names billing's owner; `billing none` removes the area."""
    area, _, who = value.rpartition(" ")
    area = " ".join(area.strip().strip("\"'“”").split()).lower()
    usage = "Write `/touchpoint config owner billing @someone` (or `owner billing none`)."
    if not area or len(area) > MAX_AREA_CHARS:
        raise UserError(usage)
    if who.lower() == "none":
        if area not in owners:
            raise UserError(f"“{area}” has no owner. Areas: {', '.join(owners) or 'none yet'}.")
        return {a: o for a, o in owners.items() if a != area}
    match = MENTION.fullmatch(who.strip())
    if not match:
        raise UserError(usage)
    return {**owners, area: match.group(1) or match.group(2)}


def edit_followups(team: Team, value: str, now: datetime) -> dict[str, str]:
    """`"no answer" = call back next working day`; `"no answer" = none` removes it."""
    code_text, sep, rule = value.partition("=")
    code = team.find_code(code_text.strip().strip("\"'“”"))
    usage = 'Write `/touchpoint config followup "no answer" = call back next working day`.'
    if not sep:
        raise UserError(usage)
    if code is None:
        raise UserError(unknown_code_message(team, code_text.strip().strip("\"'“”")))
    rule = " ".join(rule.split())
    if rule.lower() == "none":
        return {c: r for c, r in team.code_followups.items() if c != code.lower()}
    if not rule or len(rule) > MAX_ITEM_CHARS:
        raise UserError(usage)
    parse_followup(rule, team, now)  # a rule that cannot be read fails now, not at recording
    return {**team.code_followups, code.lower(): rule}


def parse_date_order(value: str) -> DateOrder | None:
    """`dmy` (27/11 is 27 November), `mdy` (11/27), or `auto` (follow the time zone)."""
    word = value.strip().lower().replace("/", "").replace("-", "")
    if word in DATE_ORDERS:
        return word
    if word in {"auto", "default"}:
        return None
    raise UserError(
        "Write `/touchpoint config dates dmy` (27/11 is 27 November), "
        "`/touchpoint config dates mdy` (11/27 is 27 November) or `dates auto` "
        "(month first in United States time zones, day first elsewhere)."
    )


ROUTES = {
    "dm": "dm",
    "dms": "dm",
    "direct": "dm",
    "direct message": "dm",
    "direct messages": "dm",
    "private": "dm",
    "channel": "channel",
    "team channel": "channel",
}


def parse_route(value: str, command: str, *, allow_team: bool = False) -> str:
    """Where reminders go: "dm" or "channel" (and "team", the team's choice, for a
    person's own setting)."""
    word = " ".join(value.lower().split())
    if allow_team and word in {"team", "default", "reset"}:
        return "team"
    if word in ROUTES:
        return ROUTES[word]
    choices = "`dm`, `channel` or `team`" if allow_team else "`dm` or `channel`"
    raise UserError(f"Write `/touchpoint {command} dm` (or {choices}).")


def parse_switch(value: str, setting: str) -> bool:
    word = value.strip().lower()
    if word in {"on", "yes", "true", "1"}:
        return True
    if word in {"off", "no", "false", "0"}:
        return False
    raise UserError(
        f"Write `/touchpoint config {setting} on` or `/touchpoint config {setting} off`."
    )


def parse_clock_time(value: str, what: str) -> time:
    text = value.strip().lower().replace(".", ":")
    suffix = ""
    if text.endswith(("am", "pm")):
        text, suffix = text[:-2].strip(), text[-2:]
    hours, _, minutes = text.partition(":")
    digits = f"{hours}{minutes}"
    if hours.isdigit() and (minutes.isdigit() or not minutes) and digits.isascii():  # not "²"
        h, m = int(hours), int(minutes or 0)
        if suffix:
            h = h % 12 + (12 if suffix == "pm" else 0) if 1 <= h <= 12 else 99
        if 0 <= h < 24 and 0 <= m < 60:
            return time(h, m)
    raise UserError(f"Can't read the {what} “{value}”. Write it like 09:00, 17:30 or 8am.")


def parse_weekdays(value: str) -> tuple[int, ...]:
    text = value.strip().lower()
    named = {"weekdays": (0, 1, 2, 3, 4), "daily": tuple(range(7)), "everyday": tuple(range(7))}
    if text in named:
        return named[text]
    days: set[int] = set()
    for part in text.replace(",", " ").split():
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _weekday(first, value), _weekday(last, value)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
        else:
            days.add(_weekday(part, value))
    if not days:
        raise UserError("Name at least one day: `days mon-fri`, `days weekdays` or `days daily`.")
    return tuple(sorted(days))


def _weekday(word: str, value: str) -> int:
    key = word[:3]
    if len(word) >= 3 and key in WEEKDAYS:
        return WEEKDAYS.index(key)
    raise UserError(f"Can't read the days “{value}”. Write them like `mon-fri` or `mon,wed,fri`.")


def edit_codes(codes: tuple[str, ...], value: str) -> tuple[str, ...]:
    verb, _, rest = value.partition(" ")
    code = " ".join(rest.strip().strip("\"'“”").split())
    verb = verb.lower()
    if verb not in {"add", "remove"} or not code:
        raise UserError(
            'Write `/touchpoint config codes add "call back later"` or '
            '`/touchpoint config codes remove "no answer"`.'
        )
    existing = {c.lower(): c for c in codes}
    if verb == "add":
        if len(code) > MAX_CODE_CHARS:
            raise UserError(f"A completion code can have at most {MAX_CODE_CHARS} characters.")
        if code.lower() in existing:
            raise UserError(f"“{existing[code.lower()]}” is already a completion code.")
        if len(codes) >= MAX_CODES:
            raise UserError(f"A team can have at most {MAX_CODES} completion codes.")
        return (*codes, code)
    if code.lower() not in existing:
        raise UserError(f"“{code}” is not one of this team's codes: {', '.join(codes)}.")
    return tuple(c for c in codes if c.lower() != code.lower())


NEXT_WORKING_DAY = "next working day"
# "in 2 days", "in three working days", "tomorrow": a follow-up counts working days.
_WORKING_DAYS = re.compile(
    r"(?P<text>.*?)\s+(?:(?:in|after)\s+(?P<n>\d{1,3}|an?|one|two|three|four|five|six|seven|"
    r"eight|nine|ten)\s+(?:working\s+|business\s+|work\s+)?days?|(?P<tomorrow>tomorrow))",
    re.IGNORECASE,
)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUMBERS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10}


def parse_followup(rule: str, team: Team, now: datetime) -> tuple[str, datetime | None]:
    """ "call back next working day" -> ("call back", start of the next working day).
    Days count working days ("try again in 2 days" from a Thursday is due Monday), and
    any other due phrase the parser reads ("fri", "next week") that lands on a day off
    moves to the start of the next working day."""
    rule = " ".join(rule.split())
    if rule.lower().endswith(NEXT_WORKING_DAY):
        text = rule[: -len(NEXT_WORKING_DAY)].strip()
        return text or rule, next_working_day_start(team, now)
    counted = _WORKING_DAYS.fullmatch(rule)
    if counted and counted.group("text").strip():
        word = (counted.group("n") or "1").lower()
        days = int(word) if word.isdigit() else _NUMBERS[word]
        return counted.group("text").strip(), add_working_days(team, now, max(1, days))
    draft = parse_form(
        FormFields(our_promises=rule),
        now=now,
        **reading(team),
    )
    promise = draft.our_promises[0]
    return promise.text, on_a_working_day(team, promise.due_at)


def unknown_code_message(team: Team, code: str) -> str:
    codes = ", ".join(f"“{c}”" for c in team.completion_codes) or "none yet"
    return (
        f"“{code}” is not one of this team's completion codes ({codes}). "
        f'Add it with `/touchpoint config codes add "{code}"`.'
    )
