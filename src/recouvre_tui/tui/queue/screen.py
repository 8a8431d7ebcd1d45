"""The queue: one page of the next cases, filters, blocked debtors and « Pourquoi ? »."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain.filters import DebtorFilter
from ...services.work_queue import QueueEntry
from ..backend import PAGE_SIZE, QueuePage
from ..backend_call import BackendCalls
from ..fmt import esc
from ..widgets.agent_bar import AgentBar
from ..widgets.quiet import update_static
from ..widgets.table import DataTable
from .columns import Column, layout_for, row_cells
from .why import why_renderable

if TYPE_CHECKING:
    from ..app import RecouvreApp

SEGMENTS: list[tuple[str | None, str]] = [
    (None, "tous"),
    ("B2B", "professionnels"),
    ("B2C", "particuliers"),
]
ZONES: list[tuple[bool | None, str]] = [(None, "toutes"), (True, "outre-mer"), (False, "métropole")]
# Bounds inclusive, as everywhere the debtor filter is used (docs/rules.md, "Debtor filter").
BANDS: list[tuple[int | None, int | None, str]] = [
    (None, None, "tous"),
    (None, 49_999, "moins de 500 €"),
    (50_000, 499_999, "500 à 5 000 €"),
    (500_000, None, "5 000 € et plus"),
]


class QueueScreen(BackendCalls, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "app.next_case",
            "dossier suivant",
            key_display="Entrée",
            priority=True,
            id="queue.next_case",
        ),
        Binding("s", "segment", "segment", id="queue.segment"),
        Binding("o", "zone", "zone", id="queue.zone"),
        Binding("m", "band", "montant", id="queue.band"),
        Binding("b", "blocked", "bloqués", id="queue.blocked"),
        Binding("x", "reset", "sans filtre", id="queue.reset"),
        Binding("n", "page(1)", "page +", id="queue.next_page"),
        Binding("p", "page(-1)", "page −", id="queue.prev_page"),
        Binding("escape", "app.home", "accueil", key_display="Échap", id="queue.home"),
    ]

    def __init__(self) -> None:
        super().__init__(id="queue")
        self.seg_i = 0
        self.zone_i = 0
        self.band_i = 0
        self.include_blocked = False
        self.page = 0
        self.has_more = False
        self.entries: list[QueueEntry] = []
        self._shown: tuple[object, ...] | None = None  # what the table shows (skip equal reloads)
        self._request = 0
        self._stale = False
        self._layout: tuple[Column, ...] = ()  # the table's columns (`_fit_columns`)

    @property
    def rapp(self) -> RecouvreApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="queue-filters")
        with Horizontal(id="queue-body"):
            table: DataTable[Any] = DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
            yield table
            with VerticalScroll(id="why-panel", can_focus=False):
                yield Static("Pourquoi ?", id="why-title", classes="panel-title")
                yield Static(id="why")
        yield Static(id="queue-status")
        yield Footer(compact=True)

    NARROW = 130  # below this width « Pourquoi ? » goes under the table

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < self.NARROW, "-narrow")
        self.call_after_refresh(self._fit_columns)

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < self.NARROW, "-narrow")
        self._fit_columns()
        self.query_one("#queue-table", DataTable).focus()
        self._show_filters()
        self.reload()

    def _fit_columns(self) -> None:
        """Show the widest column layout the table has room for (`columns.layout_for`)."""
        table = self.query_one("#queue-table", DataTable)
        width = table.size.width or self.app.size.width
        layout = layout_for(width)
        if layout == self._layout:
            return
        self._layout = layout
        table.clear(columns=True)
        for c in layout:
            table.add_column(c.header(), width=c.width, key=c.key)
        self._fill_rows(table)

    def on_screen_resume(self) -> None:
        self.reload()

    def data_changed(self) -> None:
        self.reload(quiet=True)

    # --- filters and pages -----------------------------------------------------------

    @property
    def flt(self) -> DebtorFilter | None:
        seg = SEGMENTS[self.seg_i][0]
        zone = ZONES[self.zone_i][0]
        lo, hi, _ = BANDS[self.band_i]
        if seg is None and zone is None and lo is None and hi is None:
            return None
        return DebtorFilter(segment=seg, overseas=zone, min_balance_cents=lo, max_balance_cents=hi)

    @property
    def filtered(self) -> bool:
        return self.flt is not None or self.include_blocked

    def _show_filters(self) -> None:
        blocked = "affichés" if self.include_blocked else "masqués"
        # The filters only narrow this list: the next case (Entrée) is always the head of the
        # whole queue, so that nobody cherry-picks — said on screen whenever a filter is on.
        scope = (
            "\n[b $warning]Filtres d'affichage seulement[/] : "
            "Entrée prend quand même le dossier suivant de toute la file."
            if self.filtered
            else ""
        )
        self.query_one("#queue-filters", Static).update(
            f"[b]File d'attente[/] — [b]s[/] segment : {SEGMENTS[self.seg_i][1]} · "
            f"[b]o[/] zone : {ZONES[self.zone_i][1]} · [b]m[/] montant : {BANDS[self.band_i][2]}"
            f" · [b]b[/] bloqués : {blocked} · [b]x[/] sans filtre · page {self.page + 1}"
            f" ([b]n[/]/[b]p[/]){scope}"
        )

    def _refilter(self) -> None:
        self.page = 0
        self._show_filters()
        self.reload()

    def action_segment(self) -> None:
        self.seg_i = (self.seg_i + 1) % len(SEGMENTS)
        self._refilter()

    def action_zone(self) -> None:
        self.zone_i = (self.zone_i + 1) % len(ZONES)
        self._refilter()

    def action_band(self) -> None:
        self.band_i = (self.band_i + 1) % len(BANDS)
        self._refilter()

    def action_blocked(self) -> None:
        self.include_blocked = not self.include_blocked
        self._refilter()

    def action_reset(self) -> None:
        self.seg_i = self.zone_i = self.band_i = 0
        self.include_blocked = False
        self._refilter()

    def action_page(self, delta: int) -> None:
        if delta > 0 and not self.has_more:
            self.notify("Dernière page.", timeout=2)
            return
        if delta < 0 and self.page == 0:
            return
        self.page += delta
        self._show_filters()
        self.reload()

    # --- loading ---------------------------------------------------------------------

    def reload(self, *, quiet: bool = False) -> None:
        """Load the page again; `quiet` (another session's commit): no « chargement… »."""
        self._request += 1
        if not quiet:
            self.query_one("#queue-status", Static).update("chargement…")
        self.load_page(self._request, self.page, self.flt, self.include_blocked)

    def load_page(self, request: int, page: int, flt: DebtorFilter | None, include_blocked: bool) -> None:
        self.run_backend(
            lambda: self.rapp.backend.queue_page(page, flt=flt, include_blocked=include_blocked),
            what="file d'attente",
            on_ok=lambda result: self._loaded(result, request),
        )

    def _loaded(self, result: QueuePage, request: int) -> None:
        if request != self._request:  # an older answer
            return
        shown = (result.entries, result.has_more, result.page, self.include_blocked)
        if shown == self._shown:  # nothing on screen would change: do not repaint
            self._show_status()
            return
        self._shown = shown
        self.entries = result.entries
        self.has_more = result.has_more
        self.page = result.page
        self._fill_rows(self.query_one("#queue-table", DataTable))
        self._show_why()
        self._show_status()

    def _fill_rows(self, table: DataTable[Any]) -> None:
        keep = table.cursor_row if table.row_count else 0
        table.clear()
        for e in self.entries:
            table.add_row(*row_cells(e, self._layout), key=e.debtor_ref)
        if self.entries:
            table.move_cursor(row=min(keep, len(self.entries) - 1))

    def _show_status(self) -> None:
        first = self.page * PAGE_SIZE + 1
        if self.entries:
            span = f"lignes {first}–{first + len(self.entries) - 1}"
            more = " · suite : n" if self.has_more else ""
        else:
            span, more = "aucun dossier", ""
        blocked = sum(1 for e in self.entries if not e.callable)
        extra = f" · {blocked} bloqué(s)" if self.include_blocked else ""
        update_static(
            self.query_one("#queue-status", Static),
            f"{span}{extra}{more} · [b]Entrée[/] prend le dossier suivant de "
            + ("[b]toute[/] la file (filtres non appliqués)" if self.filtered else "la file"),
        )

    @on(DataTable.RowHighlighted)
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_why()

    def _show_why(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        entry = None
        if self.entries and 0 <= table.cursor_row < len(self.entries):
            entry = self.entries[table.cursor_row]
        title = "Pourquoi ?"
        if entry is not None:
            title = f"Pourquoi ? — {esc(entry.debtor_ref)}"
        self.query_one("#why-title", Static).update(title)
        self.query_one("#why", Static).update(why_renderable(entry))

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Filtrer : segment", "tous / professionnels / particuliers (s)", self.action_segment),
            ("Filtrer : outre-mer", "toutes / outre-mer / métropole (o)", self.action_zone),
            ("Filtrer : tranche de montant", "m", self.action_band),
            ("Afficher / masquer les bloqués", "avec leurs raisons (b)", self.action_blocked),
            ("Sans filtre", "x", self.action_reset),
            ("Page suivante", "n", lambda: self.action_page(1)),
            ("Page précédente", "p", lambda: self.action_page(-1)),
        ]
