"""A short soak of the real bot (about 25 s of load, 40 s in all) while reminders fire: every
request answered, every record and reminder accounted for, memory flat. The long run is
``python -m bench.soak --minutes N``; its figures are in docs/reliability.md."""

from __future__ import annotations

import pytest

from bench.soak import run

pytestmark = pytest.mark.slow


def test_a_short_soak_answers_every_request_and_accounts_for_every_record_and_reminder() -> None:
    report = run(25, rate=20.0, workspaces=20, users=200)
    print(report.markdown())
    assert report.problems() == []
    assert report.requests >= 300 and report.due_promises >= 40
    assert report.p99_ms < 1000  # loose: the machine is shared; the figure is reported
    assert report.rss_end_mib - report.rss_after_warmup_mib < 40
