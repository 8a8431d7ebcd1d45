"""Common ground of the lead screens: the agent bar, Échap to go back, and the debtor actions
(reassign, hold, do-not-call, close a dispute, stage/tone override, mise en demeure), each
asked for in a small modal and carried out through the services in a thread worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ...services.case_file import CaseError
from ...services.lead import FormalNoticePreview, LeadError, PermissionDenied
from ..backend_call import BackendCalls, BackendFailed, Refusal
from ..fmt import esc, plural
from .columns import NARROW
from .dialogs import (
    AgentPicker,
    ConfirmDialog,
    DisputeCloseForm,
    DisputeDecision,
    FormalNoticeForm,
    GuardDialog,
    OverridePicker,
    ReasonForm,
    Target,
    formal_notice_summary,
)
from .labels import audit_action
from .messages import LeadActionDone

if TYPE_CHECKING:
    from ..app import RecouvreApp

# Refusals the services explain in French: shown as they are, never as a crash.
EXPECTED = (PermissionDenied, LeadError, CaseError, ValueError)
REFUSED = Refusal(EXPECTED)  # « Refusé : … »

ActionCall = Callable[[], tuple[str, dict[str, Any]]]
T = TypeVar("T")


def _debtors(refs: list[str]) -> str:
    return refs[0] if len(refs) == 1 else plural(len(refs), "débiteur")


class LeadScreen(BackendCalls, Screen[None]):
    """A lead screen: `rapp.backend` for data, toasts for results, Échap back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "retour", key_display="Échap", id="lead.back"),
    ]

    @property
    def rapp(self) -> RecouvreApp:
        return self.app  # type: ignore[return-value]

    @property
    def narrow(self) -> bool:
        return self.app.size.width < NARROW

    def on_resize(self) -> None:
        if self.narrow != self.has_class("-narrow"):
            self.set_class(self.narrow, "-narrow")
            self.relayout()

    def relayout(self) -> None:
        """Hook: the terminal crossed the narrow/wide width (rebuild columns…)."""

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def load_data(
        self, fn: Callable[..., T], *args: Any, what: str, on_ok: Callable[[T], None], group: str | None = None
    ) -> None:
        """Load what the screen shows (`run_backend`): the services' refusals under « Refusé : »,
        and `load_failed` on any failure."""
        self.run_backend(fn, *args, what=what, on_ok=on_ok, group=group, refused=REFUSED, on_failed=self.load_failed)

    def load_failed(self, message: BackendFailed) -> None:
        """Hook: a load or action was refused or failed (e.g. stop a loading indicator)."""

    # --- actions on debtors -----------------------------------------------------------

    def apply_action(self, kind: str, refs: list[str], call: ActionCall) -> None:
        """Run a lead action (`call` returns the toast and details) in a worker; several may run.
        Not `run_action`: that name is Textual's own (run an action string)."""
        title = "Action refusée" if len(refs) > 1 else "Action refusée (rien n'a été modifié)"

        def done(result: tuple[str, dict[str, Any]]) -> None:
            toast, details = result
            warn = bool(details.get("warning"))
            self.notify(toast, severity="warning" if warn else "information", timeout=6)
            self.action_finished(LeadActionDone(kind, refs, True, toast, details))

        def failed(message: BackendFailed) -> None:
            if message.refused:  # the app showed the refusal: nothing was changed
                self.action_finished(LeadActionDone(kind, refs, False, message.error))
            else:
                self.load_failed(message)

        self.run_backend(
            call,
            what=audit_action(kind),
            group="lead-action",
            exclusive=False,
            refused=Refusal(EXPECTED, title=title),
            on_ok=done,
            on_failed=failed,
        )

    def action_finished(self, message: LeadActionDone) -> None:
        """Hook: refresh what the action changed."""

    def _each(self, refs: list[str], one: Callable[[str], None], done: str) -> ActionCall:
        """Apply `one` to every debtor; stop at the first refusal, saying what was done."""

        def call() -> tuple[str, dict[str, Any]]:
            ok: list[str] = []
            for ref in refs:
                try:
                    one(ref)
                except EXPECTED as exc:
                    if not ok:
                        raise
                    raise LeadError(f"{done} pour {', '.join(ok)} ; arrêt sur {ref} : {exc}") from exc
                ok.append(ref)
            return f"{done} : {_debtors(refs)}.", {"refs": ok}

        return call

    def ask_reassign(self, refs: list[str], *, current: str | None = None, confirm: bool = True) -> None:
        """Pick an agent (or the pool), confirm the count, then `assign`."""
        if not refs:
            self.notify("Aucun débiteur sélectionné.", severity="warning")
            return
        backend = self.rapp.backend
        title = f"Réaffecter {_debtors(refs)} à…"

        def picked(target: Target | None) -> None:
            if target is None:
                return

            def call() -> tuple[str, dict[str, Any]]:
                result = backend.assign(refs, to=target.login)
                parts = [f"{plural(result.count, 'débiteur réaffecté', 'débiteurs réaffectés')} à {target.label}"]
                if result.unchanged:
                    parts.append(f"déjà chez {target.label} : {', '.join(result.unchanged)}")
                for ref, holder in result.in_call.items():
                    parts.append(f"{ref} non réaffecté : en cours d'appel avec {holder}")
                return " ; ".join(parts) + ".", {"to": target.login, "warning": bool(result.in_call)}

            if not confirm or len(refs) == 1:
                self.apply_action("assign", refs, call)
                return
            text = f"Réaffecter [b]{esc(_debtors(refs))}[/] à [b]{esc(target.label)}[/] ?"

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.apply_action("assign", refs, call)

            self.app.push_screen(ConfirmDialog("Réaffectation", text), confirmed)

        self.app.push_screen(AgentPicker(title, current=current), picked)

    def _ask_then_each(
        self,
        refs: list[str],
        *,
        kind: str,
        title: str,
        label: str,
        required: bool,
        one: Callable[[str, str | None], None],
        done_text: str,
        effect: str,
        hint: str = "",
    ) -> None:
        """Ask for a reason (or note) once, summarise what will change in a guard dialog
        (default button: Annuler), then apply `one(ref, text)` to every debtor."""
        if not refs:
            return

        def confirmed(text: str | None, yes: bool | None) -> None:
            if yes:
                self.apply_action(kind, refs, self._each(refs, lambda r: one(r, text or None), done_text))

        def done(text: str | None) -> None:
            if text is None:
                return
            body = guard_summary(refs, effect, label, text)
            self.app.push_screen(GuardDialog(f"{title} — vérifier", body), lambda yes: confirmed(text, yes))

        form = ReasonForm(
            f"{title} — {_debtors(refs)}",
            label,
            required=required,
            hint=hint,
            cursor_blink=self.rapp.cursor_blink,
        )
        self.app.push_screen(form, done)

    def ask_hold(self, refs: list[str]) -> None:
        backend = self.rapp.backend
        self._ask_then_each(
            refs,
            kind="hold",
            title="Mettre en attente",
            label="Motif",
            required=True,
            one=lambda r, reason: backend.hold(r, reason=reason or ""),
            done_text="Mis en attente",
            effect="mis en attente : sort de toutes les files jusqu'à la levée de l'attente",
            hint="Le débiteur sort de toutes les files jusqu'à la levée de l'attente.",
        )

    def ask_release_hold(self, refs: list[str]) -> None:
        backend = self.rapp.backend
        self._ask_then_each(
            refs,
            kind="hold_release",
            title="Lever l'attente",
            label="Motif (facultatif)",
            required=False,
            one=lambda r, reason: backend.release_hold(r, reason=reason),
            done_text="Attente levée",
            effect="attente levée : revient dans les files d'appel",
        )

    def ask_do_not_call(self, refs: list[str], *, on: bool) -> None:
        backend = self.rapp.backend
        self._ask_then_each(
            refs,
            kind="do_not_call" if on else "do_not_call_off",
            title="Ne pas appeler" if on else "Retirer « ne pas appeler »",
            label="Motif (facultatif)",
            required=False,
            one=lambda r, reason: backend.do_not_call(r, on=on, reason=reason),
            done_text="Marqué « ne pas appeler »" if on else "« Ne pas appeler » retiré",
            effect=(
                "marqué « ne pas appeler » : plus aucun appel sortant"
                if on
                else "« ne pas appeler » retiré : peut de nouveau être appelé"
            ),
        )

    def ask_close_dispute(self, refs: list[str]) -> None:
        backend = self.rapp.backend
        contested = backend.contested_invoices(refs[0]) if len(refs) == 1 else []
        if contested:
            # One debtor: decide invoice by invoice (fondé → avoir attendu, rejeté → de nouveau dû).
            def decided(choice: DisputeDecision | None) -> None:
                if choice is None:
                    return
                word = "fondé" if choice.decision == "accepted" else "rejeté"

                def one(ref: str) -> None:
                    backend.close_dispute(ref, note=choice.note, invoices=choice.invoices, decision=choice.decision)

                def confirmed(yes: bool | None) -> None:
                    if yes:
                        done = f"Litige clos ({word}) : {', '.join(choice.invoices)}"
                        self.apply_action("dispute_close", refs, self._each(refs, one, done))

                effect = (
                    "litige fondé : un avoir est attendu, ces factures restent hors réclamation"
                    if choice.decision == "accepted"
                    else "litige rejeté : ces factures redeviennent dues"
                )
                body = guard_summary(refs, effect, "Note", choice.note)
                body.append("\nFactures : ", style="dim")
                body.append(", ".join(choice.invoices))
                self.app.push_screen(GuardDialog("Clore le litige — vérifier", body), confirmed)

            self.app.push_screen(DisputeCloseForm(refs[0], contested, cursor_blink=self.rapp.cursor_blink), decided)
            return
        self._ask_then_each(
            refs,
            kind="dispute_close",
            title="Clore le litige",
            label="Comment il a été réglé",
            required=False,
            one=lambda r, note: backend.close_dispute(r, note=note),
            done_text="Litige clos",
            effect="litige clos : revient dans les files d'appel",
            hint="Le débiteur revient dans les files d'appel.",
        )

    def ask_override(self, refs: list[str]) -> None:
        if not refs:
            return
        backend = self.rapp.backend

        def done(choice: tuple[str | None, Any] | None) -> None:
            if choice is None:
                return
            stage, tone = choice

            def one(ref: str) -> None:
                backend.set_overrides(ref, stage=stage, tone=tone)

            what = "Scénario et ton automatiques rétablis" if stage is None else "Nouvelle approche imposée"
            if stage is not None and isinstance(tone, str):
                what += f" (ton {tone})"
            call = self._each(refs, one, what)

            def with_tone() -> tuple[str, dict[str, Any]]:
                toast, details = call()
                return toast, {**details, "stage": stage, "tone": tone}

            self.apply_action("override", refs, with_tone)

        self.app.push_screen(OverridePicker(_debtors(refs)), done)

    def ask_letter(self, ref: str) -> None:
        """Generate the mise en demeure after a confirmation showing what it claims."""
        from ...domain.dates import format_date_fr
        from ...domain.letters import eur

        backend = self.rapp.backend
        try:
            preview = backend.letter_preview(ref)
        except EXPECTED as exc:
            self.notify(str(exc), title="Mise en demeure impossible", severity="error", timeout=8)
            return
        lines = [
            f"  {esc(x.invoice_ref)} · échéance {format_date_fr(x.due)} · {eur(x.principal_cents)}"
            + (f" + {eur(x.penalty_cents)}" if x.penalty_cents else "")
            + (f" + {eur(x.indemnity_cents)}" if x.indemnity_cents else "")
            for x in preview.lines
        ]
        text = "\n".join(
            [
                f"Mise en demeure à [b]{esc(ref)}[/] pour [b]{eur(preview.total_cents)}[/],"
                f" à payer au plus tard le {format_date_fr(preview.deadline)} :",
                *lines,
                "Elle est enregistrée dans l'historique et le PDF est écrit dans vos documents.",
            ]
        )

        def call() -> tuple[str, dict[str, Any]]:
            result = backend.generate_letter(ref)
            return f"Mise en demeure {result.reference} écrite : {result.path}", {"path": str(result.path)}

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.apply_action("letter", [ref], call)

        self.app.push_screen(ConfirmDialog("Générer la mise en demeure", text), confirmed)

    def ask_court_pack(self, ref: str) -> None:
        """Prepare the injonction de payer pack after a confirmation naming the route."""
        backend = self.rapp.backend
        try:
            what = backend.court_pack_preview(ref)
        except EXPECTED as exc:
            self.notify(str(exc), title="Dossier d'injonction impossible", severity="error", timeout=8)
            return

        def call() -> tuple[str, dict[str, Any]]:
            pack = backend.generate_court_pack(ref)
            return f"Dossier d'injonction de payer écrit dans {pack.folder}", {"path": str(pack.folder)}

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.apply_action("court_pack", [ref], call)

        text = f"Préparer pour [b]{esc(ref)}[/] : {esc(what)}.\nDécompte PDF, données du formulaire, liste des pièces."
        self.app.push_screen(ConfirmDialog("Dossier d'injonction de payer", text), confirmed)

    def make_statement(self, ref: str) -> None:
        backend = self.rapp.backend

        def call() -> tuple[str, dict[str, Any]]:
            return f"Relevé de compte écrit : {backend.generate_statement(ref)}", {}

        self.apply_action("statement", [ref], call)

    def ask_formal_notice(self, ref: str) -> None:
        """Load what the notice is about (refused at once when nothing is overdue), ask for the
        date and registered-letter number, confirm (default: Annuler), and on a second notice
        within 30 days confirm once more."""
        self._load_notice(ref)

    def _load_notice(self, ref: str) -> None:
        self.run_backend(
            self.rapp.backend.formal_notice_preview,
            ref,
            what="mise en demeure",
            group="lead-action",
            exclusive=False,
            refused=REFUSED,
            on_ok=self._notice_form,
            on_failed=self.load_failed,
        )

    def _notice_form(self, preview: FormalNoticePreview) -> None:
        if preview.overdue_cents <= 0:
            self.notify(
                f"Aucun montant échu pour {preview.ref} : pas de mise en demeure.",
                title="Refusé : mise en demeure",
                severity="error",
                timeout=8,
            )
            return
        backend = self.rapp.backend
        ref = preview.ref

        def record(sent_on: date, letter: str | None, note: str | None, force: bool) -> None:
            def call() -> tuple[str, dict[str, Any]]:
                backend.formal_notice(ref, sent_on=sent_on, note=note, registered_letter=letter, force=force)
                return f"Mise en demeure du {sent_on:%d/%m/%Y} enregistrée : {ref}.", {"refs": [ref]}

            self.apply_action("formal_notice", [ref], call)

        def filled(result: tuple[date, str | None, str | None] | None) -> None:
            if result is None:
                return
            sent_on, letter, note = result
            body = formal_notice_summary(preview)
            body.append(f"\n\nDate d'envoi : {sent_on:%d/%m/%Y}", style="bold")
            body.append("\nRecommandé : ", style="dim")
            body.append(f"n° {letter}" if letter else "sans numéro")

            def second(yes: bool | None) -> None:
                if yes:
                    record(sent_on, letter, note, True)

            def first(yes: bool | None) -> None:
                if not yes:
                    return
                if not preview.repeat:
                    record(sent_on, letter, note, False)
                    return
                warn = Text(
                    f"Une mise en demeure a déjà été enregistrée le {preview.last_notice_on:%d/%m/%Y} "
                    f"pour {ref}, il y a moins de 30 jours.\n\nEn enregistrer une seconde ?",
                    style="bold",
                )
                self.app.push_screen(
                    GuardDialog(
                        "Seconde mise en demeure", warn, confirm_label="Enregistrer la seconde", id="guard-repeat"
                    ),
                    second,
                )

            self.app.push_screen(
                GuardDialog(f"Mise en demeure — {ref} — vérifier", body, confirm_label="Enregistrer"), first
            )

        self.app.push_screen(FormalNoticeForm(preview, now=backend.now(), cursor_blink=self.rapp.cursor_blink), filled)


def guard_summary(refs: list[str], effect: str, label: str, text: str | None) -> Text:
    """What a hold / do-not-call / dispute close will change, data shown as literal text."""
    t = Text()
    t.append("Débiteur(s) : ", style="dim")
    shown = ", ".join(refs[:8]) + (f" … (+{len(refs) - 8})" if len(refs) > 8 else "")
    t.append(shown, style="bold")
    t.append(f"\nEffet : {effect}")
    t.append(f"\n{label.removesuffix(' (facultatif)')} : ", style="dim")
    t.append(text or "(aucun)")
    return t
