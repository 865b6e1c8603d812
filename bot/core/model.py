"""The domain: teams, customers, touchpoints and what they record.

Pure Python. Status changes go through methods that append to an item's history, so
the record always says who did what and when; nothing is overwritten.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal

from bot.core.errors import UserError


class Kind(enum.StrEnum):
    CALL = "call"
    VIDEO = "video"
    MEETING = "meeting"
    EMAIL_IN = "email-in"
    EMAIL_OUT = "email-out"
    VISIT = "visit"
    CHAT = "chat"
    SOCIAL = "social"
    WEB = "web"  # a visit to the website: a passive touchpoint the customer starts
    OTHER = "other"


KIND_ALIASES: dict[str, Kind] = {
    **{k.value: k for k in Kind},
    "phone": Kind.CALL,
    "phone call": Kind.CALL,
    "video call": Kind.VIDEO,
    "zoom": Kind.VIDEO,
    "teams": Kind.VIDEO,
    "meet": Kind.MEETING,
    "email in": Kind.EMAIL_IN,
    "email-in": Kind.EMAIL_IN,
    "inbound email": Kind.EMAIL_IN,
    "email out": Kind.EMAIL_OUT,
    "email-out": Kind.EMAIL_OUT,
    "outbound email": Kind.EMAIL_OUT,
    "email": Kind.EMAIL_OUT,
    "site visit": Kind.VISIT,
    "live chat": Kind.CHAT,
    "social media": Kind.SOCIAL,
    "website": Kind.WEB,
    "website visit": Kind.WEB,
    "web visit": Kind.WEB,
}


def parse_kind(text: str) -> Kind | None:
    """The kind a user wrote ("video call", "email in"), or None when it is not one."""
    return KIND_ALIASES.get(" ".join(text.lower().replace("_", " ").split()))


class JourneyStage(enum.StrEnum):
    PRE_PURCHASE = "pre-purchase"
    PURCHASE = "purchase"
    POST_PURCHASE = "post-purchase"


STAGE_ALIASES: dict[str, JourneyStage] = {
    **{s.value: s for s in JourneyStage},
    "pre": JourneyStage.PRE_PURCHASE,
    "prepurchase": JourneyStage.PRE_PURCHASE,
    "pre purchase": JourneyStage.PRE_PURCHASE,
    "buying": JourneyStage.PURCHASE,
    "post": JourneyStage.POST_PURCHASE,
    "postpurchase": JourneyStage.POST_PURCHASE,
    "post purchase": JourneyStage.POST_PURCHASE,
    "after sale": JourneyStage.POST_PURCHASE,
}
SATISFACTION_RANGE = (1, 5)  # CSAT: 1 very dissatisfied .. 5 very satisfied
# CES on the common 7-point scale, higher is easier: 1 very difficult .. 7 very easy.
# (Stored values from before were "1 very easy .. 7 very hard"; migration 0007 turned each
# e into 8 - e, and an export of version 1 is read the same way.)
EFFORT_RANGE = (1, 7)
PROMOTER_RANGE = (0, 10)  # NPS: how likely to recommend us, 0 not at all .. 10 extremely


def parse_stage(text: str) -> JourneyStage | None:
    return STAGE_ALIASES.get(" ".join(text.lower().replace("_", " ").split()))


def stage_key(text: str) -> str:
    """How a stage is written down: a standard one by its own name ("post" ->
    "post-purchase"), a team's own in lower case with single spaces ("Renewal  Time" ->
    "renewal time")."""
    standard = parse_stage(text)
    return standard.value if standard else " ".join(text.lower().replace("_", " ").split())


class Direction(enum.StrEnum):
    OURS = "ours"
    THEIRS = "theirs"


class PromiseStatus(enum.StrEnum):
    OPEN = "open"
    KEPT = "kept"
    NOT_KEPT = "not_kept"
    CANCELLED = "cancelled"


class ChallengeStatus(enum.StrEnum):
    OPEN = "open"
    PASSED_ON = "passed_on"
    ADDRESSED = "addressed"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_COMPLETION_CODES = (
    "no answer",
    "left message",
    "meeting booked",
    "follow-up needed",
    "resolved",
)
MAX_DIFFERENCE_WORDS = 12
MAX_ITEM_CHARS = 300
MAX_NOTES_CHARS = 10_000  # a real meeting note or a pasted email thread
MAX_ITEMS_PER_LIST = 50
MAX_STAGE_CHARS = 16  # the stage column's size; "post-purchase" is 13


class InvalidTransition(UserError):
    """A status change that makes no sense from the item's current status."""


