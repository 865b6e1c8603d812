"""The team's settings as shown, the help and the did-you-mean replies."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.content import COMMAND
from bot.core.dates import default_date_order
from bot.core.entry_labels import LABEL_HELP
from bot.core.model import WEEKDAY_NAMES, WEEKDAYS, Kind, Team
from bot.core.replies import (
    Line,
    Reply,
    ReplyKind,
    Section,
    Strong,
    Text,
    UserRef,
    line,
)
from bot.core.services import TeamConfigured


def team_settings(team: Team, undelivered: Section | None = None) -> Reply:
    """The team's settings; ``undelivered`` says what could not be sent lately and why."""
    days = ",".join(WEEKDAYS[d] for d in team.digest_days)
    lines = [
        line("Team channel: ", team.channel or "(not set: the first channel used becomes it)"),
        line("Timezone: ", team.timezone),
        line("Digest: ", f"{team.digest_time:%H:%M} on {days}"),
        line("Working day starts: ", f"{team.day_start:%H:%M} (dates without a time are due then)"),
        line("Numeric dates: ", _date_order_shown(team)),
        line("Completion codes: ", ", ".join(team.completion_codes) or "(none)"),
        line(
            "Overdue promises: ",
            "reminded again each working day" if team.remind_overdue else "reminded once",
        ),
        line(
            "Reminders of our promises: ",
            "by direct message to each owner" if team.dm_reminders else "in the team channel",
            " (anyone can choose for themselves: `/touchpoint reminders dm|channel|team`)",
        ),
        line("Owners' weekly summary: ", _owner_summary_shown(team)),
    ]
    if team.area_owners:
        owners: list[Text | UserRef] = [Text("Area owners: ")]
        for n, (area, owner) in enumerate(sorted(team.area_owners.items())):
            owners += [Text(f"{', ' if n else ''}{area} → "), UserRef(owner)]
        lines.append(Line(tuple(owners)))
    else:
        lines.append(line("Area owners: (none; `/touchpoint config owner billing @someone`)"))
    followups = ", ".join(f"“{c}” → {r}" for c, r in sorted(team.code_followups.items()))
    lines.append(line("Code follow-ups: ", followups or "(none)"))
    lines.append(line(f"`{COMMAND} config help` explains each setting and how to change it."))
    sections = (Section(None, tuple(lines)),) + ((undelivered,) if undelivered else ())
    return Reply("Settings", sections, kind=ReplyKind.INFO)


def _owner_summary_shown(team: Team) -> str:
    if team.owner_summary_day is None:
        return "off (`/touchpoint config owner-summary mon` turns it on)"
    day = WEEKDAY_NAMES[team.owner_summary_day]
    return f"{day}s at {team.digest_time:%H:%M}, by direct message to each touchpoint owner"


def _date_order_shown(team: Team) -> str:
    order = team.date_order or default_date_order(team.timezone)
    shown = "day first (3/12 is 3 Dec)" if order == "dmy" else "month first (12/3 is 3 Dec)"
    return shown if team.date_order else f"{shown}, from the time zone"


def reminder_route(team: Team, user: str) -> Reply:
    """Where the person's reminders go now, and whose choice that is."""
    where = "by direct message" if team.reminds_by_dm(user) else "in the team channel"
    whose = "your choice" if user in team.reminder_prefs else "the team's choice"
    change = "`/touchpoint reminders dm`, `channel`, or `team` to follow the team"
    return Reply(
        "Your reminders",
        (Section(None, (line(f"Your reminders come {where} ({whose}). Change with {change}."),)),),
        kind=ReplyKind.INFO,
    )


def configured(result: TeamConfigured) -> Reply:
    base = team_settings(result.team)
    return Reply(f"Updated {', '.join(result.changed)}", base.sections, kind=ReplyKind.INFO)


CONFIG_HELP = (
    ("config", "show every setting"),
    ("config channel #customers", "the team channel for reminders and the digest"),
    ("config timezone Europe/London", "the team's timezone (an IANA name)"),
    ("config digest 08:30", "when the daily digest is posted"),
    ("config days mon-fri", "the working days: digest days, and what “working day” means"),
    ("config daystart 09:00", "when a date without a time is due"),
    ("config overdue off", "remind an overdue promise once, not every working day (`on` again)"),
    (
        "config reminders dm · reminders channel",
        "reminders of our promises by direct message to each owner, or in the team channel",
    ),
    (
        "config owner-summary mon · owner-summary off",
        "the day each touchpoint owner gets a private weekly summary of their touchpoints, "
        "at the digest time (`off`: none)",
    ),
    (
        "config dates mdy · dates dmy · dates auto",
        "read 10/12 as 12 October, as 10 December, or as the time zone's custom",
    ),
    (
        'config codes add "callback booked" · codes remove "no answer"',
        "the completion codes a touchpoint can end with",
    ),
    (
        "config owner billing @priya · owner billing none",
        "an area's owner, who is told of challenges passed on to it (`pass C7 billing`)",
    ),
    (
        'config followup "no answer" = call back next working day · followup "no answer" = none',
        "a promise a completion code adds by itself, with its due date",
    ),
)


