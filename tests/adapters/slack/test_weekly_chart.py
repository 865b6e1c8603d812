"""The weekly summary's chart on Slack: uploaded through Slack's external upload flow into
the summary's thread, best effort and once; without ``files:write`` the text goes alone."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot import charts
from bot.core import summaries
from bot.core.delivery import Outgoing
from bot.core.replies import Reply, Section, line
from tests.unit.test_charts import chunks, decode, make_series

from .rig import SlackRig, slack_rig

SERIES = make_series([(3, 4, 7), (1, 2, 5), (2, 2, 3)])


async def summary_with_chart(rig: SlackRig) -> Outgoing:
    await rig.command("config channel C1")
    with rig.container.uow_factory() as uow:
        team = uow.teams.get("slack:T1")
    assert team is not None
    reply = Reply("Weekly summary", (Section(None, (line("75% kept on time"),)),))
    reply = summaries.with_chart(reply, SERIES, charts.weekly_chart)
    assert reply.image is not None
    return Outgoing("summary:slack:T1:2026-W47", team, "C1", reply)


async def test_the_chart_is_uploaded_into_the_summarys_thread(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        message = await summary_with_chart(rig)
        ref = await rig.adapter.notifier.send(message)

        [posted] = rig.fake.calls_to("chat.postMessage")
        assert posted.args["metadata"]["event_payload"]["key"] == message.key
        [shared] = rig.fake.shared_files
        assert ref == f"C1:{shared['thread_ts']}" and shared["channel_id"] == "C1"
        png = rig.fake.uploads[shared["id"]]
        width, height, _ = decode(png)
        assert (width, height) == (charts.WIDTH, charts.HEIGHT)
        carried = json.loads(dict(chunks(png)["tEXt"])[charts.SERIES_KEY])  # type: ignore[arg-type]
        assert carried == charts.series_values(SERIES)
        assert message.reply.image is not None
        asked = rig.fake.upload_names[shared["id"]]
        assert asked["alt_txt"] == message.reply.image.alt_text
        assert asked["filename"] == message.reply.image.filename


async def test_without_files_write_the_summary_goes_out_as_text_and_is_not_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_rig(tmp_path) as rig:
        message = await summary_with_chart(rig)
        rig.fake.fail("files.getUploadURLExternal", error="missing_scope")
        with caplog.at_level(logging.WARNING, "bot.adapters.slack.notifier"):
            ref = await rig.adapter.notifier.send(message)
        assert ref.startswith("C1:") and len(rig.fake.calls_to("chat.postMessage")) == 1
        assert rig.fake.shared_files == [] and rig.fake.uploads == {}
        assert any("missing_scope" in r.getMessage() for r in caplog.records)


async def test_stats_week_of_a_stage_answers_privately_and_sends_its_chart_by_direct_message(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        await rig.command("acme | stage: purchase | ch: invoice unclear")
        rig.clock.advance(timedelta(hours=1))
        answer = await rig.command("stats week purchase")
        assert answer.status == 200
        said = str(rig.fake.responses[-1])
        assert "The last 8 weeks — purchase stage" in said and "ephemeral" in said
        [shared] = rig.fake.shared_files
        assert shared["channel_id"] == "DU1"  # the asker's direct messages, not the channel
        png = rig.fake.uploads[shared["id"]]
        carried = json.loads(dict(chunks(png)["tEXt"])[charts.SERIES_KEY])  # type: ignore[arg-type]
        assert carried["stage"] == ["purchase"] and carried["open_challenges"][-1] == 1
        assert rig.fake.upload_names[shared["id"]]["filename"].endswith("-purchase.png")
