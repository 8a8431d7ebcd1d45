"""The lead's legal screens, headless on conftest's frozen clock (Monday 23/11/2026 10:00 Paris):
invoices about to prescribe (key p), the debtor card's over-indebtedness action (key s)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from test_lead_screens import SIZE, column, text_of, until
from textual.widgets import DataTable

from recouvre_tui.services.importing import import_file
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.lead.prescription import PrescriptionScreen
from recouvre_tui.tui.lead.search import DebtorScreen

# D006 (B2C, Paul Blanc): an invoice due 20/12/2024 has 20/12/2026 as its last day to act,
# 27 days from now; D005 (B2B) one due 01/01/2021: last day 01/01/2026, prescribed already.
OLD_INVOICES = """debtor_ref;invoice_ref;issue_date;due_date;amount
D006;FF-OLD;20/11/2024;20/12/2024;450,00
D005;FE-OLD;01/12/2020;01/01/2021;700,00
"""


async def test_prescription_list_then_overindebtedness_from_the_card(
    make_app: Callable[..., RecouvreApp],
    open_store: Callable[[], Any],
    query: Callable[..., list[tuple]],
    settle: Callable[..., Awaitable[None]],
    settings: Any,
    frozen_now: Any,
) -> None:
    import_file(
        open_store(),
        "invoices",
        "old.csv",
        now=frozen_now,
        actor="test",
        settings=settings,
        data=OLD_INVOICES.encode(),
    )
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "prescription" in text_of(app, "#lead-menu")
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PrescriptionScreen)
        assert await until(pilot, lambda: bool(screen.rows))
        table = screen.query_one("#prescription-table", DataTable)
        assert column(table, "debtor") == ["D006"]
        assert column(table, "last_day") == ["20/12/2026"]
        assert column(table, "left") == ["27 j"]
        assert column(table, "unpaid") == ["450,00 €"]
        assert "1 facture · 450,00 €" in text_of(app, "#prescription-status")

        await pilot.press("enter")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, DebtorScreen)
        assert await until(pilot, lambda: card.case is not None)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("ctrl+u", *"02/11/2026", "enter")
        await settle(pilot)
        assert query("SELECT overindebted_since FROM debtors WHERE ref = 'D006'") == [("2026-11-02",)]
        assert query("SELECT actor, action FROM audit WHERE entity_ref = 'D006' AND action = 'overindebted'") == [
            ("lea", "overindebted")
        ]
        assert await until(pilot, lambda: "surendettement depuis le 02/11/2026" in text_of(app, "#debtor-header"))

    # The agent's queue never offers D006 again.
    alice = make_app("alice")
    entries = alice.backend.queue_page(0, flt=None, include_blocked=True).entries
    (d006,) = [e for e in entries if e.debtor_ref == "D006"]
    assert "overindebtedness" in d006.blocked_by