def config_help() -> Reply:
    lines = tuple(line(Strong(f"{COMMAND} {cmd}"), f" — {what}") for cmd, what in CONFIG_HELP)
    return Reply("Team settings", (Section(None, lines),), kind=ReplyKind.HELP)


HELP_LINES = (
    ("/touchpoint acme", "open the form for a touchpoint with Acme (`+acme`: a new customer)"),
    (
        "/touchpoint acme call | ch: slow internet | we: send quote by fri | they: read "
        "brochure | diff: needs fibre | code: meeting booked",
        "record in one line (or one `label: items` per line; items separated by ;)",
    ),
    ("/touchpoint show acme [page 2]", "the customer record (a long one page by page)"),
    ("/touchpoint promises [mine|ours|theirs|acme]", "open promises"),
    ("/touchpoint challenges [acme]", "open challenges"),
    (
        "/touchpoint kept P12 · notkept P12 · cancel P12",
        "settle promise P12 (several at once: `kept P12 P13`; a note may follow)",
    ),
    ("/touchpoint reopen P12", "reopen a settled promise (or an addressed challenge: C7)"),
    ("/touchpoint snooze P12 tomorrow · due P12 fri 3pm", "remind later / change the due date"),
    (
        "/touchpoint addressed C7 [note] · reopen C7 · pass C7 billing team",
        "act on challenge C7",
    ),
    (
        "/touchpoint undo",
        "revert your last change (within 15 minutes): a settle, a new due date, an edit",
    ),
    (
        "/touchpoint edit T12",
        "correct a touchpoint: its form opens filled in, and saving corrects it in place "
        "(by text: `edit T12 <entry>`)",
    ),
    ("/touchpoint delete T12", "delete a touchpoint recorded by mistake (asks first)"),
    ("/touchpoint alias acme corp = ACME Ltd", "another name for a customer"),
    ("/touchpoint map", "the team's touchpoints by journey stage, moments of truth marked ★"),
    (
        '/touchpoint map add "first invoice" email-out purchase truth active @someone',
        "add a touchpoint to the map (also: change, owner, truth, retire, restore; "
        'admins only) · `map note "first invoice" ...` an improvement note · '
        "`map stages pre-purchase, purchase, onboarding, post-purchase` the team's stages",
    ),
    ("/touchpoint link promise 32 3 · link challenge 9 4", "close a repeat as the same as #3"),
    ("/touchpoint digest", "today's digest, now"),
    ("/touchpoint calendar [team|revoke]", "your (or the team's) calendar feed link"),
    ("/touchpoint reminders dm|channel|team", "where your reminders come"),
    ("/touchpoint stats [mine|acme]", "promises kept on time, challenge age, recurring needs"),
    ("/touchpoint stats week [purchase]", "the 8-week chart, of the team or of one journey stage"),
    ("/touchpoint config", "the team's settings; `config help` explains each one"),
    *((f"{COMMAND} {cmd}", what) for cmd, what in CONFIG_HELP[1:]),
    ("/touchpoint help", "all of the above"),
)


def help_reply() -> Reply:
    usage = tuple(line(Strong(cmd), f" — {what}") for cmd, what in HELP_LINES)
    labels = line(
        f"Labels: {LABEL_HELP}. Due dates go at the end of a promise: “by fri”, "
        "“tomorrow 10am”, “3 Dec”, “in 2 weeks”, “end of month”; “no date” keeps one undated. "
        "`we: @priya send quote` gives a promise to a colleague. Numbers: P12 a promise, "
        "C7 a challenge, T3 a touchpoint."
    )
    kinds = line(
        "Kinds: " + ", ".join(k.value for k in Kind) + ". Journey stages: pre-purchase, "
        "purchase, post-purchase (`stage: post`); satisfaction `csat: 1-5`; effort `ces: 1-7`."
    )
    return Reply(
        "How to use Touchpoint",
        (Section(None, usage), Section(None, (labels, kinds))),
        kind=ReplyKind.HELP,
    )


def did_you_mean(text: str, commands: Sequence[str], question: bool) -> Reply:
    """The nearest commands for a question or a mistyped command."""
    shown = " or ".join(f"`{COMMAND} {c}`" for c in commands)
    quoted = text if len(text) <= 60 else text[:59] + "…"
    if question:
        lines = [
            line(f"Touchpoint answers commands rather than questions. Did you mean {shown}?"),
            line(f"`{COMMAND} help` lists every command."),
        ]
    else:
        lines = [
            line(f"“{quoted}” is not a command. Did you mean {shown}?"),
            line(
                f"To record a touchpoint with a customer called “{quoted}”, write "
                f"`{COMMAND} +{quoted}`."
            ),
        ]
    return Reply("Did you mean…?", (Section(None, tuple(lines)),), kind=ReplyKind.ERROR)
