"""The fact sheet of one call: everything a call script may state, computed from the ledger.

Pure: the store loads the inputs, ``build_fact_sheet`` computes at ``today`` (Paris date).
A script line may only state what this sheet holds (docs/scripts.md); the wording of each
fact is in ``domain.fact_wording``.

Rules
-----
- **Overdue**: an open invoice (open amount > 0) whose due date is before today. Contested
  invoices (an open dispute on them) are not claimed: they are listed apart.
- **Not yet due**: open invoices due today or later; their total and the next due date.
- **Days late**: today − due date, per overdue invoice; the oldest is the largest.
- **Last contact**: the latest event of any channel or direction; **paid since** sums the
  positive payments dated on or after that day (Paris).
- **Promises**: paid = amounts allocated to the instalments; missing = what is unpaid on the
  instalments already due (due date before today).
- **Letters**: each letter sent, with its date, its reference when it has one, and what it
  covered: the amount carried by the letter event when it has one, else the invoices that
  were overdue (due before the letter's date, issued by then, open then) and their amount
  then. Open amounts at a past date replay the payments in date order (to their invoice, else
  the oldest open invoice first), never below today's open amount.
- **Channels of the current streak**: channels of our outbound reminders since the last
  response (a right-party contact, a payment or a promise).
- **Disputes**: one entry per contested invoice, open or closed (accepted / rejected). An
  invoice whose dispute was accepted awaits its credit note: it is not claimed either; a
  rejected one is claimed again.
- **Prescribed invoices** (``FactInputs.prescribed_refs``, from ``services.legal``) are never
  stated: they leave the overdue amount and invoices (docs/legal.md).
- **Penalties** (B2B only): the late-payment penalties and the 40 € indemnities the creditor
  claims (``FactInputs.claim``: what ``DebtorClaim.amounts_for_debtor`` allows, None when
  claiming is off); never for B2C.
- **Letters** carrying their own invoices (a generated mise en demeure) cover exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CHANNEL_ORDER: tuple[str, ...] = ("call", "sms", "email", "letter")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InvoiceIn:
    ref: str
    issue_date: date | None
    due_date: date
    amount_cents: int
    open_cents: int


@dataclass(frozen=True)
class PaymentIn:
    paid_on: date
    amount_cents: int
    invoice_ref: str | None = None


@dataclass(frozen=True)
class EventIn:
    on: date  # Paris date
    channel: str  # call, letter, email, sms
    direction: str  # out, in
    kind: str  # reminder, response, neutral
    outcome: str | None = None
    letter_ref: str | None = None
    amount_cents: int | None = None
    invoice_refs: tuple[str, ...] = ()  # the invoices a generated letter covered


@dataclass(frozen=True)
class InstalmentIn:
    due_date: date
    amount_cents: int
    allocated_cents: int


@dataclass(frozen=True)
class PromiseIn:
    ref: str
    created_on: date
    status: str  # pending, kept, broken, cancelled
    instalments: tuple[InstalmentIn, ...]


@dataclass(frozen=True)
class DisputeIn:
    invoice_ref: str
    opened_on: date
    status: str  # open, accepted, rejected
    amount_cents: int  # contested amount on this invoice
    closed_on: date | None = None
    handed_to: str | None = None


@dataclass(frozen=True)
class FactInputs:
    debtor_name: str
    segment: str
    agent_name: str
    creditor: str
    sales_rep: str | None
    invoices: tuple[InvoiceIn, ...]
    payments: tuple[PaymentIn, ...] = ()
    events: tuple[EventIn, ...] = ()
    promises: tuple[PromiseIn, ...] = ()
    disputes: tuple[DisputeIn, ...] = ()
    prescribed_refs: frozenset[str] = frozenset()  # never stated (domain.legal)
    claim: tuple[int, int, int] | None = None  # (penalties, indemnities, count) the debtor may be told


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class InvoiceFact:
    ref: str
    due_date: date
    open_cents: int
    days_late: int  # 0 when not yet due


@dataclass(frozen=True)
class PromiseFact:
    ref: str
    created_on: date
    status: str
    total_cents: int
    paid_cents: int
    missing_cents: int  # unpaid on instalments already due
    first_due: date
    instalments: int


@dataclass(frozen=True)
class LetterFact:
    sent_on: date
    ref: str | None
    formal_notice: bool
    invoice_refs: tuple[str, ...]
    amount_cents: int
    amount_from_letter: bool  # the letter event carried its own amount


@dataclass(frozen=True)
class DisputeFact:
    invoice_ref: str
    opened_on: date
    status: str
    amount_cents: int
    closed_on: date | None
    handed_to: str | None


@dataclass(frozen=True)
class FactSheet:
    today: date
    debtor_name: str
    segment: str
    agent_name: str
    creditor: str
    sales_rep: str | None
    overdue: tuple[InvoiceFact, ...]  # claimed: not contested
    not_yet_due: tuple[InvoiceFact, ...]
    contested: tuple[InvoiceFact, ...]  # open invoices under an open dispute
    awaiting_credit: tuple[InvoiceFact, ...]  # dispute accepted: a credit note is expected, not claimed
    last_contact_on: date | None
    paid_since_contact_cents: int
    promises: tuple[PromiseFact, ...]  # newest first
    letters: tuple[LetterFact, ...]  # newest first
    streak_channels: tuple[str, ...]  # CHANNEL_ORDER order
    streak_reminders: int
    disputes: tuple[DisputeFact, ...] = field(default=())
    penalty_cents: int = 0  # B2B late-payment penalties claimed (0: none may be said)
    indemnity_cents: int = 0  # 40 € × indemnity_count
    indemnity_count: int = 0

    @property
    def overdue_cents(self) -> int:
        return sum(i.open_cents for i in self.overdue)

    @property
    def not_yet_due_cents(self) -> int:
        return sum(i.open_cents for i in self.not_yet_due)

    @property
    def next_due_date(self) -> date | None:
        return min((i.due_date for i in self.not_yet_due), default=None)

    @property
    def contested_cents(self) -> int:
        return sum(i.open_cents for i in self.contested)

    @property
    def oldest_overdue(self) -> InvoiceFact | None:
        return max(self.overdue, key=lambda i: (i.days_late, i.ref), default=None)

    @property
    def open_disputes(self) -> tuple[DisputeFact, ...]:
        return tuple(d for d in self.disputes if d.status == "open")

    @property
    def all_overdue_contested(self) -> bool:
        """Everything overdue is contested: the debtor is blocked (stage dispute)."""
        return bool(self.contested) and not self.overdue

    def to_json(self) -> dict[str, object]:
        from .money import cents_to_euros

        def inv(i: InvoiceFact) -> dict[str, object]:
            return {
                "ref": i.ref,
                "due_date": i.due_date.isoformat(),
                "open": cents_to_euros(i.open_cents),
                "days_late": i.days_late,
            }

        oldest = self.oldest_overdue
        return {
            "today": self.today.isoformat(),
            "debtor_name": self.debtor_name,
            "segment": self.segment,
            "agent_name": self.agent_name,
            "creditor": self.creditor,
            "sales_rep": self.sales_rep,
            "overdue": {
                "amount": cents_to_euros(self.overdue_cents),
                "oldest_days_late": oldest.days_late if oldest else None,
                "invoices": [inv(i) for i in self.overdue],
            },
            "not_yet_due": {
                "amount": cents_to_euros(self.not_yet_due_cents),
                "next_due_date": self.next_due_date.isoformat() if self.next_due_date else None,
                "invoices": [inv(i) for i in self.not_yet_due],
            },
            "contested": {
                "amount": cents_to_euros(self.contested_cents),
                "invoices": [inv(i) for i in self.contested],
            },
            "awaiting_credit_note": [inv(i) for i in self.awaiting_credit],
            "last_contact_on": self.last_contact_on.isoformat() if self.last_contact_on else None,
            "paid_since_contact": cents_to_euros(self.paid_since_contact_cents),
            "promises": [
                {
                    "ref": p.ref,
                    "created_on": p.created_on.isoformat(),
                    "status": p.status,
                    "total": cents_to_euros(p.total_cents),
                    "paid": cents_to_euros(p.paid_cents),
                    "missing": cents_to_euros(p.missing_cents),
                    "first_due": p.first_due.isoformat(),
                    "instalments": p.instalments,
                }
                for p in self.promises
            ],
            "letters": [
                {
                    "sent_on": x.sent_on.isoformat(),
                    "ref": x.ref,
                    "formal_notice": x.formal_notice,
                    "invoices": list(x.invoice_refs),
                    "amount": cents_to_euros(x.amount_cents),
                    "amount_from_letter": x.amount_from_letter,
                }
                for x in self.letters
            ],
            "penalties": {
                "penalty": cents_to_euros(self.penalty_cents),
                "indemnity": cents_to_euros(self.indemnity_cents),
                "indemnity_count": self.indemnity_count,
            },
            "streak": {"channels": list(self.streak_channels), "reminders": self.streak_reminders},
            "disputes": [
                {
                    "invoice": d.invoice_ref,
                    "opened_on": d.opened_on.isoformat(),
                    "status": d.status,
                    "amount": cents_to_euros(d.amount_cents),
                    "closed_on": d.closed_on.isoformat() if d.closed_on else None,
                    "handed_to": d.handed_to,
                }
                for d in self.disputes
            ],
        }


# --------------------------------------------------------------------------- computation


def open_at(inputs: FactInputs, day: date) -> dict[str, int]:
    """Open amount of each invoice at the start of ``day``: the ledger replayed, never below today's."""
    invoices = sorted(
        (i for i in inputs.invoices if i.amount_cents > 0 and (i.issue_date or i.due_date) < day),
        key=lambda i: (i.due_date, i.ref),
    )
    remaining = {i.ref: i.amount_cents for i in invoices}
    for p in sorted(inputs.payments, key=lambda p: p.paid_on):
        if p.paid_on >= day or p.amount_cents <= 0:
            continue
        left = p.amount_cents
        if p.invoice_ref in remaining:
            take = min(left, remaining[p.invoice_ref])
            remaining[p.invoice_ref] -= take
            left -= take
        for i in invoices:
            if left <= 0:
                break
            take = min(left, remaining[i.ref])
            remaining[i.ref] -= take
            left -= take
    now_open = {i.ref: i.open_cents for i in inputs.invoices}
    return {ref: min(max(cents, now_open.get(ref, 0)), _amount(inputs, ref)) for ref, cents in remaining.items()}


