"""The lead goes from a worn debtor of the wear report to a generated mise en demeure and, once
a notice is 15 days old, to the injonction de payer pack, without leaving the TUI
(conftest: frozen Monday 23/11/2026; D006 is worn in W47, see test_lead_screens.py)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pypdf

from recouvre_tui.services.agents import require_agent
from recouvre_tui.services.lead import record_formal_notice
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.lead.dialogs import ConfirmDialog
from recouvre_tui.tui.lead.wear import WearScreen

SIZE = (160, 48)


async def test_wear_screen_to_letter_and_court_pack(
    open_store: Any, settings: Any, frozen_now: Any, query: Any, settle: Any, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    cfg = dataclasses.replace(settings, creditor_address="12 rue de la Paix\n75002 Paris", exports_dir=str(exports))
    store = open_store()
    app = RecouvreApp(store, require_agent(store, "lea"), settings=cfg, clock=lambda: frozen_now, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, WearScreen)
        for _ in range(80):
            if screen.report is not None:
                break
            await pilot.pause(0.1)
        await settle(pilot)
        assert screen._cursor_row() is not None and screen._cursor_row().debtor_ref == "D006"

        # A court pack before any mise en demeure: refused, nothing written.
        await pilot.press("j")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert not exports.exists()

        await pilot.press("l")  # generate the mise en demeure: the dialog says what it claims
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "Mise en demeure à [b]D006[/] pour" in dialog.text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WearScreen)
        ((ref, amount),) = query(
            "SELECT e.letter_ref, e.amount_cents FROM events e JOIN debtors d ON d.id = e.debtor_id "
            "WHERE d.ref = 'D006' AND e.letter_ref IS NOT NULL"
        )
        assert ref == "MED-2026-00001" and amount > 0
        pdf = exports / "lea" / "MED-2026-00001.pdf"
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages)
        assert "mise en demeure de payer — réf. MED-2026-00001 — dossier D006" in text

        # A notice sent on 01/11 (22 days ago): the court pack may now be prepared.
        lea = require_agent(store, "lea")
        record_formal_notice(store, lea, "D006", sent_on=date(2026, 11, 1), force=True, now=frozen_now, settings=cfg)
        await pilot.press("j")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "après la mise en demeure du 01/11/2026" in dialog.text
        await pilot.press("enter")
        await settle(pilot)
        folder = exports / "lea" / "injonction-D006-2026-11-23"
        data = json.loads((folder / "formulaire.json").read_text(encoding="utf-8"))
        assert data["debtor"]["ref"] == "D006" and data["formal_notice"]["sent_on"] == "2026-11-01"
        assert sorted(p.name for p in folder.iterdir()) == ["decompte.pdf", "formulaire.json", "pieces.txt"]
        assert query("SELECT action FROM audit WHERE actor = 'lea' AND action IN ('formal_notice', 'court_pack')") == [
            ("formal_notice",),
            ("formal_notice",),
            ("court_pack",),
        ]
