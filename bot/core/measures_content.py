"""What the bot says about measures: `/touchpoint stats` and the weekly summary.

Every figure the chart shows is also written out here, so the text alone says it all
(screen readers, platforms that cannot show the picture, people who prefer reading).
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.content import age, plural
from bot.core.measures import (
    ChallengeMeasures,
    Measures,
    StatsReport,
    TouchpointMeasures,
    WeeklySeries,
    WeekPoint,
)
from bot.core.replies import Line, Reply, ReplyKind, Section, Strong, Text, UserRef, line
from bot.core.values import PromiseTally

COMMAND = "/touchpoint"
NOTHING_YET = (
    "Nothing to measure yet: record touchpoints with promises (“we: send quote by fri”) "
    "and challenges, then look again."
)


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


def duration(delta: timedelta | None) -> str:
    return "–" if delta is None else age(delta)


def week_label(point: WeekPoint) -> str:
    """ "W47 (16 Nov)": the ISO week and its Monday."""
    return f"W{point.week.rsplit('W', 1)[-1]} ({point.start.day} {point.start:%b})"


# -- /touchpoint stats ------------------------------------------------------------------------


def stats(report: StatsReport) -> Reply:
    m = report.measures
    if m.customer is not None:
        title = f"Measures — {m.customer.name}"
    elif m.scope.person is not None:
        title = "Your measures"
    else:
        title = f"Measures — {m.team.name}"
    if m.is_empty() and report.series.is_empty():
        return Reply(title, (Section(None, (line(NOTHING_YET),)),), kind=ReplyKind.INFO)
    mine = m.scope.person is not None
    sections = [
        Section("Your promises" if mine else "Our promises", promise_lines(m.ours)),
        *_people(m),
        *_attention(m),
        *_theirs(m),
        Section("Challenges", challenge_lines(m.challenges, mine=mine)),
        *_differences(m),
        *touchpoint_sections(m.touchpoints, mine=mine),
        Section(f"Last {len(report.series.points)} weeks", trend_lines(report.series)),
    ]
    return Reply(title, tuple(sections), kind=ReplyKind.INFO)


def promise_lines(tally: PromiseTally) -> tuple[Line, ...]:
    if not tally.counted:
        first = line("None has fallen due yet.")
    else:
        first = line(
            Strong(percent(tally.rate)),
            f" kept on time — {tally.on_time} of {tally.counted} with a due date",
        )
    lines = [first]
    if tally.counted:
        lines.append(
            line(f"Kept late {tally.late} · not kept {tally.missed} · overdue now {tally.overdue}")
        )
    undated = tally.kept_undated + tally.not_kept_undated
    if undated:
        lines.append(
            line(
                f"Without a due date (not counted for on time): kept {tally.kept_undated}, "
                f"not kept {tally.not_kept_undated}"
            )
        )
    return tuple(lines)


def _tally_summary(tally: PromiseTally) -> str:
    text = f"{tally.on_time} of {tally.counted} on time ({percent(tally.rate)})"
    if tally.overdue:
        text += f" · {tally.overdue} overdue"
    return text


def _people(m: Measures) -> list[Section]:
    if m.scope.person is not None or not m.by_person:
        return []
    lines = tuple(
        Line((UserRef(owner), Text(f": {_tally_summary(tally)}")))
        for owner, tally in m.by_person
        if tally.counted
    )
    return [Section("By owner", lines)] if lines else []


def _attention(m: Measures) -> list[Section]:
    if not m.attention:
        return []
    lines = tuple(
        line(
            Strong(customer.name),
            f": {_tally_summary(tally)}",
        )
        for customer, tally in m.attention
    )
    return [Section("Customers with promises not kept on time", lines)]


def _theirs(m: Measures) -> list[Section]:
    if m.theirs.is_empty():
        return []
    heading = "Customers' promises you recorded" if m.scope.person else "Their promises"
    return [Section(heading, promise_lines(m.theirs))]


def challenge_lines(
    c: ChallengeMeasures, *, mine: bool = False, period: str = ""
) -> tuple[Line, ...]:
    """The backlog now, and how quickly challenges were addressed (in ``period``)."""
    raised = " (raised by you)" if mine else ""
    if c.open:
        open_line = line(
            f"Open{raised}: ",
            Strong(str(c.open)),
            f" — median age {duration(c.median_open_age)}, oldest {duration(c.oldest_open_age)}",
        )
    else:
        open_line = line(f"Open{raised}: none")
    by = (" by you" if mine else "") + period
    if c.addressed:
        done = line(
            f"Addressed{by}: {c.addressed} — median time to address ",
            Strong(duration(c.median_time_to_address)),
        )
    else:
        done = line(f"Addressed{by}: none yet")
    return (open_line, done)


def _differences(m: Measures, period: str = "") -> list[Section]:
    if not m.differences:
        return []
    per_customer = m.scope.customer_id is None
    lines = tuple(
        line(
            Strong(d.text),
            f" — {d.customers} customers" if per_customer else f" — {_touchpoints(d.touchpoints)}",
        )
        for d in m.differences
    )
    return [Section(f"Recurring biggest differences{period}", lines)]


def touchpoint_sections(t: TouchpointMeasures, *, mine: bool = False) -> list[Section]:
    if not t.total:
        return []
    kinds = " · ".join(f"{kind.value.replace('-', ' ')} {n}" for kind, n in t.by_kind)
    lines = [line(f"{t.total} recorded{' by you' if mine else ''} — {kinds}")]
    if any(stage is not None for stage, _ in t.by_stage):
        stages = " · ".join(f"{_stage(stage)} {n}" for stage, n in t.by_stage)
        lines.append(line(f"Journey stage: {stages}"))
    lines += score_lines(t)
    return [Section("Touchpoints", tuple(lines))]


def score_lines(t: TouchpointMeasures) -> list[Line]:
    """Average CSAT and CES, where recorded."""
    lines = []
    if t.satisfaction is not None:
        lines.append(
            line(
                "Satisfaction (CSAT): ",
                Strong(f"{t.satisfaction.average:.1f} / {t.satisfaction.scale}"),
                f" from {_touchpoints(t.satisfaction.count)} (higher is better)",
            )
        )
    if t.effort is not None:
        lines.append(
            line(
                "Effort (CES): ",
                Strong(f"{t.effort.average:.1f} / {t.effort.scale}"),
                f" from {_touchpoints(t.effort.count)} (higher is easier)",
            )
        )
    if t.promoter is not None:
        lines.append(
            line(
                "Would recommend (NPS): ",
                Strong(f"{t.promoter.score:+d}"),
                f" from {t.promoter.answers} answer{'s' if t.promoter.answers != 1 else ''}"
                f" ({t.promoter.promoters} promoters, {t.promoter.detractors} detractors)",
            )
        )
    return lines


def _touchpoints(count: int) -> str:
    return f"{count} touchpoint" + ("" if count == 1 else "s")


def _stage(stage: str | None) -> str:
    return stage if stage is not None else "not set"


def trend_lines(series: WeeklySeries) -> tuple[Line, ...]:
    weeks = series.points
    kept = " · ".join(f"W{p.week.rsplit('W', 1)[-1]} {percent(p.rate)}" for p in weeks)
    open_ = " · ".join(f"W{p.week.rsplit('W', 1)[-1]} {p.open_challenges}" for p in weeks)
    return (line(f"Kept on time: {kept}"), line(f"Open challenges at week end: {open_}"))


# -- the weekly summary -----------------------------------------------------------------------


def weekly_summary(series: WeeklySeries, m: Measures) -> Reply:
    """Posted to the team channel on Mondays: last week, the weeks before, and the chart's
    figures in words (the chart itself travels as the reply's image)."""
    last = series.points[-1]
    end = last.start + timedelta(days=6)
    title = (
        f"Weekly summary — week {last.week.rsplit('W', 1)[-1]} "
        f"({last.start.day} {last.start:%b} – {end.day} {end:%b})"
    )
    if last.counted:
        headline = line(
            Strong(percent(last.rate)),
            f" of our promises due last week were kept on time ({last.on_time} of {last.counted}).",
        )
    else:
        headline = line("No promises fell due last week.")
    open_now = line(f"Open challenges at the end of the week: {last.open_challenges}.")
    weeks = tuple(
        line(
            f"{week_label(p)}: {_week_promises(p)} · {plural(p.open_challenges, 'open challenge')}"
        )
        for p in series.points
    )
    period = f" in the last {len(series.points)} weeks"
    sections = [
        Section(None, (headline, open_now)),
        Section(f"The last {len(series.points)} weeks", weeks),
        Section("Challenges", challenge_lines(m.challenges, period=period)),
        *_differences(m, period),
        *_scores(m.touchpoints, period),
        Section(
            None,
            (
                line(
                    f"More: `{COMMAND} stats`, yours: `{COMMAND} stats mine`, a customer's: "
                    f"`{COMMAND} stats acme`."
                ),
            ),
        ),
    ]
    return Reply(title, tuple(sections), private=False, kind=ReplyKind.SUMMARY)


def weekly_chart(series: WeeklySeries) -> Reply:
    """`stats week [stage]`: the weeks in words; the chart travels as the reply's image."""
    stage = series.stage
    title = f"The last {len(series.points)} weeks" + (f" — {stage} stage" if stage else "")
    weeks = tuple(
        line(
            f"{week_label(p)}: {_week_promises(p)} · {plural(p.open_challenges, 'open challenge')}"
        )
        for p in series.points
    )
    if stage:
        about = (
            f"Our promises made at, and challenges raised at, touchpoints of the {stage} "
            f"stage. The whole team's: `{COMMAND} stats week`."
        )
    else:
        about = f"One journey stage's: `{COMMAND} stats week purchase` (any of the team's stages)."
    sections = (Section(None, weeks), Section(None, (line(about),)))
    return Reply(title, sections, kind=ReplyKind.INFO)


def _week_promises(p: WeekPoint) -> str:
    if not p.counted:
        return "no promises due"
    return f"{percent(p.rate)} kept on time ({p.on_time} of {p.counted})"


def _scores(t: TouchpointMeasures, period: str) -> list[Section]:
    lines = score_lines(t)
    return [Section(f"Scores{period}", tuple(lines))] if lines else []


def chart_alt_text(series: WeeklySeries) -> str:
    """What the chart shows, in words."""
    points = series.points
    if not points:
        return "Chart with no weeks."
    where = f" at the {series.stage} stage" if series.stage else ""
    head = (
        f"Chart of the last {len(points)} weeks{where}, {points[0].week} to "
        f"{points[-1].week}: bars show the share of our promises kept on time, a line "
        "shows the challenges open at the end of each week."
    )
    weeks = "; ".join(
        f"{p.week}: {_week_promises(p)}, {plural(p.open_challenges, 'open challenge')}"
        for p in points
    )
    return f"{head} {weeks}."