def _amount(inputs: FactInputs, ref: str) -> int:
    return next(i.amount_cents for i in inputs.invoices if i.ref == ref)


def _letter(inputs: FactInputs, e: EventIn) -> LetterFact:
    due_then = {i.ref for i in inputs.invoices if i.due_date < e.on}
    opened = {ref: cents for ref, cents in open_at(inputs, e.on).items() if ref in due_then and cents > 0}
    if e.invoice_refs:  # a generated letter recorded what it covered
        opened = {ref: cents for ref, cents in opened.items() if ref in e.invoice_refs}
    opened = {ref: cents for ref, cents in opened.items() if ref not in inputs.prescribed_refs}
    refs = tuple(sorted(opened, key=lambda r: next((i.due_date, i.ref) for i in inputs.invoices if i.ref == r)))
    own = e.amount_cents is not None and e.amount_cents > 0
    return LetterFact(
        sent_on=e.on,
        ref=e.letter_ref,
        formal_notice=e.outcome == "formal_notice",
        invoice_refs=refs,
        amount_cents=int(e.amount_cents) if own and e.amount_cents is not None else sum(opened.values()),
        amount_from_letter=own,
    )


def _promise(p: PromiseIn, today: date) -> PromiseFact:
    inst = sorted(p.instalments, key=lambda i: i.due_date)
    return PromiseFact(
        ref=p.ref,
        created_on=p.created_on,
        status=p.status,
        total_cents=sum(i.amount_cents for i in inst),
        paid_cents=sum(min(i.allocated_cents, i.amount_cents) for i in inst),
        missing_cents=sum(max(i.amount_cents - i.allocated_cents, 0) for i in inst if i.due_date < today),
        first_due=inst[0].due_date if inst else p.created_on,
        instalments=len(inst),
    )


