"""A calendar feed's content as an iCalendar (RFC 5545) document.

Each promise is written twice, on purpose:

* a VTODO, because a promise is a task with a due date: task-aware apps (Thunderbird,
  Evolution, Apple Reminders via import, many CalDAV clients) show it as a to-do;
* a VEVENT "twin" at the due time, because the most used calendar apps (Google Calendar,
  Outlook, Apple Calendar subscriptions) ignore VTODOs in a subscribed feed and would
  show nothing at all.

Apps that read both kinds show a promise twice, as a task and as an event. The two have
different UIDs (RFC 5545 makes a UID name one component), both derived from the promise
id so they stay stable across refreshes. The twin is TRANSPARENT: it never makes anyone
look busy. Every text value goes through the ``icalendar`` package, which escapes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Event, Todo, vDuration, vText

from bot.core.calendar import FeedContent
from bot.core.model import Customer, Promise

PRODID = "-//Touchpoint//Promises calendar feed//EN"
UID_DOMAIN = "touchpoint"
EVENT_LENGTH = timedelta(minutes=15)  # long enough to be seen in a day view
REFRESH = timedelta(hours=1)  # what we ask of apps that honour a hint (most poll anyway)


def todo_uid(promise: Promise) -> str:
    return f"promise-{promise.id}@{UID_DOMAIN}"


def event_uid(promise: Promise) -> str:
    return f"promise-{promise.id}-event@{UID_DOMAIN}"


def feed_ics(content: FeedContent) -> bytes:
    """The whole feed, ready to serve as ``text/calendar``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", vText(calendar_name(content)))
    calendar.add("x-wr-caldesc", vText(calendar_description(content)))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for promise in content.promises:
        customer = content.customers.get(promise.customer_id)
        calendar.add_component(promise_todo(promise, customer, content))
        calendar.add_component(promise_event(promise, customer, content))
    ics: bytes = calendar.to_ical()  # typed Any by the library
    return ics


def calendar_name(content: FeedContent) -> str:
    if content.owner is None:
        return f"Touchpoint: {content.team.name} promises"
    return f"Touchpoint: my promises ({content.team.name})"


def calendar_description(content: FeedContent) -> str:
    if content.owner is None:
        return f"Open promises {content.team.name} made to customers, by due date."
    return "Open promises to customers that I own, by due date."


def promise_todo(promise: Promise, customer: Customer | None, content: FeedContent) -> Todo:
    due = _due(promise)
    todo = Todo()
    _common(todo, todo_uid(promise), promise, customer, content)
    todo.add("due", due)
    todo.add("status", "NEEDS-ACTION")
    todo.add_component(_alarm(due, summary(promise, customer)))
    return todo


def promise_event(promise: Promise, customer: Customer | None, content: FeedContent) -> Event:
    due = _due(promise)
    event = Event()
    _common(event, event_uid(promise), promise, customer, content)
    event.add("dtstart", due)
    event.add("dtend", due + EVENT_LENGTH)
    event.add("transp", "TRANSPARENT")
    event.add("status", "CONFIRMED")
    event.add_component(_alarm(due, summary(promise, customer)))
    return event


def summary(promise: Promise, customer: Customer | None) -> str:
    name = customer.name if customer is not None else f"customer #{promise.customer_id}"
    return f"{name}: {promise.text}"


def description(promise: Promise, customer: Customer | None, content: FeedContent) -> str:
    made_on = promise.made_at.astimezone(ZoneInfo(content.team.timezone)).strftime("%a %d %b %Y")
    to = f" to {customer.name}" if customer is not None else ""
    parts = [
        f"Promised by {promise.made_by}{to} on {made_on}.",
        f"Owner: {promise.owner}.",
        f"Mark it kept with /touchpoint kept {promise.id} (or not kept: /touchpoint notkept "
        f"{promise.id}).",
    ]
    if promise.touchpoint_id is not None:
        parts.insert(1, f"Recorded in touchpoint #{promise.touchpoint_id}.")
    return "\n".join(parts)


def _common(
    component: Component,
    uid: str,
    promise: Promise,
    customer: Customer | None,
    content: FeedContent,
) -> None:
    component.add("uid", uid)
    component.add("dtstamp", last_revised(promise))
    component.add("created", promise.made_at.astimezone(UTC))
    component.add("sequence", sum(e.action == "rescheduled" for e in promise.history))
    component.add("summary", summary(promise, customer))
    component.add("description", description(promise, customer, content))


def last_revised(promise: Promise) -> datetime:
    """DTSTAMP of a feed with no METHOD: when the promise last changed (RFC 5545 3.8.7.2),
    so an unchanged promise reads the same on every refresh."""
    revised = max((e.at for e in promise.history), default=promise.made_at)
    return max(revised, promise.made_at).astimezone(UTC)


def _due(promise: Promise) -> datetime:
    assert promise.due_at is not None, "a feed holds dated promises only"
    return promise.due_at.astimezone(UTC)


def _alarm(at: datetime, text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", at, parameters={"VALUE": "DATE-TIME"})
    return alarm
