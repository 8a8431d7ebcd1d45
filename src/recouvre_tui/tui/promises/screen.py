"""« Promesses » : due today, missed, upcoming, kept this week (and cancelled), one section at a time.

Keys 1–5 (or s) choose the section, a the agent who recorded them, Entrée opens the detail,
c cancels with a reason. Each section shows at most `SECTION_CAP` rows (« … N de plus »).
The promises are evaluated live at `now` by the service; the screen reloads when another
session commits (`data_changed`) and when it comes back to the front.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain.codes import label
from ...services.promise_tracking import PromiseView
from ..fmt import d_fr, dm_fr, esc, eur, plural
from ..lead.export_dialog import ExportsReports
from ..widgets.agent_bar import AgentBar
from ..widgets.table import DataTable
from .detail import STATUS_STYLE, CancelsPromises, PromiseDetailScreen
from .model import (
    ALL_AGENTS,
    NO_AGENT,
    SECTION_CAP,
    SECTIONS,
    PromiseBoard,
    agent_matches,
    build_board,
    next_due,
)

if TYPE_CHECKING:
    from ..app import RecouvreApp

SECTION_KEYS = list(SECTIONS)


def agent_label(agent: str) -> str:
    if agent == ALL_AGENTS:
        return "tous"
    if agent == NO_AGENT:
        return "non renseigné"
    return agent


class PromisesScreen(ExportsReports, CancelsPromises, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "détail", key_display="Entrée", priority=True, id="promises.open"),
        Binding("s", "next_section", "section", id="promises.next_section"),
        Binding("1", "section(0)", "à échéance", show=False, id="promises.section.due"),
        Binding("2", "section(1)", "manquées", show=False, id="promises.section.missed"),
        Binding("3", "section(2)", "à venir", show=False, id="promises.section.upcoming"),
        Binding("4", "section(3)", "tenues", show=False, id="promises.section.kept"),
        Binding("5", "section(4)", "annulées", show=False, id="promises.section.cancelled"),
        Binding("a", "agent", "agent", id="promises.agent"),
        Binding("c", "cancel_promise", "annuler la promesse", id="promises.cancel"),
        Binding("e", "export", "exporter", show=False, id="promises.export"),
        Binding("escape", "app.home", "accueil", key_display="Échap", id="promises.home"),
    ]

    def __init__(self) -> None:
        super().__init__(id="promises")
        self.section = SECTION_KEYS[0]
        self.agent_filter = ALL_AGENTS
        self.board: PromiseBoard | None = None
        self.rows: list[PromiseView] = []
        self._request = 0

    @property
    def rapp(self) -> RecouvreApp:
        return self.app  # type: ignore[return-value]

    def action_export(self) -> None:
        """Lead only: the promises of the agent filter, as .xlsx / CSV or by e-mail."""
        if not self.rapp.backend.agent.is_lead:
            self.notify("L'export des promesses est réservé aux responsables d'équipe.", timeout=4)
            return
        agent = self.agent_filter
        self.ask_export("promesses", lambda: self.rapp.backend.promises_table(lambda v: agent_matches(v, agent)))

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="promises-sections")
        table: DataTable[Any] = DataTable(id="promises-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="promises-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#promises-table", DataTable)
        name_width = max(12, min(32, self.app.size.width - 93))
        table.add_column("Débiteur", width=9, key="debtor")
        table.add_column("Nom", width=name_width, key="name")
        table.add_column("Agent", width=14, key="agent")
        table.add_column(Text("Montant", justify="right"), width=12, key="total")
        table.add_column(Text("Payé", justify="right"), width=12, key="paid")
        table.add_column("Prochaine échéance", width=22, key="next")
        table.add_column("Statut", width=8, key="status")
        table.focus()
        self._show_sections()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def data_changed(self) -> None:
        self.reload(quiet=True)

    def cancel_done(self) -> None:
        self.reload()

    # --- sections and filter ---------------------------------------------------------

    def action_section(self, index: int) -> None:
        self.section = SECTION_KEYS[index % len(SECTION_KEYS)]
        self._render_board(keep=False)

    def action_next_section(self) -> None:
        self.action_section(SECTION_KEYS.index(self.section) + 1)

    def action_agent(self) -> None:
        choices = [ALL_AGENTS, *(self.board.agents if self.board else [])]
        i = choices.index(self.agent_filter) if self.agent_filter in choices else 0
        self.agent_filter = choices[(i + 1) % len(choices)]
        self.reload()

    def _show_sections(self) -> None:
        items = []
        for n, (key, title) in enumerate(SECTIONS.items(), start=1):
            count = ""
            if self.board is not None:
                count = f" ({self.board.sections[key].total})"
            text = f"[b]{n}[/] {title}{count}"
            if key == self.section:
                text = f"[reverse]{text}[/]"
            items.append(f"[@click=screen.section({n - 1})]{text}[/]")
        today = f" · au {d_fr(self.board.today)}" if self.board else ""
        self.query_one("#promises-sections", Static).update(
            "[b]Promesses[/] — " + " · ".join(items) + f"\n[b]a[/] agent : {esc(agent_label(self.agent_filter))}{today}"
        )

    # --- loading ---------------------------------------------------------------------

    def reload(self, *, quiet: bool = False) -> None:
        """Load again; `quiet` (another session's commit): no « chargement… » (see widgets.quiet)."""
        self._request += 1
        if not quiet:
            self.query_one("#promises-status", Static).update("chargement…")
        self.load_promises(self._request, self.agent_filter)

    def load_promises(self, request: int, agent: str) -> None:
        from ...domain.dates import paris_date

        backend = self.rapp.backend

        def load() -> PromiseBoard:
            return build_board(backend.promises(), paris_date(backend.now()), agent=agent)

        self.run_backend(load, what="promesses", on_ok=lambda board: self._loaded(board, request))

    def _loaded(self, board: PromiseBoard, request: int) -> None:
        if request != self._request:
            return
        loading = self.query_one("#promises-status", Static).content == "chargement…"
        if board == self.board and not loading:  # nothing on screen would change
            return
        self.board = board
        self._render_board(keep=True)

    def _render_board(self, *, keep: bool) -> None:
        self._show_sections()
        if self.board is None:
            return
        section = self.board.sections[self.section]
        table = self.query_one("#promises-table", DataTable)
        previous = self.current()
        table.clear()
        self.rows = list(section.rows)
        for v in self.rows:
            nd = next_due(v)
            due = Text(
                f"{dm_fr(nd[0])} · {eur(nd[1])}" if nd else "—",
                style="red" if nd and nd[2] and v.status == "broken" else "",
            )
            style = STATUS_STYLE.get(v.status, "")
            table.add_row(
                v.debtor_ref,
                v.name,
                v.agent or "—",
                Text(eur(v.total_cents), justify="right"),
                Text(eur(v.paid_cents), justify="right"),
                due,
                Text(label(v.status), style=style),
                key=v.ref,
            )
        if self.rows:
            row = 0
            if keep and previous is not None:
                row = next((i for i, v in enumerate(self.rows) if v.ref == previous.ref), 0)
            table.move_cursor(row=row)
        span = plural(section.total, "promesse") if section.total else f"aucune promesse dans « {section.title} »"
        more = ""
        if section.more:
            more = f" · … {section.more} de plus (limite {SECTION_CAP} ; filtrez par agent : a)"
        self.query_one("#promises-status", Static).update(
            f"{span}{more} · [b]Entrée[/] détail · [b]c[/] annuler (motif obligatoire)"
        )

    # --- actions ---------------------------------------------------------------------

    def current(self) -> PromiseView | None:
        table = self.query_one("#promises-table", DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            return self.rows[table.cursor_row]
        return None

    def action_open(self) -> None:
        view = self.current()
        if view is not None:
            self.app.push_screen(PromiseDetailScreen(view))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_cancel_promise(self) -> None:
        self.ask_cancel(self.current())

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        commands: list[tuple[str, str, Any]] = [
            (f"Promesses : {title}", str(n), lambda n=n: self.action_section(n - 1))
            for n, title in enumerate(SECTIONS.values(), start=1)
        ]
        commands += [
            ("Promesses : changer d'agent", "a", self.action_agent),
            ("Annuler la promesse sélectionnée", "c (motif obligatoire)", self.action_cancel_promise),
        ]
        return commands
