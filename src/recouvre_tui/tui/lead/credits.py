"""« Soldes créditeurs »: debtors the ledger owes money to (overpaid, advance not applied),
largest first. Never offered to call; listed so that the lead has them refunded or applied.
Entrée opens the highlighted debtor's case file (read-only for the lead)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from ...services.credit_balances import CreditBalance
from ..fmt import d_fr, eur
from ..widgets.agent_bar import AgentBar
from .base import LeadScreen
from .columns import Col, row_cells, set_columns

COLUMNS = [
    Col("ref", "Réf.", 12, 10),
    Col("name", "Débiteur", 32, 18),
    Col("credit", "Crédit du client", 16, 12, short="Crédit", right=True),
    Col("agent", "Agent", 12, None),
    Col("last", "Dernier paiement", 16, 10, short="Dern. paiem.", right=True),
]


class CreditsScreen(LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "actualiser", id="lead.credits.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lead-credits")
        self.rows: list[CreditBalance] = []

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="credits-head", classes="lead-title")
        yield DataTable(id="credits-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="credits-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.narrow, "-narrow")
        table = self.query_one("#credits-table", DataTable)
        set_columns(table, COLUMNS, narrow=self.narrow)
        table.focus()
        self.query_one("#credits-head", Static).update(
            "[b]Soldes créditeurs[/] — clients à qui l'entreprise doit de l'argent (trop-perçu, acompte non "
            "imputé) : jamais proposés à l'appel, à rembourser ou à imputer"
        )
        self.load()

    def relayout(self) -> None:
        set_columns(self.query_one("#credits-table", DataTable), COLUMNS, narrow=self.narrow)
        self._fill()

    def data_changed(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def load(self) -> None:
        self.load_data(self.rapp.backend.credit_balances, what="soldes créditeurs", on_ok=self._loaded)

    def _loaded(self, rows: list[CreditBalance]) -> None:
        self.rows = rows
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#credits-table", DataTable)
        table.clear()
        for r in self.rows:
            cells = {
                "ref": Text(r.ref),
                "name": Text(r.name),
                "credit": Text(eur(-r.balance_cents), justify="right", style="bold"),
                "agent": Text(r.agent or "—"),
                "last": Text(d_fr(r.last_payment) if r.last_payment else "—", justify="right"),
            }
            table.add_row(*row_cells(table, cells), key=r.ref)
        total = -sum(r.balance_cents for r in self.rows)
        self.query_one("#credits-status", Static).update(
            f"{len(self.rows)} débiteur(s) en crédit, total {eur(total)}" if self.rows else "aucun solde créditeur"
        )

    @on(DataTable.RowSelected, "#credits-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        from .search import DebtorScreen

        if event.row_key.value is not None:
            self.app.push_screen(DebtorScreen(str(event.row_key.value)))

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [("Actualiser les soldes créditeurs", "r", self.action_refresh)]