@dataclass(frozen=True)
class Event:
    """One entry of an item's history: who did what, when."""

    at: datetime
    actor: str
    action: str
    detail: str = ""
    # What the change replaced, so it can be undone (a new due date keeps the old one);
    # "" when there is nothing to restore.
    previous: str = ""


# How a team writes numeric dates: "dmy" (27/11 is 27 November) or "mdy" (11/27).
DateOrder = Literal["dmy", "mdy"]


@dataclass
class Team:
    """A tenant: a Slack workspace, a Discord server or the local console team."""

    id: str
    name: str
    timezone: str = "UTC"
    channel: str | None = None
    digest_time: time = time(9, 0)
    day_start: time = time(9, 0)
    digest_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    completion_codes: tuple[str, ...] = DEFAULT_COMPLETION_CODES
    # Remind overdue promises again once a working day until they are settled.
    remind_overdue: bool = True
    # Touchpoint ownership: an area ("billing", "field visits") -> the user who owns it and
    # receives the challenges passed on to it.
    area_owners: dict[str, str] = field(default_factory=dict)
    # Completion-code follow-ups: a code ("no answer") -> the promise it creates
    # ("call back next working day").
    code_followups: dict[str, str] = field(default_factory=dict)
    # How numeric dates are read: "dmy" (27/11) or "mdy" (11/27); None follows the zone.
    date_order: DateOrder | None = None
    created_at: datetime | None = None
    # Where reminders of our promises go: the team channel, or each owner's direct
    # messages. ``dm_reminders`` is the team's choice; a person's own choice
    # (user -> "dm" or "channel") wins over it.
    dm_reminders: bool = False
    reminder_prefs: dict[str, str] = field(default_factory=dict)
    # The weekday (Monday is 0) each touchpoint owner gets their weekly summary, at the
    # digest time; None: the team turned the owners' summaries off.
    owner_summary_day: int | None = 0

    def find_code(self, text: str) -> str | None:
        wanted = " ".join(text.lower().split())
        for code in self.completion_codes:
            if code.lower() == wanted:
                return code
        return None

    def is_working_day(self, weekday: int) -> bool:
        return weekday in self.digest_days

    def reminds_by_dm(self, user: str) -> bool:
        """Whether ``user``'s reminders go to their direct messages."""
        choice = self.reminder_prefs.get(user)
        return self.dm_reminders if choice is None else choice == "dm"


