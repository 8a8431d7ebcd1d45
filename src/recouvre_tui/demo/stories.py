"""One story per behaviour archetype (`ARCHETYPES`): which invoices, reminders, calls,
promises and payments a debtor of that kind gets."""

from __future__ import annotations

from datetime import timedelta

from .catalogue import (
    _CALLERS,
    _NOTES,
)
from .model import (
    _Debtor,
)
from .promises import PromiseBuilder


class StoryBuilder(PromiseBuilder):
    """`story_<archetype>` methods, chosen by `story`."""

    def story(self, d: _Debtor) -> None:
        getattr(self, f"story_{d.archetype}")(d)

    def story_responsive(self, d: _Debtor) -> None:
        self.invoices(d, ())
        self.history(d, 1.0, (-10, 5))
        self.pay_window_dues(d, remind=0.25)

    def story_forgetful(self, d: _Debtor) -> None:
        self.invoices(d, ((6, 70),))
        self.history(d, 1.0, (3, 25))
        self.pay_window_dues(d)
        a = d.anchor()
        ev = self.remind(d, a.due + self.days(self.rint(3, 8)), self.soft_channel(d))
        if ev is None:
            return
        if d.call_state != "none" and self.chance(0.25):
            # Every other such debtor says it already paid (no extra random draw).
            code = "already_paid" if d.index % 2 else "paid"
            call = self.rpc(d, ev.at.date() + self.days(self.rint(2, 5)), code, self.note(code))
            if call is not None:
                self.pay(d, call.at.date() + self.days(self.rint(0, 1)), None, a)
            return
        self.pay(d, ev.at.date() + self.days(self.rint(1, 6)), None, a, show_ref=self.chance(0.8))

    def story_payment_issue(self, d: _Debtor) -> None:
        self.invoices(d, ((12, 60),))
        self.history(d, 0.9, (0, 20))
        a = d.anchor()
        ev = self.remind(d, a.due + self.days(self.rint(3, 6)), self.soft_channel(d))
        if ev is None:
            return
        day = ev.at.date() + self.days(self.rint(1, 4))
        if self.chance(0.5):
            note = "Le paiement en ligne échoue. Règlement par carte pendant l'appel."
            call = self.rpc(d, day, "paid", note, inbound=True)
            if call is not None:
                self.pay(d, call.at.date(), None, a)
            return
        at = self.when(d, day, "any")
        if at is None:
            return
        text = self.rng.choice(
            (
                "E-mail du client : ne trouve pas le RIB sur la facture {inv}.",
                "E-mail du client : le lien de paiement de la facture {inv} est en erreur.",
                "E-mail du client : ne sait pas à quel service adresser le règlement.",
            )
        )
        self.event(d, at, "email", "in", "", "", text, a)
        reply = at + timedelta(hours=self.rint(1, 3))
        if reply.date() == at.date() and reply.hour < 20:
            self.event(
                d,
                reply,
                "email",
                "out",
                "",
                self.caller(d),
                "Envoi du RIB et du lien de paiement.",
            )
        self.pay(d, at.date() + self.days(self.rint(2, 6)), None, a)

    def story_untouched(self, d: _Debtor) -> None:
        if self.chance(0.25):  # an old balance nobody is chasing
            self.invoices(d, ((100, 300),))
            self.history(d, 0.5, (0, 40))
        else:  # new overdue debt, first reminder not sent yet
            self.invoices(d, ((1, 25),))
            self.history(d, 0.95, (-5, 20))
            self.pay_window_dues(d)

    def story_early(self, d: _Debtor) -> None:
        self.invoices(d, ((10, 40),))
        self.history(d, 0.9, (0, 30))
        start = max(self.w0, d.anchor().due + self.days(self.rint(3, 7)))
        self.reminders(d, start, self.last, self.rint(1, 3))

    def story_plan(self, d: _Debtor) -> None:
        self.invoices(d, ((45, 220),))
        self.history(d, 0.6, (5, 45))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(5)) + self.days(self.rint(0, 10))
        c = f + self.days(self.rint(6, max(6, (self.today - self.days(3) - f).days)))
        hardship_day = None
        if self.chance(0.4) and (c - f).days >= 8:
            hardship_day = f + self.days(self.rint(3, (c - f).days - 3))
            self.reminders(d, f, hardship_day - self.days(2), self.rint(1, 2))
            self.rpc(d, hardship_day, "hardship", self.note("hardship", d))
        else:
            self.reminders(d, f, c - self.days(2), self.rint(1, 3))
        floor = max(ev.at.date() for ev in d.events) if d.events else f
        inbound = self.chance(0.3)
        call = self.rpc(d, c, "plan", "", inbound=inbound, floor=floor)
        if call is None:
            return
        total = d.overdue(call.at.date())
        if total < 200:
            d.events.remove(call)
            return
        first_due = call.at.date() + self.days(self.rint(7, 30))
        prom = self.promise(d, call.at, total, self.rint(2, 6), first_due)
        call.note += self.promise_note(prom, plan=True)
        if inbound:
            call.note = call.note.replace("Appel entrant. ", "Appel entrant : demande d'échéancier. ")
        self.follow_promise(d, prom, keep=0.75)

    def story_promise_kept(self, d: _Debtor) -> None:
        self.invoices(d, ((25, 150),))
        self.history(d, 0.8, (0, 30))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 10))
        c = f + self.days(self.rint(3, max(3, (self.today - self.days(2) - f).days)))
        self.reminders(d, f, c - self.days(2), self.rint(1, 3))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        call = self.rpc(d, c, "promise", "", inbound=self.chance(0.2), floor=floor)
        if call is None:
            return
        overdue = d.overdue(call.at.date())
        if overdue < 200:
            d.events.remove(call)
            return
        total = overdue
        if self.chance(0.3):
            total = max(100, overdue * self.rint(30, 70) // 100 // 1000 * 1000)
        n = 1 if self.chance(0.75) else 2
        prom = self.promise(d, call.at, total, n, call.at.date() + self.days(self.rint(2, 15)))
        call.note += self.promise_note(prom, plan=False)
        for k, (due, cents) in enumerate(prom.instalments):
            if due <= self.last:
                self.pay_instalment(d, prom, due, cents, early=3)
            elif k == 0 and self.chance(0.3):
                span = (self.last - call.at.date()).days
                self.pay(d, call.at.date() + self.days(self.rint(0, max(0, span))), cents)

    def story_promise_broken(self, d: _Debtor) -> None:
        self.invoices(d, ((35, 200),))
        self.history(d, 0.7, (5, 40))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 10))
        c = f + self.days(self.rint(3, max(3, (self.today - self.days(12) - f).days)))
        self.reminders(d, f, c - self.days(2), self.rint(1, 3))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        call = self.rpc(d, c, "promise", "", inbound=self.chance(0.15), floor=floor)
        if call is None:
            return
        overdue = d.overdue(call.at.date())
        if overdue < 200:
            d.events.remove(call)
            return
        n = 1 if self.chance(0.7) else self.rint(2, 3)
        created = call.at.date()
        first_due = min(created + self.days(self.rint(3, 10)), self.today - self.days(5))
        prom = self.promise(d, call.at, overdue, n, max(first_due, created + self.days(1)))
        if prom.instalments[0][0] + self.days(3) >= self.today:
            d.promises.remove(prom)
            prom = self.promise(d, call.at, overdue, n, created + self.days(1))
        call.note += self.promise_note(prom, plan=False)
        due, cents = prom.instalments[0]
        if self.chance(0.35):
            self.pay_instalment(d, prom, due, int(cents * self.rint(20, 60) / 100), early=1)
        start = due + self.days(self.rint(4, 9))
        renegotiate = self.chance(0.3) and start <= self.today - self.days(25)
        end = self.today - self.days(self.rint(3, 20)) if renegotiate else self.last
        self.reminders(d, start, end, self.rint(2, 6))
        if renegotiate:
            floor2 = max(ev.at.date() for ev in d.events)
            day = max(floor2 + self.days(2), self.today - self.days(self.rint(3, 20)))
            call2 = self.rpc(d, day, "promise", "", floor=floor2)
            if call2 is None or call2.at.date() < self.today - self.days(27):
                if call2 is not None:
                    d.events.remove(call2)
                return
            total = d.overdue(call2.at.date())
            if total < 200:
                d.events.remove(call2)
                return
            first = max(call2.at.date() + self.days(5), self.today + self.days(2))
            prom2 = self.promise(d, call2.at, total, self.rint(1, 3), first)
            call2.note = "Nouvelle promesse après promesse non tenue. " + self.promise_note(prom2, plan=False)

    def story_dispute(self, d: _Debtor) -> None:
        self.invoices(d, ((20, 150),))
        self.history(d, 0.8, (0, 30))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 7))
        f = min(f, self.today - self.days(4))
        t = f + self.days(self.rint(2, max(2, (self.today - self.days(2) - f).days)))
        self.reminders(d, f, t - self.days(2), self.rint(0, 2))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        text = self.rng.choice(_NOTES["dispute"])
        if d.segment == "B2B":
            text += f" Dossier transmis au commercial ({d.sales_rep})."
        mode = self.pick((("call", 0.6), ("in_call", 0.25), ("in_email", 0.15)))
        if mode == "in_email":
            at = self.when(d, t, "any", floor=floor)
            if at is None:
                return
            self.event(d, at, "email", "in", "", "", "E-mail du client : " + text, a)
            call = self.rpc(
                d,
                at.date() + self.days(self.rint(1, 3)),
                "dispute",
                "Litige confirmé. " + text,
                inv=a,
            )
        else:
            call = self.rpc(d, t, "dispute", text, inbound=mode == "in_call", floor=floor, inv=a)
        if call is None or not self.chance(0.4):
            return
        for inv in d.invoices:
            if not inv.credit and not inv.anchor and inv.open > 0 and inv.due < call.at.date():
                self.pay(d, call.at.date() + self.days(self.rint(2, 12)), None, inv)

    def story_worn(self, d: _Debtor) -> None:
        n_anchor = 2 if self.chance(0.3) else 1
        self.invoices(d, ((40, 330),) * n_anchor)
        self.history(d, 0.3, (10, 60))
        sub = d.sub or self.pick((("single", 0.3), ("slot", 0.25), ("mixed", 0.45)))
        slot = self.pick_slot(d) if sub == "slot" and d.call_state == "ok" else None
        if sub == "slot" and slot is None:
            sub = "mixed"
        d.sub = sub
        start = self.w0 + self.days(self.rint(0, 50))
        end = self.last
        n = self.rint(3, 10)
        if sub == "notice":
            start, n = self.w0 + self.days(self.rint(0, 5)), self.rint(8, 11)
        elif self.chance(0.2):  # answered once, then went silent
            day = self.w0 + self.days(self.rint(2, 15))
            if self.chance(0.5) and d.call_state != "none":
                self.rpc(d, day, "callback", self.note("callback"))
            else:
                at = self.when(d, day, "any")
                if at is not None:
                    self.event(d, at, "email", "in", "", "", self.note("in_ack", d))
            start = max(start, day + self.days(self.rint(5, 12)))
        elif self.chance(0.12):  # reminders stopped a month ago: nobody chases it now
            start = self.w0 + self.days(self.rint(0, 10))
            end = start + self.days(self.rint(20, 30))
        elif self.chance(0.1):  # a fresh streak, not yet two weeks old
            start, n = self.today - self.days(self.rint(10, 13)), 3
        days = self.spread(start, end, n)
        if sub == "single":
            channel = self.channel(d)
            if channel == "letter":
                channel = "email" if d.email else "letter"
            for day in days:
                self.remind(d, day, channel)
            return
        if sub == "slot":
            agent = d.agent or self.rng.choice(_CALLERS)
            email_at = self.rint(0, len(days) - 1) if d.email and self.chance(0.3) else None
            for k, day in enumerate(days):
                if k == email_at:
                    self.remind(d, day, "email")
                else:
                    self.remind(d, day, "call", agent=agent, slot=slot)
            return
        notice_at = None
        if len(days) >= 6 and (sub == "notice" or self.chance(0.45)):
            notice_at = self.rint(2, min(4, len(days) - 2)) if sub == "notice" else self.rint(3, len(days) - 2)
        for k, day in enumerate(days):
            if k == notice_at:
                self.formal_notice(d, day)
            else:
                self.remind(d, day)

    def story_bad_faith(self, d: _Debtor) -> None:
        self.invoices(d, ((60, 300),))
        self.history(d, 0.2, (20, 60))
        a = d.anchor()
        f = max(self.w0, a.due + self.days(3)) + self.days(self.rint(0, 7))
        c = f + self.days(self.rint(5, 12))
        self.reminders(d, f, c - self.days(2), self.rint(1, 2))
        floor = max(ev.at.date() for ev in d.events) if d.events else f - self.days(1)
        resume = c + self.days(3)
        if self.chance(0.5):
            self.rpc(d, c, "refusal", self.note("refusal"), floor=floor)
        else:
            call = self.rpc(d, c, "promise", "Affirme avoir posté un chèque. ", floor=floor)
            if call is not None and d.overdue(call.at.date()) >= 200:
                due = min(call.at.date() + self.days(self.rint(5, 10)), self.today - self.days(20))
                prom = self.promise(
                    d,
                    call.at,
                    d.overdue(call.at.date()),
                    1,
                    max(due, call.at.date() + self.days(1)),
                )
                call.note += self.promise_note(prom, plan=False)
                resume = prom.instalments[0][0] + self.days(4)
            elif call is not None:
                d.events.remove(call)
        days = self.spread(resume, self.last, self.rint(3, 7))
        notice_at = self.rint(0, 1) if self.chance(0.7) and len(days) > 2 else None
        answer = self.chance(0.2)
        for k, day in enumerate(days):
            if k == notice_at:
                ev = self.formal_notice(d, day)
                if ev is not None and answer:
                    self.rpc(
                        d,
                        ev.at.date() + self.days(self.rint(3, 6)),
                        "refusal",
                        "Conteste la mise en demeure, refuse de payer.",
                        inbound=True,
                    )
            else:
                self.remind(d, day)
