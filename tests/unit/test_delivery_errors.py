"""What each platform's refusals mean to the engine, and the plain-text fallback's shape."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack.failures import delivery_failed
from bot.adapters.slack.notifier import plain_messages
from bot.core.replies import Reply, Section, line

with warnings.catch_warnings():  # discord.py imports audioop, deprecated since 3.11
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

    from bot.adapters.discord.notifier import delivery_marker, plain_texts, translate


def _slack(error: str, status: int = 200) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    "error",
    ["channel_not_found", "not_in_channel", "is_archived", "account_inactive",
     "invalid_auth", "token_revoked"],
)  # fmt: skip
def test_a_slack_channel_or_token_that_is_gone_is_given_up_with_what_to_do(error: str) -> None:
    failed = delivery_failed(_slack(error))
    assert failed.permanent and not failed.content
    assert f"({error}) — " in str(failed)


@pytest.mark.parametrize("error", ["msg_too_long", "msg_blocks_too_long", "invalid_blocks"])
def test_a_slack_message_refused_for_its_content_is_a_content_error(error: str) -> None:
    failed = delivery_failed(_slack(error))
    assert failed.content and failed.permanent


def test_a_slack_server_error_is_retried() -> None:
    failed = delivery_failed(_slack("fatal_error", status=503))
    assert not failed.permanent and not failed.content


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "refused"
        self.headers: dict[str, str] = {}


def _discord(kind: type[discord.HTTPException], status: int, code: int) -> Any:
    return kind(_Response(status), {"code": code, "message": "refused"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        (discord.NotFound, 404, 10003),
        (discord.Forbidden, 403, 50001),
        (discord.Forbidden, 403, 50013),
        (discord.Forbidden, 403, 0),
        (discord.NotFound, 404, 0),
    ],
)
def test_a_discord_channel_gone_or_forbidden_is_given_up_with_what_to_do(
    kind: type[discord.HTTPException], status: int, code: int
) -> None:
    failed = translate(_discord(kind, status, code))
    assert failed.permanent and not failed.content
    assert " — " in str(failed)


def test_a_discord_invalid_form_body_is_a_content_error() -> None:
    failed = translate(_discord(discord.HTTPException, 400, 50035))
    assert failed.content


def _long_reply(lines: int) -> Reply:
    items = tuple(line(f"promise {n}: " + "x" * 180) for n in range(lines))
    return Reply("Daily digest", (Section("Due today", items),), kind="digest")


def test_the_slack_plain_fallback_splits_at_line_ends_within_the_limit() -> None:
    messages = plain_messages(_long_reply(40))
    assert len(messages) > 1 and all(not m.blocks for m in messages)
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 3000 for m in messages)
    shown = "\n".join(m.text for m in messages)
    assert all(f"promise {n}:" in shown for n in range(40))


def test_the_slack_plain_fallback_counts_what_does_not_fit() -> None:
    messages = plain_messages(_long_reply(400))
    assert len(messages) == 4
    assert "more lines" in messages[-1].text


def test_the_discord_plain_fallback_fits_and_carries_the_delivery_marker() -> None:
    mark = delivery_marker("digest:discord:1:2027-06-29")
    texts = plain_texts(_long_reply(30), mark)
    assert len(texts) > 1
    assert all(len(t) <= 2000 and t.endswith(mark) for t in texts)
