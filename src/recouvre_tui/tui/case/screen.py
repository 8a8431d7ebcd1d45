"""The case screen: the agent's main screen during a call (docs/screens.md).

Digits 1–9 select a disposition, Entrée records it (« 1 + Entrée » = no answer, two
keystrokes): the outcome is written in one transaction by the service, the claim is
released and the next case opens by itself. `p`/`e`/`r` open the promise, plan and
callback forms, which record on their own Entrée.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain.call_scripts import PHASE_LABELS_FR, PHASES, CallScript, ScriptError
from ...domain.codes import Disposition, Tone, label
from ...domain.dates import paris_date
from ...domain.promises import max_instalments
from ...domain.sensitive import find_sensitive
from ...services import script_guide as guide_mod
from ...services.case_file import CaseFile
from ...services.outcome import Outcome, OutcomeError, OutcomeResult
from ...services.script_guide import GuideView
from ...services.work_queue import QueueEntry
from ..backend_call import BackendCalls, BackendFailed, Refusal
from ..fmt import esc
from ..outcome.draft import DIGIT_DISPOSITIONS, OutcomeDraft, disposition_label
from ..outcome.forms import CallbackForm, DisputeForm, PromiseForm, ReasonPicker
from ..outcome.note import NoteForm, SensitiveNoteDialog
from ..widgets.agent_bar import AgentBar
from . import panels

if TYPE_CHECKING:
    from ..app import RecouvreApp

# The service's reasons, one a line, shown as they are.
OUTCOME_REFUSED = Refusal(
    (OutcomeError,),
    title="Issue non enregistrée (rien n'a été modifié)",
    text=lambda exc: "\n".join(m for _, m in getattr(exc, "errors", [])),
)


def _digit_bindings() -> list[BindingType]:
    return [
        Binding(
            digit,
            f"dispo('{digit}')",
            disposition_label(code),
            show=False,
            id=f"case.dispo.{code}",
        )
        for digit, code in DIGIT_DISPOSITIONS.items()
    ]


class CaseScreen(BackendCalls, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        *_digit_bindings(),
        Binding("enter", "validate", "valider", key_display="Entrée", id="case.validate"),
        Binding("escape", "cancel", "annuler", key_display="Échap", id="case.cancel"),
        Binding("p", "promise", "promesse", show=False, id="case.promise"),
        Binding("e", "plan", "échéancier", show=False, id="case.plan"),
        Binding("r", "callback", "rappel", show=False, id="case.callback"),
        Binding("v", "already_paid", "déjà payé", show=False, id="case.already_paid"),
        Binding("m", "reason", "motif", show=False, id="case.reason"),
        Binding("n", "note", "note", show=False, id="case.note"),
        Binding("d", "duplicate", "duplicata", show=False, id="case.duplicate"),
        Binding("c", "sales_rep", "commercial", show=False, id="case.sales_rep"),
        Binding("t", "tone", "ton", show=False, id="case.tone"),
        Binding("a", "phone", "autre numéro", show=False, id="case.phone"),
        Binding("v", "statement", "relevé de compte", show=False, id="case.statement"),
        Binding("l", "release", "libérer le dossier", id="case.release"),
        # Keyboard reach (80×24 over PuTTY): panels take the focus in turn and the focused one
        # scrolls with ↑ ↓ PgUp PgDn; the guide steps phase by phase.
        Binding("f6", "app.focus_next", "panneau suivant", show=False, id="case.next_panel"),
        Binding("shift+f6", "app.focus_previous", "panneau précédent", show=False, id="case.previous_panel"),
        Binding("right_square_bracket", "phase(1)", "étape suivante", show=False, id="case.next_phase"),
        Binding("left_square_bracket", "phase(-1)", "étape précédente", show=False, id="case.previous_phase"),
    ]

    def __init__(self, entry: QueueEntry) -> None:
        super().__init__(id="case")
        self.entry = entry
        self.case: CaseFile | None = None
        self.scripts: list[Any] = []
        self.view: GuideView | None = None
        self.saving = False
        self._reset_selection()

    def _reset_selection(self) -> None:
        self.disposition: str | None = None
        self.reason: str | None = None
        self.note: str | None = None
        self.note_checked: str | None = None  # the note as the agent kept it past the sensitive-data check
        self.actions: list[str] = []
        self.tone: Tone | None = None
        self.phone_index: int | None = None

    @property
    def rapp(self) -> RecouvreApp:
        return self.app  # type: ignore[return-value]

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield AgentBar(id="agent-bar")
        yield Static("chargement du dossier…", id="case-header")
        with Horizontal(id="case-body"):
            with VerticalScroll(id="case-left"):
                yield Static(id="invoices")
                yield Static(id="timeline")
                yield Static(id="phones")
            with VerticalScroll(id="script-panel"):
                yield Static(panels.guide_head(None), id="script-head")
                for key in PHASES:
                    with Horizontal(classes="phase-row", id=f"row-{key}"):
                        yield Static(f"▸ {PHASE_LABELS_FR[key]}", classes="phase-label")
                        yield Static(id=f"phase-{key}", classes="phase-text")
                yield Static(id="objections")
        with Vertical(id="outcome-bar"):
            yield Static(id="outcome-keys")
            yield Static(id="selection")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#case-left").border_title = "Dossier"
        self.query_one("#script-panel").border_title = "Guide"
        self.set_class(self.narrow, "-narrow")
        self.set_class(self.compact, "-compact")
        self.show_entry(self.entry)

    NARROW = 130  # below this width: 50/50 columns, compact invoices, 4-line key legend
    COMPACT = 100  # below this width (PuTTY's 80×24): panels stacked, key legend behind F1

    @property
    def narrow(self) -> bool:
        return self.app.size.width < self.NARROW

    @property
    def compact(self) -> bool:
        return self.app.size.width < self.COMPACT

    def on_resize(self) -> None:
        was = (self.has_class("-narrow"), self.has_class("-compact"))
        self.set_class(self.narrow, "-narrow")
        self.set_class(self.compact, "-compact")
        self._show_bar()
        if was != (self.narrow, self.compact):
            self._render_case()

    # --- keyboard reach ----------------------------------------------------------------

    phase_index = 0

    def action_phase(self, step: int) -> None:
        """Step the guide Écouter → Identifier → Proposer → Conclure and scroll to it."""
        self.phase_index = max(0, min(len(PHASES) - 1, self.phase_index + step))
        self._mark_phase()
        panel = self.query_one("#script-panel", VerticalScroll)
        panel.focus()
        row = self.query_one(f"#row-{PHASES[self.phase_index]}")
        panel.scroll_to_widget(row, animate=False, top=True)

    def _mark_phase(self) -> None:
        for i, key in enumerate(PHASES):
            self.query_one(f"#row-{key}").set_class(i == self.phase_index, "-current")

    def show_entry(self, entry: QueueEntry) -> None:
        """Show a (new) case: reset the selection and load its file."""
        self.entry = entry
        self.case = None
        self.view = None
        self.saving = False
        self._reset_selection()
        self.phase_index = 0
        self._mark_phase()
        self.query_one("#script-panel", VerticalScroll).scroll_home(animate=False)
        self.query_one("#case-left", VerticalScroll).scroll_home(animate=False)
        self.query_one("#case-header", Static).update(
            f"chargement du dossier {esc(entry.debtor_ref)} · {esc(entry.name)}…"
        )
        self._show_bar()
        self.load_case(entry)

    # --- loading ---------------------------------------------------------------------

    def load_case(self, entry: QueueEntry) -> None:
        backend = self.rapp.backend

        def load() -> tuple[CaseFile, list[CallScript], list[ScriptError]]:
            return backend.load_case(entry.debtor_ref), *backend.scripts()

        self.run_backend(
            load, what=f"dossier {entry.debtor_ref}", group="case", on_ok=lambda r: self._case_loaded(entry, *r)
        )

    def _case_loaded(
        self, entry: QueueEntry, case: CaseFile, scripts: list[CallScript], _errors: list[ScriptError]
    ) -> None:
        if entry.debtor_ref != self.entry.debtor_ref:
            return
        self.case = case
        self.scripts = scripts
        self.tone = guide_mod.override_tone(case)
        self.phone_index = self._default_phone(case)
        self._render_case()

    def _default_phone(self, case: CaseFile) -> int | None:
        for i, p in enumerate(case.phones):
            if p.get("valid") and not p.get("to_verify"):
                return i
        return 0 if case.phones else None

    @property
    def today(self) -> Any:
        return paris_date(self.rapp.clock())

    def _render_case(self) -> None:
        case = self.case
        if case is None:
            return
        settings = self.rapp.settings
        self.query_one("#case-header", Static).update(panels.header(case, settings, self.today))
        self.query_one("#invoices", Static).update(
            panels.invoices(case, self.today, compact=self.narrow, summary=self.compact)
        )
        self.query_one("#timeline", Static).update(panels.timeline(case))
        self.query_one("#phones", Static).update(panels.phones(case, self.phone_index))
        self._render_guide()
        self._show_bar()

    def _render_guide(self) -> None:
        case = self.case
        if case is None:
            return
        ctx = guide_mod.context(case, self.rapp.agent, self.rapp.settings, self.today, reason=self.reason)
        self.view = guide_mod.build(self.scripts, ctx, self.tone)
        self.query_one("#script-head", Static).update(panels.guide_head(self.view))
        for key in PHASES:
            self.query_one(f"#phase-{key}", Static).update(panels.guide_phase(self.view, key))
        self.query_one("#objections", Static).update(panels.guide_objections(self.view))
        self.query_one("#script-panel").set_class(self.view.rendered is None, "-no-script")

    def _show_bar(self) -> None:
        self.query_one("#outcome-keys", Static).update(
            panels.outcome_keys(self.disposition, self.actions, self.app.size.width, compact=self.compact)
        )
        self.query_one("#selection", Static).update(
            panels.selection(
                self.disposition,
                self.reason,
                self.note,
                self.actions,
                self._phone_label(),
                self.saving,
            )
        )

    def _phone_label(self) -> str | None:
        if self.case is None or self.phone_index is None:
            return None
        if 0 <= self.phone_index < len(self.case.phones):
            p = self.case.phones[self.phone_index]
            return p.get("national") or p.get("raw") or None
        return None

    def _phone_e164(self) -> str | None:
        if self.case is None or self.phone_index is None:
            return None
        if 0 <= self.phone_index < len(self.case.phones):
            p = self.case.phones[self.phone_index]
            return p.get("e164") or None
        return None

    # --- the draft ---------------------------------------------------------------------

    def draft(self) -> OutcomeDraft:
        case = self.case
        assert case is not None
        return OutcomeDraft(
            debtor_ref=case.ref,
            balance_cents=int(case.debtor.get("balance_cents") or 0),
            area=case.area,
            segment=str(case.debtor.get("segment") or "B2C"),
            reason=self.reason,
            note=self.note,
            actions=list(self.actions),
            tone=self.view.tone.value if self.view and self.view.tone else None,
            script_id=self.view.script_id if self.view else None,
            phone=self._phone_e164(),
        )

    def _validator(self) -> Any:
        balance = int(self.case.debtor.get("balance_cents") or 0) if self.case else None
        area = self.case.area if self.case else None
        segment = str(self.case.debtor.get("segment") or "") or None if self.case else None
        backend = self.rapp.backend

        def validate(outcome: Outcome) -> list[tuple[str, str]]:
            return backend.validate(outcome, balance, area=area, segment=segment)

        return validate

    def _ready(self) -> bool:
        if self.case is None:
            self.notify("Dossier en cours de chargement…", timeout=2)
            return False
        if self.saving:
            self.notify("Enregistrement en cours…", timeout=2)
            return False
        return True

    # --- actions -----------------------------------------------------------------------

    def action_dispo(self, digit: str) -> None:
        if not self._ready():
            return
        self.disposition = DIGIT_DISPOSITIONS[digit]
        self._show_bar()
        if self.disposition == Disposition.PAID:
            self._open_payment(Disposition.PAID)

    def action_already_paid(self) -> None:
        if not self._ready():
            return
        self.disposition = Disposition.ALREADY_PAID
        self._show_bar()
        self._open_payment(Disposition.ALREADY_PAID)

    def _open_payment(self, disposition: str) -> None:
        """Amount, date and means of the payment announced (`6`, `v`): Entrée records it."""
        from ..outcome.payment_form import PaymentForm

        self.app.push_screen(
            PaymentForm(
                self.draft(),
                disposition=disposition,
                today=self.today,
                check_days=self.rapp.settings.payment_check_days,
                validate=self._validator(),
                cursor_blink=self.rapp.cursor_blink,
            ),
            self._form_done,
        )

    def action_validate(self) -> None:
        if not self._ready():
            return
        if self.disposition is None:
            self.notify(
                "Choisissez d'abord une issue : 1 à 9, ou p (promesse), e (échéancier), r (rappel).",
                severity="warning",
            )
            return
        if self.disposition in (Disposition.PAID, Disposition.ALREADY_PAID):
            self._open_payment(self.disposition)
            return
        if self.disposition == Disposition.DISPUTE and self.case is not None and self.case.invoices:
            # The agent ticks the contested invoices; the others stay claimed.
            self.app.push_screen(
                DisputeForm(
                    self.draft(),
                    self.case.invoices,
                    validate=self._validator(),
                    cursor_blink=self.rapp.cursor_blink,
                ),
                self._form_done,
            )
            return
        if self.disposition in (Disposition.PROMISE, Disposition.PLAN, Disposition.CALLBACK):
            # Those come with their form (which records on its own Entrée).
            {"promise": self.action_promise, "plan": self.action_plan}.get(self.disposition, self.action_callback)()
            return
        outcome = self.draft().to_outcome(self.disposition)
        errors = self._validator()(outcome)
        if errors:
            self.notify("\n".join(m for _, m in errors), title="Issue incomplète", severity="error")
            return
        self.checked_save(outcome)

    def action_cancel(self) -> None:
        if self.saving:
            return
        if self.disposition is None and not self.actions:
            self.notify("Rien à annuler. Pour rendre le dossier sans issue : l.", timeout=3)
            return
        self.disposition = None
        self.actions = []
        self._show_bar()

    def action_promise(self) -> None:
        self._open_promise(1)

    def action_plan(self) -> None:
        if self.case is None:
            return
        balance = int(self.case.debtor.get("balance_cents") or 0)
        limit = max_instalments(balance, self.rapp.settings.promises) or 3
        self._open_promise(max(2, min(3, limit)))

    def _open_promise(self, count: int) -> None:
        if not self._ready():
            return
        self.disposition = Disposition.PROMISE if count == 1 else Disposition.PLAN
        self._show_bar()
        self.app.push_screen(
            PromiseForm(
                self.draft(),
                count=count,
                today=self.today,
                settings=self.rapp.settings,
                validate=self._validator(),
                cursor_blink=self.rapp.cursor_blink,
            ),
            self._form_done,
        )

    def action_callback(self) -> None:
        if not self._ready():
            return
        self.disposition = Disposition.CALLBACK
        self._show_bar()
        self.app.push_screen(
            CallbackForm(
                self.draft(),
                now=self.rapp.clock(),
                settings=self.rapp.settings,
                validate=self._validator(),
                cursor_blink=self.rapp.cursor_blink,
            ),
            self._form_done,
        )

    def _form_done(self, outcome: Outcome | None) -> None:
        if outcome is None:
            self.disposition = None
            self._show_bar()
            return
        self.reason = outcome.reason
        self.note = outcome.note
        self.checked_save(outcome)

    def checked_save(self, outcome: Outcome) -> None:
        """Save, unless the note holds sensitive words the agent has not yet confirmed: then ask
        (« Réécrire » opens the note, the outcome waits)."""
        note = (outcome.note or "").strip()
        words = find_sensitive(note, self.rapp.settings.notes.sensitive_words) if note else []
        if not words or note == self.note_checked:
            self.save(outcome)
            return

        def chosen(keep: bool | None) -> None:
            if keep:
                self.note_checked = note
                self.save(outcome)
            else:
                self.disposition = None
                self._show_bar()
                self.action_note()

        self.app.push_screen(SensitiveNoteDialog(words), chosen)

    def action_note(self) -> None:
        if not self._ready():
            return

        def done(text: str | None) -> None:
            if text is not None:
                self.note = text or None
                self.note_checked = text or None  # the form has checked it
                self._show_bar()

        form = NoteForm(
            self.note,
            sensitive_words=self.rapp.settings.notes.sensitive_words,
            cursor_blink=self.rapp.cursor_blink,
        )
        self.app.push_screen(form, done)

    def action_reason(self) -> None:
        if not self._ready():
            return

        def done(code: str | None) -> None:
            if code is None:
                return
            self.reason = code or None
            self._render_guide()
            self._show_bar()

        self.app.push_screen(ReasonPicker(self.reason), done)

    def _toggle(self, action: str) -> None:
        if not self._ready():
            return
        if action in self.actions:
            self.actions.remove(action)
        else:
            self.actions.append(action)
        self._show_bar()

    def action_duplicate(self) -> None:
        self._toggle("duplicate")

    def action_sales_rep(self) -> None:
        if self.case is not None and not self.case.debtor.get("sales_rep"):
            self.notify("Aucun commercial renseigné sur ce compte.", severity="warning")
        self._toggle("sales_rep")

    def action_tone(self) -> None:
        if self.case is None:
            return
        current = self.view.tone if self.view else self.tone
        self.tone = guide_mod.next_tone(current)
        self._render_guide()

    def action_phone(self) -> None:
        if self.case is None or not self.case.phones:
            return
        n = len(self.case.phones)
        self.phone_index = 0 if self.phone_index is None else (self.phone_index + 1) % n
        self.query_one("#phones", Static).update(panels.phones(self.case, self.phone_index))
        self._show_bar()

    def action_statement(self) -> None:
        """The relevé de compte the debtor asks for, as a PDF in the agent's documents."""
        from ...services.case_file import CaseError
        from ...services.roles import PermissionDenied

        try:
            path = self.rapp.backend.generate_statement(self.entry.debtor_ref)
        except (ValueError, CaseError, PermissionDenied, OSError) as exc:
            self.notify(str(exc), title="Relevé de compte impossible", severity="error", timeout=8)
            return
        self.notify(str(path), title="Relevé de compte écrit", timeout=10)

    def action_release(self) -> None:
        if self.saving:
            return
        self.rapp.release_case()

    # --- saving ------------------------------------------------------------------------

    def save(self, outcome: Outcome) -> None:
        if self.saving:
            return
        self.saving = True
        self.disposition = outcome.disposition
        self._show_bar()
        self.record(outcome)

    def record(self, outcome: Outcome) -> None:
        self.run_backend(
            self.rapp.backend.record,
            outcome,
            what="enregistrement de l'issue",
            refused=OUTCOME_REFUSED,
            on_ok=lambda result: self._saved(outcome, result),
            on_failed=self._not_saved,
        )

    def _saved(self, o: Outcome, result: OutcomeResult) -> None:
        extra = ""
        if result.promise_ref:
            extra = f" · promesse {result.promise_ref}"
        if result.callback_id:
            extra = " · rappel programmé"
        self.notify(
            f"{label(o.disposition).capitalize()} — {o.debtor_ref}{extra}. Dossier suivant…",
            title="Issue enregistrée",
            timeout=3,
        )
        self.saving = False
        self._reset_selection()
        # Until the next case is loaded no key may act on the one just recorded.
        self.case = None
        self.view = None
        self.query_one("#case-header", Static).update(
            f"[dim]{esc(o.debtor_ref)} enregistré — recherche du dossier suivant…[/]"
        )
        self._show_bar()
        self.rapp.case_closed()
        self.rapp.action_next_case()

    def _not_saved(self, _message: BackendFailed) -> None:
        # The app shows the refusal or the error; the agent can try again.
        if self.saving:
            self.saving = False
            self._show_bar()

    # --- command palette ---------------------------------------------------------------

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        for digit, code in DIGIT_DISPOSITIONS.items():
            out.append(
                (
                    f"Issue : {label(code)}",
                    f"touche {digit} puis Entrée",
                    lambda d=digit: self.action_dispo(d),
                )
            )
        out += [
            ("Enregistrer l'issue", "Entrée", self.action_validate),
            ("Promesse de paiement", "p", self.action_promise),
            ("Échéancier", "e", self.action_plan),
            ("Rappel demandé", "r", self.action_callback),
            ("Motif du retard", "m", self.action_reason),
            ("Note d'appel", "n", self.action_note),
            ("Envoyer un duplicata de facture", "d", self.action_duplicate),
            ("Transmettre le litige au commercial", "c", self.action_sales_rep),
            ("Changer de ton", "t", self.action_tone),
            ("Changer de numéro appelé", "a", self.action_phone),
            ("Libérer le dossier sans issue", "l", self.action_release),
        ]
        return out
