"""Outcome forms (modals over the case): promise / instalment plan, callback, note, reason.

Each form validates with the same rules as the service (`validate_plan`, `validate`) and
shows every error next to its field; it only closes (returning an `Outcome`) when valid,
so nothing is saved until the form is right. Entrée saves, Échap cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from ...domain.areas import Area
from ...domain.callability import in_calling_window
from ...domain.codes import REASON_LABELS_FR, Disposition
from ...domain.config import Settings
from ...domain.dates import PARIS, DateError, format_date_fr
from ...domain.money import AmountError, format_eur, parse_amount
from ...domain.promises import InstalmentIn, build_schedule, max_instalments, validate_plan
from ...domain.text import strip_control_chars
from ...services.outcome import Outcome
from ..fmt import esc
from .draft import (
    NOTE_REMINDER,
    REASON_OPTIONS,
    RHYTHMS,
    OutcomeDraft,
    amount_text,
    parse_day,
    parse_hour,
)

Validator = Callable[[Outcome], list[tuple[str, str]]]
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


class FormInput(Input):
    """An input whose Entrée (save the form) is shown in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "enregistrer", key_display="Entrée", id="form.input.submit"),
    ]

    def replace(self, text: str, start: int, end: int) -> None:
        # Typed or pasted: no terminal control ever enters a field (nor reaches the screen).
        super().replace(strip_control_chars(text), start, end)


