"""The weekly summary: planned once per team and ISO week, posted with a chart.

Planning mirrors the daily digest: on Monday at the team's digest time a delivery keyed
``summary:<team>:<iso-week>`` is written to the outbox. The key is unique in the
database, so whatever the number of instances or restarts, a team gets one summary a
week. A summary missed on Monday (the bot was down) still goes out later that week,
labelled delayed. Its content is built when it is sent, from the database as it is then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import digest_content, measures, measures_content
from bot.core.delivery import Delivery, DeliveryKind, Outgoing
from bot.core.measures import WeeklySeries
from bot.core.model import Team, slugify
from bot.core.ports import Clock, UnitOfWork
from bot.core.replies import Image, Reply
from bot.core.values import Scope
from bot.core.workdays import digest_instant, local_instant

# Draws the chart of a series as PNG bytes, given its alt text (``bot.charts.weekly_chart``).
# Pixels are not the core's business, so the engine hands the drawer in.
ChartDrawer = Callable[[WeeklySeries, str], bytes]


def summary_key(team_id: str, monday: date) -> str:
    return f"summary:{team_id}:{measures.iso_week(monday)}"


def this_monday(team: Team, now: datetime) -> date:
    today = now.astimezone(ZoneInfo(team.timezone)).date()
    return today - timedelta(days=today.weekday())


def plan_summaries(*, uow: UnitOfWork, clock: Clock) -> int:
    """Create this week's summary delivery for every team with a channel whose Monday
    digest time has passed. A team that joined after that instant waits for next Monday.
    Returns how many were created."""
    now = clock.now()
    created = 0
    with uow:
        for team in uow.teams.list_all():
            if not team.channel:
                continue
            monday = this_monday(team, now)
            at = digest_instant(team, monday)
            if now < at or (team.created_at is not None and team.created_at > at):
                continue
            delivery = Delivery(
                team_id=team.id,
                kind=DeliveryKind.SUMMARY,
                key=summary_key(team.id, monday),
                channel=team.channel,
                due_at=at,
                day=monday.isoformat(),
                created_at=now,
            )
            created += uow.deliveries.add_if_absent(delivery)
        uow.commit()
    return created


def prepare_summary(
    delivery: Delivery, *, uow: UnitOfWork, clock: Clock, draw: ChartDrawer | None
) -> Outgoing | None:
    """The summary of the week before ``delivery.day`` (a Monday), or None when the team
    is gone or has nothing to show. Without a drawer the reply goes out as text only."""
    now = clock.now()
    monday = date.fromisoformat(delivery.day)
    with uow:
        team = uow.teams.get(delivery.team_id)
        if team is None:
            return None
        series = measures.series(
            uow, team, Scope(team.id), now, last_day=monday - timedelta(days=1)
        )
        since = local_instant(team, series.points[0].start, 0, 0)
        figures = measures.measure(uow, team, Scope(team.id, since=since), now)
    if series.is_empty() and figures.is_empty():
        return None
    reply = measures_content.weekly_summary(series, figures)
    if draw is not None:
        reply = with_chart(reply, series, draw)
    if delivery.is_delayed(now):
        reply = digest_content.delayed(reply, delivery.due_at, team)
    return Outgoing(delivery.key, team, delivery.channel, reply)


def with_chart(reply: Reply, series: WeeklySeries, draw: ChartDrawer) -> Reply:
    alt_text = measures_content.chart_alt_text(series)
    name = f"touchpoint-{series.points[-1].week}"
    if series.stage:  # one stage's chart is a file of its own
        name += f"-{slugify(series.stage)}"
    image = Image(draw(series, alt_text), f"{name}.png", alt_text)
    return dataclasses.replace(reply, image=image)