def slugify(name: str) -> str:
    """ "Acme Corp." -> "acme-corp"; accents folded, punctuation dropped."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if slug:
        return slug
    # Names in scripts with no ASCII folding still need a stable, unique-per-name slug:
    # every code point, never cut short (a cut made two long names sharing a beginning,
    # a head office and its branch, into one customer).
    return "-".join(f"{ord(c):x}" for c in name.strip().lower() if not c.isspace()) or "x"


def search_key(text: str) -> str:
    """``text`` as a search compares it, the same in every script: Unicode-normalised,
    case-folded ("Ромашка" and "РОМАШКА" -> "ромашка", "Straße" -> "strasse") and with its
    spaces collapsed. The database keeps each name's key, since SQLite's lower() (and
    PostgreSQL's under the C locale) folds ASCII letters only."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def has_ascii_slug(name: str) -> bool:
    """Whether ``slugify(name)`` spells the name (ASCII letters or digits after folding)
    rather than coding its characters: only a spelled slug means anything to a search."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.search(r"[A-Za-z0-9]", folded) is not None


@dataclass
class Customer:
    team_id: str
    name: str
    slug: str
    aliases: tuple[str, ...] = ()
    id: int | None = None
    created_at: datetime | None = None


@dataclass
class Challenge:
    team_id: str
    customer_id: int
    text: str
    raised_by: str
    raised_at: datetime
    touchpoint_id: int | None = None
    status: ChallengeStatus = ChallengeStatus.OPEN
    passed_to: str | None = None
    history: list[Event] = field(default_factory=list)
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not ChallengeStatus.ADDRESSED

    def address(self, actor: str, at: datetime, note: str = "") -> None:
        if self.status is ChallengeStatus.ADDRESSED:
            raise InvalidTransition(f"Challenge C{self.id} is already addressed.")
        self.status = ChallengeStatus.ADDRESSED
        self.history.append(Event(at, actor, "addressed", note))

    def reopen(self, actor: str, at: datetime, note: str = "") -> None:
        if self.status is not ChallengeStatus.ADDRESSED:
            raise InvalidTransition(
                f"Challenge C{self.id} is still open; only addressed ones reopen."
            )
        self.status = ChallengeStatus.PASSED_ON if self.passed_to else ChallengeStatus.OPEN
        self.history.append(Event(at, actor, "reopened", note))

    def pass_on(self, to: str, actor: str, at: datetime) -> None:
        if self.status is ChallengeStatus.ADDRESSED:
            raise InvalidTransition(
                f"Challenge C{self.id} is already addressed; reopen it first "
                f"(`/touchpoint reopen C{self.id}`), then pass it on."
            )
        to = to.strip()
        if not to:
            raise UserError("Say who to pass the challenge on to, e.g. `pass 12 billing team`.")
        self.status = ChallengeStatus.PASSED_ON
        self.passed_to = to
        self.history.append(Event(at, actor, "passed_on", to))

    def undo(self, actor: str, at: datetime) -> str:
        """Revert the last change (``actor``'s, checked by the caller); the history keeps
        both it and an "undone" event. Returns the action undone."""
        action = _undoable(self.history, actor, f"C{self.id}")
        # Undoing an address is a reopening, and the reverse, in the history too: the
        # measures count open challenges from those events.
        if action == "addressed":
            self.status = ChallengeStatus.PASSED_ON if self.passed_to else ChallengeStatus.OPEN
            self.history.append(Event(at, actor, "reopened", UNDO))
            return action
        if action == "reopened":
            self.status = ChallengeStatus.ADDRESSED
            self.history.append(Event(at, actor, "addressed", UNDO))
            return action
        if action == "passed_on":
            earlier = [e.detail for e in self.history[:-1] if e.action == "passed_on"]
            self.passed_to = earlier[-1] if earlier else None
            if self.status is not ChallengeStatus.ADDRESSED:
                self.status = ChallengeStatus.PASSED_ON if earlier else ChallengeStatus.OPEN
        else:
            raise InvalidTransition(f"C{self.id} was last {action}; that can't be undone.")
        self.history.append(Event(at, actor, "undone", action))
        return action

    def opened_at(self) -> datetime:
        """When the challenge last became open (its age counts from here)."""
        for event in reversed(self.history):
            if event.action == "reopened":
                return event.at
        return self.raised_at


@dataclass
class Promise:
    team_id: str
    customer_id: int
    direction: Direction
    text: str
    owner: str
    made_by: str
    made_at: datetime
    due_at: datetime | None = None
    touchpoint_id: int | None = None
    status: PromiseStatus = PromiseStatus.OPEN
    # The next instant the reminder engine should act on this promise; None when nothing
    # is pending (no due date, or settled). Snoozing moves it, settling clears it.
    remind_at: datetime | None = None
    reminders_sent: int = 0
    history: list[Event] = field(default_factory=list)
    id: int | None = None
    # Until when keeping it counts as on time: the due instant, or for a date given without
    # a time (due at the start of the working day) the end of that day. Kept apart from
    # due_at because the reminder still comes at the day's start.
    keep_by: datetime | None = None

    def __post_init__(self) -> None:
        if self.remind_at is None and self.status is PromiseStatus.OPEN and not self.history:
            self.remind_at = self.due_at
        if self.keep_by is None:
            self.keep_by = self.due_at

    @property
    def is_open(self) -> bool:
        return self.status is PromiseStatus.OPEN

    def is_overdue(self, now: datetime) -> bool:
        """Open past the time it had to be kept by (a date without a time: past that day)."""
        deadline = self.keep_by or self.due_at
        return self.is_open and deadline is not None and deadline <= now

    def settled(self) -> Event | None:
        """The event that settled the promise (kept / not kept / cancelled), if any."""
        if self.is_open:
            return None
        for event in reversed(self.history):
            if event.action in {"kept", "not_kept", "cancelled"}:
                return event
        return None

    def _settle(self, status: PromiseStatus, actor: str, at: datetime, note: str) -> None:
        if not self.is_open:
            settled = self.settled()
            by = f" by {settled.actor}" if settled else ""
            raise InvalidTransition(
                f"Promise P{self.id} is already {self.status.value.replace('_', ' ')}{by}."
            )
        self.status = status
        self.remind_at = None
        self.history.append(Event(at, actor, status.value, note))

    def keep(self, actor: str, at: datetime, note: str = "") -> None:
        self._settle(PromiseStatus.KEPT, actor, at, note)

    def not_keep(self, actor: str, at: datetime, note: str = "") -> None:
        self._settle(PromiseStatus.NOT_KEPT, actor, at, note)

    def cancel(self, actor: str, at: datetime, note: str = "") -> None:
        self._settle(PromiseStatus.CANCELLED, actor, at, note)

    def reopen(self, actor: str, at: datetime) -> None:
        if self.is_open:
            raise InvalidTransition(f"Promise P{self.id} is already open.")
        self.status = PromiseStatus.OPEN
        self.remind_at = self.due_at if self.due_at and self.due_at > at else at
        self.reminders_sent = 0
        self.history.append(Event(at, actor, "reopened"))

    def undo(self, actor: str, at: datetime) -> str:
        """Revert the last change (``actor``'s, checked by the caller); the history keeps
        both it and an "undone" event. Returns the action undone."""
        action = _undoable(self.history, actor, f"P{self.id}")
        if action in {"kept", "not_kept", "cancelled"}:
            self.status = PromiseStatus.OPEN
            self.remind_at = self.due_at if self.due_at and self.due_at > at else None
        elif action == "reopened":
            settles = [e.action for e in self.history[:-1] if e.action in _SETTLED]
            self.status = PromiseStatus(settles[-1]) if settles else PromiseStatus.KEPT
            self.remind_at = None
        elif action == "snoozed":
            earlier = [e.detail for e in self.history[:-1] if e.action == "snoozed"]
            self.remind_at = datetime.fromisoformat(earlier[-1]) if earlier else self.due_at
        elif action == "rescheduled" and self.history[-1].previous:
            # Back to the old date, and its reminder as it was planned: the new date's
            # reminder is dropped with it.
            self._restore(self.history[-1].previous)
        else:
            raise InvalidTransition(
                f"P{self.id}'s due date was changed; set it again with `due P{self.id} ...`."
            )
        self.history.append(Event(at, actor, "undone", action))
        return action

    def snooze(self, until: datetime, actor: str, at: datetime) -> None:
        if not self.is_open:
            raise InvalidTransition(f"Promise P{self.id} is settled; there is nothing to snooze.")
        if until <= at:
            raise UserError("A snooze must end in the future.")
        self.remind_at = until
        # A reminder someone asked for is a fresh one, not an overdue repeat (which
        # `config overdue off` drops).
        self.reminders_sent = 0
        self.history.append(Event(at, actor, "snoozed", until.isoformat()))

    def reschedule(
        self, due: datetime, actor: str, at: datetime, keep_by: datetime | None = None
    ) -> None:
        if not self.is_open:
            raise InvalidTransition(
                f"Promise P{self.id} is settled; reopen it first (`/touchpoint reopen P{self.id}`) "
                "to change its date."
            )
        if due <= at:
            raise UserError("The new due date is in the past; pick a future one.")
        replaced = self._dates()
        self.due_at = due
        self.keep_by = keep_by or due
        self.remind_at = due
        self.reminders_sent = 0
        self.history.append(Event(at, actor, "rescheduled", due.isoformat(), replaced))

    def _dates(self) -> str:
        """The due date and reminder plan, written down to be restored by ``_restore``:
        due, on time until, next reminder (ISO instants, "-" for none), reminders sent."""
        dates = (self.due_at, self.keep_by, self.remind_at)
        instants = [d.isoformat() if d else "-" for d in dates]
        return " ".join([*instants, str(self.reminders_sent)])

    def _restore(self, written: str) -> None:
        *written_dates, sent = written.split(" ")
        instants = [None if d == "-" else datetime.fromisoformat(d) for d in written_dates]
        due, keep_by, remind_at = instants
        self.due_at, self.keep_by, self.remind_at = due, keep_by, remind_at
        self.reminders_sent = int(sent)

    def overdue_by(self, now: datetime) -> timedelta:
        deadline = self.keep_by or self.due_at
        if deadline is None or now <= deadline:
            return timedelta(0)
        return now - deadline


_SETTLED = ("kept", "not_kept", "cancelled")


UNDO = "undo"  # the detail of an event that undid the one before it


def _undoable(history: list[Event], actor: str, ref: str) -> str:
    last = history[-1] if history else None
    if last is None or last.actor != actor:
        raise InvalidTransition(f"{ref} was not last changed by you; nothing was undone.")
    if last.action == "undone" or last.detail == UNDO:
        raise InvalidTransition(f"Your last change to {ref} is already undone.")
    return last.action


@dataclass
class Touchpoint:
    team_id: str
    customer_id: int
    author: str
    occurred_at: datetime
    kind: Kind = Kind.OTHER
    code: str | None = None
    notes: str = ""
    difference: str | None = None
    # A journey stage: a JourneyStage value or one of the team's own (see ``stage_key``).
    stage: str | None = None
    satisfaction: int | None = None  # CSAT 1-5
    effort: int | None = None  # CES 1-7, 7 very easy
    promoter: int | None = None  # NPS answer 0-10
    # The entry of the team's touchpoint map this was (``MapEntry.id``), if named.
    map_entry_id: int | None = None
    contacts: tuple[Contact, ...] = ()  # who at the customer took part
    challenges: list[Challenge] = field(default_factory=list)
    promises: list[Promise] = field(default_factory=list)
    id: int | None = None


@dataclass
class TouchpointEdit:
    """One edit of a stored touchpoint, kept so it can be undone and shown: who, when, and
    ``previous``, what the edit replaced (written by ``bot.core.editing``)."""

    team_id: str
    touchpoint_id: int
    at: datetime
    actor: str
    previous: str
    undone_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Contact:
    """Someone at the customer: "Jane Smith (CFO)" -> name "Jane Smith", role "CFO"."""

    name: str
    role: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


@dataclass
class MapNote:
    """An improvement note on a touchpoint of the map ("VAT shown wrong for EU customers")."""

    at: datetime
    author: str
    text: str


@dataclass
class MapEntry:
    """One touchpoint on the team's map: a place where the customer meets the team.

    ``owner`` is a person (their platform user id) or an area name ("billing"), whoever
    watches how it goes and works to improve it. A moment of truth is where the customer
    decides whether to stay. Active touchpoints are started by the team, passive ones by the
    customer. Retired entries stay (touchpoints recorded against them keep their name) but
    take no new touchpoints.
    """

    team_id: str
    name: str
    channel: Kind
    stage: str
    owner: str | None = None
    owner_is_person: bool = False
    moment_of_truth: bool = False
    active: bool = True
    retired_at: datetime | None = None
    created_at: datetime | None = None
    notes: list[MapNote] = field(default_factory=list)
    id: int | None = None

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def answers_to(self, text: str) -> bool:
        return map_key(text) == map_key(self.name)


def map_key(name: str) -> str:
    """Map entries match ignoring case, spacing and quotes: "First  Invoice" = "first invoice"."""
    return " ".join(name.strip().strip("\"'“”").lower().split())
