"""The application commands: `/touchpoint <subcommand>` and the "Record touchpoint"
message command. Each subcommand hands its typed options to the core as the typed request
the core's text grammar reads too, so Discord and every other platform mean the same thing
by the same command, and nothing typed into an option is read again as text.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.handlers import Handlers, context
from bot.adapters.discord.respond import send_reply
from bot.core import requests
from bot.core.errors import UserError
from bot.core.model import Direction, Kind
from bot.core.replies import ReplyKind, message

KIND_CHOICES = [app_commands.Choice(name=k.value.replace("-", " "), value=k.value) for k in Kind]
WHICH_PROMISES = [
    app_commands.Choice(name="all open", value=""),
    app_commands.Choice(name="mine", value="mine"),
    app_commands.Choice(name="ours", value="ours"),
    app_commands.Choice(name="theirs", value="theirs"),
]
SETTINGS = [
    app_commands.Choice(name=name, value=value)
    for name, value in (
        ("team channel", "channel"),
        ("timezone", "timezone"),
        ("digest time", "digest"),
        ("working day start", "daystart"),
        ("digest days", "days"),
        ("completion codes (add … / remove …)", "codes"),
        ("reminders (dm / channel)", "reminders"),
        ("owners' weekly summary (a weekday / off)", "owner-summary"),
    )
]
DIRECTIONS = {"ours": Direction.OURS, "theirs": Direction.THEIRS}
STATS_SCOPES = [
    app_commands.Choice(name="the whole team", value="team"),
    app_commands.Choice(name="mine", value="mine"),
]
# (shown, value, the request)
_CALENDAR = (
    ("my link (replaces my old one)", "mine", requests.CalendarFeed()),
    (
        "the team's link (replaces the old one for everyone)",
        "team",
        requests.CalendarFeed(team=True),
    ),
    ("revoke my link", "revoke", requests.CalendarFeed(revoke=True)),
    ("revoke the team's link", "team-revoke", requests.CalendarFeed(team=True, revoke=True)),
)
CALENDAR_ACTIONS = [app_commands.Choice(name=shown, value=value) for shown, value, _ in _CALENDAR]
CALENDAR_REQUESTS = {value: request for _, value, request in _CALENDAR}
_CHANNEL_MENTION = re.compile(r"<#(\d{1,20})>")

STATS_ONE_SCOPE = message(
    "Pick one",
    "Measures are for the team, for you or for one customer, or the weekly chart: give "
    "one of scope, customer or chart.",
    kind=ReplyKind.ERROR,
)
TEAM_CHART = frozenset({"team", "all", "everyone"})

NEEDS_MANAGE_SERVER = message(
    "Only for server managers",
    "Changing Touchpoint's settings needs the Manage Server permission.",
    kind=ReplyKind.ERROR,
)


def resolve_channel(interaction: discord.Interaction[Any], value: str) -> str | None:
    """A channel id for "#name", "<#id>", an id or "here"; None when there is no such
    channel. Team.channel must hold the id: that is where reminders are posted."""
    text = value.strip()
    mention = _CHANNEL_MENTION.fullmatch(text)
    if mention:
        return mention.group(1)
    if text.isascii() and text.isdigit():
        return text
    if text.lower() in {"", "here", "this"}:
        return str(interaction.channel_id) if interaction.channel_id else None
    guild = interaction.guild
    name = text.lstrip("#").lower()
    if guild is not None:
        for channel in guild.text_channels:
            if channel.name.lower() == name:
                return str(channel.id)
    return None


def with_channel_id(
    interaction: discord.Interaction[Any], request: requests.Configure
) -> requests.Configure | None:
    """`config channel #x` with the channel as its id; None when it cannot be found."""
    if request.setting.lower() != "channel":
        return request
    channel = resolve_channel(interaction, request.value)
    return None if channel is None else requests.Configure("channel", channel)


def build(handlers: Handlers) -> tuple[app_commands.Group, app_commands.ContextMenu]:
    group = app_commands.Group(
        name="touchpoint",
        description="Record customer touchpoints; see promises, challenges and the digest",
        guild_only=True,
    )

    @group.command(name="record", description="Record a touchpoint: opens the form")
    @app_commands.describe(
        customer="Who it was with (a new name adds a customer)",
        kind="Call, video, meeting, email …",
        code="Completion code, e.g. no answer",
        entry="Skip the form: ch: slow internet | we: send quote by fri | diff: needs fibre",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(customer=handlers.customer_choices, code=handlers.code_choices)
    async def record(
        interaction: discord.Interaction[Any],
        customer: app_commands.Range[str, 1, 100],
        kind: app_commands.Choice[str] | None = None,
        code: app_commands.Range[str, 1, 100] | None = None,
        entry: app_commands.Range[str, 1, 4000] | None = None,
    ) -> None:
        chosen = Kind(kind.value) if kind is not None else None
        if entry:
            request = requests.RecordEntry(customer, entry, chosen, code)
            await handlers.run_request(interaction, request, echo=entry)
            return
        await handlers.open_form(interaction, customer, chosen, code)

    @group.command(name="show", description="A customer's record: challenges, promises, history")
    @app_commands.autocomplete(customer=handlers.customer_choices)
    async def show(
        interaction: discord.Interaction[Any], customer: app_commands.Range[str, 1, 100]
    ) -> None:
        await handlers.run_request(interaction, requests.show(customer))

    @group.command(name="promises", description="Open promises")
    @app_commands.choices(which=WHICH_PROMISES)
    async def promises(
        interaction: discord.Interaction[Any], which: app_commands.Choice[str] | None = None
    ) -> None:
        word = which.value if which else ""
        request = (
            requests.Promises(mine=True)
            if word == "mine"
            else requests.Promises(direction=DIRECTIONS.get(word))
        )
        await handlers.run_request(interaction, request)

    @group.command(name="challenges", description="Open challenges (of one customer if named)")
    @app_commands.autocomplete(customer=handlers.customer_choices)
    async def challenges(
        interaction: discord.Interaction[Any],
        customer: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await handlers.run_request(
            interaction, requests.Challenges(customer.strip() if customer else None)
        )

    @group.command(name="digest", description="Today's digest, now, just for you")
    async def digest(interaction: discord.Interaction[Any]) -> None:
        await handlers.run_request(interaction, requests.Digest())

    @group.command(name="stats", description="Measures: promises kept on time, challenges, scores")
    @app_commands.describe(
        scope="The whole team (the default) or just you",
        customer="One customer's measures instead",
        chart="The 8-week chart instead: team, or a journey stage such as purchase",
    )
    @app_commands.choices(scope=STATS_SCOPES)
    @app_commands.autocomplete(customer=handlers.customer_choices)
    async def stats(
        interaction: discord.Interaction[Any],
        scope: app_commands.Choice[str] | None = None,
        customer: app_commands.Range[str, 1, 100] | None = None,
        chart: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        if sum(1 for given in (scope, customer, chart) if given) > 1:
            await send_reply(interaction, STATS_ONE_SCOPE)
            return
        if chart:
            stage = "" if chart.strip().lower() in TEAM_CHART else chart
            await handlers.run_request(interaction, requests.WeeklyChart(stage))
            return
        mine = scope is not None and scope.value == "mine"
        await handlers.run_request(
            interaction, requests.Stats(mine=mine, customer=customer or None)
        )

    @group.command(name="calendar", description="Your promises as a calendar feed: a private link")
    @app_commands.describe(action="Your link (the default), the team's, or revoke one")
    @app_commands.choices(action=CALENDAR_ACTIONS)
    async def calendar(
        interaction: discord.Interaction[Any], action: app_commands.Choice[str] | None = None
    ) -> None:
        wanted = CALENDAR_REQUESTS.get(action.value) if action else None
        await handlers.run_request(interaction, wanted or requests.CalendarFeed())

    @group.command(name="map", description="The touchpoint map; changing it needs Manage Server")
    @app_commands.describe(
        change='Empty to see the map, or e.g. add "first invoice" email-out purchase truth'
    )
    async def map_(
        interaction: discord.Interaction[Any],
        change: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        await handlers.run_text(interaction, f"map {change or ''}".strip(), echo=change or "")

    @group.command(name="config", description="Server settings (needs Manage Server)")
    @app_commands.describe(
        setting="What to change; leave empty to see the settings",
        value="The new value: Europe/London, 09:00, mon-fri, add meeting booked …",
        channel="The team channel, where reminders and the digest are posted",
    )
    @app_commands.choices(setting=SETTINGS)
    async def config(
        interaction: discord.Interaction[Any],
        setting: app_commands.Choice[str] | None = None,
        value: app_commands.Range[str, 1, 200] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        request = requests.Configure()
        if channel is not None:
            request = requests.Configure("channel", str(channel.id))
        elif setting is not None:
            request = requests.Configure(setting.value, (value or "").strip())
        await run_config(handlers, interaction, request)

    @group.command(name="text", description="Any Touchpoint command as text: kept P12, …")
    @app_commands.describe(command="e.g. kept P12 · snooze P12 tomorrow · alias acme = ACME Ltd")
    async def text(
        interaction: discord.Interaction[Any], command: app_commands.Range[str, 1, 4000]
    ) -> None:
        try:
            request = requests.read(command)
        except UserError:  # the core says what is wrong, in its one wording
            await handlers.run_text(interaction, command, echo=command)
            return
        if isinstance(request, requests.Configure):  # settings: the same check however typed
            await run_config(handlers, interaction, request, echo=command)
            return
        await handlers.run_request(interaction, request, echo=command)

    @group.command(name="help", description="How to use Touchpoint")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await handlers.run_request(interaction, requests.Help())

    @app_commands.guild_only()
    async def record_message(
        interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        await handlers.record_from_message(interaction, message)

    menu = app_commands.ContextMenu(name="Record touchpoint", callback=record_message)
    return group, menu


async def run_config(
    handlers: Handlers,
    interaction: discord.Interaction[Any],
    request: requests.Configure,
    *,
    echo: str = "",
) -> None:
    """Settings change only for members with Manage Server, whichever way they are typed."""
    if context(interaction) is not None and not interaction.permissions.manage_guild:
        await send_reply(interaction, NEEDS_MANAGE_SERVER)
        return
    checked = with_channel_id(interaction, request)
    if checked is None:
        await send_reply(
            interaction,
            message(
                "No such channel",
                f"I can't find the channel “{request.value}” in this server. "
                "Pick it in the channel option of /touchpoint config.",
                kind=ReplyKind.ERROR,
            ),
        )
        return
    await handlers.run_request(interaction, checked, echo=echo)