class FormScreen(ModalScreen[Any]):
    """Shared behaviour: errors next to fields, Échap cancels, Entrée (in a field) saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "annuler", key_display="Échap", id="form.cancel"),
        Binding("enter", "submit", "enregistrer", key_display="Entrée", id="form.submit"),
        Binding("ctrl+s", "submit", "enregistrer", show=False, id="form.save"),
    ]
    ERROR_FIELDS: ClassVar[tuple[str, ...]] = ("general",)
    draft: OutcomeDraft  # set by the outcome forms, the ones that use `reason_note_and_buttons`

    def __init__(self, *, cursor_blink: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self._blink = cursor_blink
        self.submitted = False

    def on_mount(self) -> None:
        for inp in self.query(Input):
            inp.cursor_blink = self._blink

    def error_box(self, name: str) -> Static:
        return Static("", id=f"err-{name}", classes="field-error")

    def buttons(self) -> ComposeResult:
        with Horizontal(classes="form-buttons"):
            yield Button("Annuler (Échap)", id="cancel", compact=True)
            yield Button("Enregistrer (Entrée)", id="save", variant="primary", compact=True)

    def reason_note_and_buttons(self) -> ComposeResult:
        """The common end of the outcome forms: reason, factual note, errors, buttons."""
        with Horizontal(classes="form-row"):
            yield Label("Motif du retard", classes="form-label")
            yield _reason_select(self.draft)
        yield self.error_box("reason")
        with Horizontal(classes="form-row"):
            yield Label("Note", classes="form-label")
            yield FormInput(
                self.draft.note or "",
                placeholder=NOTE_REMINDER,
                id="note",
                compact=True,
            )
        yield Static(f"[dim]Note : {NOTE_REMINDER}.[/]", classes="form-hint")
        yield self.error_box("note")
        yield self.error_box("general")
        yield from self.buttons()

    def compose(self) -> ComposeResult:
        yield from self.form()
        yield Footer(compact=True)

    def form(self) -> ComposeResult:
        """The fields of this form: every concrete form defines it."""
        raise TypeError(f"{type(self).__name__} must define form()")

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for name in self.ERROR_FIELDS:
            box = self.query_one(f"#err-{name}", Static)
            messages = errors.get(name, [])
            box.update("\n".join(f"✗ {esc(m)}" for m in messages))
            box.set_class(bool(messages), "-shown")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        """Validate and save: every concrete form defines it."""
        raise TypeError(f"{type(self).__name__} must define action_submit()")

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()


def _route(errors: list[tuple[str, str]], mapping: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for fld, message in errors:
        key = mapping.get(fld)
        if key is None and fld.startswith("instalment:"):
            key = mapping.get("instalment")
        out.setdefault(key or "general", []).append(message)
    return out


def _reason_select(draft: OutcomeDraft) -> Select[str]:
    return Select(
        REASON_OPTIONS,
        prompt="— motif du retard —",
        value=draft.reason if draft.reason else Select.NULL,
        id="reason",
        compact=True,
    )


def _select_value(select: Select[str]) -> str | None:
    value = select.value
    return None if value is Select.NULL or value is None else str(value)


# --------------------------------------------------------------------------- promise / plan


class PromiseForm(FormScreen):
    """« Promesse de paiement » (1 échéance) or « Échéancier » (2 or more), live preview."""

    ERROR_FIELDS = ("amount", "count", "first_due", "schedule", "reason", "note", "general")
    FIELD_MAP: ClassVar[dict[str, str]] = {
        "total": "amount",
        "count": "count",
        "first_due": "first_due",
        "amount": "schedule",
        "instalment": "schedule",
        "promise": "schedule",
        "reason": "reason",
        "note": "note",
    }

    def __init__(
        self,
        draft: OutcomeDraft,
        *,
        count: int,
        today: date,
        settings: Settings,
        validate: Validator,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__(cursor_blink=cursor_blink, id="promise-form")
        self.draft = draft
        self.count = count
        self.today = today
        self.settings = settings
        self.validate = validate

    @property
    def area(self) -> Area:
        return self.draft.area

    def form(self) -> ComposeResult:
        title = "Promesse de paiement" if self.count == 1 else "Échéancier"
        with Vertical(classes="dialog", id="promise-dialog") as dialog:
            dialog.border_title = f"{title} — {esc(self.draft.debtor_ref)}"
            dialog.border_subtitle = "Échap annuler · Entrée enregistrer"
            with Horizontal(classes="form-row"):
                yield Label("Montant convenu", classes="form-label")
                yield FormInput(
                    amount_text(self.draft.balance_cents),
                    id="amount",
                    classes="amount",
                    compact=True,
                )
                yield Label("€   Échéances", classes="form-label-short")
                yield FormInput(
                    str(self.count),
                    id="count",
                    classes="count",
                    restrict=r"\d{0,2}",
                    compact=True,
                )
            yield self.error_box("amount")
            yield self.error_box("count")
            with Horizontal(classes="form-row"):
                yield Label("Première échéance", classes="form-label")
                yield FormInput(placeholder="jj/mm/aaaa", id="first-due", classes="date", compact=True)
                yield Label("Rythme", classes="form-label-short")
                yield Select(RHYTHMS, value="monthly", allow_blank=False, id="rhythm", compact=True)
            yield self.error_box("first_due")
            yield Static(id="schedule-preview")
            yield self.error_box("schedule")
            yield from self.reason_note_and_buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#first-due", Input).focus()
        self._refresh_preview()

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self._refresh_preview()

    def _read(self, *, strict: bool) -> tuple[int | None, int | None, date | None, str, dict[str, list[str]]]:
        errors: dict[str, list[str]] = {}
        total = count = first = None
        try:
            total = parse_amount(self.query_one("#amount", Input).value)
        except AmountError as exc:
            errors.setdefault("amount", []).append(str(exc))
        raw_count = self.query_one("#count", Input).value.strip()
        if raw_count.isdigit() and int(raw_count) >= 1:
            count = int(raw_count)
        else:
            errors.setdefault("count", []).append("nombre d'échéances : 1 ou plus")
        raw_first = self.query_one("#first-due", Input).value
        try:
            first = parse_day(raw_first, self.today)
        except DateError as exc:
            if strict or raw_first.strip():
                errors.setdefault("first_due", []).append(str(exc))
        rhythm = str(self.query_one("#rhythm", Select).value or "monthly")
        if not strict:
            # While typing: only what has been typed and cannot be read.
            errors = {k: v for k, v in errors.items() if k != "first_due" or len(raw_first) >= 5}
        return total, count, first, rhythm, errors

    def _schedule(
        self, total: int, count: int, first: date, rhythm: str
    ) -> tuple[list[InstalmentIn], list[InstalmentIn]] | str:
        if total <= 0:
            return f"le montant promis doit être positif (saisi : {format_eur(total)})"
        if total < count:
            return "montant trop faible pour autant d'échéances"
        move = self.settings.promises.move_to_working_day
        moved = build_schedule(total, count, first, rhythm=rhythm, area=self.area, move_to_working_day=move)
        plain = build_schedule(total, count, first, rhythm=rhythm, area=self.area)
        return moved, plain

    def _refresh_preview(self) -> None:
        total, count, first, rhythm, errors = self._read(strict=self.submitted)
        rules = self.settings.promises
        lines: list[str] = []
        latest = self.today.toordinal() + rules.max_first_due_days
        limit = max_instalments(total, rules) if total and total > 0 else None
        hint = f"[dim]1re échéance au plus tard le {format_date_fr(date.fromordinal(latest))}"
        if limit:
            hint += f" · {limit} échéances au plus pour ce montant"
        lines.append(hint + "[/]")
        if total is not None and count is not None and first is not None:
            built = self._schedule(total, count, first, rhythm)
            if isinstance(built, str):
                errors.setdefault("amount", []).append(built)
            else:
                moved, plain = built
                for n, (inst, orig) in enumerate(zip(moved, plain, strict=True), start=1):
                    note = ""
                    if inst.due != orig.due:
                        note = f"  [dim](reportée du {orig.due:%d/%m} : jour non ouvré)[/]"
                    lines.append(
                        f"  {n:>2}. {WEEKDAYS_FR[inst.due.weekday()][:3]} "
                        f"{format_date_fr(inst.due)}  {format_eur(inst.amount_cents):>14}{note}"
                    )
                s = sum(i.amount_cents for i in moved)
                ok = "[green]✓[/]" if s == total else "[red]✗[/]"
                lines.append(f"      total {format_eur(s)} {ok}")
                for e in validate_plan(total, moved, self.today, rules, balance_cents=self.draft.balance_cents):
                    key = self.FIELD_MAP.get(e.field.split(":")[0], "schedule")
                    errors.setdefault(key, []).append(e.message)
        elif total is not None and total > self.draft.balance_cents:
            errors.setdefault("amount", []).append(
                f"le montant promis dépasse le solde ({format_eur(self.draft.balance_cents)})"
            )
        self.query_one("#schedule-preview", Static).update("\n".join(lines))
        self.show_errors(errors)

    def action_submit(self) -> None:
        self.submitted = True
        total, count, first, rhythm, errors = self._read(strict=True)
        outcome: Outcome | None = None
        if not errors and total is not None and count is not None and first is not None:
            built = self._schedule(total, count, first, rhythm)
            if isinstance(built, str):
                errors.setdefault("amount", []).append(built)
            else:
                disposition = Disposition.PROMISE if count == 1 else Disposition.PLAN
                draft = self.draft.with_fields(
                    reason=_select_value(self.query_one("#reason", Select)),
                    note=self.query_one("#note", Input).value,
                )
                outcome = draft.to_outcome(disposition, instalments=[(i.due, i.amount_cents) for i in built[0]])
                for key, messages in _route(self.validate(outcome), self.FIELD_MAP).items():
                    errors.setdefault(key, []).extend(messages)
        if errors or outcome is None:
            self._refresh_preview()
            self.show_errors(errors)
            self._focus_first_error(errors)
            return
        self.dismiss(outcome)

    def _focus_first_error(self, errors: dict[str, list[str]]) -> None:
        for key, widget_id in (("amount", "#amount"), ("count", "#count"), ("first_due", "#first-due")):
            if errors.get(key):
                self.query_one(widget_id, Input).focus()
                return


# --------------------------------------------------------------------------- callback


class CallbackForm(FormScreen):
    """« Rappel demandé »: date and time in the debtor's local time, stored in UTC."""

    ERROR_FIELDS = ("callback", "reason", "note", "general")
    FIELD_MAP: ClassVar[dict[str, str]] = {
        "callback": "callback",
        "reason": "reason",
        "note": "note",
    }

    def __init__(
        self,
        draft: OutcomeDraft,
        *,
        now: datetime,
        settings: Settings,
        validate: Validator,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__(cursor_blink=cursor_blink, id="callback-form")
        self.draft = draft
        self.now = now
        self.settings = settings
        self.validate = validate
        self.local_now = now.astimezone(draft.area.zone)

    def form(self) -> ComposeResult:
        area = self.draft.area
        with Vertical(classes="dialog", id="callback-dialog") as dialog:
            dialog.border_title = f"Rappel demandé — {esc(self.draft.debtor_ref)}"
            dialog.border_subtitle = "Échap annuler · Entrée enregistrer"
            yield Static(
                f"Heure [b]locale du débiteur[/] ({esc(area.label)}, il y est {self.local_now:%H:%M})",
                classes="form-hint",
            )
            with Horizontal(classes="form-row"):
                yield Label("Date", classes="form-label")
                yield FormInput(
                    format_date_fr(self.local_now.date()),
                    placeholder="jj/mm/aaaa",
                    id="cb-date",
                    classes="date",
                    compact=True,
                )
                yield Label("Heure", classes="form-label-short")
                yield FormInput(placeholder="HH:MM", id="cb-time", classes="time", compact=True)
                yield Checkbox("pour l'équipe", id="cb-team", compact=True)  # else personal
            yield Static(id="cb-preview")
            yield self.error_box("callback")
            yield from self.reason_note_and_buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#cb-time", Input).focus()
        self._refresh_preview()

    def _read(self, *, strict: bool) -> tuple[datetime | None, list[str]]:
        raw_day = self.query_one("#cb-date", Input).value
        raw_time = self.query_one("#cb-time", Input).value
        errors: list[str] = []
        day = hour = None
        try:
            day = parse_day(raw_day, self.local_now.date())
        except DateError as exc:
            errors.append(str(exc))
        try:
            hour = parse_hour(raw_time)
        except DateError as exc:
            if strict or len(raw_time.strip()) >= 4:
                errors.append(str(exc))
        if day is None or hour is None:
            return None, errors
        local = datetime.combine(day, hour, self.draft.area.zone)
        return local.astimezone(UTC), errors

    @on(Input.Changed)
    def _changed(self) -> None:
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        at, errors = self._read(strict=self.submitted)
        preview = ""
        if at is not None:
            local = at.astimezone(self.draft.area.zone)
            paris = at.astimezone(PARIS)
            preview = f"→ {WEEKDAYS_FR[local.weekday()]} {format_date_fr(local.date())} à {local:%H:%M} heure locale"
            if self.draft.area.zone.key != "Europe/Paris":
                preview += f" · {paris:%H:%M} à Paris"
            if at <= self.now:
                errors.append("la date de rappel doit être dans le futur")
            elif not in_calling_window(self.draft.segment, local, self.settings.calling):
                preview += "  [b $error]✗ hors plage d'appel du débiteur[/]"
        self.query_one("#cb-preview", Static).update(preview)
        self.show_errors({"callback": errors} if errors else {})

    def action_submit(self) -> None:
        self.submitted = True
        at, errors = self._read(strict=True)
        routed: dict[str, list[str]] = {"callback": errors} if errors else {}
        outcome = None
        if at is not None and not errors:
            draft = self.draft.with_fields(
                reason=_select_value(self.query_one("#reason", Select)),
                note=self.query_one("#note", Input).value,
            )
            outcome = draft.to_outcome(Disposition.CALLBACK, callback_at=at)
            outcome.callback_for_team = self.query_one("#cb-team", Checkbox).value
            routed = _route(self.validate(outcome), self.FIELD_MAP)
        if routed or outcome is None:
            self._refresh_preview()
            self.show_errors(routed)
            return
        self.dismiss(outcome)


# --------------------------------------------------------------------------- reason


class ReasonPicker(ModalScreen[str | None]):
    """« Motif du retard »: a digit picks directly; returns the code, "" for none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "annuler", key_display="Échap", id="reason.cancel"),
        *[Binding(str(n), f"pick({n})", show=False, id=f"reason.pick{n}") for n in range(len(REASON_LABELS_FR) + 1)],
    ]

    def __init__(self, current: str | None) -> None:
        super().__init__(id="reason-picker")
        self.current = current
        self.codes: list[str] = ["", *REASON_LABELS_FR]

    def compose(self) -> ComposeResult:
        options = [Option("0  aucun motif", id="none")]
        options += [Option(f"{n}  {REASON_LABELS_FR[code]}", id=code) for n, code in enumerate(self.codes[1:], start=1)]
        with Vertical(classes="dialog", id="reason-dialog") as dialog:
            dialog.border_title = "Motif du retard"
            dialog.border_subtitle = "chiffre ou ↑↓ Entrée · Échap"
            yield OptionList(*options, id="reasons")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ol.highlighted = self.codes.index(self.current) if self.current in self.codes else 0
        ol.focus()

    def action_pick(self, n: int) -> None:
        if 0 <= n < len(self.codes):
            self.dismiss(self.codes[n])

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or "none"
        self.dismiss("" if option_id == "none" else option_id)


# --------------------------------------------------------------------------- dispute


class InvoiceTicks(SelectionList[str]):
    """The invoices to tick: Espace ticks, Entrée saves the form (as in every other form)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.submit", "enregistrer", key_display="Entrée", id="dispute.submit"),
    ]


