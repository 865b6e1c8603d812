"""What the owners' weekly summary says (``bot.core.owner_summaries``): one line per
touchpoint the person owns, with its week, its trend and what is still open."""

from __future__ import annotations

from bot.core.content import COMMAND
from bot.core.map_content import note_spans, score_parts
from bot.core.map_measures import OPEN_HORIZON
from bot.core.owner_summaries import EARLIER_WEEKS, OwnedPlace, OwnerSummary
from bot.core.replies import (
    Line,
    Reply,
    ReplyKind,
    Section,
    Span,
    Strong,
    Text,
    UserRef,
    When,
    line,
)


def owner_summary(summary: OwnerSummary) -> Reply:
    """Private to the owner (or, where no direct message is possible, in the team channel
    with them mentioned, as their reminders are)."""
    tz = summary.team.timezone
    opening = line(
        UserRef(summary.owner),
        ", this is how the touchpoints you own went in the week to ",
        When(summary.end, tz),
        ":",
    )
    lines = tuple(place_line(place, tz) for place in summary.places)
    closing = [
        f"Trends (↑ ↓) compare with the {EARLIER_WEEKS} weeks before; promises are those "
        f"made there in the last {EARLIER_WEEKS + 1} weeks, challenges those raised there in "
        f"the last {OPEN_HORIZON} weeks. All of them, any span: `{COMMAND} stats map mine`."
    ]
    if summary.more:
        closing.insert(0, f"… and {summary.more} more you own: `{COMMAND} stats map mine`.")
    sections = (
        Section(None, (opening,)),
        Section("Your touchpoints", lines),
        Section(None, tuple(line(text) for text in closing)),
    )
    return Reply(
        "Your touchpoints this week",
        sections,
        private=False,
        mentions=(summary.owner,),
        kind=ReplyKind.SUMMARY,
    )


def place_line(place: OwnedPlace, tz: str) -> Line:
    """ "★ first invoice (purchase) — 3 touchpoints (6 in the 4 weeks before) · CSAT 3.5/5 ↓ ·
    promises: 9 made, kept on time 5 of 7 due · challenges still open: 3 of 5", then the
    week's improvement notes."""
    week, earlier, state = place.week, place.earlier, place.state
    entry = place.entry
    parts = [
        f"{_count(week.touchpoints, 'touchpoint')} "
        f"({earlier.touchpoints} in the {EARLIER_WEEKS} weeks before)"
    ]
    parts += score_parts(week, earlier)  # averages: a week and four compare as they are
    promises = state.promises
    if state.promises_made:
        made = f"promises: {state.promises_made} made"
        if promises.counted:
            made += f", kept on time {promises.on_time} of {promises.counted} due"
        parts.append(made)
    if state.challenges_raised:
        parts.append(f"challenges still open: {state.challenges_open} of {state.challenges_raised}")
    star = "★ " if entry.moment_of_truth else ""
    spans: list[Span] = [
        Text(star),
        Strong(entry.name),
        Text(f" ({entry.stage}) — {' · '.join(parts)}"),
    ]
    for note in place.notes:
        spans += note_spans(note, tz)
    return Line(tuple(spans))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
