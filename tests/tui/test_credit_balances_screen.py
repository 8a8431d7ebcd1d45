"""« Soldes créditeurs »: a FEC leaves two debtors in credit (Martin overpaid 100 €, Noël's
advance of 300 € not yet applied); the lead's screen lists them largest first, an agent is
refused, and neither is ever offered to call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from test_lead_screens import SIZE, column, text_of, until
from textual.widgets import DataTable

from recouvre_tui.services.credit_balances import credit_balances
from recouvre_tui.services.importing import import_file
from recouvre_tui.services.roles import PermissionDenied
from recouvre_tui.store.agents import get_agent
from recouvre_tui.tui.lead.credits import CreditsScreen
from recouvre_tui.tui.lead.search import DebtorScreen

HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
    "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise"
)
LINES = [
    "VT|Ventes|1|20261002|411000|Clients|MAR|Martin [b]& Fils[/b]|FA1|20261002|Facture|2400,00|0,00|||20261002||",
    "VT|Ventes|1|20261002|706000|Ventes|||FA1|20261002|Facture|0,00|2400,00|||20261002||",
    "BQ|Banque|2|20261015|512000|Banque|||VIR1|20261015|Virement|2500,00|0,00|||20261015||",
    "BQ|Banque|2|20261015|411000|Clients|MAR|Martin [b]& Fils[/b]|VIR1|20261015|Virement|0,00|2500,00|||20261015||",
    "BQ|Banque|3|20261020|512000|Banque|||VIR2|20261020|Acompte|300,00|0,00|||20261020||",
    "BQ|Banque|3|20261020|4191000|Avances|NOEL|Atelier Noël|VIR2|20261020|Acompte|0,00|300,00|||20261020||",
]


def add_fec(open_store: Callable[[], Any], settings: Any, now: Any) -> None:
    store = open_store()
    data = ("\n".join([HEADER, *LINES]) + "\n").encode()
    import_file(store, "fec", "FEC.txt", now=now, actor="test", settings=settings, data=data)


def test_only_a_lead_sees_credit_balances(open_store: Any, settings: Any, frozen_now: Any) -> None:
    add_fec(open_store, settings, frozen_now)
    store = open_store()
    with store.lock:
        lea, alice = get_agent(store.conn, "lea"), get_agent(store.conn, "alice")
    assert lea is not None and alice is not None
    rows = credit_balances(store, lea)
    assert [(r.ref, r.balance_cents, str(r.last_payment)) for r in rows] == [
        ("NOEL", -30000, "2026-10-20"),
        ("MAR", -10000, "2026-10-15"),
    ]
    with pytest.raises(PermissionDenied):
        credit_balances(store, alice)
    with store.lock:
        queued = {r[0] for r in store.conn.execute("SELECT ref FROM debtors WHERE balance_cents > 0")}
    assert not queued & {"NOEL", "MAR"}


async def test_credit_balances_screen(
    make_app: Any, open_store: Any, settings: Any, frozen_now: Any, settle: Any
) -> None:
    add_fec(open_store, settings, frozen_now)
    app = make_app("lea")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CreditsScreen)
        assert await until(pilot, lambda: bool(screen.rows))
        await settle(pilot)
        table = screen.query_one("#credits-table", DataTable)
        assert [str(k.value) for k in table.rows] == ["NOEL", "MAR"]
        assert column(table, "name") == ["Atelier Noël", "Martin [b]& Fils[/b]"]  # text, not markup
        assert column(table, "credit") == ["300,00 €", "100,00 €"]
        assert "2 débiteur(s) en crédit, total 400,00 €" in text_of(app, "#credits-status")
        assert "jamais proposés à l'appel" in text_of(app, "#credits-head")
        await pilot.press("enter")  # the highlighted debtor's file, read-only
        await settle(pilot)
        assert isinstance(app.screen, DebtorScreen) and app.screen.ref == "NOEL"
