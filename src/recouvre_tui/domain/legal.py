"""French legal rules on a debtor's invoices: late-payment penalties, the 40 € recovery
indemnity, B2C legal interest, prescription. Pure: the facts and `today` are passed in.
The articles behind each rule are in docs/legal.md.

- **Penalties (B2B, C. com. L441-10 II)** run from the day after the due date on the unpaid
  amount, simple interest, days / 365. Rate: the contractual rate when set, else the ECB
  main refinancing rate in force on 1 January (for January–June) or 1 July (July–December)
  plus 10 points. Day d (due + 1 … end) bears interest on what was unpaid at the end of day
  d − 1: a payment stops the interest on its amount on its date, the payment day being the
  last day counted (as for a payment in full: days late = payment date − due date).
- **Indemnity (D441-5)**: 40 € per B2B invoice paid late or still unpaid after its due
  date. Never for B2C (and no collection fee at all: CPCE L111-8).
- **B2C legal interest (C. civ. 1231-6)**, optional: from the day after the first mise en
  demeure sent after the due date, at the legal rate for individuals in force each day.
- **Prescription**: B2C 2 years (C. conso L218-2), B2B 5 years (C. com. L110-4) from the due
  date, or from the last payment or written acknowledgment of debt when later (C. civ. 2240);
  a mise en demeure does not restart it, nor does a payment or acknowledgment made once the
  invoice is prescribed (we never claim it again). The last day to act is the same calendar
  day N years later (29 February → 28 February); the invoice is prescribed from the next day.

Payments are replayed in date order to know each invoice's unpaid amount day by day: a
payment naming an invoice settles it first, the rest (and unnamed payments, credit notes
from their issue date) settles the oldest open invoices first (due date, then reference) —
the ledger's rule, applied in time. A lettered invoice is settled on its `settled_on` date
(on its due date when the ledger gives none).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from dateutil.relativedelta import relativedelta

from .codes import Segment

INDEMNITY_CENTS = 4_000  # D441-5: 40 €
ECB_MARGIN_POINTS = 10.0  # L441-10 II: ECB rate + 10 points
CONTRACT_FLOOR_FACTOR = 3  # L441-10 II: a contractual rate at least 3 × the legal rate
PRESCRIPTION_YEARS = {Segment.B2B.value: 5, Segment.B2C.value: 2}


# --- rate tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateTable:
    """Rates by effective date (% a year): the rate in force on a day is the last one dated
    on or before it."""

    dates: tuple[date, ...]
    rates: tuple[float, ...]

    @classmethod
    def merged(cls, *sources: Iterable[tuple[date, float]]) -> RateTable:
        """Later sources win on the same date (the configuration extends the shipped file)."""
        by_day: dict[date, float] = {}
        for source in sources:
            for day, rate in source:
                by_day[day] = rate
        days = tuple(sorted(by_day))
        return cls(days, tuple(by_day[d] for d in days))

    def rate_on(self, day: date) -> float:
        i = bisect.bisect_right(self.dates, day) - 1
        if i < 0:
            raise ValueError(f"aucun taux connu au {day:%d/%m/%Y} (table à partir du {self.dates[0]:%d/%m/%Y})")
        return self.rates[i]

    def changes_between(self, first: date, last: date) -> list[date]:
        """Effective dates d with first < d <= last."""
        lo = bisect.bisect_right(self.dates, first)
        hi = bisect.bisect_right(self.dates, last)
        return list(self.dates[lo:hi])

    @property
    def latest(self) -> tuple[date, float]:
        return self.dates[-1], self.rates[-1]


def semester_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


@dataclass(frozen=True)
class LegalRates:
    """Everything the computations need besides the facts."""

    ecb: RateTable
    legal_individuals: RateTable
    legal_professionals: RateTable
    contract_rate: float | None = None  # % a year; None = ECB + 10 points
    b2c_legal_interest: bool = False

    def penalty_rate_on(self, day: date) -> float:
        if self.contract_rate is not None:
            return self.contract_rate
        return self.ecb.rate_on(semester_start(day)) + ECB_MARGIN_POINTS

    def penalty_changes(self, first: date, last: date) -> list[date]:
        """Days in (first, last] from which the penalty rate may differ from the day before."""
        if self.contract_rate is not None:
            return []
        out: list[date] = []
        d = semester_start(first)
        while True:
            d = date(d.year, 7, 1) if d.month == 1 else date(d.year + 1, 1, 1)
            if d > last:
                return out
            out.append(d)


def contract_rate_floor(legal_professionals: RateTable, today: date) -> float:
    """The lowest contractual penalty rate allowed: 3 × the legal rate (professionals) in force."""
    return round(CONTRACT_FLOOR_FACTOR * legal_professionals.rate_on(today), 4)


# --- the facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invoice:
    ref: str
    due: date
    amount_cents: int  # negative = credit note
    issue: date | None = None
    lettered: bool = False
    settled_on: date | None = None


@dataclass(frozen=True)
class Payment:
    paid_on: date
    amount_cents: int
    invoice_ref: str | None = None
    lettered: bool = False


@dataclass(frozen=True)
class DebtorFacts:
    segment: str
    invoices: tuple[Invoice, ...]
    payments: tuple[Payment, ...] = ()
    acknowledgments: tuple[date, ...] = ()  # written acknowledgments of debt
    formal_notices: tuple[date, ...] = ()  # mises en demeure sent


# --- unpaid amounts in time ----------------------------------------------------------------------


@dataclass
class _Open:
    inv: Invoice
    open_cents: int
    # (day, unpaid amount at the end of that day) after each change, in date order.
    steps: list[tuple[date, int]] = field(default_factory=list)

    def pay(self, day: date, cents: int) -> int:
        """Settle up to `cents`; returns what is left over."""
        used = min(cents, self.open_cents)
        if used > 0:
            self.open_cents -= used
            if self.steps and self.steps[-1][0] == day:
                self.steps[-1] = (day, self.open_cents)
            else:
                self.steps.append((day, self.open_cents))
        return cents - used


def unpaid_history(facts: DebtorFacts, today: date) -> dict[str, list[tuple[date, int]]]:
    """For each invoice (amount > 0): [(day, unpaid at the end of the day)] after each payment
    known on `today` (payments dated later are not known yet); its amount before the first."""
    invoices = sorted((i for i in facts.invoices if i.amount_cents > 0), key=lambda i: (i.due, i.ref))
    opened = {i.ref: _Open(i, i.amount_cents) for i in invoices}
    moves: list[tuple[date, int, int, str | None]] = []  # (day, order, cents, invoice ref)
    for inv in invoices:
        if inv.lettered:
            moves.append((min(inv.settled_on or inv.due, today), 0, inv.amount_cents, inv.ref))
    for p in facts.payments:
        if not p.lettered and p.amount_cents > 0 and p.paid_on <= today:
            moves.append((p.paid_on, 1 if p.invoice_ref else 2, p.amount_cents, p.invoice_ref))
    for c in facts.invoices:
        if c.amount_cents < 0 and not c.lettered:
            day = c.issue or c.due
            if day <= today:
                moves.append((day, 2, -c.amount_cents, None))
    moves.sort(key=lambda m: (m[0], m[1]))
    for day, _, cents, ref in moves:
        target = opened.get(ref) if ref else None
        if target is not None:
            cents = target.pay(day, cents)
        for o in opened.values():  # oldest first
            if cents <= 0:
                break
            if not o.inv.lettered:
                cents = o.pay(day, cents)
    return {ref: o.steps for ref, o in opened.items()}


def _unpaid_at_end_of(amount: int, steps: Sequence[tuple[date, int]], day: date) -> int:
    out = amount
    for d, cents in steps:
        if d > day:
            break
        out = cents
    return out


# --- prescription --------------------------------------------------------------------------------


def last_day_to_act(due: date, segment: str, restarts: Iterable[date] = ()) -> date:
    """The last day to act: the same calendar day N years after the due date, or after the
    latest payment or acknowledgment made while the claim was not yet prescribed (one made
    later does not revive it: we never claim a prescribed invoice)."""
    years = relativedelta(years=PRESCRIPTION_YEARS[segment])
    last = due + years
    for day in sorted(restarts):
        if day > last:
            break
        last = max(last, day + years)
    return last


def restart_dates(facts: DebtorFacts, today: date) -> list[date]:
    """Payments and written acknowledgments known on `today` (a mise en demeure is not one)."""
    paid = [p.paid_on for p in facts.payments if p.amount_cents > 0 and p.paid_on <= today]
    return paid + [a for a in facts.acknowledgments if a <= today]


def is_prescribed(due: date, segment: str, restarts: Iterable[date], today: date) -> bool:
    return today > last_day_to_act(due, segment, restarts)


# --- penalties -----------------------------------------------------------------------------------


def to_cents(amount: Fraction) -> int:
    """Whole cents, rounded half up (amounts are never negative)."""
    return math.floor(amount + Fraction(1, 2))


def simple_interest(
    amount: int,
    steps: Sequence[tuple[date, int]],
    first: date,
    last: date,
    rate_on: Callable[[date], float],
    changes: Iterable[date],
) -> Fraction:
    """Σ over days d in [first, last] of unpaid(end of d − 1) × rate(d) / 100 / 365, in cents."""
    if last < first:
        return Fraction(0)
    cuts = {first, last + timedelta(days=1)}
    cuts.update(d + timedelta(days=1) for d, _ in steps if first <= d + timedelta(days=1) <= last)
    cuts.update(d for d in changes if first < d <= last)
    points = sorted(cuts)
    total = Fraction(0)
    for a, b in itertools.pairwise(points):
        base = _unpaid_at_end_of(amount, steps, a - timedelta(days=1))
        if base > 0:
            total += Fraction(base) * Fraction(str(rate_on(a))) * (b - a).days / 36_500
    return total


@dataclass(frozen=True)
class InvoiceClaim:
    invoice_ref: str
    due: date
    principal_cents: int  # unpaid today
    days_late: int
    penalty_cents: int  # B2B penalties, or B2C legal interest
    indemnity_cents: int
    last_day_to_act: date
    prescribed: bool
    paid_on: date | None  # the day it was paid in full (late), else None


@dataclass(frozen=True)
class ClaimStatement:
    segment: str
    today: date
    rows: tuple[InvoiceClaim, ...]  # claimable: late and not prescribed
    prescribed: tuple[InvoiceClaim, ...]  # overdue but prescribed: never claimed

    @property
    def total_principal_cents(self) -> int:
        return sum(r.principal_cents for r in self.rows)

    @property
    def total_penalty_cents(self) -> int:
        return sum(r.penalty_cents for r in self.rows)

    @property
    def total_indemnity_cents(self) -> int:
        return sum(r.indemnity_cents for r in self.rows)

    @property
    def indemnity_count(self) -> int:
        return sum(1 for r in self.rows if r.indemnity_cents)

    @property
    def prescribed_cents(self) -> int:
        return sum(r.principal_cents for r in self.prescribed)

    @property
    def all_overdue_prescribed(self) -> bool:
        """Every invoice still unpaid after its due date is prescribed (and there is one)."""
        overdue = [r for r in self.rows if r.principal_cents > 0]
        return not overdue and any(r.principal_cents > 0 for r in self.prescribed)


def _b2c_interest_start(due: date, notices: Iterable[date]) -> date | None:
    after = [n for n in notices if n > due]
    return min(after) + timedelta(days=1) if after else None


def claim_statement(facts: DebtorFacts, today: date, rates: LegalRates) -> ClaimStatement:
    """Per invoice late on `today` (unpaid after its due date, or paid after it): days late,
    penalties or interest, indemnity, prescription."""
    history = unpaid_history(facts, today)
    restarts = restart_dates(facts, today)
    notices = [n for n in facts.formal_notices if n <= today]
    b2b = facts.segment == Segment.B2B
    rows: list[InvoiceClaim] = []
    prescribed: list[InvoiceClaim] = []
    for inv in sorted((i for i in facts.invoices if i.amount_cents > 0), key=lambda i: (i.due, i.ref)):
        steps = history[inv.ref]
        if inv.due >= today or _unpaid_at_end_of(inv.amount_cents, steps, inv.due) == 0:
            continue  # not due yet, or paid on time
        unpaid_now = _unpaid_at_end_of(inv.amount_cents, steps, today)
        paid_on = steps[-1][0] if unpaid_now == 0 else None
        end = paid_on or today
        days_late = (end - inv.due).days
        first = inv.due + timedelta(days=1)
        if b2b:
            interest = simple_interest(
                inv.amount_cents, steps, first, end, rates.penalty_rate_on, rates.penalty_changes(first, end)
            )
        elif rates.b2c_legal_interest and (start := _b2c_interest_start(inv.due, notices)) is not None:
            table = rates.legal_individuals
            interest = simple_interest(
                inv.amount_cents, steps, start, end, table.rate_on, table.changes_between(start, end)
            )
        else:
            interest = Fraction(0)
        last_day = last_day_to_act(inv.due, facts.segment, restarts)
        row = InvoiceClaim(
            invoice_ref=inv.ref,
            due=inv.due,
            principal_cents=unpaid_now,
            days_late=days_late,
            penalty_cents=to_cents(interest),
            indemnity_cents=INDEMNITY_CENTS if b2b else 0,
            last_day_to_act=last_day,
            prescribed=today > last_day,
            paid_on=paid_on,
        )
        (prescribed if row.prescribed else rows).append(row)
    return ClaimStatement(facts.segment, today, tuple(rows), tuple(prescribed))


def prescribing_within(facts: DebtorFacts, today: date, days: int) -> list[tuple[str, int, date]]:
    """(invoice ref, unpaid cents, last day to act) of the unpaid overdue invoices that
    prescribe within `days` days (last day to act between today and today + days)."""
    history = unpaid_history(facts, today)
    restarts = restart_dates(facts, today)
    horizon = today + timedelta(days=days)
    out = []
    for inv in facts.invoices:
        if inv.amount_cents <= 0 or inv.due >= today:
            continue
        unpaid = _unpaid_at_end_of(inv.amount_cents, history[inv.ref], today)
        last = last_day_to_act(inv.due, facts.segment, restarts)
        if unpaid > 0 and today <= last <= horizon:
            out.append((inv.ref, unpaid, last))
    return sorted(out, key=lambda r: (r[2], r[0]))


def prescription_summary(facts: DebtorFacts, today: date) -> tuple[int, bool]:
    """(unpaid cents of the prescribed invoices, every overdue unpaid invoice prescribed):
    what the queue needs, without the penalties."""
    history = unpaid_history(facts, today)
    restarts = restart_dates(facts, today)
    prescribed_cents, overdue_live = 0, False
    for inv in facts.invoices:
        if inv.amount_cents <= 0 or inv.due >= today:
            continue
        unpaid = _unpaid_at_end_of(inv.amount_cents, history[inv.ref], today)
        if unpaid <= 0:
            continue
        if is_prescribed(inv.due, facts.segment, restarts, today):
            prescribed_cents += unpaid
        else:
            overdue_live = True
    return prescribed_cents, prescribed_cents > 0 and not overdue_live


def may_be_prescribed(segment: str, oldest_due: date | None, today: date) -> bool:
    """False when no invoice can be prescribed yet (the oldest open one is too recent): the
    cheap test before loading a debtor's facts."""
    return oldest_due is not None and today > oldest_due + relativedelta(years=PRESCRIPTION_YEARS[segment])


def oldest_due_watched(segment: str, today: date, within_days: int) -> date:
    """The latest due date of an invoice that may prescribe within `within_days` days."""
    return today + timedelta(days=within_days) - relativedelta(years=PRESCRIPTION_YEARS[segment])
