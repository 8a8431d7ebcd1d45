"""Promises and instalment plans (the domain's own schedule rules) and how they are paid."""

from __future__ import annotations

from datetime import date, datetime

from recouvre_tui.domain.dates import format_date_fr
from recouvre_tui.domain.money import format_eur
from recouvre_tui.domain.promises import build_schedule, max_instalments

from .contacts import ContactBuilder
from .model import (
    _Debtor,
    _Promise,
)


class PromiseBuilder(ContactBuilder):
    """Promises built with the domain's schedule, then kept or broken."""

    def promise(self, d: _Debtor, at: datetime, total: int, n: int, first_due: date) -> _Promise:
        limit = max_instalments(total, self.promise_rules) or n
        n = max(1, min(n, limit, total))
        schedule = build_schedule(total, n, first_due, area=d.area, move_to_working_day=True)
        prom = _Promise(next(self.keys), at, [(i.due, i.amount_cents) for i in schedule])
        d.promises.append(prom)
        return prom

    def promise_note(self, prom: _Promise, plan: bool) -> str:
        first_due, first_amount = prom.instalments[0]
        if plan or len(prom.instalments) > 1:
            return (
                f"Échéancier accepté : {len(prom.instalments)} échéances de "
                f"{format_eur(first_amount)} à partir du {format_date_fr(first_due)}."
            )
        return f"Promesse de règlement de {format_eur(first_amount)} le {format_date_fr(first_due)}."

    def pay_instalment(self, d: _Debtor, prom: _Promise, due: date, cents: int, early: int = 4) -> None:
        on = max(prom.created.date(), due + self.days(self.rint(-early, 2)))
        self.pay(d, min(on, self.last), cents)

    def follow_promise(self, d: _Debtor, prom: _Promise, keep: float) -> None:
        """Pay the instalments on time (kept / pending) or stop paying at one (broken)."""
        deadline_ok = [due for due, _ in prom.instalments if due + self.days(3) < self.today]
        missed = None
        if deadline_ok and not self.chance(keep):
            missed = self.rint(0, len(deadline_ok) - 1)
        for n, (due, cents) in enumerate(prom.instalments):
            if due > self.last:
                break
            if missed is not None and n == missed:
                if self.chance(0.3):
                    part = int(cents * self.rint(20, 70) / 100)
                    self.pay_instalment(d, prom, due, part, early=1)
                # Reminders start again once the instalment is missed.
                start = due + self.days(self.rint(4, 10))
                if start <= self.last:
                    self.reminders(d, start, self.last, self.rint(1, 5))
                return
            self.pay_instalment(d, prom, due, cents)
