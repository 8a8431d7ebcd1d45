"""What the agent has selected on the case screen, and the form helpers (pure).

`OutcomeDraft` carries everything chosen during the call (reason, note, actions, tone,
script, phone); the forms add the disposition and the promise, plan or callback, and
`to_outcome` builds the service's `Outcome`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from ...domain.areas import Area
from ...domain.codes import REASON_LABELS_FR, Disposition, label
from ...domain.dates import DateError, parse_date
from ...services.outcome import Outcome

# Digit hotkeys of the case screen (docs/screens.md) — promise, plan and callback have their forms.
DIGIT_DISPOSITIONS: dict[str, str] = {
    "1": Disposition.NO_ANSWER,
    "2": Disposition.BUSY,
    "3": Disposition.VOICEMAIL,
    "4": Disposition.THIRD_PARTY,
    "5": Disposition.WRONG_NUMBER,
    "6": Disposition.PAID,
    "7": Disposition.DISPUTE,
    "8": Disposition.REFUSAL,
    "9": Disposition.HARDSHIP,
}
SHORT_LABELS: dict[str, str] = {
    Disposition.WRONG_NUMBER: "faux n°",
}
ACTION_LABELS = {"duplicate": "duplicata de facture", "sales_rep": "litige transmis au commercial"}
NOTE_REMINDER = "note factuelle, sans donnée de santé ni autre donnée sensible"
RHYTHMS: list[tuple[str, str]] = [
    ("mensuel", "monthly"),
    ("toutes les 2 semaines", "biweekly"),
    ("hebdomadaire", "weekly"),
]
REASON_OPTIONS: list[tuple[str, str]] = [(v, k) for k, v in REASON_LABELS_FR.items()]


def disposition_label(code: str) -> str:
    return SHORT_LABELS.get(code, label(code))


@dataclass
class OutcomeDraft:
    debtor_ref: str
    balance_cents: int
    area: Area
    segment: str
    reason: str | None = None
    note: str | None = None
    actions: list[str] = field(default_factory=list)
    tone: str | None = None
    script_id: str | None = None
    phone: str | None = None

    def to_outcome(
        self,
        disposition: str,
        *,
        instalments: list[tuple[date, int]] | None = None,
        callback_at: datetime | None = None,
        dispute_invoices: list[str] | None = None,
        dispute_amount_cents: int | None = None,
    ) -> Outcome:
        return Outcome(
            debtor_ref=self.debtor_ref,
            disposition=disposition,
            reason=self.reason,
            note=(self.note or "").strip() or None,
            instalments=list(instalments or []),
            callback_at=callback_at,
            tone=self.tone,
            script_id=self.script_id,
            phone=self.phone,
            actions=list(self.actions),
            dispute_invoices=list(dispute_invoices or []),
            dispute_amount_cents=dispute_amount_cents,
        )

    def with_fields(self, **changes: object) -> OutcomeDraft:
        return replace(self, **changes)  # type: ignore[arg-type]


_DM = re.compile(r"^(\d{1,2})[/.-](\d{1,2})$")
_DMY2 = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$")
_PLUS = re.compile(r"^\+(\d{1,3})$")
_TIME = re.compile(r"^(\d{1,2})(?:[:hH](\d{2})?)?$")


def parse_day(text: str, today: date) -> date:
    """« 05/12/2026 », « 5/12/26 », « 05/12 » (next such date), ISO, or « +7 » (in 7 days)."""
    s = (text or "").strip()
    if not s:
        raise DateError("date obligatoire (jj/mm/aaaa)")
    if m := _PLUS.match(s):
        return today + timedelta(days=int(m[1]))
    if m := _DM.match(s):
        day, month = int(m[1]), int(m[2])
        for year in (today.year, today.year + 1):
            try:
                d = date(year, month, day)
            except ValueError:
                raise DateError(f"date impossible « {s} »") from None
            if d >= today:
                return d
        return d
    if m := _DMY2.match(s):
        s = f"{m[1]}/{m[2]}/20{m[3]}"
    return parse_date(s)


def parse_hour(text: str) -> time:
    """« 14:30 », « 14h30 », « 14h », « 9 »."""
    s = (text or "").strip().replace(" ", "")
    if not s:
        raise DateError("heure obligatoire (HH:MM)")
    m = _TIME.match(s)
    if not m:
        raise DateError(f"heure illisible « {s} » (attendu HH:MM)")
    h, mi = int(m[1]), int(m[2] or 0)
    if h > 23 or mi > 59:
        raise DateError(f"heure impossible « {s} »")
    return time(h, mi)


def amount_text(cents: int) -> str:
    """Prefill for an amount field: « 4 230,00 » (plain spaces, easy to edit)."""
    euros, rest = divmod(abs(cents), 100)
    return f"{euros:,}".replace(",", " ") + f",{rest:02d}"
