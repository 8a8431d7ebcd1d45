"""« Paiement immédiat » / « Déjà payé — à vérifier »: date, amount, means or reference.

Prefilled with today and the whole balance, so Entrée alone records the usual case
(`6 Entrée`, `v Entrée`); the debtor is then held while the payment is awaited.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from ...domain.codes import Disposition, label
from ...domain.dates import DateError, format_date_fr
from ...domain.money import AmountError, parse_amount
from ...services.outcome import REFERENCE_MAX, AnnouncedPayment, Outcome
from ..fmt import esc
from .draft import _DM, OutcomeDraft, amount_text, parse_day
from .forms import FormInput, FormScreen, Validator, _route, _select_value


class PaymentForm(FormScreen):
    ERROR_FIELDS = ("paid_on", "payment_amount", "reference", "payment", "reason", "note", "general")
    FIELD_MAP: ClassVar[dict[str, str]] = {
        "paid_on": "paid_on",
        "payment_amount": "payment_amount",
        "reference": "reference",
        "payment": "payment",
        "reason": "reason",
        "note": "note",
    }

    def __init__(
        self,
        draft: OutcomeDraft,
        *,
        disposition: str,
        today: date,
        check_days: int,
        validate: Validator,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__(cursor_blink=cursor_blink, id="payment-form")
        self.draft = draft
        self.disposition = disposition
        self.today = today
        self.check_days = check_days
        self.validate = validate

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="payment-dialog") as dialog:
            title = label(self.disposition).capitalize()
            dialog.border_title = f"{title} — {esc(self.draft.debtor_ref)}"
            dialog.border_subtitle = "Échap annuler · Entrée enregistrer"
            yield Static(
                f"Le débiteur sera mis de côté {self.check_days} jours ouvrés en attendant le paiement, "
                "puis reviendra en tête de file s'il n'est pas reçu.",
                classes="form-hint",
            )
            with Horizontal(classes="form-row"):
                yield Label("Payé le", classes="form-label")
                yield FormInput(
                    format_date_fr(self.today), placeholder="jj/mm/aaaa", id="pay-date", classes="date", compact=True
                )
                yield Label("Montant", classes="form-label-short")
                yield FormInput(
                    amount_text(max(self.draft.balance_cents, 0)), id="pay-amount", classes="amount", compact=True
                )
            yield self.error_box("paid_on")
            yield self.error_box("payment_amount")
            with Horizontal(classes="form-row"):
                yield Label("Moyen / réf.", classes="form-label")
                yield FormInput(
                    placeholder="virement, chèque n°…, référence",
                    id="pay-reference",
                    max_length=REFERENCE_MAX,
                    compact=True,
                )
            yield self.error_box("reference")
            yield self.error_box("payment")
            yield from self.reason_note_and_buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pay-amount", Input).focus()

    def action_submit(self) -> None:
        self.submitted = True
        errors: dict[str, list[str]] = {}
        paid_on = amount = None
        raw_day = self.query_one("#pay-date", Input).value
        try:
            paid_on = parse_day(raw_day, self.today)
            if _DM.match(raw_day.strip()) and paid_on > self.today:
                # « 05/12 » without a year is the last such date, not the next one
                paid_on = paid_on.replace(year=paid_on.year - 1)
        except (DateError, ValueError) as exc:
            errors["paid_on"] = [str(exc)]
        try:
            amount = parse_amount(self.query_one("#pay-amount", Input).value)
        except AmountError as exc:
            errors["payment_amount"] = [str(exc)]
        if errors or amount is None:
            self.show_errors(errors)
            return
        reference = self.query_one("#pay-reference", Input).value.strip() or None
        draft = self.draft.with_fields(
            reason=_select_value(self.query_one("#reason", Select)),
            note=self.query_one("#note", Input).value,
        )
        outcome: Outcome = draft.to_outcome(self.disposition)
        outcome.payment = AnnouncedPayment(paid_on, amount, reference)
        routed = _route(self.validate(outcome), self.FIELD_MAP)
        if routed:
            self.show_errors(routed)
            return
        self.dismiss(outcome)


__all__ = ["Disposition", "PaymentForm"]
