"""The ledger: invoices (log-normal amounts by segment), credit notes and payments, and the
settling of invoices older than the 12-week contact window."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from .base import BuilderBase
from .model import (
    _Debtor,
    _Invoice,
    _Payment,
)


class LedgerBuilder(BuilderBase):
    """Invoices, credit notes and payments (oldest open invoice first, as the importer settles)."""

    def amount(self, segment: str) -> int:
        lo, hi, median, sigma = (40.0, 3000.0, 170.0, 0.85) if segment == "B2C" else (300.0, 60000.0, 2200.0, 1.0)
        euros = self.rng.lognormvariate(math.log(median), sigma)
        for _ in range(20):  # log-normal, redrawn (not clipped) into the segment's range
            if lo <= euros <= hi:
                break
            euros = self.rng.lognormvariate(math.log(median), sigma)
        return round(min(hi, max(lo, euros)) * 100)

    def terms(self, segment: str) -> int:
        if segment == "B2C":
            return 30 if self.chance(0.85) else 45
        return int(self.pick((("30", 0.4), ("45", 0.35), ("60", 0.25))))

    def add_invoice(self, d: _Debtor, issue: date, terms: int, anchor: bool = False) -> _Invoice:
        cents = self.amount(d.segment)
        inv = _Invoice(next(self.keys), issue, issue + self.days(terms), cents, cents, anchor)
        d.invoices.append(inv)
        return inv

    def anchored_invoice(self, d: _Debtor, due_lo: int, due_hi: int) -> _Invoice:
        """An invoice due between today - due_hi and today - due_lo days."""
        terms = self.terms(d.segment)
        due = self.today - self.days(self.rint(due_lo, due_hi))
        issue = max(due - self.days(terms), self.today - self.days(365))  # at most a year old
        return self.add_invoice(d, issue, terms, anchor=True)

    def invoices(self, d: _Debtor, anchors: Sequence[tuple[int, int]]) -> None:
        mean = 3.4 if d.segment == "B2C" else 5.8
        total = max(len(anchors), min(14, 1 + int(self.rng.expovariate(1 / (mean - 1)))))
        for lo, hi in anchors:
            self.anchored_invoice(d, lo, hi)
        for _ in range(total - len(anchors)):
            issue = self.today - self.days(self.rint(0, 365))
            self.add_invoice(d, issue, self.terms(d.segment))
        d.invoices.sort(key=lambda i: (i.issue, i.key))
        # A few credit notes (avoirs), each cancelling all or part of an invoice.
        for inv in list(d.invoices):
            if inv.anchor or inv.credit or not self.chance(0.016):
                continue
            issue = inv.issue + self.days(self.rint(3, 25))
            if issue > self.last:
                continue
            part = inv.cents if self.chance(0.4) else int(inv.cents * self.rint(10, 50) / 100)
            credit = _Invoice(next(self.keys), issue, issue, -part, 0)
            inv.open -= part
            d.invoices.append(credit)
        d.invoices.sort(key=lambda i: (i.issue, i.key))

    def oldest_open(self, d: _Debtor, on: date) -> list[_Invoice]:
        return sorted(
            (i for i in d.invoices if not i.credit and i.open > 0 and i.issue <= on),
            key=lambda i: (i.due, i.issue, i.key),
        )

    def pay(
        self,
        d: _Debtor,
        on: date,
        cents: int | None = None,
        inv: _Invoice | None = None,
        *,
        show_ref: bool = True,
    ) -> int:
        """Record a payment (never more than what is open); returns the amount paid."""
        if on > self.last:
            return 0
        if inv is not None:
            amount = inv.open if cents is None else min(cents, inv.open)
            if amount <= 0:
                return 0
            oldest = self.oldest_open(d, on)
            if not show_ref and (not oldest or oldest[0] is not inv):
                show_ref = True  # the importer would settle another invoice first
            inv.open -= amount
            d.payments.append(_Payment(next(self.keys), on, amount, inv if show_ref else None))
            return amount
        assert cents is not None
        left = amount = min(cents, sum(i.open for i in self.oldest_open(d, on)))
        if amount <= 0:
            return 0
        for target in self.oldest_open(d, on):
            take = min(target.open, left)
            target.open -= take
            left -= take
            if not left:
                break
        d.payments.append(_Payment(next(self.keys), on, amount, None))
        return amount

    def history(self, d: _Debtor, p_paid: float, delay: tuple[int, int]) -> None:
        """Settle older invoices (due before the 12-week window) before the window opens."""
        plan: list[tuple[date, _Invoice, bool]] = []
        for inv in d.invoices:
            if inv.credit or inv.anchor or inv.due >= self.w0 or inv.open <= 0:
                continue
            if not self.chance(p_paid):
                continue
            on = inv.due + self.days(self.rint(*delay))
            on = min(max(on, inv.issue + self.days(1)), self.w0 - self.days(1))
            plan.append((on, inv, self.chance(0.08)))
        plan.sort(key=lambda item: (item[0], item[1].key))
        for on, inv, partial in plan:
            if partial:
                first = int(inv.open * self.rint(40, 80) / 100)
                self.pay(d, on, first, inv, show_ref=self.chance(0.85))
                rest_on = on + self.days(self.rint(10, 30))
                if rest_on < self.w0 and self.chance(0.6):
                    self.pay(d, rest_on, None, inv, show_ref=self.chance(0.85))
            else:
                self.pay(d, on, None, inv, show_ref=self.chance(0.85))
