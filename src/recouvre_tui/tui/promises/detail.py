"""A promise in detail (instalments, payments and how they were allocated) and its cancellation.

`CancelsPromises` is shared by the list and the detail: `c` asks for the reason
(`CancelPromiseForm`: nothing is saved until one is given), then a thread worker calls the
backend, which calls the audited service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from ...domain.codes import InstalmentStatus, PromiseStatus, label
from ...services.promise_tracking import PromiseView
from ..backend import PromiseDetail
from ..backend_call import BackendCalls, Refusal
from ..fmt import d_fr, esc, eur, plural
from ..outcome.forms import FormInput, FormScreen
from .model import Allocation, allocate

if TYPE_CHECKING:
    from ..app import RecouvreApp

REASON_MAX = 500

# An instalment's status (the shared labels name the « paid » disposition, not an instalment).
INSTALMENT_LABELS = {
    InstalmentStatus.PAID.value: "payée",
    InstalmentStatus.MISSED.value: "manquée",
    InstalmentStatus.PENDING.value: "à venir",
}

STATUS_STYLE = {
    PromiseStatus.KEPT.value: "green",
    PromiseStatus.BROKEN.value: "red",
    PromiseStatus.CANCELLED.value: "dim",
    InstalmentStatus.PAID.value: "green",
    InstalmentStatus.MISSED.value: "red",
}


def summary(view: PromiseView) -> str:
    """« P0000002 · D002 Claire Martin · 200,00 € »: the promise in one line (markup-safe)."""
    return f"{esc(view.ref)} · {esc(view.debtor_ref)} {esc(view.name)} · {eur(view.total_cents)}"


class ReasonInput(FormInput):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "annuler la promesse", key_display="Entrée", id="promise_cancel.input.submit"),
    ]


class CancelPromiseForm(FormScreen):
    """« Annuler la promesse » : the reason is required; returns it (None when abandoned)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "abandonner", key_display="Échap", id="promise_cancel.abandon"),
        Binding("enter", "submit", "annuler la promesse", key_display="Entrée", id="promise_cancel.submit"),
    ]
    ERROR_FIELDS = ("reason",)

    def __init__(self, view: PromiseView, *, cursor_blink: bool = True) -> None:
        super().__init__(cursor_blink=cursor_blink, id="promise-cancel-form")
        self.view = view

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="promise-cancel-dialog") as dialog:
            dialog.border_title = "Annuler la promesse"
            dialog.border_subtitle = "Échap abandonner · Entrée annuler la promesse"
            yield Static(
                f"{summary(self.view)} · {label(self.view.status)}\n"
                "La promesse ne comptera plus (ni tenue ni rompue) ; le débiteur revient dans la file "
                "selon ses autres critères.",
                classes="form-hint",
            )
            with Horizontal(classes="form-row"):
                yield Label("Motif (requis)", classes="form-label")
                yield ReasonInput(
                    placeholder="ex. : remplacée par un échéancier",
                    id="reason",
                    max_length=REASON_MAX,
                    compact=True,
                )
            yield self.error_box("reason")
            yield Static("[dim]Inscrit au journal d'audit : factuel, sans donnée sensible.[/]", classes="form-hint")
            yield from self.buttons()

    def buttons(self) -> ComposeResult:
        with Horizontal(classes="form-buttons"):
            yield Button("Abandonner (Échap)", id="cancel", compact=True)
            yield Button("Annuler la promesse (Entrée)", id="save", variant="error", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason", Input).focus()

    def action_submit(self) -> None:
        text = self.query_one("#reason", Input).value.strip()
        if not text:
            self.show_errors({"reason": ["motif obligatoire : rien n'est annulé sans motif"]})
            return
        self.dismiss(text)


class CancelsPromises(BackendCalls):
    """Mixin for a screen offering `c` (cancel a promise); `cancel_done` follows a success."""

    app: Any

    def ask_cancel(self, view: PromiseView | None) -> None:
        if view is None:
            return
        if view.status == PromiseStatus.CANCELLED:
            self.app.notify(f"La promesse {view.ref} est déjà annulée.", severity="warning")
            return
        blink = getattr(self.app, "cursor_blink", True)

        def done(reason: str | None) -> None:
            if reason:
                self.cancel_worker(view.ref, view.debtor_ref, reason)

        self.app.push_screen(CancelPromiseForm(view, cursor_blink=blink), done)

    def cancel_worker(self, ref: str, debtor_ref: str, reason: str) -> None:
        from ...services.promise_tracking import PromiseError

        def cancelled(_: None) -> None:
            self.app.notify(f"Promesse {ref} ({debtor_ref}) annulée ; inscrit au journal d'audit.")
            self.cancel_done()

        backend = self.app.backend
        self.run_backend(
            lambda: backend.cancel_promise(ref, reason=reason),
            what="annulation de la promesse",
            refused=Refusal((PromiseError,), title="Annulation refusée"),
            on_ok=cancelled,
        )

    def cancel_done(self) -> None:
        """Reload what is shown (each screen defines it)."""


def instalments_table(view: PromiseView) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 2, 0, 0))
    table.add_column("n°", justify="right")
    table.add_column("échéance")
    table.add_column("montant", justify="right")
    table.add_column("alloué", justify="right")
    table.add_column("statut")
    for n, (due, amount, status, allocated) in enumerate(view.instalments, start=1):
        table.add_row(
            str(n),
            d_fr(due),
            eur(amount),
            eur(allocated),
            Text(INSTALMENT_LABELS.get(status, label(status)), style=STATUS_STYLE.get(status, "")),
        )
    return table


