"""Many workspaces: the OAuth install flow, per-workspace tokens, and data kept apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.adapters.slack.tables import installations, metadata
from bot.core.delivery import DeliveryFailed, Outgoing
from bot.core.model import PromiseStatus, Team
from bot.core.replies import Reply, Section, line

from . import payloads
from .rig import SlackRig, slack_rig

# slack_sdk exchanges the OAuth code with aiohttp's BasicAuth, deprecated in aiohttp 3.14.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

OAUTH = {
    "SLACK_BOT_TOKEN": "",
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "client-secret-abc",
    "SLACK_STATE_SECRET": "state-secret-0123456789",
}


async def install(rig: SlackRig, team: str) -> int:
    """Walk the install flow as a browser would; returns the redirect's HTTP status."""
    rig.fake.oauth_teams[f"code-{team}"] = team
    async with rig.session.get(f"{rig.url}/slack/install") as page:
        assert page.status == 200
        html = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([^&\"]+)", html)
    assert state is not None and "client_id=111.222" in html
    url = f"{rig.url}/slack/oauth_redirect?code=code-{team}&state={state.group(1)}"
    async with rig.session.get(url, headers={"Cookie": cookie}) as done:
        return done.status


def test_the_migrated_table_is_exactly_the_adapters_definition(tmp_path: Path) -> None:
    from bot.storage.engine import make_engine
    from bot.storage.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    about_ours = [d for d in diff if installations.name in repr(d)]
    assert about_ours == []


async def test_installing_stores_the_workspaces_bot_token(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        assert await install(rig, "T2") == 200
        exchange = rig.fake.last("oauth.v2.access").args
        assert exchange["code"] == "code-T2" and exchange["client_id"] == "111.222"
        with rig.container.engine.connect() as connection:
            rows = connection.execute(installations.select()).mappings().all()
        assert [(r["team_id"], r["bot_token"], r["client_id"]) for r in rows] == [
            ("T2", "xoxb-T2", "111.222")
        ]
        assert await install(rig, "T2") == 200  # reinstalling replaces the row
        with rig.container.engine.connect() as connection:
            assert len(connection.execute(installations.select()).all()) == 1


async def test_a_redirect_without_the_browsers_state_cookie_installs_nothing(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        rig.fake.oauth_teams["code-T2"] = "T2"
        async with rig.session.get(
            f"{rig.url}/slack/oauth_redirect?code=code-T2&state=forged"
        ) as r:
            assert r.status >= 400
        assert rig.fake.calls_to("oauth.v2.access") == []


async def test_two_workspaces_each_use_their_own_token_and_never_see_each_others_data(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        await install(rig, "T1")
        await install(rig, "T2")
        await rig.command("acme call | ch: slow internet | we: send quote by fri", team="T1")
        assert rig.fake.responses[-1]["response_type"] == "ephemeral"
        await rig.command("acme", team="T2", channel="C2")
        opened = rig.fake.last("views.open")
        assert opened.token == "xoxb-T2"

        await rig.command("promises", team="T2", channel="C2")
        assert "Nothing open" in str(rig.fake.responses[-1]["blocks"])

        await rig.event(payloads.app_home_opened("U1"), event_id="EvT2", team="T2")
        home = rig.fake.last("views.publish")
        assert home.token == "xoxb-T2"
        assert "send quote" not in str(home.args["view"]["blocks"])
        checks = len(rig.fake.calls_to("auth.test"))
        await rig.command("help", team="T1")
        await rig.command("help", team="T2", channel="C2")
        assert len(rig.fake.calls_to("auth.test")) == checks  # once per token, not per request


async def test_a_button_forged_for_another_workspaces_promise_is_not_found(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        await install(rig, "T1")
        await install(rig, "T2")
        await rig.command("acme call | we: send quote by fri", team="T1")
        await rig.command("help", team="T2", channel="C2")
        message = {"ts": "1.000001", "text": "x", "blocks": []}
        url = rig.fake.response_url("forged")
        click = payloads.block_actions(
            "tp:kept:1", team="T2", channel="C2", message=message, response_url=url
        )
        await rig.interact(click)
        said = rig.fake.responses[-1]
        assert said["url"] == "forged"
        assert "There is no promise P1 in this team" in str(said["blocks"])
        with rig.container.uow_factory() as uow:
            kept = uow.promises.get("slack:T1", 1)
            assert kept is not None and kept.status is PromiseStatus.OPEN


async def test_the_notifier_posts_with_each_workspaces_token(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        await install(rig, "T2")
        reply = Reply(
            "Reminder", (Section(None, (line("hello"),)),), private=False, kind="reminder"
        )
        team = Team(id="slack:T2", name="T2")
        await rig.adapter.notifier.send(Outgoing("k", team, "C2", reply))
        assert rig.fake.last("chat.postMessage").token == "xoxb-T2"
        stranger = Team(id="slack:T3", name="T3")
        with pytest.raises(DeliveryFailed) as failed:
            await rig.adapter.notifier.send(Outgoing("k3", stranger, "C3", reply))
        assert failed.value.permanent and "not installed" in str(failed.value)


async def test_a_workspace_that_never_installed_gets_nothing_recorded(tmp_path: Path) -> None:
    async with slack_rig(tmp_path, **OAUTH) as rig:
        await rig.command("acme call | ch: slow internet", team="T9")
        with rig.container.uow_factory() as uow:
            assert uow.teams.get("slack:T9") is None
