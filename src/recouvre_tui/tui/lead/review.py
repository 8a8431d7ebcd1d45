"""« Revue des files »: every agent's queue and the pool, one keyset page at a time, with a
filter form; select rows (espace) or « tous ceux du filtre » (t), then reassign (a) after a
confirmation that shows the count; hold (h), do-not-call (d), close a dispute (l)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from ...domain.agents import Agent
from ...domain.filters import DebtorFilter
from ...services.lead import ReviewPage
from ...services.work_queue import QueueEntry
from ..backend import REVIEW_PAGE_SIZE
from ..fmt import esc, eur, plural
from ..widgets.agent_bar import AgentBar
from ..widgets.table import DataTable
from .base import LeadScreen
from .columns import Col, row_cells, set_columns
from .dialogs import AgentPicker, ConfirmDialog, ReviewFilterForm, Target
from .export_dialog import ExportsReports
from .labels import filter_summary
from .messages import LeadActionDone

Cursor = tuple[int, float, str]
MARK = "✓"
COLUMNS = [
    Col("sel", MARK, 1),
    Col("debtor", "Débiteur", 38, 26),
    Col("agent", "Agent", 14, 12),
    Col("segment", "Seg.", 4, None),
    Col("balance", "Solde", 14, 13, right=True),
    Col("days", "Retard", 7, 6, right=True),
    Col("score", "Score", 6, None, right=True),
    Col("status", "Statut", 56, 28),
]


class ReviewScreen(ExportsReports, LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "fiche", key_display="Entrée", priority=True, id="lead.review.open"),
        Binding("space", "toggle_row", "sélectionner", key_display="espace", id="lead.review.select"),
        Binding("t", "toggle_all", "tous (filtre)", id="lead.review.all"),
        Binding("a", "reassign", "réaffecter", id="lead.review.reassign"),
        Binding("h", "hold", "attente", id="lead.review.hold"),
        Binding("d", "do_not_call", "ne pas appeler", id="lead.review.dnc"),
        Binding("l", "close_dispute", "clore litige", id="lead.review.dispute"),
        Binding("f", "filters", "filtres", id="lead.review.filters"),
        Binding("x", "reset", "sans filtre", show=False, id="lead.review.reset"),
        Binding("e", "export", "exporter", show=False, id="lead.review.export"),
        Binding("n", "page(1)", "page +", show=False, id="lead.review.next_page"),
        Binding("p", "page(-1)", "page −", show=False, id="lead.review.prev_page"),
    ]

    def __init__(self, flt: DebtorFilter | None = None) -> None:
        super().__init__(id="lead-review")
        self.flt = flt or DebtorFilter()
        self.cursors: list[Cursor | None] = [None]  # the `after` of each page shown so far
        self.next_after: Cursor | None = None
        self.entries: list[QueueEntry] = []
        self.selected: dict[str, None] = {}  # refs, in the order picked (kept across pages)
        self.all_of_filter = False
        self.matching: int | None = None
        self.names: dict[str, str] = {}
        self.agents: list[Any] = []
        self._request = 0
        self._count_request = 0

    def action_export(self) -> None:
        """Every debtor of the filter (all pages), as .xlsx / CSV or by e-mail."""
        flt = self.flt
        self.ask_export("revue des files", lambda: self.rapp.backend.review_table(flt))

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="review-filters", classes="lead-title")
        yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="review-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.narrow, "-narrow")
        table = self.query_one("#review-table", DataTable)
        set_columns(table, COLUMNS, narrow=self.narrow)
        table.focus()
        self._show_filters()
        self.load_agents()
        self.reload(recount=True)

    def on_screen_resume(self) -> None:
        self.reload(recount=True)

    def data_changed(self) -> None:
        self.reload(recount=True, quiet=True)

    def relayout(self) -> None:
        set_columns(self.query_one("#review-table", DataTable), COLUMNS, narrow=self.narrow)
        self.reload()

    # --- loading ---------------------------------------------------------------------

    @property
    def page(self) -> int:
        return len(self.cursors) - 1

    def reload(self, *, recount: bool = False, quiet: bool = False) -> None:
        """`quiet` (another session's commit): no « chargement… », no repaint if nothing changed."""
        self._request += 1
        if not quiet:
            self.query_one("#review-status", Static).update("chargement…")
        self.load_page(self._request, self.flt, self.cursors[-1])
        if recount:
            self._count_request += 1
            self.count_matching(self._count_request, self.flt)

    def load_page(self, request: int, flt: DebtorFilter, after: Cursor | None) -> None:
        backend = self.rapp.backend
        self.load_data(
            lambda: backend.review(flt, after=after, limit=REVIEW_PAGE_SIZE),
            what="revue des files",
            group="review",
            on_ok=lambda page: self._loaded(page, request),
        )

    def count_matching(self, request: int, flt: DebtorFilter) -> None:
        self.load_data(
            self.rapp.backend.count_filter,
            flt,
            what="comptage du filtre",
            group="review-count",
            on_ok=lambda n: self._counted(n, request),
        )

    def load_agents(self) -> None:
        self.load_data(self.rapp.backend.team_agents, what="équipe", on_ok=self._agents_loaded)

    def _agents_loaded(self, agents: list[Agent]) -> None:
        self.agents = agents
        self.names = {a.login: a.name for a in agents}
        self._show_filters()

    def _loaded(self, page: ReviewPage, request: int) -> None:
        if request != self._request:
            return
        loading = self.query_one("#review-status", Static).content == "chargement…"
        if (page.rows, page.after) == (self.entries, self.next_after) and not loading:
            return  # nothing on screen would change
        self.entries = page.rows
        self.next_after = page.after
        table = self.query_one("#review-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear()
        for e in self.entries:
            style = "" if e.callable else "dim"
            cells = {
                "sel": self._mark(e.debtor_ref),
                "debtor": Text(f"{e.debtor_ref} · {e.name}", style=style),
                "agent": Text(e.agent or "(équipe)", style="italic" if e.agent is None else style),
                "segment": Text(e.segment, style=style),
                "balance": Text(eur(e.balance_cents), justify="right", style=style),
                "days": Text(f"{e.days_past_due} j", justify="right", style=style),
                "score": Text(f"{e.score:.1f}".replace(".", ","), justify="right", style=style),
                "status": Text(e.status, style="" if e.callable else "red"),
            }
            table.add_row(*row_cells(table, cells), key=e.debtor_ref)
        if self.entries:
            table.move_cursor(row=min(keep, len(self.entries) - 1))
        self._show_status()

    def _counted(self, count: int, request: int) -> None:
        if request != self._count_request:
            return
        self.matching = count
        self._show_filters()
        self._show_status()

    # --- display ---------------------------------------------------------------------

    def _mark(self, ref: str) -> Text:
        on = self.all_of_filter or ref in self.selected
        return Text(MARK if on else " ", style="bold green")

    def _show_filters(self) -> None:
        count = "…" if self.matching is None else plural(self.matching, "débiteur")
        self.query_one("#review-filters", Static).update(
            f"[b]Revue des files[/] — filtre : {esc(filter_summary(self.flt, self.names))} → [b]{count}[/]"
            + ("" if self.narrow else "   [dim]f filtres · x sans filtre[/]")
        )

    def _show_status(self) -> None:
        first = self.page * REVIEW_PAGE_SIZE + 1
        if self.entries:
            span = f"page {self.page + 1} · lignes {first}–{first + len(self.entries) - 1}"
        else:
            span = f"page {self.page + 1} · aucun débiteur"
        more = " · [b]n[/] page suivante" if self.next_after else ""
        if self.page:
            more += " · [b]p[/] précédente"
        if self.all_of_filter:
            n = "…" if self.matching is None else str(self.matching)
            sel = f"[b $warning]tous les {n} débiteurs du filtre sélectionnés[/] (t pour annuler)"
        elif self.selected:
            sel = f"[b]{plural(len(self.selected), 'débiteur sélectionné', 'débiteurs sélectionnés')}[/]"
        else:
            sel = "aucune sélection (espace : ligne · t : tous ceux du filtre)"
        self.query_one("#review-status", Static).update(f"{span}{more} · {sel}")

    def _refresh_marks(self) -> None:
        table = self.query_one("#review-table", DataTable)
        for e in self.entries:
            table.update_cell(e.debtor_ref, "sel", self._mark(e.debtor_ref))
        self._show_status()

    # --- selection, filters, pages ---------------------------------------------------

    def _cursor_entry(self) -> QueueEntry | None:
        table = self.query_one("#review-table", DataTable)
        if self.entries and 0 <= table.cursor_row < len(self.entries):
            return self.entries[table.cursor_row]
        return None

    def action_toggle_row(self) -> None:
        if self.all_of_filter:
            self.notify(
                "Tous les débiteurs du filtre sont sélectionnés : t pour revenir à une sélection ligne à ligne."
            )
            return
        e = self._cursor_entry()
        if e is None:
            return
        if e.debtor_ref in self.selected:
            del self.selected[e.debtor_ref]
        else:
            self.selected[e.debtor_ref] = None
        table = self.query_one("#review-table", DataTable)
        table.update_cell(e.debtor_ref, "sel", self._mark(e.debtor_ref))
        if table.cursor_row < len(self.entries) - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._show_status()

    def action_toggle_all(self) -> None:
        self.all_of_filter = not self.all_of_filter
        if self.all_of_filter:
            self.selected.clear()
        self._refresh_marks()

    def action_filters(self) -> None:
        def done(flt: DebtorFilter | None) -> None:
            if flt is not None and flt != self.flt:
                self._set_filter(flt)

        self.app.push_screen(ReviewFilterForm(self.flt, self.agents, cursor_blink=self.rapp.cursor_blink), done)

    def action_reset(self) -> None:
        self._set_filter(DebtorFilter())

    def _set_filter(self, flt: DebtorFilter) -> None:
        self.flt = flt
        self.cursors = [None]
        self.selected.clear()
        self.all_of_filter = False
        self.matching = None
        self._show_filters()
        self.reload(recount=True)

    def action_page(self, delta: int) -> None:
        if delta > 0:
            if self.next_after is None:
                self.notify("Dernière page.", timeout=2)
                return
            self.cursors.append(self.next_after)
        else:
            if len(self.cursors) == 1:
                return
            self.cursors.pop()
        self.reload()

    def action_open(self) -> None:
        from .search import DebtorScreen

        e = self._cursor_entry()
        if e is not None:
            self.app.push_screen(DebtorScreen(e.debtor_ref))

    # --- actions ---------------------------------------------------------------------

    def _targets(self, what: str) -> list[QueueEntry] | None:
        """The debtors a per-debtor action is about: the selected ones of this page, else the
        highlighted row. None (with a message) for « tous ceux du filtre »."""
        if self.all_of_filter:
            self.notify(
                f"{what} : sélectionnez des lignes (espace) ; « tous ceux du filtre » sert à la réaffectation.",
                severity="warning",
            )
            return None
        if self.selected:
            by_ref = {e.debtor_ref: e for e in self.entries}
            missing = [r for r in self.selected if r not in by_ref]
            if missing:
                self.notify(
                    f"{what} : {len(missing)} débiteur(s) sélectionné(s) sur d'autres pages ; "
                    "seuls ceux de cette page sont concernés.",
                    severity="warning",
                )
            return [by_ref[r] for r in self.selected if r in by_ref]
        e = self._cursor_entry()
        return [e] if e is not None else []

    def action_reassign(self) -> None:
        if self.all_of_filter:
            self._reassign_filter()
            return
        if self.selected:
            self.ask_reassign(list(self.selected))
            return
        e = self._cursor_entry()
        if e is not None:
            self.ask_reassign([e.debtor_ref], current=e.agent)

    def _reassign_filter(self) -> None:
        if self.flt.is_empty():
            self.notify(
                "Réaffectation en masse sans aucun filtre refusée : précisez au moins un critère (f).",
                severity="error",
            )
            return
        n = "…" if self.matching is None else str(self.matching)

        def picked(target: Target | None) -> None:
            if target is not None:
                self.count_movable(self.flt, target)

        self.app.push_screen(AgentPicker(f"Réaffecter les {n} débiteurs du filtre à…"), picked)

    def count_movable(self, flt: DebtorFilter, target: Target) -> None:
        backend = self.rapp.backend
        self.load_data(
            lambda: backend.count_filter(flt, to=target.login),
            what="comptage du filtre",
            group="review-movable",
            on_ok=lambda n: self._confirm_filter_reassign(n, target),
        )

    def _confirm_filter_reassign(self, count: int, target: Target) -> None:
        flt, label, to = self.flt, target.label, target.login
        if count == 0:
            self.notify(
                f"Aucun débiteur du filtre à déplacer vers {esc(label)} (déjà affectés ou en cours d'appel).",
                severity="warning",
            )
            return
        matching = "" if self.matching is None else f"{plural(self.matching, 'débiteur')} correspondent au filtre ; "
        text = (
            f"Réaffecter [b]{plural(count, 'débiteur')}[/] à [b]{esc(label)}[/] ?\n\n"
            f"Filtre : {esc(filter_summary(flt, self.names))}\n"
            f"[dim]{matching}ceux déjà chez {esc(label)} ou en cours d'appel avec un agent restent où ils sont.[/]"
        )
        backend = self.rapp.backend

        def call() -> tuple[str, dict[str, Any]]:
            moved = backend.reassign_filter(flt, to=to)
            return f"{plural(moved, 'débiteur réaffecté', 'débiteurs réaffectés')} à {label}.", {"moved": moved}

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.apply_action("reassign_filter", [], call)

        self.app.push_screen(ConfirmDialog("Réaffectation en masse", text), confirmed)

    def action_hold(self) -> None:
        entries = self._targets("Mise en attente")
        if not entries:
            return
        refs = [e.debtor_ref for e in entries]
        if all("on_hold" in e.blocked_by for e in entries):
            self.ask_release_hold(refs)
        else:
            self.ask_hold(refs)

    def action_do_not_call(self) -> None:
        entries = self._targets("Ne pas appeler")
        if not entries:
            return
        on = not all("do_not_call" in e.blocked_by for e in entries)
        self.ask_do_not_call([e.debtor_ref for e in entries if ("do_not_call" in e.blocked_by) != on], on=on)

    def action_close_dispute(self) -> None:
        entries = self._targets("Clôture de litige")
        if entries is None:
            return
        refs = [e.debtor_ref for e in entries if "dispute" in e.blocked_by]
        if not refs:
            self.notify("Aucun litige ouvert parmi ces débiteurs.", severity="warning")
            return
        self.ask_close_dispute(refs)

    def action_finished(self, message: LeadActionDone) -> None:
        if message.ok:
            self.selected.clear()
            self.all_of_filter = False
        self.reload(recount=True)

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Filtres de la revue", "f", self.action_filters),
            ("Sans filtre", "x", self.action_reset),
            ("Sélectionner la ligne", "espace", self.action_toggle_row),
            ("Sélectionner tous ceux du filtre", "t", self.action_toggle_all),
            ("Réaffecter (agent ou équipe)", "a", self.action_reassign),
            ("Mettre en attente / lever l'attente", "h", self.action_hold),
            ("Ne pas appeler (oui / non)", "d", self.action_do_not_call),
            ("Clore le litige", "l", self.action_close_dispute),
            ("Fiche du débiteur", "Entrée", self.action_open),
            ("Page suivante", "n", lambda: self.action_page(1)),
            ("Page précédente", "p", lambda: self.action_page(-1)),
        ]


__all__ = ["ReviewScreen"]
