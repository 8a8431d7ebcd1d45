"""« Usure des relances »: the weekly wear report for the lead (docs/rules.md, "Wear").

Headline (taux d'usure des relances, change from the previous week, worn / newly worn /
unreminded), the 12-week trend of the rate (Sparkline), the fatigue curve, breakdowns by
segment, agent and last channel, and the flagged debtors with their recommendations. On a
row: `a` reassign, `t` new-approach script and tone, `m` mise en demeure sent, `h` hold —
each through the services (audited). The report is computed in a worker on a connection of
its own (seconds on a big database) under a loading indicator.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Sparkline, Static

from ...domain.codes import label
from ...domain.wear import FlaggedDebtor, WearReport, breakdown
from ...reports.wear_output import RATE_LABEL, _bar, delta_fr, percent_fr
from ..backend_call import BackendFailed
from ..fmt import d_fr, esc, eur, lit
from ..widgets.agent_bar import AgentBar
from ..widgets.table import DataTable
from .base import LeadScreen
from .columns import Col, has_column, row_cells, set_columns
from .export_dialog import ExportsReports
from .messages import LeadActionDone

PAGE = 200  # flagged debtors per page of the table

COLUMNS = [
    Col("new", "•", 1),
    Col("ref", "Réf.", 10),
    Col("name", "Nom", 20),
    Col("agent", "Agent", 13),
    Col("segment", "Seg.", 4, None),
    Col("streak", "Série", 5, right=True),
    Col("silent", "Silence", 7, right=True),
    Col("balance", "Solde", 14, right=True),
    Col("channel", "Canal", 8, None),
    Col("recs", "Recommandations", 40),
    Col("follow", "Suivi", 14, None),
]


def n_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n_fr(n)} {one if n <= 1 else many}"


def ordinal(k: int) -> str:
    return "1re" if k == 1 else f"{k}e"


def week_span(report: WearReport) -> str:
    monday = report.sunday - timedelta(days=6)
    return f"du {d_fr(monday)} au {d_fr(report.sunday)}"


def headline(report: WearReport, previous: float | None, trend_known: bool) -> str:
    """« taux d'usure des relances 31,4 % (▲ 2,1 pts) » and the counts under it (markup)."""
    rate = percent_fr(report.wear_rate)
    delta = delta_fr(report.wear_rate, previous)
    if delta:
        colour = "$error" if delta.startswith("▲") else "$success" if delta.startswith("▼") else "$text-muted"
        delta = f" ([{colour}]{delta}[/] par rapport à la semaine précédente)"
    elif not trend_known:
        delta = " [dim](évolution en calcul…)[/]"
    head = f"[b]{RATE_LABEL} [$accent]{rate}[/][/]{delta}"
    if report.wear_rate is None:
        head += " — aucun débiteur actif cette semaine"
    counts = (
        f"[b]{_plural(report.worn, 'débiteur usé', 'débiteurs usés')}[/] dont "
        f"[b]{_plural(report.newly_worn, 'nouveau', 'nouveaux')}[/]"
        f" · {_plural(report.active, 'débiteur actif', 'débiteurs actifs')}"
        f" · [b]{n_fr(report.unreminded)}[/] sans relance"
    )
    return f"{head}\n{counts}"


def fatigue_panel(report: WearReport, bar_width: int, *, counts: bool) -> Group:
    """One bar per k: the share of k-th reminders of a streak answered within 7 days."""
    lines = []
    for p in report.fatigue_curve:
        line = Text(f"{ordinal(p.k):>4} ")
        line.append(_bar(p.share or 0.0, bar_width), style="cyan")
        line.append(f" {percent_fr(p.share):>8}")
        if counts:
            line.append(f"  {n_fr(p.followed)}/{n_fr(p.reminders)}" if p.reminders else "  —", style="dim")
        lines.append(line)
    return Group(*lines)


