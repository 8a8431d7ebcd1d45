"""Small modals of the lead screens: agent picker, confirmation, reason, stage/tone override,
mise en demeure, and the filter forms of the queue review and of the audit trail.

Nothing here touches the database: the agent picker loads the team through the backend in a
thread worker, like the screens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ...domain.agents import Agent
from ...domain.codes import Stage, Tone
from ...domain.dates import DateError, paris_date, parse_date
from ...domain.filters import DebtorFilter
from ...domain.money import AmountError, format_eur, parse_amount
from ...domain.text import printable
from ...services.lead import (
    REASON_MAX,
    REGISTERED_LETTER_MAX,
    FormalNoticePreview,
    LeadError,
    QueueLoad,
    validate_filter,
    validate_registered_letter,
)
from ..backend_call import BackendCalls, BackendFailed
from ..fmt import esc, lit
from ..outcome.forms import FormInput, FormScreen
from ..widgets.buttons import ActionButton
from .labels import AUDIT_ACTIONS, BLOCKED_LABELS, POOL_LABEL

NOTE_MAX = REASON_MAX


@dataclass(frozen=True)
class Target:
    """Where debtors go: an agent's login, or None for the team pool."""

    login: str | None
    label: str


# --------------------------------------------------------------------------- agent picker


class AgentPicker(BackendCalls, ModalScreen[Target | None]):
    """« Réaffecter … à » : every active agent with their load, then the pool."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "annuler", key_display="Échap", id="lead.picker.cancel"),
    ]

    def __init__(self, title: str, *, current: str | None = None) -> None:
        super().__init__(id="agent-picker")
        self.title_text = title
        self.current = current
        self.targets: list[Target] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog") as dialog:
            dialog.border_title = esc(self.title_text)
            dialog.border_subtitle = "↑↓ Entrée choisir · Échap annuler"
            yield Static("chargement de l'équipe…", id="picker-hint")
            yield OptionList(id="targets")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    def load(self) -> None:
        backend = self.app.backend  # type: ignore[attr-defined]

        def load() -> tuple[list[Agent], list[QueueLoad]]:
            return backend.team_agents(), backend.queue_loads()

        # A failure is shown by the app; the picker closes (nothing to pick from).
        self.run_backend(load, what="équipe", on_ok=self._loaded, on_failed=self._failed)

    def _failed(self, _message: BackendFailed) -> None:
        self.dismiss(None)

    def _loaded(self, result: tuple[list[Agent], list[QueueLoad]]) -> None:
        agents, queue_loads = result
        loads = {q.agent: q for q in queue_loads}
        options: list[Option] = []
        self.targets = []
        for a in agents:
            q = loads.get(a.login)
            line = lit(f"{a.login:<16}", style="bold")
            line.append(printable(f"{a.name[:22]:<23}"))
            if q is not None:
                line.append(f"{q.debtors:>6} débiteurs  {format_eur(q.balance_cents):>16}", style="dim")
            if a.login == self.current:
                line.append("  (actuel)", style="italic")
            options.append(Option(line, id=a.login))
            self.targets.append(Target(a.login, f"{a.name} ({a.login})"))
        pool = loads.get(None)
        line = Text(f"{'(équipe)':<16}", style="bold")
        line.append(f"{'non affectés (pool)':<23}")
        if pool is not None:
            line.append(f"{pool.debtors:>6} débiteurs  {format_eur(pool.balance_cents):>16}", style="dim")
        options.append(Option(line, id="__pool__"))
        self.targets.append(Target(None, POOL_LABEL))
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options(options)
        ol.highlighted = 0
        self.query_one("#picker-hint", Static).update("Choisissez l'agent qui reprend ces débiteurs, ou l'équipe :")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.targets):
            self.dismiss(self.targets[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- confirmation


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: Entrée confirms, Échap cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "confirmer", key_display="Entrée", priority=True, id="lead.confirm.yes"),
        Binding("escape", "cancel", "annuler", key_display="Échap", id="lead.confirm.no"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(id="confirm")
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog") as dialog:
            dialog.border_title = self.title_text
            yield Static(self.text, id="confirm-text")
            with Horizontal(classes="form-buttons"):
                yield ActionButton("Annuler (Échap)", "screen.cancel")
                yield ActionButton("Confirmer (Entrée)", "screen.confirm", variant="primary")
        yield Footer(compact=True)

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class GuardDialog(ModalScreen[bool]):
    """A legally meaningful act, summarised before it is done. The focused button is
    « Annuler »: Entrée alone cancels (keys typed for another screen change nothing); confirming
    takes Tab (or →) to « Confirmer », then Entrée."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "annuler", key_display="Échap", id="lead.guard.no"),
        Binding("right", "app.focus_next", "bouton suivant", show=False, id="lead.guard.next"),
        Binding("left", "app.focus_previous", "bouton précédent", show=False, id="lead.guard.previous"),
    ]

    def __init__(self, title: str, body: Text, *, confirm_label: str = "Confirmer", id: str = "guard") -> None:
        super().__init__(id=id)
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="guard-dialog") as dialog:
            dialog.border_title = self.title_text
            dialog.border_subtitle = "Entrée : bouton choisi (Annuler) · Tab puis Entrée : confirmer · Échap"
            yield Static(self.body, id="guard-text")
            with Horizontal(classes="form-buttons"):
                yield Button("Annuler", id="guard-cancel", compact=True)
                yield Button(self.confirm_label, id="guard-confirm", variant="warning", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#guard-cancel", Button).focus()

    @on(Button.Pressed, "#guard-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    @on(Button.Pressed, "#guard-confirm")
    def _confirm(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


# --------------------------------------------------------------------------- reason


class ReasonForm(FormScreen):
    """A motive (hold, do-not-call…), required or not; returns the text ("" when none)."""

    ERROR_FIELDS = ("reason",)

    def __init__(
        self, title: str, label: str, *, required: bool, hint: str = "", initial: str = "", cursor_blink: bool = True
    ) -> None:
        super().__init__(cursor_blink=cursor_blink, id="reason-form")
        self.title_text = title
        self.label = label
        self.required = required
        self.hint = hint
        self.initial = initial

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="lead-reason-dialog") as dialog:
            dialog.border_title = esc(self.title_text)
            dialog.border_subtitle = "Échap annuler · Entrée enregistrer"
            if self.hint:
                yield Static(self.hint, classes="form-hint")
            with Horizontal(classes="form-row"):
                yield Label(self.label, classes="form-label")
                yield FormInput(self.initial, id="reason", max_length=NOTE_MAX, compact=True)
            yield self.error_box("reason")
            yield Static("[dim]Inscrit au journal d'audit : factuel, sans donnée sensible.[/]", classes="form-hint")
            yield from self.buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason", Input).focus()

    def action_submit(self) -> None:
        text = self.query_one("#reason", Input).value.strip()
        if self.required and not text:
            self.show_errors({"reason": ["motif obligatoire"]})
            return
        if len(text) > NOTE_MAX:
            self.show_errors({"reason": [f"motif trop long ({NOTE_MAX} caractères au plus)"]})
            return
        self.dismiss(text)


# --------------------------------------------------------------------------- disputes


@dataclass(frozen=True)
class DisputeDecision:
    invoices: list[str]
    decision: str  # accepted | rejected
    note: str | None


class DisputeCloseForm(FormScreen):
    """Close a dispute invoice by invoice: tick them, then « fondé » (credit note expected,
    the invoice stays out of the claim) or « rejeté » (claimed again)."""

    ERROR_FIELDS = ("invoices", "note")
    DECISIONS: ClassVar[list[tuple[str, str]]] = [
        ("rejeté : la facture redevient due", "rejected"),
        ("fondé : un avoir est attendu, la facture reste hors réclamation", "accepted"),
    ]

    def __init__(self, debtor_ref: str, invoices: list[dict[str, object]], *, cursor_blink: bool = True) -> None:
        super().__init__(cursor_blink=cursor_blink, id="dispute-close-form")
        self.debtor_ref = debtor_ref
        self.invoices = invoices

    def form(self) -> ComposeResult:
        from ..outcome.forms import InvoiceTicks

        with Vertical(classes="dialog", id="dispute-close-dialog") as dialog:
            dialog.border_title = esc(f"Clore le litige — {self.debtor_ref}")
            dialog.border_subtitle = "Espace cocher · Entrée enregistrer · Échap"
            choices = [
                (
                    Text(f"{i['invoice_ref']}  contesté {format_eur(int(str(i['amount_cents'])))}"),
                    str(i["invoice_ref"]),
                    True,
                )
                for i in self.invoices
            ]
            yield InvoiceTicks(*choices, id="close-invoices")
            yield self.error_box("invoices")
            with Horizontal(classes="form-row"):
                yield Label("Décision ", classes="form-label")
                yield Select(self.DECISIONS, value="rejected", allow_blank=False, id="decision", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Note ", classes="form-label")
                yield FormInput("", id="note", max_length=NOTE_MAX, compact=True)
            yield self.error_box("note")
            yield from self.buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#close-invoices").focus()

    def action_submit(self) -> None:
        from ..outcome.forms import InvoiceTicks

        refs = list(self.query_one(InvoiceTicks).selected)
        if not refs:
            self.show_errors({"invoices": ["cochez au moins une facture"]})
            return
        note = self.query_one("#note", Input).value.strip()
        if len(note) > NOTE_MAX:
            self.show_errors({"note": [f"note trop longue ({NOTE_MAX} caractères au plus)"]})
            return
        decision = str(self.query_one("#decision", Select).value)
        self.dismiss(DisputeDecision(refs, decision, note or None))


# --------------------------------------------------------------------------- overrides

OVERRIDE_CHOICES: list[tuple[str, str | None, str | None]] = [
    ("1", Stage.WORN.value, Tone.EMPATHIQUE.value),
    ("2", Stage.WORN.value, Tone.NEUTRE.value),
    ("3", Stage.WORN.value, Tone.FERME.value),
    ("4", Stage.WORN.value, None),
    ("0", None, None),
]


def _override_label(stage: str | None, tone: str | None) -> str:
    if stage is None:
        return "retirer le scénario et le ton imposés (choix automatique)"
    return f"nouvelle approche (usure des relances) · ton {tone or 'selon le dossier'}"


class OverridePicker(ModalScreen[tuple[str | None, str | None] | None]):
    """Impose the new-approach call script (stage `worn`) and a tone; returns (stage, tone)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "annuler", key_display="Échap", id="lead.override.cancel"),
        *[Binding(d, f"pick('{d}')", show=False, id=f"lead.override.{d}") for d, _s, _t in OVERRIDE_CHOICES],
    ]

    def __init__(self, who: str) -> None:
        super().__init__(id="override-picker")
        self.who = who

    def compose(self) -> ComposeResult:
        options = [Option(f"{d}  {_override_label(s, t)}", id=d) for d, s, t in OVERRIDE_CHOICES]
        with Vertical(classes="dialog", id="override-dialog") as dialog:
            dialog.border_title = f"Scénario d'appel — {esc(self.who)}"
            dialog.border_subtitle = "chiffre ou ↑↓ Entrée · Échap"
            yield Static(
                "Le guide d'appel des agents suivra ce scénario et ce ton pour ce débiteur.",
                classes="form-hint",
            )
            yield OptionList(*options, id="overrides")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_pick(self, digit: str) -> None:
        for d, stage, tone in OVERRIDE_CHOICES:
            if d == digit:
                self.dismiss((stage, tone))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option.id or "")

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- mise en demeure

_DM = re.compile(r"^(\d{1,2})/(\d{1,2})$")


def parse_sent_on(text: str, today: date) -> date:
    """« 23/11/2026 », ISO, « 20/11 » (the last such date), « hier », empty = today."""
    s = (text or "").strip().lower()
    if not s or s == "aujourd'hui":
        return today
    if s == "hier":
        return today - timedelta(days=1)
    if m := _DM.match(s):
        day, month = int(m[1]), int(m[2])
        for year in (today.year, today.year - 1):
            try:
                d = date(year, month, day)
            except ValueError:
                raise DateError(f"date impossible « {s} »") from None
            if d <= today:
                return d
    return parse_date(s)


@dataclass(frozen=True)
class DatedNote:
    """A date sent (today or before) and an optional note, as typed in a form."""

    sent_on: date | None  # None when refused (see `errors`)
    note: str | None
    errors: dict[str, list[str]]  # per field: sent_on, note


def read_dated_note(sent_on_text: str, note_text: str, today: date, *, date_name: str = "la date") -> DatedNote:
    """The « sent_on » and « note » fields of `DatedNoteForm` and `FormalNoticeForm`, checked:
    a date of the past year (see `parse_sent_on`) not after `today`, a note of `NOTE_MAX` at most."""
    errors: dict[str, list[str]] = {}
    sent_on = None
    try:
        sent_on = parse_sent_on(sent_on_text, today)
    except DateError as exc:
        errors["sent_on"] = [str(exc)]
    if sent_on is not None and sent_on > today:
        errors["sent_on"] = [f"{date_name} ({sent_on:%d/%m/%Y}) est dans le futur"]
    note = note_text.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [f"note trop longue ({NOTE_MAX} caractères au plus)"]
    return DatedNote(sent_on, note or None, errors)


class DatedNoteForm(FormScreen):
    """« Mise en demeure envoyée » : the date it was sent and a note; returns (date, note)."""

    ERROR_FIELDS = ("sent_on", "note")

    def __init__(
        self,
        who: str,
        *,
        now: datetime,
        cursor_blink: bool = True,
        title: str = "Mise en demeure envoyée",
        hint: str = "Enregistre un courrier sortant « mise en demeure » (journal d'audit, usure des relances).",
        date_label: str = "Date d'envoi",
        placeholder: str = "LRAR n°…",
    ) -> None:
        super().__init__(cursor_blink=cursor_blink, id="dated-note-form")
        self.who = who
        self.today = paris_date(now)
        self.title, self.hint, self.date_label, self.placeholder = title, hint, date_label, placeholder

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="dated-note-dialog") as dialog:
            dialog.border_title = f"{self.title} — {esc(self.who)}"
            dialog.border_subtitle = "Échap annuler · Entrée enregistrer"
            yield Static(self.hint, classes="form-hint")
            with Horizontal(classes="form-row"):
                yield Label(self.date_label, classes="form-label")
                yield FormInput(self.today.strftime("%d/%m/%Y"), id="sent_on", classes="date", compact=True)
            yield self.error_box("sent_on")
            with Horizontal(classes="form-row"):
                yield Label("Note (facultative)", classes="form-label")
                yield FormInput("", id="note", max_length=NOTE_MAX, compact=True, placeholder=self.placeholder)
            yield self.error_box("note")
            yield from self.buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sent_on", Input).focus()

    def action_submit(self) -> None:
        got = read_dated_note(self.query_one("#sent_on", Input).value, self.query_one("#note", Input).value, self.today)
        self.show_errors(got.errors)
        if not got.errors and got.sent_on is not None:
            self.dismiss((got.sent_on, got.note))


def formal_notice_summary(p: FormalNoticePreview, *, limit: int = 6) -> Text:
    """The debtor, the overdue invoices and amount, the known address, the last notice."""
    t = Text()
    t.append("Débiteur : ", style="dim")
    t.append(f"{p.name} ({p.ref}, {p.segment})", style="bold")
    t.append("\nAdresse : ", style="dim")
    t.append(f"code postal {p.address}" if p.address else "non renseignée (à compléter sur le courrier)")
    n = len(p.overdue)
    t.append(f"\n{n} facture{'s' if n > 1 else ''} échue{'s' if n > 1 else ''} : ", style="dim")
    t.append(format_eur(p.overdue_cents), style="bold")
    for ref, due, cents in p.overdue[:limit]:
        t.append(f"\n  {ref}  échue le {due:%d/%m/%Y}  {format_eur(cents)}")
    if n > limit:
        t.append(f"\n  … et {n - limit} autre{'s' if n - limit > 1 else ''}", style="dim")
    if p.last_notice_on is not None:
        t.append(f"\nDernière mise en demeure : {p.last_notice_on:%d/%m/%Y}", style="bold red" if p.repeat else "dim")
        if p.repeat:
            t.append(" (moins de 30 jours)", style="bold red")
    return t


class FormalNoticeForm(FormScreen):
    """« Mise en demeure envoyée » : what it is about, the date it was sent, the registered-letter
    number and a note; returns (date, registered letter, note). Confirmed afterwards (GuardDialog)."""

    ERROR_FIELDS = ("sent_on", "letter", "note")

    def __init__(self, preview: FormalNoticePreview, *, now: datetime, cursor_blink: bool = True) -> None:
        super().__init__(cursor_blink=cursor_blink, id="notice-form")
        self.preview = preview
        self.today = paris_date(now)

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="notice-dialog") as dialog:
            dialog.border_title = f"Mise en demeure envoyée — {esc(self.preview.ref)}"
            dialog.border_subtitle = "Échap annuler · Entrée : vérifier puis confirmer"
            yield Static(formal_notice_summary(self.preview), id="notice-summary")
            with Horizontal(classes="form-row"):
                yield Label("Date d'envoi", classes="form-label")
                yield FormInput(self.today.strftime("%d/%m/%Y"), id="sent_on", classes="date", compact=True)
            yield self.error_box("sent_on")
            with Horizontal(classes="form-row"):
                yield Label("N° de recommandé", classes="form-label")
                yield FormInput(
                    "", id="letter", max_length=REGISTERED_LETTER_MAX, compact=True, placeholder="facultatif"
                )
            yield self.error_box("letter")
            with Horizontal(classes="form-row"):
                yield Label("Note (facultative)", classes="form-label")
                yield FormInput("", id="note", max_length=NOTE_MAX, compact=True)
            yield self.error_box("note")
            yield from self.buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sent_on", Input).focus()

    def action_submit(self) -> None:
        got = read_dated_note(
            self.query_one("#sent_on", Input).value,
            self.query_one("#note", Input).value,
            self.today,
            date_name="la date d'envoi",
        )
        errors = dict(got.errors)
        letter = None
        try:
            letter = validate_registered_letter(self.query_one("#letter", Input).value)
        except LeadError as exc:
            errors["letter"] = [str(exc)]
        self.show_errors(errors)
        if not errors and got.sent_on is not None:
            self.dismiss((got.sent_on, letter, got.note))


# --------------------------------------------------------------------------- review filter

_ALL = "__all__"
_POOL = "__pool__"


def _value(select: Select[str]) -> str | None:
    v = select.value
    return None if v is Select.NULL or v is None or v == _ALL else str(v)


class ReviewFilterForm(FormScreen):
    """The queue review's filter: agent or pool, segment, zone, blocking, amount, days late."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "appliquer", key_display="ctrl+s", id="lead.filter.apply"),
        Binding("ctrl+r", "clear", "tout effacer", key_display="ctrl+r", id="lead.filter.clear"),
    ]
    ERROR_FIELDS = ("amount", "days", "general")

    def __init__(self, flt: DebtorFilter, agents: list[Agent], *, cursor_blink: bool = True) -> None:
        super().__init__(cursor_blink=cursor_blink, id="review-filter-form")
        self.flt = flt
        self.agents = agents

    def form(self) -> ComposeResult:
        f = self.flt
        agent_options: list[tuple[str | Text, str]] = [("tous les agents", _ALL), (POOL_LABEL, _POOL)]
        agent_options += [(lit(f"{a.name} ({a.login})"), a.login) for a in self.agents]  # names: literal
        known = {v for _, v in agent_options}
        if f.agent is not None and f.agent not in known:
            agent_options.append((lit(f.agent), f.agent))
        agent_value = _POOL if f.pool else (f.agent or _ALL)
        with Vertical(classes="dialog", id="review-filter-dialog") as dialog:
            dialog.border_title = "Filtres de la revue des files"
            dialog.border_subtitle = "Tab champ suivant · Entrée (champ texte) ou ctrl+s appliquer · Échap"
            with Horizontal(classes="form-row"):
                yield Label("Agent", classes="form-label")
                yield Select(agent_options, value=agent_value, allow_blank=False, id="f-agent", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Segment", classes="form-label")
                yield Select(
                    [("tous", _ALL), ("B2B (professionnels)", "B2B"), ("B2C (particuliers)", "B2C")],
                    value=f.segment or _ALL,
                    allow_blank=False,
                    id="f-segment",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Label("Zone", classes="form-label")
                yield Select(
                    [("toutes", _ALL), ("outre-mer (971 à 976)", "overseas"), ("métropole", "metro")],
                    value={True: "overseas", False: "metro", None: _ALL}[f.overseas],
                    allow_blank=False,
                    id="f-zone",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Label("Blocage", classes="form-label")
                yield Select(
                    [("tous", _ALL), *[(text, code) for code, text in BLOCKED_LABELS.items()]],
                    value=f.blocked or _ALL,
                    allow_blank=False,
                    id="f-blocked",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Label("Solde de", classes="form-label")
                yield FormInput(
                    _amount(f.min_balance_cents), placeholder="min", id="f-min-amount", classes="amount", compact=True
                )
                yield Label("€  à", classes="form-label-short")
                yield FormInput(
                    _amount(f.max_balance_cents), placeholder="max", id="f-max-amount", classes="amount", compact=True
                )
                yield Label("€", classes="form-label-short")
            yield self.error_box("amount")
            with Horizontal(classes="form-row"):
                yield Label("Retard de", classes="form-label")
                yield FormInput(
                    _int(f.min_days_past_due), placeholder="min", id="f-min-days", classes="days", compact=True
                )
                yield Label("à", classes="form-label-short")
                yield FormInput(
                    _int(f.max_days_past_due), placeholder="max", id="f-max-days", classes="days", compact=True
                )
                yield Label("jours", classes="form-label-short")
            yield self.error_box("days")
            yield self.error_box("general")
            with Horizontal(classes="form-buttons"):
                yield ActionButton("Tout effacer (ctrl+r)", "screen.clear")
                yield ActionButton("Annuler (Échap)", "screen.cancel")
                yield ActionButton("Appliquer (ctrl+s)", "screen.submit", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#f-agent", Select).focus()

    def action_clear(self) -> None:
        for sid in ("#f-agent", "#f-segment", "#f-zone", "#f-blocked"):
            self.query_one(sid, Select).value = _ALL
        for iid in ("#f-min-amount", "#f-max-amount", "#f-min-days", "#f-max-days"):
            self.query_one(iid, Input).value = ""
        self.show_errors({})

    def read(self) -> tuple[DebtorFilter | None, dict[str, list[str]]]:
        errors: dict[str, list[str]] = {}
        amounts: list[int | None] = []
        for iid in ("#f-min-amount", "#f-max-amount"):
            text = self.query_one(iid, Input).value.strip()
            try:
                amounts.append(parse_amount(text) if text else None)
            except AmountError as exc:
                errors.setdefault("amount", []).append(f"{text} : {exc}")
                amounts.append(None)
        days: list[int | None] = []
        for iid in ("#f-min-days", "#f-max-days"):
            text = self.query_one(iid, Input).value.strip()
            if not text:
                days.append(None)
            elif text.isdigit():
                days.append(int(text))
            else:
                errors.setdefault("days", []).append(f"« {text} » : un nombre de jours (0 ou plus)")
                days.append(None)
        if errors:
            return None, errors
        agent = _value(self.query_one("#f-agent", Select))
        zone = _value(self.query_one("#f-zone", Select))
        flt = DebtorFilter(
            agent=None if agent == _POOL else agent,
            pool=agent == _POOL,
            segment=_value(self.query_one("#f-segment", Select)),
            overseas=None if zone is None else zone == "overseas",
            blocked=_value(self.query_one("#f-blocked", Select)),
            min_balance_cents=amounts[0],
            max_balance_cents=amounts[1],
            min_days_past_due=days[0],
            max_days_past_due=days[1],
        )
        try:
            validate_filter(flt)
        except LeadError as exc:
            return None, {"general": [str(exc)]}
        return flt, {}

    def action_submit(self) -> None:
        flt, errors = self.read()
        self.show_errors(errors)
        if flt is not None:
            self.dismiss(flt)


def _amount(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}".replace(".", ",")


def _int(n: int | None) -> str:
    return "" if n is None else str(n)


# --------------------------------------------------------------------------- audit filter


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None

    def summary(self) -> str:
        parts = []
        if self.actor:
            parts.append(f"auteur {self.actor}")
        if self.action:
            parts.append(f"action {AUDIT_ACTIONS.get(self.action, self.action)}")
        return " · ".join(parts) if parts else "tout le journal"


class AuditFilterForm(FormScreen):
    ERROR_FIELDS = ("general",)

    def __init__(self, flt: AuditFilter, *, cursor_blink: bool = True) -> None:
        super().__init__(cursor_blink=cursor_blink, id="audit-filter-form")
        self.flt = flt

    def form(self) -> ComposeResult:
        actions: list[tuple[str | Text, str]] = [("toutes", _ALL)]
        actions += [(f"{text} ({code})", code) for code, text in AUDIT_ACTIONS.items()]
        if self.flt.action and self.flt.action not in AUDIT_ACTIONS:
            actions.append((lit(self.flt.action), self.flt.action))
        with Vertical(classes="dialog", id="audit-filter-dialog") as dialog:
            dialog.border_title = "Filtrer le journal d'audit"
            dialog.border_subtitle = "Entrée appliquer · Échap annuler"
            with Horizontal(classes="form-row"):
                yield Label("Auteur (identifiant)", classes="form-label")
                yield FormInput(self.flt.actor or "", id="a-actor", compact=True, placeholder="ex. alice")
            with Horizontal(classes="form-row"):
                yield Label("Action", classes="form-label")
                yield Select(actions, value=self.flt.action or _ALL, allow_blank=False, id="a-action", compact=True)
            yield self.error_box("general")
            yield from self.buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#a-actor", Input).focus()

    def action_submit(self) -> None:
        actor = self.query_one("#a-actor", Input).value.strip() or None
        self.dismiss(AuditFilter(actor, _value(self.query_one("#a-action", Select))))
