"""« Journal d'audit »: every attributed write, newest first, one keyset page at a time
(`before_id`), filtered by author and action; the highlighted line's details below."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from ...domain.dates import PARIS
from ...services.lead import AuditEntry
from ..backend import AUDIT_PAGE_SIZE
from ..fmt import esc
from ..widgets.agent_bar import AgentBar
from ..widgets.table import DataTable
from .base import LeadScreen
from .columns import Col, row_cells, set_columns
from .dialogs import AuditFilter, AuditFilterForm
from .labels import audit_action, audit_details, audit_entity

COLUMNS = [
    Col("id", "n°", 7, 5, right=True),
    Col("at", "Quand (Paris)", 19, 14),
    Col("actor", "Auteur", 14, 12),
    Col("action", "Action", 24, 20),
    Col("entity", "Objet", 18),
    Col("details", "Détails", 60, 16),
]


class AuditScreen(LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filters", "filtrer", id="lead.audit.filters"),
        Binding("x", "reset", "sans filtre", id="lead.audit.reset"),
        Binding("n", "page(1)", "plus anciens", id="lead.audit.next_page"),
        Binding("p", "page(-1)", "plus récents", id="lead.audit.prev_page"),
        Binding("r", "refresh", "les plus récents", id="lead.audit.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lead-audit")
        self.flt = AuditFilter()
        self.befores: list[int | None] = [None]
        self.entries: list[AuditEntry] = []
        self._quiet_request = -1  # the request sent after another session's commit
        self._request = 0

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="audit-head", classes="lead-title")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-detail", classes="lead-detail")
        yield Static(id="audit-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.narrow, "-narrow")
        table = self.query_one("#audit-table", DataTable)
        set_columns(table, COLUMNS, narrow=self.narrow)
        table.focus()
        self.reload()

    def relayout(self) -> None:
        set_columns(self.query_one("#audit-table", DataTable), COLUMNS, narrow=self.narrow)
        self.reload()

    def data_changed(self) -> None:
        if len(self.befores) == 1:  # on the newest page: show what was just written
            self._request += 1  # quietly: a heartbeat is not audited, nothing to repaint
            self._quiet_request = self._request
            self.load(self._request, self.befores[-1], self.flt)

    def reload(self) -> None:
        self._request += 1
        self.query_one("#audit-head", Static).update(
            f"[b]Journal d'audit[/] — le plus récent d'abord · {esc(self.flt.summary())}"
            f" · page {len(self.befores)}"
            + ("" if self.narrow else "  [dim]f filtrer · x sans filtre · n plus anciens · p plus récents[/]")
        )
        self.load(self._request, self.befores[-1], self.flt)

    def load(self, request: int, before_id: int | None, flt: AuditFilter) -> None:
        backend = self.rapp.backend
        self.load_data(
            lambda: backend.audit(before_id=before_id, actor=flt.actor, action=flt.action),
            what="journal d'audit",
            on_ok=lambda entries: self._loaded(entries, request),
        )

    def _loaded(self, entries: list[AuditEntry], request: int) -> None:
        if request != self._request:
            return
        if request == self._quiet_request and entries == self.entries:
            return  # nothing on screen would change
        self.entries = entries
        table = self.query_one("#audit-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear()
        for e in self.entries:
            cells = {
                "id": Text(str(e.id), justify="right", style="dim"),
                "at": e.at.astimezone(PARIS).strftime("%d/%m %H:%M:%S" if self.narrow else "%d/%m/%Y %H:%M:%S"),
                "actor": Text(e.actor, style="bold"),
                "action": audit_action(e.action),
                "entity": audit_entity(e.entity, e.entity_ref),
                "details": audit_details(e.details, 60),
            }
            table.add_row(*row_cells(table, cells), key=str(e.id))
        if self.entries:
            table.move_cursor(row=min(keep, len(self.entries) - 1))
        more = " · suite : n" if len(self.entries) == AUDIT_PAGE_SIZE else " · fin du journal"
        count = f"{len(self.entries)} ligne(s)" if self.entries else "aucune ligne"
        self.query_one("#audit-status", Static).update(f"{count}{more}")
        self._show_detail()

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        box = self.query_one("#audit-detail", Static)
        if not self.entries or not 0 <= table.cursor_row < len(self.entries):
            box.update("")
            return
        e = self.entries[table.cursor_row]
        details = json.dumps(e.details, ensure_ascii=False, sort_keys=True)
        box.update(
            f"[b]n° {e.id}[/] · {e.at.astimezone(PARIS):%d/%m/%Y %H:%M:%S} · {esc(e.actor)} · "
            f"{esc(audit_action(e.action))} [dim]({esc(e.action)})[/] · {esc(audit_entity(e.entity, e.entity_ref))}\n"
            f"{esc(details)}"
        )

    def action_filters(self) -> None:
        def done(flt: AuditFilter | None) -> None:
            if flt is not None:
                self.flt = flt
                self.befores = [None]
                self.reload()

        self.app.push_screen(AuditFilterForm(self.flt, cursor_blink=self.rapp.cursor_blink), done)

    def action_reset(self) -> None:
        self.flt = AuditFilter()
        self.befores = [None]
        self.reload()

    def action_refresh(self) -> None:
        self.befores = [None]
        self.reload()

    def action_page(self, delta: int) -> None:
        if delta > 0:
            if len(self.entries) < AUDIT_PAGE_SIZE:
                self.notify("Début du journal atteint.", timeout=2)
                return
            self.befores.append(self.entries[-1].id)
        else:
            if len(self.befores) == 1:
                return
            self.befores.pop()
        self.reload()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Filtrer le journal (auteur, action)", "f", self.action_filters),
            ("Journal sans filtre", "x", self.action_reset),
            ("Lignes plus anciennes", "n", lambda: self.action_page(1)),
            ("Lignes plus récentes", "p", lambda: self.action_page(-1)),
        ]
