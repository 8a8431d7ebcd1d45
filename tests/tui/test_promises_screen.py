"""« Promesses » : sections, detail with the allocation explained, cancellation, visibility.

Frozen clock: Monday 23/11/2026 10:00 Paris (T = 23/11, grace 3 days, ISO week 23–29/11).
On top of the fixture's P-D001-1 (D001, alice's debtor, 1 200 € due 10/11, nothing paid:
broken), promises recorded on Monday 16/11 (Paris):
- D002 (alice) 100 € on 20/11 + 100 € on 21/12; payments 10/11 50 € (before the recording
  day: ignored) and 17/11 60 € → instalment 1 has 60 €, due 20/11 + 3 days = 23/11 ≥ T: due today;
- D006 (alice) 500 € on 25/11: upcoming;
- D004 (pool, by alice) 300 € on 24/11, paid 300 € on 18/11: kept, last due in this week;
- D007 (pool, by alice) 100 € on 18/11 + 100 € on 18/12, paid 130 € on 19/11 → 100 € to
  instalment 1 (paid), 30 € to instalment 2: upcoming;
- D005 (bruno's debtor, by bruno) 2 000 € on 30/11: upcoming, seen by the lead only.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from rich.console import Console
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from recouvre_tui.domain.config import Settings
from recouvre_tui.services.agents import require_agent
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.outcome import Outcome, record_outcome
from recouvre_tui.store.db import Store
from recouvre_tui.tui.app import RecouvreApp
from recouvre_tui.tui.promises.detail import CancelPromiseForm, PromiseDetailScreen
from recouvre_tui.tui.promises.screen import PromisesScreen
from recouvre_tui.tui.welcome.screen import WelcomeScreen

SIZE = (160, 48)
MakeApp = Callable[..., RecouvreApp]
Query = Callable[..., list[tuple[Any, ...]]]
Settle = Callable[..., Awaitable[None]]

RECORDED = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday 16/11, 10:00 Paris
PAYMENTS = """debtor_ref;payment_ref;date;amount
D002;PAY-1;10/11/2026;50,00
D002;PAY-2;17/11/2026;60,00
D004;PAY-3;18/11/2026;300,00
D007;PAY-4;19/11/2026;130,00
"""


def seed(store: Store, settings: Settings) -> dict[str, str]:
    """Record the promises above through the real service; debtor ref → promise ref."""
    plans = [
        ("alice", "D002", "plan", [(date(2026, 11, 20), 10_000), (date(2026, 12, 21), 10_000)]),
        ("alice", "D006", "promise", [(date(2026, 11, 25), 50_000)]),
        ("alice", "D004", "promise", [(date(2026, 11, 24), 30_000)]),
        ("alice", "D007", "plan", [(date(2026, 11, 18), 10_000), (date(2026, 12, 18), 10_000)]),
        ("bruno", "D005", "promise", [(date(2026, 11, 30), 200_000)]),
    ]
    refs = {"D001": "P-D001-1"}
    for login, debtor, disposition, instalments in plans:
        result = record_outcome(
            store,
            require_agent(store, login),
            Outcome(debtor, disposition, instalments=instalments),
            now=RECORDED,
            settings=settings,
            source="test",
        )
        assert result.promise_ref is not None
        refs[debtor] = result.promise_ref
    import_file(
        store, "payments", "payments.csv", now=RECORDED, actor="test", settings=settings, data=PAYMENTS.encode()
    )
    return refs


def text_of(app: RecouvreApp, selector: str) -> str:
    static = app.screen.query_one(selector, Static)
    content = static.content
    if isinstance(content, str | Content):
        return str(static.render())
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def debtors(app: RecouvreApp) -> list[str]:
    table = app.screen.query_one("#promises-table", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def open_promises(pilot: Any, settle: Settle) -> PromisesScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WelcomeScreen)
    await pilot.press("o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PromisesScreen)
    return screen


async def section(pilot: Any, settle: Settle, key: str) -> list[str]:
    await pilot.press(key)
    await settle(pilot)
    return debtors(pilot.app)


async def test_sections_show_the_right_promises(
    make_app: MakeApp, open_store: Callable[[], Store], settings: Settings, settle: Settle
) -> None:
    seed(open_store(), settings)
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_promises(pilot, settle)
        bar = text_of(app, "#promises-sections")
        assert "1 à échéance aujourd'hui (1)" in bar
        assert "2 manquées (1)" in bar and "3 à venir (2)" in bar
        assert "4 tenues cette semaine (1)" in bar and "5 annulées (0)" in bar
        assert debtors(app) == ["D002"]  # section 1 first
        row = [str(c) for c in app.screen.query_one("#promises-table", DataTable).get_row_at(0)]
        assert row == ["D002", "Claire Martin", "alice", "200,00 €", "60,00 €", "20/11/26 · 40,00 €", "en cours"]
        assert await section(pilot, settle, "2") == ["D001"]
        assert await section(pilot, settle, "3") == ["D006", "D007"]  # next dues 25/11, 18/12
        assert await section(pilot, settle, "4") == ["D004"]
        assert await section(pilot, settle, "5") == []
        assert "aucune promesse dans « annulées »" in text_of(app, "#promises-status")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


async def test_detail_shows_instalments_and_allocation(
    make_app: MakeApp, open_store: Callable[[], Store], settings: Settings, settle: Settle
) -> None:
    refs = seed(open_store(), settings)
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_promises(pilot, settle)
        await section(pilot, settle, "3")
        await pilot.press("down", "enter")  # the second row: D007
        await settle(pilot)
        assert isinstance(app.screen, PromiseDetailScreen)
        assert app.screen.view.ref == refs["D007"]
        head = text_of(app, "#promise-head")
        assert "D007 · Sophie Garnier · agent alice · enregistrée le 16/11/2026" in head
        assert "promis 200,00 € · payé 130,00 €" in head
        lines = [" ".join(line.split()) for line in text_of(app, "#promise-instalments").splitlines()]
        assert "1 18/11/2026 100,00 € 100,00 € payée" in lines
        assert "2 18/12/2026 100,00 € 30,00 € à venir" in lines
        payments = text_of(app, "#promise-payments")
        assert "paiement du 19/11/2026 de 130,00 € → échéance 1 (100,00 €) + échéance 2 (30,00 €)" in payments
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)

        # D002: the payment before the recording day is not taken into account.
        await section(pilot, settle, "1")
        await pilot.press("enter")
        await settle(pilot)
        payments = text_of(app, "#promise-payments")
        assert "paiement du 17/11/2026 de 60,00 € → échéance 1" in payments
        assert "10/11/2026" not in payments.split("Ordre")[0]
        assert "1 paiement antérieur au 16/11/2026 : non pris en compte" in payments


async def test_cancel_needs_a_reason_then_is_saved_and_audited(
    make_app: MakeApp, open_store: Callable[[], Store], settings: Settings, settle: Settle, query: Query
) -> None:
    refs = seed(open_store(), settings)
    ref = refs["D006"]
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_promises(pilot, settle)
        await section(pilot, settle, "3")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CancelPromiseForm)
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert isinstance(app.screen, CancelPromiseForm)
        assert "motif obligatoire" in text_of(app, "#err-reason")
        assert query("SELECT status FROM promises WHERE ref = ?", ref) == [("pending",)]
        app.screen.query_one("#reason", Input).value = "remplacée par un échéancier"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromisesScreen)
        assert query("SELECT status, cancel_reason, cancelled_by FROM promises WHERE ref = ?", ref) == [
            ("cancelled", "remplacée par un échéancier", "alice")
        ]
        audit = query("SELECT actor, entity_ref, details FROM audit WHERE action = 'promise_cancel'")
        assert len(audit) == 1 and audit[0][:2] == ("alice", "D006")
        assert ref in audit[0][2] and "remplacée par un échéancier" in audit[0][2]
        assert debtors(app) == ["D007"]  # gone from « à venir »
        assert await section(pilot, settle, "5") == ["D006"]
        # From the detail: the key is gone once cancelled.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromiseDetailScreen)
        assert "motif d'annulation : « remplacée par un échéancier »" in text_of(app, "#promise-head")
        assert app.screen.check_action("cancel_promise", ()) is False


async def test_an_agent_sees_only_their_portfolio_and_the_pool(
    make_app: MakeApp, open_store: Callable[[], Store], settings: Settings, settle: Settle
) -> None:
    seed(open_store(), settings)
    app = make_app("alice")
    async with app.run_test(size=SIZE) as pilot:
        await open_promises(pilot, settle)
        screen = app.screen
        assert isinstance(screen, PromisesScreen) and screen.board is not None
        shown = {v.debtor_ref for s in screen.board.sections.values() for v in s.rows}
        assert "D005" not in shown
        assert shown == {"D001", "D002", "D004", "D006", "D007"}


async def test_a_lead_sees_every_agent_and_filters_by_agent(
    make_app: MakeApp, open_store: Callable[[], Store], settings: Settings, settle: Settle
) -> None:
    seed(open_store(), settings)
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await open_promises(pilot, settle)
        assert await section(pilot, settle, "3") == ["D006", "D005", "D007"]
        await pilot.press("a")  # alice
        await settle(pilot)
        assert "agent : alice" in text_of(app, "#promises-sections")
        assert debtors(app) == ["D006", "D007"]
        await pilot.press("a")  # bruno
        await settle(pilot)
        assert debtors(app) == ["D005"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromiseDetailScreen)
        assert "agent bruno" in text_of(app, "#promise-head")


def test_sections_are_capped_and_say_how_many_more() -> None:
    from recouvre_tui.services.promise_tracking import PromiseView
    from recouvre_tui.tui.promises.model import build_board

    views = [
        PromiseView(
            f"P{i}",
            f"D{i:03}",
            "x",
            None,
            "2026-11-16 09:00:00",
            "broken",
            100,
            0,
            [(date(2026, 11, 10), 100, "missed", 0)],
            date(2026, 11, 10),
        )
        for i in range(5)
    ]
    board = build_board(views, date(2026, 11, 23), cap=3)
    missed = board.sections["missed"]
    assert (len(missed.rows), missed.total, missed.more) == (3, 5, 2)
