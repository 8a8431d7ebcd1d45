"""« Recherche » (`/`): find a debtor by name, reference, SIREN or phone number, and its
read-only case file (the agent's case panels), with the lead's actions on it."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Static

from ...domain.areas import area_by_code
from ...domain.codes import STAGE_LABELS_FR
from ...domain.dates import paris_date
from ...domain.text import strip_control_chars
from ...services.case_file import CaseFile
from ...services.search import SearchHit
from ..backend import SEARCH_LIMIT
from ..case import panels
from ..fmt import esc, eur
from ..widgets.agent_bar import AgentBar
from ..widgets.table import DataTable
from .base import LeadScreen
from .columns import Col, row_cells, set_columns
from .dialogs import DatedNoteForm
from .messages import LeadActionDone


class SearchInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "results", "résultats", key_display="↓", id="lead.search.results"),
    ]

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(strip_control_chars(text), start, end)  # typed or pasted: no controls

    def action_results(self) -> None:
        # At once (not `focus()`, which waits a turn): a fast « ↓ Entrée » opens the first result.
        self.screen.set_focus(self.screen.query_one("#search-results", DataTable))


COLUMNS = [
    Col("ref", "Réf.", 12, 10),
    Col("name", "Nom", 32, 26),
    Col("segment", "Seg.", 4),
    Col("agent", "Agent", 16, 13),
    Col("balance", "Solde", 15, 13, right=True),
    Col("area", "Zone", 20, None),
    Col("phones", "Téléphones", 30, 16),
]


class SearchScreen(LeadScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_input", "nouvelle recherche", key_display="/", id="lead.search.focus"),
    ]

    def __init__(self) -> None:
        super().__init__(id="lead-search")
        self.hits: list[SearchHit] = []
        self._request = 0
        self.text = ""

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(
            "[b]Recherche de débiteur[/] — nom, référence, SIREN ou téléphone (toutes les files)",
            classes="lead-title",
        )
        yield SearchInput(placeholder="ex. dupont · CLI00042 · 552 100 554 · 06 12 34 56 78", id="search-input")
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield Static(id="search-status", classes="lead-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.narrow, "-narrow")
        set_columns(self.query_one("#search-results", DataTable), COLUMNS, narrow=self.narrow)
        inp = self.query_one("#search-input", Input)
        inp.cursor_blink = self.rapp.cursor_blink
        inp.focus()
        self.query_one("#search-status", Static).update("Tapez au moins un mot ou un numéro.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_input":  # in the field, « / » is a character
            return not self.query_one("#search-input", Input).has_focus
        return True

    def relayout(self) -> None:
        set_columns(self.query_one("#search-results", DataTable), COLUMNS, narrow=self.narrow)
        self.start(self.query_one("#search-input", Input).value)

    def action_focus_input(self) -> None:
        self.query_one("#search-input", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # A letter typed while the results have the focus was meant for the search box.
        inp = self.query_one("#search-input", Input)
        if event.is_printable and event.character and event.character != "/" and not inp.has_focus:
            event.stop()
            event.prevent_default()
            inp.focus()
            inp.insert_text_at_cursor(event.character)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self.start(event.value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.hits and self.text == event.value.strip():
            # Even a unique hit is only selected: the card opens on a second, deliberate Entrée
            # (keys typed for the search box must never land on the card and act there).
            table = self.query_one("#search-results", DataTable)
            table.move_cursor(row=0)
            self.screen.set_focus(table)
        else:
            self.start(event.value)

    def start(self, text: str) -> None:
        self._request += 1
        if not text.strip():
            self.text = ""
            self.hits = []
            self.query_one("#search-results", DataTable).clear()
            self.query_one("#search-status", Static).update("Tapez au moins un mot ou un numéro.")
            return
        self.query_one("#search-status", Static).update("recherche…")
        self.search(self._request, text)

    def search(self, request: int, text: str) -> None:
        backend = self.rapp.backend
        self.load_data(
            lambda: backend.search(text, limit=SEARCH_LIMIT),
            what="recherche",
            on_ok=lambda hits: self._found(text, hits, request),
        )

    def _found(self, text: str, hits: list[SearchHit], request: int) -> None:
        if request != self._request:
            return
        self.text = text.strip()
        self.hits = hits
        table = self.query_one("#search-results", DataTable)
        table.clear()
        for h in self.hits:
            cells = {
                "ref": Text(h.debtor_ref, style="bold"),
                "name": h.name,
                "segment": h.segment,
                "agent": Text(h.agent or "(équipe)", style="italic" if h.agent is None else ""),
                "balance": Text(eur(h.balance_cents), justify="right"),
                "area": area_by_code(h.area).label,
                "phones": ", ".join(h.phones[:2]),
            }
            table.add_row(*row_cells(table, cells), key=h.debtor_ref)
        n = len(self.hits)
        if n == 0:
            status = f"Aucun débiteur pour « {esc(self.text)} »."
        else:
            more = f" (les {SEARCH_LIMIT} premiers)" if n >= SEARCH_LIMIT else ""
            status = (
                f"{n} résultat(s){more} · [b]↓[/] choisir puis [b]Entrée[/] : fiche du débiteur"
                " · [b]/[/] nouvelle recherche"
            )
        self.query_one("#search-status", Static).update(status)

    @on(DataTable.RowSelected, "#search-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.open(str(event.row_key.value))

    def open(self, ref: str) -> None:
        self.app.push_screen(DebtorScreen(ref))


class DebtorScreen(LeadScreen):
    """A debtor's case file, read-only (no claim, no outcome), with the lead's actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "reassign", "réaffecter", id="lead.debtor.reassign"),
        Binding("h", "hold", "attente", id="lead.debtor.hold"),
        Binding("d", "do_not_call", "ne pas appeler", id="lead.debtor.dnc"),
        Binding("l", "close_dispute", "clore litige", id="lead.debtor.dispute"),
        Binding("t", "override", "scénario / ton", id="lead.debtor.override"),
        Binding("m", "formal_notice", "mise en demeure", id="lead.debtor.formal_notice"),
        Binding("s", "overindebted", "surendettement", id="lead.debtor.overindebted"),
        Binding("g", "letter", "générer la MED", id="lead.debtor.letter"),
        Binding("j", "court_pack", "injonction", id="lead.debtor.court_pack"),
        Binding("r", "statement", "relevé", id="lead.debtor.statement"),
    ]

    def __init__(self, ref: str) -> None:
        super().__init__(id="lead-debtor")
        self.ref = ref
        self.case: CaseFile | None = None
        self._quiet_reload = False

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static(f"chargement du dossier {esc(self.ref)}…", id="debtor-header")
        yield Static(id="debtor-lead", classes="lead-status")
        with Horizontal(id="debtor-body"):
            with VerticalScroll(id="debtor-left"):
                yield Static(id="debtor-invoices")
                yield Static(id="debtor-phones")
            with VerticalScroll(id="debtor-right"):
                yield Static(id="debtor-timeline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#debtor-left").focus()
        self.reload()

    def data_changed(self) -> None:
        self._quiet_reload = True  # repaint only if the case changed (see widgets.quiet)
        self.reload()

    def relayout(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load(self.ref)

    def load(self, ref: str) -> None:
        self.load_data(
            self.rapp.backend.load_case,
            ref,
            what=f"dossier {ref}",
            group="debtor",
            on_ok=lambda c: self._loaded(ref, c),
        )

    def _loaded(self, ref: str, case: CaseFile) -> None:
        if ref != self.ref:
            return
        quiet, self._quiet_reload = self._quiet_reload, False
        if quiet and case == self.case:
            return  # reloaded after another session's commit: nothing on screen would change
        self.case = case
        today = paris_date(self.rapp.clock())
        self.query_one("#debtor-header", Static).update(panels.header(case, self.rapp.settings, today))
        self.query_one("#debtor-invoices", Static).update(panels.invoices(case, today, compact=self.narrow))
        phones = panels.phones(case, None).replace(" [dim](a : changer de numéro)[/]", "")
        self.query_one("#debtor-phones", Static).update(phones)
        self.query_one("#debtor-timeline", Static).update(panels.timeline(case))
        d = case.debtor
        stage = d.get("stage_override")
        tone = d.get("tone_override")
        imposed = []
        if stage:
            imposed.append(f"scénario imposé : {STAGE_LABELS_FR.get(stage, stage)}")
        if tone:
            imposed.append(f"ton imposé : {tone}")
        agent = d.get("agent") or "équipe (non affecté)"
        self.query_one("#debtor-lead", Static).update(
            f"[b]Fiche en lecture seule[/] · agent : [b]{esc(agent)}[/]"
            + (" · " + esc(" · ".join(imposed)) if imposed else "")
            + (
                ""
                if self.narrow
                else " — a réaffecter · h attente · d ne pas appeler · l clore le litige · t scénario / ton"
                " · m mise en demeure"
            )
        )

    def _refs(self) -> list[str]:
        if self.case is None:
            self.notify("Dossier en cours de chargement…", timeout=2)
            return []
        return [self.ref]

    def action_reassign(self) -> None:
        if refs := self._refs():
            self.ask_reassign(refs, current=self.case.debtor.get("agent") if self.case else None)

    def action_hold(self) -> None:
        if refs := self._refs():
            if self.case and self.case.debtor.get("on_hold"):
                self.ask_release_hold(refs)
            else:
                self.ask_hold(refs)

    def action_do_not_call(self) -> None:
        if refs := self._refs():
            on = not (self.case and self.case.debtor.get("do_not_call"))
            self.ask_do_not_call(refs, on=on)

    def action_close_dispute(self) -> None:
        if refs := self._refs():
            contested = any(x.get("status") == "open" for x in (self.case.disputes if self.case else []))
            if self.case and not self.case.debtor.get("dispute_open") and not contested:
                self.notify("Aucun litige ouvert pour ce débiteur.", severity="warning")
                return
            self.ask_close_dispute(refs)

    def action_override(self) -> None:
        if refs := self._refs():
            self.ask_override(refs)

    def action_formal_notice(self) -> None:
        if self._refs():
            self.ask_formal_notice(self.ref)

    def action_letter(self) -> None:
        if refs := self._refs():
            self.ask_letter(refs[0])

    def action_court_pack(self) -> None:
        if refs := self._refs():
            self.ask_court_pack(refs[0])

    def action_statement(self) -> None:
        if refs := self._refs():
            self.make_statement(refs[0])

    def action_overindebted(self) -> None:
        """Record the admissibility of the over-indebtedness file (or lift it when recorded)."""
        if not (refs := self._refs()) or self.case is None:
            return
        backend = self.rapp.backend
        if self.case.debtor.get("overindebted_since"):
            self.ask_then_each_overindebted_off(refs)
            return
        if self.case.debtor.get("segment") != "B2C":
            self.notify("Le surendettement ne concerne que les particuliers.", severity="warning")
            return

        def done(result: tuple[date, str | None] | None) -> None:
            if result is None:
                return
            since, note = result

            def one(ref: str) -> None:
                backend.overindebted(ref, since=since, note=note)

            self.apply_action(
                "overindebted",
                refs,
                self._each(refs, one, f"Surendettement depuis le {since:%d/%m/%Y} : plus aucune relance"),
            )

        self.app.push_screen(
            DatedNoteForm(
                self.ref,
                now=backend.now(),
                cursor_blink=self.rapp.cursor_blink,
                title="Surendettement",
                hint="Dossier de surendettement déclaré recevable : toute relance cesse (C. conso L722-2).",
                date_label="Recevable le",
                placeholder="n° de dossier, commission…",
            ),
            done,
        )

    def ask_then_each_overindebted_off(self, refs: list[str]) -> None:
        backend = self.rapp.backend
        self._ask_then_each(
            refs,
            kind="overindebted_lifted",
            title="Retirer la mention de surendettement",
            label="Motif",
            required=True,
            one=lambda r, note: backend.overindebted(r, since=None, note=note),
            done_text="Mention de surendettement retirée",
            effect="mention de surendettement retirée : revient dans les files d'appel",
            hint="Le débiteur revient dans les files d'appel.",
        )

    def action_finished(self, message: LeadActionDone) -> None:
        self.reload()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Réaffecter le débiteur", "a", self.action_reassign),
            ("Mettre en attente / lever l'attente", "h", self.action_hold),
            ("Ne pas appeler (oui / non)", "d", self.action_do_not_call),
            ("Clore le litige", "l", self.action_close_dispute),
            ("Scénario d'appel et ton", "t", self.action_override),
            ("Mise en demeure envoyée", "m", self.action_formal_notice),
            ("Surendettement (recevabilité)", "s", self.action_overindebted),
            ("Générer la mise en demeure (PDF)", "g", self.action_letter),
            ("Préparer le dossier d'injonction de payer", "j", self.action_court_pack),
            ("Relevé de compte (PDF)", "r", self.action_statement),
        ]
