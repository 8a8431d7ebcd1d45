"""« Tableau d'équipe »: one row per agent, live (today's figures, state, case in hand), and
below it the queue loads per agent and of the pool; Entrée opens the review of a queue."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from ...domain.dates import PARIS
from ...domain.filters import DebtorFilter
from ...reports.wear_output import _bar
from ...services.lead import BoardRow, QueueLoad
from ..backend import BoardData
from ..fmt import eur, eur_short, plural
from ..widgets.agent_bar import AgentBar
from ..widgets.quiet import update_static
from ..widgets.table import DataTable
from .base import LeadScreen
from .columns import Col, row_cells, set_columns
from .labels import POOL_LABEL, STATE_STYLES

BOARD_COLUMNS = [
    Col("agent", "Agent", 22, 15),
    Col("state", "État", 11, 10),
    Col("case", "Dossier en cours", 30, 9, short="Dossier"),
    Col("last", "Dernière issue", 34, 20),
    Col("calls", "Appels", 6, right=True),
    Col("rpc", "Contacts arg.", 13, 8, short="Contacts", right=True),
    Col("promises", "Promesses", 9, 5, short="Prom.", right=True),
    Col("promised", "Montant promis", 14, 9, short="Promis", right=True),
]
LOAD_COLUMNS = [
    Col("queue", "File", 34, 30),
    Col("debtors", "Débiteurs", 9, right=True),
    Col("balance", "Solde", 16, right=True),
    Col("blocked", "Bloqués", 7, right=True),
    Col("share", "Part des débiteurs", 26, 20),
]
REFRESH_SECONDS = 15.0  # states age out (a lease expires, a session goes quiet) without a commit
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _shown(rows: list[BoardRow]) -> list[BoardRow]:
    """The rows as displayed (a heartbeat's `last_seen` is not on screen)."""
    return [replace(r, last_seen=None) for r in rows]


class BoardScreen(LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open_queue", "revue de cette file", key_display="Entrée", priority=True, id="lead.board.open"
        ),
        Binding("r", "refresh", "actualiser", id="lead.board.refresh"),
        Binding("tab", "switch_table", "agents / files", key_display="Tab", id="lead.board.switch"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lead-board")
        self.rows: list[BoardRow] = []
        self.loads: list[QueueLoad] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="board-title", classes="lead-title")
        yield DataTable(id="board-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="board-totals", classes="lead-status")
        yield Static("[b]Files par agent[/] — débiteurs avec un solde ouvert", id="loads-title", classes="lead-title")
        yield DataTable(id="loads-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="board-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        board = self.query_one("#board-table", DataTable)
        self.set_class(self.narrow, "-narrow")
        self._columns()
        board.focus()
        self.query_one("#board-title", Static).update(self._title(None))
        self.query_one("#board-status", Static).update("chargement…")
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)

    def _columns(self) -> None:
        """Wide: the UI sketch's columns; narrow (100 columns): shorter, figures still visible."""
        set_columns(self.query_one("#board-table", DataTable), BOARD_COLUMNS, narrow=self.narrow)
        set_columns(self.query_one("#loads-table", DataTable), LOAD_COLUMNS, narrow=self.narrow)

    def relayout(self) -> None:
        self._columns()
        self._fill_board()
        self._fill_loads()

    def on_screen_resume(self) -> None:
        self.reload()

    def data_changed(self) -> None:
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load_board()

    def load_board(self) -> None:
        self.load_data(self.rapp.backend.team_board, what="tableau d'équipe", on_ok=self._loaded)

    def _title(self, at: Any) -> str:
        now = (at or self.rapp.clock()).astimezone(PARIS)
        day = f"{WEEKDAYS_FR[now.weekday()]} {now:%d/%m/%Y}"
        return f"[b]Tableau d'équipe[/] — aujourd'hui {day} · mis à jour à {now:%H:%M} · en direct"

    def _loaded(self, data: BoardData) -> None:
        update_static(self.query_one("#board-title", Static), self._title(data.at))
        if self.loaded and (_shown(data.rows), data.loads) == (_shown(self.rows), self.loads):
            self.rows, self.loads = data.rows, data.loads
            return  # the 15-second refresh found nothing new to show: no repaint
        self.rows, self.loads, self.loaded = data.rows, data.loads, True
        self._fill_board()
        self._fill_loads()
        self._show_totals()

    def _fill_board(self) -> None:
        table = self.query_one("#board-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear()
        for r in self.rows:
            style = STATE_STYLES.get(r.state, "")
            name = Text(r.name)
            if r.role == "lead":
                name.append(" (resp.)", style="dim")
            narrow = self.narrow
            case = Text("—", style="dim")
            if r.case_ref:
                case = Text(r.case_ref if narrow else f"{r.case_ref} · {r.case_name or ''}".rstrip(" ·"))
            last = Text("—", style="dim")
            if r.last_outcome:
                at = r.last_outcome_at.astimezone(PARIS).strftime("%H:%M") if r.last_outcome_at else ""
                last = Text(f"{at} ", style="dim")
                last.append(r.last_outcome_label)
                if r.last_outcome_ref and not narrow:
                    last.append(f" · {r.last_outcome_ref}", style="dim")
            cells = {
                "agent": name,
                "state": Text(r.state_label, style=style),
                "case": case,
                "last": last,
                "calls": Text(str(r.calls), justify="right"),
                "rpc": Text(str(r.rpc), justify="right"),
                "promises": Text(str(r.promises), justify="right"),
                "promised": Text((eur_short if narrow else eur)(r.promised_cents), justify="right"),
            }
            table.add_row(*row_cells(table, cells), key=r.login)
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))

    def _fill_loads(self) -> None:
        table = self.query_one("#loads-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear()
        most = max((q.debtors for q in self.loads), default=0) or 1
        for q in self.loads:
            label = POOL_LABEL if q.agent is None else f"{q.name} ({q.agent})"
            blocked = Text(str(q.blocked), justify="right", style="yellow" if q.blocked else "dim")
            cells = {
                "queue": Text(label, style="italic" if q.agent is None else ""),
                "debtors": Text(str(q.debtors), justify="right"),
                "balance": Text(eur(q.balance_cents), justify="right"),
                "blocked": blocked,
                "share": Text(_bar(q.debtors / most, 18 if self.narrow else 24), style="cyan"),
            }
            table.add_row(*row_cells(table, cells), key=q.agent or "__pool__")
        if self.loads:
            table.move_cursor(row=min(keep, len(self.loads) - 1))

    def _show_totals(self) -> None:
        states = {s: sum(1 for r in self.rows if r.state == s) for s in ("on_call", "available", "away")}
        calls = sum(r.calls for r in self.rows)
        rpc = sum(r.rpc for r in self.rows)
        promises = sum(r.promises for r in self.rows)
        cents = sum(r.promised_cents for r in self.rows)
        self.query_one("#board-totals", Static).update(
            f"Équipe : [b green]{states['on_call']}[/] en appel · [b cyan]{states['available']}[/] disponible(s)"
            f" · {states['away']} absent(s) — appels [b]{calls}[/] · contacts argumentés [b]{rpc}[/]"
            f" · {plural(promises, 'promesse')} ([b]{eur_short(cents)}[/])"
        )
        debtors = sum(q.debtors for q in self.loads)
        self.query_one("#board-status", Static).update(
            f"{plural(debtors, 'débiteur')} à recouvrer · [b]Entrée[/] : revue de la file choisie"
            " · [b]Tab[/] : agents / files"
        )

    # --- navigation ------------------------------------------------------------------

    def action_switch_table(self) -> None:
        board = self.query_one("#board-table", DataTable)
        loads = self.query_one("#loads-table", DataTable)
        (loads if board.has_focus else board).focus()

    def action_open_queue(self) -> None:
        from .review import ReviewScreen

        flt: DebtorFilter | None = None
        label = ""
        loads = self.query_one("#loads-table", DataTable)
        board = self.query_one("#board-table", DataTable)
        if loads.has_focus and self.loads and 0 <= loads.cursor_row < len(self.loads):
            q = self.loads[loads.cursor_row]
            flt = DebtorFilter(pool=True) if q.agent is None else DebtorFilter(agent=q.agent)
            label = q.name
        elif self.rows and 0 <= board.cursor_row < len(self.rows):
            r = self.rows[board.cursor_row]
            if r.role == "lead":
                self.notify(f"{r.name} est responsable d'équipe : pas de file d'appels.", timeout=3)
                return
            flt, label = DebtorFilter(agent=r.login), r.name
        if flt is None:
            return
        self.app.push_screen(ReviewScreen(flt))
        self.notify(f"Revue de la file : {label}", timeout=2)

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Revue de la file choisie", "Entrée", self.action_open_queue),
            ("Actualiser le tableau", "r", self.action_refresh),
        ]
