"""« Prescription » : unpaid invoices whose last day to act falls within the warning days
(`[legal] prescription_warning_days`), soonest first; Entrée opens the debtor's card. B2C
claims prescribe after 2 years (C. conso L218-2), B2B after 5 (C. com. L110-4): docs/legal.md."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Static

from ...domain.codes import label
from ...domain.dates import paris_date
from ...services.legal import PrescribingInvoice
from ..fmt import d_fr, esc, eur, plural
from ..widgets.agent_bar import AgentBar
from .base import LeadScreen
from .columns import Col, row_cells, set_columns

COLUMNS = [
    Col("last_day", "Dernier jour", 12, 10, short="Dernier j."),
    Col("left", "Reste", 8, 6, right=True),
    Col("debtor", "Débiteur", 10, 8, short="Réf."),
    Col("name", "Nom", 30, 16),
    Col("segment", "Segment", 14, None),
    Col("invoice", "Facture", 16, 12),
    Col("unpaid", "Impayé", 14, 12, right=True),
]


def cells(r: PrescribingInvoice, today: date) -> dict[str, Text]:
    days = (r.last_day_to_act - today).days
    style = "bold" if days <= 30 else ""
    return {
        "last_day": Text(d_fr(r.last_day_to_act), style=style),
        "left": Text(f"{days} j", justify="right", style=style),
        "debtor": Text(r.debtor_ref),
        "name": Text(r.name),
        "segment": Text(label(r.segment)),
        "invoice": Text(r.invoice_ref),
        "unpaid": Text(eur(r.unpaid_cents), justify="right"),
    }


class PrescriptionScreen(LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "actualiser", id="lead.prescription.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lead-prescription")
        self.rows: list[PrescribingInvoice] = []

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="prescription-head", classes="lead-title")
        yield DataTable(id="prescription-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="prescription-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#prescription-table", DataTable)
        set_columns(table, COLUMNS, narrow=self.narrow)
        table.focus()
        self.reload()

    def data_changed(self) -> None:
        self.reload()

    def relayout(self) -> None:
        set_columns(self.query_one("#prescription-table", DataTable), COLUMNS, narrow=self.narrow)
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        days = self.rapp.settings.legal.prescription_warning_days
        self.query_one("#prescription-head", Static).update(
            f"[b]Prescription[/] — factures impayées prescrites dans les {days} jours sans action"
            + ("" if self.narrow else "  [dim]Entrée : fiche du débiteur (reconnaissance de dette, relance)[/]")
        )
        self.query_one("#prescription-status", Static).update("chargement…")
        self.load()

    def load(self) -> None:
        self.load_data(self.rapp.backend.prescribing_soon, what="prescription", on_ok=self._loaded)

    def _loaded(self, rows: list[PrescribingInvoice]) -> None:
        self.rows = rows
        today = paris_date(self.rapp.backend.now())
        table = self.query_one("#prescription-table", DataTable)
        table.clear()
        for i, r in enumerate(self.rows):
            table.add_row(*row_cells(table, cells(r, today)), key=f"{i}")
        total = sum(r.unpaid_cents for r in self.rows)
        rule = (
            ""
            if self.narrow
            else " · B2C : 2 ans après l'échéance (C. conso L218-2), B2B : 5 ans (C. com. L110-4) ; un paiement "
            "ou une reconnaissance de dette écrite relance le délai, une mise en demeure non"
        )
        self.query_one("#prescription-status", Static).update(
            f"{plural(len(self.rows), 'facture')} · {esc(eur(total))}{rule}"
        )

    def action_open(self) -> None:
        table = self.query_one("#prescription-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return
        from .search import DebtorScreen

        self.app.push_screen(DebtorScreen(self.rows[table.cursor_row].debtor_ref))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [("Ouvrir la fiche du débiteur", "Entrée", self.action_open)]
