"""« Indicateurs »: per-agent figures for one ISO week (docs/kpis.md), ← / → to change week,
`x` « Exporter » (.xlsx or CSV for French Excel, saved in `exports_dir/<login>/` or sent by
e-mail: docs/exports.md)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from ...domain.dates import parse_iso_week
from ...services.lead import KpiRow
from ..fmt import d_fr, eur, eur_short
from ..widgets.agent_bar import AgentBar
from ..widgets.table import DataTable
from .base import LeadScreen
from .columns import Col, row_cells, set_columns
from .export_dialog import ExportsReports
from .labels import pct

COLUMNS = [
    Col("agent", "Agent", 20, 14),
    Col("calls", "Appels", 6, right=True),
    Col("rpc", "Contacts", 8, right=True),
    Col("rpc_rate", "Taux contact", 12, 7, short="% cont.", right=True),
    Col("promises", "Promesses", 9, 5, short="Prom.", right=True),
    Col("promise_rate", "Taux promesse", 13, None, right=True),
    Col("promised", "Montant promis", 14, 9, short="Promis", right=True),
    Col("kept", "Tenues", 6, right=True),
    Col("broken", "Rompues", 7, 5, short="Romp.", right=True),
    Col("kept_rate", "Taux tenu", 9, 6, short="% tenu", right=True),
    Col("collected", "Encaissé", 14, 9, right=True),
    Col("attempts", "Appels/contact", 14, None, right=True),
]


def total_row(week: str, rows: list[KpiRow]) -> KpiRow:
    return KpiRow(
        week=week,
        agent="",
        name="Équipe",
        calls=sum(r.calls for r in rows),
        rpc=sum(r.rpc for r in rows),
        promises=sum(r.promises for r in rows),
        promised_cents=sum(r.promised_cents for r in rows),
        kept=sum(r.kept for r in rows),
        broken=sum(r.broken for r in rows),
        collected_cents=sum(r.collected_cents for r in rows),
        contacts=sum(r.contacts for r in rows),
        promise_contacts=sum(r.promise_contacts for r in rows),
    )


def cells(r: KpiRow, *, bold: bool = False, narrow: bool = False) -> dict[str, Text]:
    style = "bold" if bold else ""
    money = eur_short if narrow else eur
    ratio = "—" if r.attempts_per_rpc is None else f"{r.attempts_per_rpc:.1f}".replace(".", ",")
    values = {
        "calls": str(r.calls),
        "rpc": str(r.rpc),
        "rpc_rate": pct(r.rpc_rate),
        "promises": str(r.promises),
        "promise_rate": pct(r.promise_rate),
        "promised": money(r.promised_cents),
        "kept": str(r.kept),
        "broken": str(r.broken),
        "kept_rate": pct(r.kept_rate),
        "collected": money(r.collected_cents),
        "attempts": ratio,
    }
    out = {key: Text(v, justify="right", style=style) for key, v in values.items()}
    out["agent"] = Text(r.name or r.agent, style=style)
    return out


# One line per KPI, shown first by F1 on this screen (the same definitions as docs/kpis.md).
KPI_DEFINITIONS: list[tuple[str, str]] = [
    ("Appels", "appels sortants de la semaine, toutes issues"),
    ("Contacts", "appels sortants où le débiteur a été joint"),
    ("Taux contact", "contacts / appels (100 % au plus)"),
    ("Promesses", "promesses enregistrées dans la semaine, hors annulées"),
    ("Taux promesse", "contacts finis par une promesse / contacts, entrants inclus"),
    ("Promis", "montant des promesses enregistrées dans la semaine"),
    ("Tenues, romp.", "promesses dont la fin + grâce tombe dans la semaine"),
    ("Taux tenu", "tenues / (tenues + rompues)"),
    ("Encaissé", "paiements de la semaine, débiteurs affectés à l'agent"),
    ("Appels/contact", "appels / contacts : tentatives pour joindre un débiteur"),
]


class KpiScreen(ExportsReports, LeadScreen):
    HELP_SECTION = ("Indicateurs — définitions", KPI_DEFINITIONS)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "week(-1)", "semaine −", key_display="←", priority=True, id="lead.kpis.prev_week"),
        Binding("right", "week(1)", "semaine +", key_display="→", priority=True, id="lead.kpis.next_week"),
        Binding("x", "export", "exporter", id="lead.kpis.export"),
        Binding("r", "refresh", "actualiser", id="lead.kpis.refresh"),
    ]

    def __init__(self, week: str | None = None) -> None:
        super().__init__(id="lead-kpis")
        self.week = week or ""
        self.rows: list[KpiRow] = []

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="kpis-head", classes="lead-title")
        yield DataTable(id="kpis-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="kpis-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.week = self.week or self.rapp.backend.default_week()
        self.set_class(self.narrow, "-narrow")
        table = self.query_one("#kpis-table", DataTable)
        set_columns(table, COLUMNS, narrow=self.narrow)
        table.focus()
        self.reload()

    def data_changed(self) -> None:
        self.load(self.week)  # quietly: repaint only if the figures change (see widgets.quiet)

    def relayout(self) -> None:
        set_columns(self.query_one("#kpis-table", DataTable), COLUMNS, narrow=self.narrow)
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        monday, sunday = parse_iso_week(self.week)
        self.query_one("#kpis-head", Static).update(
            f"[b]Indicateurs[/] — semaine [b]{self.week}[/] (du {d_fr(monday)} au {d_fr(sunday)})"
            + ("" if self.narrow else "  [dim]← semaine précédente · → suivante · x exporter / e-mail[/]")
        )
        self.query_one("#kpis-status", Static).update("chargement…")
        self.load(self.week)

    def load(self, week: str) -> None:
        self.load_data(self.rapp.backend.kpis, week, what="indicateurs", on_ok=lambda rows: self._loaded(week, rows))

    def _loaded(self, week: str, rows: list[KpiRow]) -> None:
        if week != self.week:
            return
        if rows == self.rows and self.query_one("#kpis-status", Static).content != "chargement…":
            return  # nothing on screen would change
        self.rows = rows
        table = self.query_one("#kpis-table", DataTable)
        table.clear()
        narrow = self.narrow
        for r in self.rows:
            table.add_row(*row_cells(table, cells(r, narrow=narrow)), key=r.agent)
        if self.rows:
            team = cells(total_row(self.week, self.rows), bold=True, narrow=narrow)
            table.add_row(*row_cells(table, team), key="__team__")
        self.query_one("#kpis-status", Static).update(
            "Taux contact = contacts argumentés / appels · "
            "taux promesse = contacts finis par une promesse / contacts (entrants inclus) · "
            "taux tenu = tenues / (tenues + rompues) à échéance dans la semaine · encaissé = paiements "
            "de la semaine des débiteurs de l'agent (docs/kpis.md)"
        )

    def action_week(self, delta: int) -> None:
        backend = self.rapp.backend
        target = backend.shift_week(self.week, delta)
        if delta > 0 and target > backend.shift_week(backend.default_week(), 1):
            self.notify("Semaine à venir : pas encore d'indicateurs.", timeout=3)
            return
        self.week = target
        self.reload()

    def action_export(self) -> None:
        week = self.week
        self.ask_export(f"indicateurs {week}", lambda: self.rapp.backend.kpis_table(week))

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Semaine précédente", "←", lambda: self.action_week(-1)),
            ("Semaine suivante", "→", lambda: self.action_week(1)),
            ("Exporter les indicateurs (.xlsx, CSV, e-mail)", "x", self.action_export),
        ]