def build_fact_sheet(inputs: FactInputs, today: date) -> FactSheet:
    """Every fact a script may state, at ``today`` (Paris date)."""
    open_disputes = {d.invoice_ref for d in inputs.disputes if d.status == "open"}
    accepted = {d.invoice_ref for d in inputs.disputes if d.status == "accepted"} - open_disputes
    overdue: list[InvoiceFact] = []
    not_due: list[InvoiceFact] = []
    contested: list[InvoiceFact] = []
    awaiting: list[InvoiceFact] = []
    for i in sorted(inputs.invoices, key=lambda i: (i.due_date, i.ref)):
        if i.open_cents <= 0 or i.ref in inputs.prescribed_refs:
            continue  # paid, or prescribed: never stated
        late = max((today - i.due_date).days, 0)
        fact = InvoiceFact(i.ref, i.due_date, i.open_cents, late)
        if i.ref in open_disputes:
            contested.append(fact)
        elif i.ref in accepted:
            awaiting.append(fact)
        elif i.due_date < today:
            overdue.append(fact)
        else:
            not_due.append(fact)

    events = sorted((e for e in inputs.events if e.on <= today), key=lambda e: e.on)
    last_contact = events[-1].on if events else None
    paid_since = (
        sum(
            p.amount_cents
            for p in inputs.payments
            if p.amount_cents > 0 and p.paid_on >= last_contact and p.paid_on <= today
        )
        if last_contact
        else 0
    )

    responses = [e.on for e in events if e.kind == "response"]
    responses += [p.paid_on for p in inputs.payments if p.amount_cents > 0 and p.paid_on <= today]
    responses += [p.created_on for p in inputs.promises]
    last_response = max(responses, default=None)
    streak = [
        e
        for e in events
        if e.direction == "out" and e.kind == "reminder" and (last_response is None or e.on > last_response)
    ]
    channels = tuple(c for c in CHANNEL_ORDER if any(e.channel == c for e in streak))

    letters = tuple(
        _letter(inputs, e)
        for e in sorted(events, key=lambda e: e.on, reverse=True)
        if e.channel == "letter" and e.direction == "out" and e.kind != "neutral"  # a court pack is not sent
    )
    promises = tuple(
        _promise(p, today) for p in sorted(inputs.promises, key=lambda p: p.created_on, reverse=True) if p.instalments
    )
    disputes = tuple(
        DisputeFact(d.invoice_ref, d.opened_on, d.status, d.amount_cents, d.closed_on, d.handed_to)
        for d in sorted(inputs.disputes, key=lambda d: (d.opened_on, d.invoice_ref))
    )
    penalty, indemnity, count = inputs.claim if inputs.claim and inputs.segment == "B2B" else (0, 0, 0)
    return FactSheet(
        today=today,
        debtor_name=inputs.debtor_name,
        segment=inputs.segment,
        agent_name=inputs.agent_name,
        creditor=inputs.creditor,
        sales_rep=inputs.sales_rep,
        overdue=tuple(overdue),
        not_yet_due=tuple(not_due),
        contested=tuple(contested),
        awaiting_credit=tuple(awaiting),
        last_contact_on=last_contact,
        paid_since_contact_cents=paid_since,
        promises=promises,
        letters=letters,
        streak_channels=channels,
        streak_reminders=len(streak),
        disputes=disputes,
        penalty_cents=penalty,
        indemnity_cents=indemnity,
        indemnity_count=count,
    )