def breakdown_table(report: WearReport, by: str, key_header: str, key_label: Any) -> Table:
    """Active, worn and wear rate per segment / agent / last channel (`domain.wear.breakdown`)."""
    table = Table(
        box=None,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
        header_style="dim",
    )
    table.add_column(key_header, no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column("actifs", justify="right")
    table.add_column("usés", justify="right")
    table.add_column("taux", justify="right")
    rows = breakdown(report, by)  # type: ignore[arg-type]
    for key, active, worn, rate in rows:
        table.add_row(lit(key_label(key)), n_fr(active), n_fr(worn), percent_fr(rate))  # keys come from data
    if not rows:
        table.add_row(Text("aucun débiteur actif", style="dim"), "", "", "")
    return table


SEGMENT_LABELS = {"B2B": "professionnels", "B2C": "particuliers"}


def segment_label(key: str | None) -> str:
    return SEGMENT_LABELS.get(key or "", key or "—")


def agent_label(key: str | None) -> str:
    return "(non affecté)" if key is None else key


def channel_label(key: str | None) -> str:
    return label(key) or "—"


def recommendations_fr(f: FlaggedDebtor) -> str:
    return ", ".join(label(r) for r in f.recommendations) or "—"


class WearScreen(ExportsReports, LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "week(-1)", "semaine −", key_display="←", priority=True, id="lead.wear.prev_week"),
        Binding("right", "week(1)", "semaine +", key_display="→", priority=True, id="lead.wear.next_week"),
        Binding("enter", "open", "fiche", key_display="Entrée", priority=True, id="lead.wear.open"),
        Binding("a", "reassign", "réaffecter", id="lead.wear.reassign"),
        Binding("t", "override", "approche / ton", id="lead.wear.override"),
        Binding("m", "formal_notice", "mise en demeure", id="lead.wear.formal_notice"),
        Binding("h", "hold", "attente", id="lead.wear.hold"),
        Binding("l", "letter", "générer la MED", id="lead.wear.letter"),
        Binding("j", "court_pack", "injonction", id="lead.wear.court_pack"),
        Binding("x", "export", "exporter", show=False, id="lead.wear.export"),
        Binding("g", "band", "graphiques / répartitions", show=False, id="lead.wear.band"),
        Binding("r", "recompute", "recalculer", show=False, id="lead.wear.recompute"),
        Binding("n", "page(1)", "page +", show=False, id="lead.wear.next_page"),
        Binding("p", "page(-1)", "page −", show=False, id="lead.wear.prev_page"),
    ]

    def __init__(self, week: str | None = None) -> None:
        super().__init__(id="lead-wear")
        self.week = week or ""
        self.report: WearReport | None = None
        self.trend: list[tuple[str, float | None]] | None = None
        self.page = 0
        self.follow_up: dict[str, str] = {}  # ref → what the lead did this session
        self.stale = False

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(id="wear-head", classes="lead-title")
        with Vertical(id="wear-main"):
            yield Static(id="wear-headline")
            with Horizontal(id="wear-band"):
                with Vertical(id="wear-trend-box", classes="wear-box"):
                    yield Sparkline([], id="wear-trend")
                    yield Static(id="wear-trend-axis")
                yield Static(id="wear-fatigue", classes="wear-box")
                yield Static(id="wear-by-segment", classes="wear-box wear-breakdown")
                yield Static(id="wear-by-agent", classes="wear-box wear-breakdown")
            yield Static(id="wear-list-title", classes="lead-title")
            yield DataTable(id="wear-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="wear-detail", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.week = self.week or self.rapp.backend.default_week()
        self._layout()
        titles = {
            "#wear-trend-box": "Tendance (12 semaines)",
            "#wear-fatigue": "Courbe de fatigue : réponse ≤ 7 j",
            "#wear-by-segment": "Taux par segment et canal",
            "#wear-by-agent": "Taux par agent",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self._columns()
        self.query_one("#wear-table", DataTable).focus()
        self.compute()

    # --- layout ----------------------------------------------------------------------

    def relayout(self) -> None:
        self._columns()
        self._fill_table()
        self._show_head()
        self._show_list_title()
        self._render_band()

    def _layout(self) -> None:
        self.set_class(self.narrow, "-narrow")

    def _columns(self) -> None:
        set_columns(self.query_one("#wear-table", DataTable), COLUMNS, narrow=self.narrow)

    def action_band(self) -> None:
        """Wide: show / hide the band (more rows for the list). Narrow: the charts, then the
        breakdowns, then nothing."""
        if not self.narrow:
            self.toggle_class("-no-band")
        elif self.has_class("-no-band"):
            self.remove_class("-no-band", "-breakdowns")
        elif self.has_class("-breakdowns"):
            self.add_class("-no-band")
        else:
            self.add_class("-breakdowns")

    # --- computing -------------------------------------------------------------------

    def compute(self) -> None:
        self.report = None
        self.trend = None
        self.page = 0
        self.stale = False
        self._show_head()
        self.query_one("#wear-main").loading = True
        self.load_report(self.week)

    def load_report(self, week: str) -> None:
        # The report first, then its trend: one after the other, each gets both cores
        # (its worker processes), and the lead reads the headline meanwhile.
        self.load_data(
            self.rapp.backend.wear_report, week, what="usure des relances", on_ok=lambda r: self._loaded(week, r)
        )

    def load_failed(self, message: BackendFailed) -> None:
        self.query_one("#wear-main").loading = False

    def _loaded(self, week: str, report: WearReport) -> None:
        if week != self.week:
            return
        self.report = report
        self.query_one("#wear-main").loading = False
        self._show_head()
        self._show_headline()
        self._render_band()
        self._fill_table()
        self.load_data(
            self.rapp.backend.wear_trend, week, what="tendance de l'usure", on_ok=lambda t: self._trend_loaded(week, t)
        )

    def _trend_loaded(self, week: str, trend: list[tuple[str, float | None]]) -> None:
        if week != self.week:
            return
        self.trend = trend
        self._show_headline()
        self._render_trend()

    def data_changed(self) -> None:
        if not self.stale and self.report is not None:
            self.stale = True
            self._show_head()

    # --- rendering -------------------------------------------------------------------

    def _show_head(self) -> None:
        span = week_span(self.report) if self.report else "…"
        last = self.week >= self.rapp.backend.default_week()
        nav = "← semaine précédente" + ("" if last else " · → suivante") + " · g graphiques · r recalculer · x exporter"
        nav = "" if self.narrow else f"[dim]{nav}[/]"
        stale = " · [b $warning]données modifiées depuis le calcul : r pour recalculer[/]" if self.stale else ""
        self.query_one("#wear-head", Static).update(
            f"[b]Usure des relances[/] — semaine [b]{self.week}[/] ({span})  {nav}{stale}"
        )

    def _previous_rate(self) -> float | None:
        if self.trend and len(self.trend) >= 2:
            return self.trend[-2][1]
        return None

    def _show_headline(self) -> None:
        if self.report is None:
            self.query_one("#wear-headline", Static).update("calcul du rapport…")
            return
        self.query_one("#wear-headline", Static).update(
            headline(self.report, self._previous_rate(), self.trend is not None)
        )

    def _render_band(self) -> None:
        report = self.report
        if report is None:
            return
        bar_width = 24 if self.narrow else 18
        self.query_one("#wear-fatigue", Static).update(fatigue_panel(report, bar_width, counts=True))
        seg = breakdown_table(report, "segment", "segment", segment_label)
        chan = breakdown_table(report, "last_channel", "dernier canal", channel_label)
        self.query_one("#wear-by-segment", Static).update(Group(seg, Text(""), chan))
        self.query_one("#wear-by-agent", Static).update(breakdown_table(report, "agent", "agent", agent_label))
        self._render_trend()

    def _render_trend(self) -> None:
        spark = self.query_one("#wear-trend", Sparkline)
        axis = self.query_one("#wear-trend-axis", Static)
        if self.trend is None:
            spark.data = []
            axis.update("[dim]calcul de la tendance…[/]")
            return
        values = [r for _, r in self.trend]
        spark.data = [v or 0.0 for v in values]
        known = [v for v in values if v is not None]
        first, last = self.trend[0][0], self.trend[-1][0]
        span = f"de {percent_fr(min(known))} à {percent_fr(max(known))}" if known else "aucune donnée"
        axis.update(
            f"[dim]{first[-3:]}[/] … [dim]{last[-3:]}[/]\n{span}\ncette semaine : [b]{percent_fr(values[-1])}[/]"
        )

    def _page_rows(self) -> list[FlaggedDebtor]:
        if self.report is None:
            return []
        return list(self.report.debtors[self.page * PAGE : (self.page + 1) * PAGE])

    def _fill_table(self) -> None:
        table = self.query_one("#wear-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear()
        rows = self._page_rows()
        for f in rows:
            cells = {
                "new": Text("•" if f.newly_worn else " ", style="bold yellow"),
                "ref": Text(f.debtor_ref),
                "name": Text(f.name),
                "agent": Text(f.agent or "(équipe)", style="italic" if f.agent is None else ""),
                "segment": Text(f.segment),
                "streak": Text(str(f.streak), justify="right", style="bold" if f.streak >= 6 else ""),
                "silent": Text(f"{f.days_silent} j", justify="right"),
                "balance": Text(eur(f.balance_cents), justify="right"),
                "channel": Text(label(f.last_channel) or "—"),
                "recs": Text(recommendations_fr(f)),
                "follow": Text(self.follow_up.get(f.debtor_ref, ""), style="green"),
            }
            table.add_row(*row_cells(table, cells), key=f.debtor_ref)
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self._show_list_title()
        self._show_detail()

    def _show_list_title(self) -> None:
        report = self.report
        if report is None:
            return
        total = len(report.debtors)
        pages = max(1, -(-total // PAGE))
        paging = f" · page {self.page + 1}/{pages} (n / p)" if pages > 1 else ""
        keys = (
            ""
            if self.narrow
            else " — a réaffecter · t approche / ton · m MED envoyée · l générer la MED · j injonction · h attente"
        )
        self.query_one("#wear-list-title", Static).update(
            f"[b]Débiteurs usés[/] ({n_fr(total)}, [b yellow]•[/] = nouveau cette semaine){paging}{keys}"
        )

    def _cursor_row(self) -> FlaggedDebtor | None:
        rows = self._page_rows()
        table = self.query_one("#wear-table", DataTable)
        if rows and 0 <= table.cursor_row < len(rows):
            return rows[table.cursor_row]
        return None

    @on(DataTable.RowHighlighted, "#wear-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        f = self._cursor_row()
        box = self.query_one("#wear-detail", Static)
        if f is None:
            box.update("[dim]Aucun débiteur usé cette semaine.[/]" if self.report else "")
            return
        last = f"dernière réponse le {d_fr(f.last_response_on)}" if f.last_response_on else "jamais de réponse"
        done = self.follow_up.get(f.debtor_ref)
        box.update(
            f"[b]{esc(f.debtor_ref)}[/] · {esc(f.name)} — {f.streak} relances sans réponse depuis le "
            f"{d_fr(f.first_reminder_on)} · {last} · {f.days_silent} j de silence · "
            f"[b]{esc(recommendations_fr(f))}[/]" + (f" · [green]suivi : {esc(done)}[/]" if done else "")
        )

    # --- navigation ------------------------------------------------------------------

    def action_week(self, delta: int) -> None:
        target = self.rapp.backend.shift_week(self.week, delta)
        if delta > 0 and target > self.rapp.backend.default_week():
            self.notify("Semaine en cours non terminée : le rapport porte sur des semaines complètes.", timeout=3)
            return
        self.week = target
        self.compute()

    def action_recompute(self) -> None:
        self.compute()

    def action_page(self, delta: int) -> None:
        if self.report is None:
            return
        pages = max(1, -(-len(self.report.debtors) // PAGE))
        page = self.page + delta
        if 0 <= page < pages:
            self.page = page
            self._fill_table()

    def action_open(self) -> None:
        from .search import DebtorScreen

        f = self._cursor_row()
        if f is not None:
            self.app.push_screen(DebtorScreen(f.debtor_ref))

    def action_export(self) -> None:
        if self.report is None:
            self.notify("Rapport en cours de calcul…", timeout=2)
            return
        report = self.report
        self.ask_export(f"usure des relances {report.week}", lambda: self.rapp.backend.wear_table(report))

    # --- actions on the highlighted debtor ---------------------------------------------

    def _ref(self) -> FlaggedDebtor | None:
        f = self._cursor_row()
        if f is None:
            self.notify("Aucun débiteur usé sélectionné.", severity="warning", timeout=3)
        return f

    def action_reassign(self) -> None:
        if f := self._ref():
            self.ask_reassign([f.debtor_ref], current=f.agent)

    def action_override(self) -> None:
        if f := self._ref():
            self.ask_override([f.debtor_ref])

    def action_formal_notice(self) -> None:
        if f := self._ref():
            self.ask_formal_notice(f.debtor_ref)

    def action_hold(self) -> None:
        if f := self._ref():
            self.ask_hold([f.debtor_ref])

    def action_letter(self) -> None:
        if f := self._ref():
            self.ask_letter(f.debtor_ref)

    def action_court_pack(self) -> None:
        if f := self._ref():
            self.ask_court_pack(f.debtor_ref)

    def action_finished(self, message: LeadActionDone) -> None:
        if not message.ok or self.report is None:
            return
        note = {
            "assign": f"→ {message.details.get('to') or 'équipe'}",
            "hold": "en attente",
            "override": f"approche {message.details.get('tone') or 'auto'}",
            "formal_notice": "MED envoyée",
            "letter": "MED générée",
            "court_pack": "injonction préparée",
        }.get(message.kind, message.kind)
        table = self.query_one("#wear-table", DataTable)
        shown = {f.debtor_ref: f for f in self._page_rows()}
        for ref in message.refs:
            self.follow_up[ref] = note
            if ref not in shown:
                continue
            if has_column(table, "follow"):
                table.update_cell(ref, "follow", Text(note, style="green"))
            if message.kind == "assign":
                to = message.details.get("to")
                table.update_cell(ref, "agent", Text(str(to) if to else "(équipe)"))
        self._show_detail()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Semaine précédente", "←", lambda: self.action_week(-1)),
            ("Semaine suivante", "→", lambda: self.action_week(1)),
            ("Réaffecter le débiteur", "a", self.action_reassign),
            ("Nouvelle approche : scénario et ton", "t", self.action_override),
            ("Mise en demeure envoyée", "m", self.action_formal_notice),
            ("Générer la mise en demeure (PDF)", "l", self.action_letter),
            ("Préparer le dossier d'injonction de payer", "j", self.action_court_pack),
            ("Mettre en attente", "h", self.action_hold),
            ("Fiche du débiteur", "Entrée", self.action_open),
            ("Recalculer le rapport", "r", self.action_recompute),
            ("Exporter les débiteurs usés (.xlsx, CSV, e-mail)", "x", self.action_export),
            ("Graphiques / répartitions", "g", self.action_band),
        ]
