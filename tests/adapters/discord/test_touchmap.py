"""The touchpoint map from Discord: anyone sees it, Manage Server changes it."""

from __future__ import annotations

from pathlib import Path

from .test_flows import answer_text, record_with_form
from .world import ALEX, SAM, run, running


def test_the_map_changes_only_for_members_with_manage_server(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            refused = await w.fake.slash(w.acme, SAM, "map", change='retire "review site"')
            assert "needs an admin" in answer_text(refused)
            done = await w.fake.slash(
                w.acme, ALEX, "map", manager=True, change='add "price list" web pre-purchase'
            )
            assert "price list" in answer_text(done)
            noted = await w.fake.slash(w.acme, SAM, "map", change='note "price list" too long')
            assert "has a new note" in answer_text(noted)
            shown = answer_text(await w.fake.slash(w.acme, SAM, "map"))
            assert "price list" in shown and "review site" in shown and "too long" in shown

    run(scenario())


def test_the_form_offers_a_second_step_for_journey_contacts_and_scores(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running(tmp_path) as w:
            saved = await record_with_form(w, challenges="VAT missing on invoice")
            assert "Add journey & scores" in str(saved.data)
            button = next(
                c["custom_id"]
                for row in saved.data["data"]["components"]
                for c in row["components"]
                if c["custom_id"].startswith("tp:details:")
            )
            # The confirmation as the user's screen shows it (an ephemeral message).
            shown = w.fake._new_message(w.acme.channels["customers"], saved.data["data"], flags=64)
            opened = await w.fake.press(w.acme, SAM, int(shown["id"]), button)
            assert opened.type == 9, opened.data  # the second modal
            assert len(opened.data["data"]["components"]) == 5
            done = await w.fake.submit(
                w.acme,
                SAM,
                opened.data["data"],
                {
                    "place": "first invoice",
                    "contacts": "Jane Smith (CFO)",
                    "satisfaction": "2",
                    "promoter": "6",
                    "effort": "7",
                },
            )
            said = answer_text(done)
            assert "Touchpoint: first invoice · stage: purchase · CSAT 2/5 · NPS 6/10" in said
            assert "Jane Smith (CFO)" in said
            wrong = await w.fake.press(w.acme, SAM, int(shown["id"]), button)
            bad = await w.fake.submit(w.acme, SAM, wrong.data["data"], {"promoter": "11"})
            assert "from 0 to 10" in answer_text(bad)

    run(scenario())
