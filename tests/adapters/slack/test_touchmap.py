"""The touchpoint map from Slack: anyone sees it, only workspace admins change it."""

from __future__ import annotations

import json
from pathlib import Path

from .rig import slack_rig


async def test_only_a_workspace_admin_changes_the_map_but_anyone_adds_a_note(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        rig.fake.admins.add("UADMIN")
        await rig.command('map add "price list" web pre-purchase', user="U1")
        refused = json.dumps(rig.fake.responses[-1])
        assert "needs an admin" in refused
        await rig.command('map add "price list" web pre-purchase', user="UADMIN")
        assert "price list" in json.dumps(rig.fake.responses[-1])
        await rig.command('map note "price list" prices out of date', user="U1")
        await rig.command("map")
        shown = json.dumps(rig.fake.responses[-1], ensure_ascii=False)
        assert "price list" in shown and "prices out of date" in shown
        asked = [c for c in rig.fake.calls if c.method == "users.info"]
        assert {c.args["user"] for c in asked} >= {"U1", "UADMIN"}


async def test_the_form_records_the_map_entry_contacts_and_scores_when_picked(
    tmp_path: Path,
) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme")
        blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        places = [o["value"] for o in blocks["map_entry"]["element"]["options"]]
        assert "first invoice" in places and all(
            blocks[b]["optional"] is not False
            for b in ("map_entry", "stage", "contacts", "satisfaction", "promoter", "effort")
        )
        answer = await rig.submit(
            view,
            challenges="VAT missing",
            map_entry="first invoice",
            contacts="Jane Smith (CFO); Raj",
            satisfaction="2",
            promoter="6",
            effort="7",
        )
        assert answer.status == 200 and not answer.text, answer.text
        with rig.container.uow_factory() as uow:
            [customer] = uow.customers.list("slack:T1")
            [touchpoint] = uow.touchpoints.recent_for_customer("slack:T1", customer.id or 0)
            stored = uow.touchpoints.get("slack:T1", touchpoint.id or 0)
        assert stored is not None
        assert (stored.kind.value, stored.stage, stored.satisfaction, stored.promoter) == (
            "call",  # the form's kind (prefilled) wins over the map's channel
            "purchase",
            2,
            6,
        )
        assert stored.effort == 7 and [str(c) for c in stored.contacts] == [
            "Jane Smith (CFO)",
            "Raj",
        ]


async def test_a_form_left_short_records_as_before(tmp_path: Path) -> None:
    async with slack_rig(tmp_path) as rig:
        view = await rig.open_form("acme")
        answer = await rig.submit(view, challenges="slow internet")
        assert answer.status == 200 and not answer.text, answer.text
