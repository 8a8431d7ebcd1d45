"""The dispute outcome form (tick the contested invoices), the guide after a partial dispute,
and the palette's « no match » line in French."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from test_tui_journeys import SIZE, MakeApp, Query, Settle, open_first_case, until  # same folder (rootdir on path)
from textual.command import CommandList, CommandPalette

from recouvre_tui.domain.config import Settings
from recouvre_tui.store.db import Store
from recouvre_tui.tui.case.screen import CaseScreen
from recouvre_tui.tui.commands import NO_MATCH_FR
from recouvre_tui.tui.outcome.forms import DisputeForm, InvoiceTicks


async def test_dispute_form_ticks_invoices_and_keeps_the_rest_claimed(
    make_app: MakeApp, settle: Settle, query: Query
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot, settle)
        assert screen.case is not None and screen.case.ref == "D001"
        await pilot.press("7", "enter")  # « litige », then validate: the form opens
        assert await until(pilot, lambda: isinstance(app.screen, DisputeForm))
        ticks = app.screen.query_one(InvoiceTicks)
        assert list(ticks.selected) == ["FA-1001", "FA-1017"]  # all ticked by default
        await pilot.press("down", "space")  # untick FA-1017
        assert list(ticks.selected) == ["FA-1001"]
        await pilot.press("enter")
        assert await until(pilot, lambda: bool(query("SELECT 1 FROM events WHERE outcome = 'dispute'")))
    rows = query(
        "SELECT di.invoice_ref, di.amount_cents, di.status, d.handed_to FROM dispute_invoices di "
        "JOIN disputes d ON d.id = di.dispute_id"
    )
    assert rows == [("FA-1001", 120_000, "open", "Paul Durand")]
    # FA-1017 (3 030,00 €, overdue) is still claimed: the debtor stays callable.
    assert query("SELECT dispute_open FROM debtors WHERE ref = 'D001'") == [(0,)]


async def test_dispute_form_with_every_invoice_blocks_the_debtor(
    make_app: MakeApp, settle: Settle, query: Query
) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("7", "enter")
        assert await until(pilot, lambda: isinstance(app.screen, DisputeForm))
        await pilot.press("enter")
        assert await until(pilot, lambda: bool(query("SELECT 1 FROM events WHERE outcome = 'dispute'")))
    assert query("SELECT invoice_ref FROM dispute_invoices ORDER BY invoice_ref") == [("FA-1001",), ("FA-1017",)]
    assert query("SELECT dispute_open FROM debtors WHERE ref = 'D001'") == [(1,)]


async def test_dispute_form_refuses_no_invoice(make_app: MakeApp, settle: Settle, query: Query) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_first_case(pilot, settle)
        await pilot.press("7", "enter")
        assert await until(pilot, lambda: isinstance(app.screen, DisputeForm))
        await pilot.press("space", "down", "space", "enter")  # untick both
        await pilot.pause()
        assert isinstance(app.screen, DisputeForm)
        assert "cochez au moins une facture" in str(app.screen.query_one("#err-invoices").render())
        await pilot.press("escape")
        assert await until(pilot, lambda: isinstance(app.screen, CaseScreen))
    assert query("SELECT COUNT(*) FROM disputes") == [(0,)]


async def test_palette_says_no_match_in_french(make_app: MakeApp, settle: Settle) -> None:
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"zzqqxx")

        def shown() -> bool:
            options = app.screen.query_one(CommandList)
            return any(NO_MATCH_FR in str(options.get_option_at_index(i).prompt) for i in range(options.option_count))

        assert await until(pilot, shown, timeout=5.0)


async def test_lead_closes_a_dispute_invoice_by_invoice(
    make_app: MakeApp,
    settle: Settle,
    query: Query,
    open_store: Callable[[], Store],
    settings: Settings,
    frozen_now: datetime,
) -> None:
    from textual.widgets import Static

    from recouvre_tui.services.agents import require_agent
    from recouvre_tui.services.outcome import Outcome, record_outcome
    from recouvre_tui.tui.lead.dialogs import DisputeCloseForm, GuardDialog
    from recouvre_tui.tui.lead.search import DebtorScreen, SearchScreen

    store = open_store()
    record_outcome(
        store,
        require_agent(store, "alice"),
        Outcome("D001", "dispute", dispute_invoices=["FA-1001", "FA-1017"]),
        now=frozen_now,
        settings=settings,
    )
    assert query("SELECT dispute_open FROM debtors WHERE ref = 'D001'") == [(1,)]
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*"dupont")
        assert await until(pilot, lambda: [h.debtor_ref for h in search.hits] == ["D001"])
        await pilot.press("down", "enter")
        assert await until(pilot, lambda: isinstance(app.screen, DebtorScreen) and app.screen.case is not None)
        await pilot.press("l")
        assert await until(pilot, lambda: isinstance(app.screen, DisputeCloseForm))
        await pilot.press("down", "space")  # keep FA-1001 only; decision: rejected (default)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, GuardDialog))  # what will change
        assert "FA-1001" in str(app.screen.query_one("#guard-text", Static).render())
        await pilot.press("tab", "enter")  # « Annuler » is the default: Tab to « Confirmer »
        assert await until(
            pilot, lambda: query("SELECT status FROM dispute_invoices WHERE invoice_ref = 'FA-1001'") == [("rejected",)]
        )
    assert query("SELECT invoice_ref, status, closed_by FROM dispute_invoices ORDER BY invoice_ref") == [
        ("FA-1001", "rejected", "lea"),
        ("FA-1017", "open", None),
    ]
    # FA-1001 is claimed again: the debtor is back in the queue.
    assert query("SELECT dispute_open FROM debtors WHERE ref = 'D001'") == [(0,)]


async def test_case_screen_marks_contested_invoices_and_the_guide_leaves_them_out(
    make_app: MakeApp, settle: Settle, open_store: Callable[[], Store]
) -> None:
    from test_tui_journeys import script_text, text_of

    from recouvre_tui.store import disputes as dispute_sql

    # A dispute on FA-1001 only, written as the outcome would (without the call itself, so
    # D001 keeps its place at the head of the queue).
    store = open_store()
    with store.write() as conn:
        dispute_sql.insert_dispute(
            conn,
            debtor_id=1,
            opened_at="2026-11-20 09:00:00",
            agent="alice",
            event_id=None,
            invoices=[("FA-1001", 120_000)],
            amount_cents=120_000,
            handed_to="Paul Durand",
            note=None,
        )
        dispute_sql.sync_dispute_flag(conn, [1], today="2026-11-23", now="2026-11-23 09:00:00")
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_case(pilot, settle)
        assert screen.case is not None and screen.case.ref == "D001"  # still in the queue
        invoices = text_of(app, "#invoices")
        assert "contestée" in next(line for line in invoices.splitlines() if "FA-1001" in line)
        assert "litige sur 1 facture" in text_of(app, "#case-header")
        guide = script_text(app).replace("\u202f", " ")
        # 23/11/2026: FA-1017 (3 030,00 €, due 15/10) is claimed; FA-1001 is said to be apart.
        assert "3 030,00 €" in guide and "4 230,00 €" not in guide
        assert "hors la facture FA-1001 que vous contestez, transmise à Paul Durand" in guide