class DisputeForm(FormScreen):
    """« Litige »: tick the contested invoices (all by default) and, if need be, the amount.

    Contested invoices leave the amount claimed; the debtor stays in the queue for the others.
    Returns the ``Outcome`` (validated by the service's rules) or None.
    """

    ERROR_FIELDS = ("invoices", "general")

    def __init__(
        self,
        draft: OutcomeDraft,
        invoices: list[dict[str, Any]],
        *,
        validate: Validator,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__(cursor_blink=cursor_blink, id="dispute-form")
        self.draft = draft
        self.invoices = [i for i in invoices if int(i.get("open_cents") or 0) > 0]
        self.validate = validate

    def form(self) -> ComposeResult:
        with Vertical(classes="dialog", id="dispute-dialog") as dialog:
            dialog.border_title = "Litige : factures contestées"
            dialog.border_subtitle = "Espace cocher · Entrée enregistrer · Échap"
            choices = [
                (
                    Text(
                        f"{i['ref']}  échéance {format_date_fr(date.fromisoformat(i['due_date']))}"
                        f"  {format_eur(int(i['open_cents']))}"
                    ),
                    str(i["ref"]),
                    True,
                )
                for i in self.invoices
            ]
            yield InvoiceTicks(*choices, id="dispute-invoices")
            with Horizontal(classes="form-row"):
                yield Label("Montant contesté ", classes="form-label")
                yield FormInput("", placeholder="vide : tout le restant dû des factures", id="contested-amount")
            yield self.error_box("invoices")
            yield self.error_box("general")
            yield from self.buttons()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(InvoiceTicks).focus()

    def action_submit(self) -> None:
        refs = list(self.query_one(InvoiceTicks).selected)
        if self.invoices and not refs:
            self.show_errors({"invoices": ["cochez au moins une facture contestée"]})
            return
        text = self.query_one("#contested-amount", Input).value.strip()
        amount = None
        if text:
            try:
                amount = parse_amount(text)
            except AmountError as exc:
                self.show_errors({"invoices": [str(exc)]})
                return
        everything = len(refs) == len(self.invoices)
        outcome = self.draft.to_outcome(
            Disposition.DISPUTE,
            dispute_invoices=[] if everything and amount is None else refs,
            dispute_amount_cents=amount,
        )
        errors = self.validate(outcome)
        if errors:
            self.show_errors(_route(errors, {"invoices": "invoices"}))
            return
        self.dismiss(outcome)