def allocation_lines(detail: PromiseDetail, alloc: Allocation) -> list[str]:
    """« paiement du 16/11/2026 de 129,12 € → échéance 1 », one line per payment (markup)."""
    lines: list[str] = []
    for use in alloc.used:
        head = f"paiement du {d_fr(use.on)} de [b]{eur(use.amount_cents)}[/]"
        parts = []
        for n, cents, in_time in use.parts:
            alone = len(use.parts) == 1 and not use.excess_cents  # the whole payment went there
            part = f"échéance {n}" if alone else f"échéance {n} ({eur(cents)})"
            if not in_time:
                part += " [$warning]hors délai de grâce[/]"
            parts.append(part)
        text = f"{head} → " + " + ".join(parts) if parts else head
        if use.excess_cents:
            sep = " · " if parts else " → "
            text += f"{sep}{eur(use.excess_cents)} au-delà de la promesse (non compté)"
        lines.append(text)
    return lines


class PromiseDetailScreen(CancelsPromises, ModalScreen[None]):
    """One promise: instalments (n°, échéance, montant, alloué, statut) and the payments used."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel_promise", "annuler la promesse", id="promise_detail.cancel"),
        Binding("escape", "close", "retour", key_display="Échap", id="promise_detail.close"),
    ]

    def __init__(self, view: PromiseView) -> None:
        super().__init__(id="promise-detail")
        self.view = view
        self.detail: PromiseDetail | None = None

    @property
    def rapp(self) -> RecouvreApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="promise-detail-dialog") as dialog:
            dialog.border_title = f"Promesse {esc(self.view.ref)}"
            dialog.border_subtitle = "c annuler la promesse · Échap retour"
            with VerticalScroll(id="promise-detail-scroll"):
                yield Static(id="promise-head")
                yield Static("Échéances", classes="panel-title")
                yield Static(id="promise-instalments")
                yield Static("Paiements pris en compte", classes="panel-title", id="promise-payments-title")
                yield Static("chargement…", id="promise-payments")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#promise-detail-scroll").focus()
        self._show_view(self.view)
        self.reload()

    def data_changed(self) -> None:
        self.reload()

    def cancel_done(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load_detail(self.view.ref)

    def load_detail(self, ref: str) -> None:
        self.run_backend(self.rapp.backend.promise_detail, ref, what="détail de la promesse", on_ok=self._loaded)

    def _loaded(self, detail: PromiseDetail | None) -> None:
        if detail is None:  # no longer visible
            self.query_one("#promise-payments", Static).update("Cette promesse n'est plus visible.")
            return
        if detail == self.detail:
            return  # reloaded after another session's commit: nothing on screen would change
        self.detail = detail
        self.view = detail.view
        self._show_view(detail.view, detail)
        self._show_payments(detail)
        self.refresh_bindings()

    def _show_view(self, view: PromiseView, detail: PromiseDetail | None = None) -> None:
        status = label(view.status)
        style = STATUS_STYLE.get(view.status, "b")
        recorded = f"enregistrée le {d_fr(detail.recorded_on)}" if detail else f"créée le {d_fr(view.created_at)}"
        lines = [
            f"[b]{esc(view.debtor_ref)}[/] · {esc(view.name)} · agent {esc(view.agent or '—')} · {recorded}",
            f"statut : [{style}]{status}[/] · promis [b]{eur(view.total_cents)}[/] · "
            f"payé [b]{eur(view.paid_cents)}[/] · {plural(len(view.instalments), 'échéance')}",
        ]
        if view.cancel_reason:
            lines.append(f"motif d'annulation : « {esc(view.cancel_reason)} »")
        self.query_one("#promise-head", Static).update("\n".join(lines))
        self.query_one("#promise-instalments", Static).update(instalments_table(view))

    def _show_payments(self, detail: PromiseDetail) -> None:
        view = detail.view
        alloc = allocate(
            detail.recorded_on,
            [(due, amount) for due, amount, _s, _a in view.instalments],
            detail.payments,
            detail.today,
            grace_days=detail.grace_days,
        )
        lines = allocation_lines(detail, alloc)
        if not lines:
            lines = [f"Aucun paiement depuis le {d_fr(detail.recorded_on)}."]
        notes = [
            f"Ordre : les paiements datés du {d_fr(detail.recorded_on)} (jour de la promesse) ou après, "
            "par date, remplissent les échéances dans l'ordre (la première, puis la suivante) ; délai de grâce "
            f"{plural(detail.grace_days, 'jour')}."
        ]
        if alloc.earlier:
            notes.append(
                f"{plural(alloc.earlier, 'paiement antérieur', 'paiements antérieurs')} au "
                f"{d_fr(detail.recorded_on)} : non pris en compte (ils soldaient autre chose)."
            )
        if alloc.later:
            notes.append(f"{plural(alloc.later, 'paiement daté', 'paiements datés')} après aujourd'hui : ignoré(s).")
        if alloc.allocated != [a for _d, _m, _s, a in view.instalments]:
            notes.append("[$warning]Attention : la répartition recalculée diffère de l'évaluation enregistrée.[/]")
        body = "\n".join(lines) + "\n\n[dim]" + "\n".join(notes) + "[/]"
        self.query_one("#promise-payments", Static).update(body)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_promise":
            return self.view.status != PromiseStatus.CANCELLED  # hidden once cancelled
        return True

    def action_cancel_promise(self) -> None:
        self.ask_cancel(self.view)

    def action_close(self) -> None:
        self.dismiss(None)
