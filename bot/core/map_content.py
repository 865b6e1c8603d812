"""What the bot says about the touchpoint map (``bot.core.touchmap``)."""

from __future__ import annotations

from bot.core.custom_ids import Verb
from bot.core.details import DetailsAdded
from bot.core.map_measures import OPEN_HORIZON, MapReport, Place
from bot.core.model import MapEntry, MapNote
from bot.core.replies import (
    Action,
    Line,
    Reply,
    ReplyKind,
    Section,
    Span,
    Strong,
    Style,
    Text,
    UserRef,
    When,
    line,
)
from bot.core.touchmap import MapChanged, TouchpointMap
from bot.core.values import PlaceFigures

NOTES_SHOWN = 3  # the newest improvement notes per entry


def entry_line(entry: MapEntry, tz: str) -> Line:
    """ "★ first invoice — email-out · active · owner @jane" (★: a moment of truth)."""
    spans: list[Span] = [Text("★ " if entry.moment_of_truth else "• "), Strong(entry.name)]
    spans.append(Text(f" — {entry.channel.value} · {'active' if entry.active else 'passive'}"))
    spans += owner_spans(entry)
    for note in entry.notes[-NOTES_SHOWN:]:
        spans += note_spans(note, tz)
    return Line(tuple(spans))


def note_spans(note: MapNote, tz: str) -> list[Span]:
    """ "\n    note (4 Dec, @jane): VAT shown wrong for EU customers", under its entry."""
    return [
        Text("\n    note ("),
        When(note.at, tz, with_time=False),
        Text(", "),
        UserRef(note.author),
        Text(f"): {note.text}"),
    ]


def owner_spans(entry: MapEntry) -> list[Span]:
    if entry.owner is None:
        return [Text(" · no owner yet")]
    if entry.owner_is_person:
        return [Text(" · owner "), UserRef(entry.owner)]
    return [Text(f" · owner: {entry.owner}")]


def touchpoint_map(tmap: TouchpointMap) -> Reply:
    """The map by journey stage, moments of truth first within each stage."""
    sections: list[Section] = []
    for stage in [*tmap.stages, *sorted({e.stage for e in tmap.entries} - set(tmap.stages))]:
        entries = [e for e in tmap.entries if e.stage == stage]
        lines = tuple(entry_line(e, tmap.team.timezone) for e in entries) or (
            line("(no touchpoints here yet)"),
        )
        sections.append(Section(stage.capitalize(), lines))
    if tmap.retired:
        names = ", ".join(e.name for e in tmap.retired)
        sections.append(Section("Retired", (line(names),)))
    sections.append(
        Section(
            None,
            (
                line(
                    "★ moment of truth (the customer decides there whether to stay). Record "
                    "against the map with `tp: first invoice`; change it with `/touchpoint map "
                    'add|change|owner|truth|retire|note "name" ...`.'
                ),
            ),
        )
    )
    return Reply("Touchpoint map", tuple(sections), kind=ReplyKind.LIST)


_CHANGES = {
    "add": "added to the map",
    "change": "changed",
    "owner": "has a new owner",
    "truth": "updated",
    "retire": "retired: it takes no new touchpoints",
    "restore": "is back on the map",
    "note": "has a new note",
}


def map_changed(result: MapChanged) -> Reply:
    if result.entry is None:
        stages = ", ".join(result.map.stages)
        return Reply(
            "Journey stages updated",
            (Section(None, (line(f"The team's journey: {stages}."),)),),
            kind=ReplyKind.INFO,
        )
    entry = result.entry
    lines = (
        line(Strong(entry.name), f" {_CHANGES[result.change]}."),
        entry_line(entry, result.map.team.timezone),
    )
    return Reply("Touchpoint map updated", (Section(None, lines),), kind=ReplyKind.INFO)


# -- stats map / stats stage --------------------------------------------------------------------


def _trend(now: float | None, before: float | None, *, higher_is_better: bool = True) -> str:
    """ " ↑" / " ↓" against the span before, " →" when unchanged, "" when either is unknown."""
    if now is None or before is None:
        return ""
    if abs(now - before) < 0.05:
        return " →"
    return " ↑" if now > before else " ↓"


def score_parts(f: PlaceFigures, b: PlaceFigures) -> list[str]:
    """CSAT, NPS and CES where recorded, each with its trend against ``b``."""
    parts = []
    if f.satisfaction is not None:
        parts.append(f"CSAT {f.satisfaction:.1f}/5{_trend(f.satisfaction, b.satisfaction)}")
    nps, nps_before = f.nps, b.nps
    if nps is not None:
        before = float(nps_before.score) if nps_before else None
        parts.append(f"NPS {nps.score:+d}{_trend(float(nps.score), before)}")
    if f.effort is not None:
        parts.append(f"CES {f.effort:.1f}/7{_trend(f.effort, b.effort)}")
    return parts


def place_line(place: Place) -> Line:
    f, b = place.now, place.before
    parts = [f"{f.touchpoints} touchpoint{'s' if f.touchpoints != 1 else ''}"]
    if f.touchpoints != b.touchpoints:
        parts[0] += f" (was {b.touchpoints})"
    parts += score_parts(f, b)
    if f.promises.counted:
        parts.append(f"promises kept on time {f.promises.on_time} of {f.promises.counted}")
    if f.challenges_raised:
        parts.append(f"challenges open {f.challenges_open} of {f.challenges_raised}")
    entry = place.entry
    star = "★ " if entry is not None and entry.moment_of_truth else ""
    stage = f" ({entry.stage})" if entry is not None else ""
    return line(star, Strong(place.name), f"{stage} — {' · '.join(parts)}")


def map_stats(report: MapReport) -> Reply:
    span = f"the last {report.weeks} week{'s' if report.weeks != 1 else ''}"
    heading = "Touchpoints on the map" if report.by == "entry" else "Journey stages"
    nothing = (
        'You own no touchpoint of the map yet (`/touchpoint map owner "..." @you`).'
        if report.owner is not None
        else "Nothing recorded yet."
    )
    lines = tuple(place_line(p) for p in report.places) or (line(nothing),)
    sections = [Section(f"{heading} — {span}", lines)]
    if report.quiet or report.left_open:
        overlooked: list[Line] = []
        if report.quiet:
            names = ", ".join(
                f"{p.name} ({f'last {p.now.last_at:%d %b %Y}' if p.now.last_at else 'never'})"
                for p in report.quiet
            )
            overlooked.append(line(f"No touchpoint in {span}: {names}"))
        if report.left_open:
            names = ", ".join(
                f"{p.name} ({p.now.challenges_open} of {p.now.challenges_raised} open)"
                for p in report.left_open
            )
            overlooked.append(line(f"Challenges most often left open: {names}"))
        sections.append(Section("Overlooked touchpoints", tuple(overlooked)))
    notes = (
        "★ moments of truth first. Trends (↑ ↓) compare with the "
        f"{report.weeks} weeks before; challenges are those raised in the last "
        f"{max(report.weeks, OPEN_HORIZON)} weeks. "
        f"`stats {'map' if report.by == 'entry' else 'stage'} 8` looks 8 weeks back."
    )
    sections.append(Section(None, (line(notes),)))
    title = "Measures per touchpoint" if report.by == "entry" else "Measures per journey stage"
    if report.owner is not None:
        title = "Your touchpoints"
    return Reply(title, tuple(sections), kind=ReplyKind.LIST)


def with_details_button(reply: Reply, touchpoint_id: int) -> Reply:
    """A confirmation with a button for the second step: journey, contacts and scores."""
    ask = "Where on the journey was it, who took part, how did it go? (optional)"
    button = Action(Verb.DETAILS, touchpoint_id, "Add journey & scores", style=Style.PRIMARY)
    return _with_button(reply, ask, button)


def with_edit_details_button(reply: Reply, touchpoint_id: int) -> Reply:
    """An edit's confirmation with a button for its second step, filled in as it is."""
    ask = "Change where on the journey it was, who took part or the scores:"
    return _with_button(
        reply, ask, Action(Verb.EDIT_DETAILS, touchpoint_id, "Edit journey & scores")
    )


def _with_button(reply: Reply, ask: str, button: Action) -> Reply:
    last = Section(None, (Line((Text(ask),), (button,)),))
    return Reply(reply.title, (*reply.sections, last), reply.private, (), reply.kind)


def details_added(result: DetailsAdded) -> Reply:
    tp = result.touchpoint
    parts: list[str] = []
    if result.map_entry is not None:
        parts.append(f"Touchpoint: {result.map_entry.name}")
    if tp.stage:
        parts.append(f"stage: {tp.stage}")
    if tp.satisfaction is not None:
        parts.append(f"CSAT {tp.satisfaction}/5")
    if tp.promoter is not None:
        parts.append(f"NPS {tp.promoter}/10")
    if tp.effort is not None:
        parts.append(f"CES {tp.effort}/7")
    lines = [line(f"Touchpoint #{tp.id} with {result.customer.name}: ", " · ".join(parts))]
    if tp.contacts:
        lines.append(line("With: ", ", ".join(str(c) for c in tp.contacts)))
    return Reply("Touchpoint updated", (Section(None, tuple(lines)),), kind=ReplyKind.CONFIRMATION)
