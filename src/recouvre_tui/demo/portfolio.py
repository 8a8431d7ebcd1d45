"""The orchestrator: draws the debtors, runs each one's story, numbers invoices, payments and
promises in chronological order and returns the rows (`generate_demo`)."""

from __future__ import annotations

from datetime import date

from .catalogue import (
    _SHOWCASE,
    AGENTS,
    DEFAULT_SEED,
)
from .model import (
    DemoData,
    _cents,
    _Debtor,
)
from .people import PeopleBuilder
from .stories import StoryBuilder


class DemoBuilder(PeopleBuilder, StoryBuilder):
    """Builds the whole portfolio: people, then each debtor's story, then the rows."""

    def build(self) -> DemoData:
        deck = self.archetype_deck()
        specs: list[dict[str, str]] = [dict(s) for s in _SHOWCASE[: self.n]]
        specs += [{"archetype": name} for name in deck]
        debtors = []
        for index, spec in enumerate(specs[: self.n]):
            d = self.make_debtor(index, spec)
            self.story(d)
            d.events.sort(key=lambda e: e.at)
            debtors.append(d)
        return self.rows(debtors)

    def rows(self, debtors: list[_Debtor]) -> DemoData:
        # References in chronological order, as a real ledger numbers them.
        invoices = sorted(
            ((inv, d) for d in debtors for inv in d.invoices),
            key=lambda item: (item[0].issue, item[1].index, item[0].key),
        )
        seqs: dict[tuple[str, int], int] = {}
        for inv, _ in invoices:
            prefix = "AV" if inv.credit else "FA"
            n = seqs[prefix, inv.issue.year] = seqs.get((prefix, inv.issue.year), 0) + 1
            inv.ref = f"{prefix}-{inv.issue.year}-{n:06d}"
        payments = sorted(
            ((p, d) for d in debtors for p in d.payments),
            key=lambda item: (item[0].on, item[1].index, item[0].key),
        )
        seqs.clear()
        for p, _ in payments:
            n = seqs["RG", p.on.year] = seqs.get(("RG", p.on.year), 0) + 1
            p.ref = f"RG-{p.on.year}-{n:06d}"
        promises = sorted(
            ((p, d) for d in debtors for p in d.promises),
            key=lambda item: (item[0].created, item[1].index, item[0].key),
        )
        for n, (prom, _) in enumerate(promises, start=1):
            prom.ref = f"PR-{n:06d}"

        out = DemoData(
            agents=[dict(a) for a in AGENTS],
            debtors=[],
            invoices=[],
            payments=[],
            events=[],
            promises=[],
            profiles={d.ref: d.archetype for d in debtors},
            invalid_phones=frozenset(self.invalid_phones),
        )
        for d in debtors:
            out.debtors.append(
                {
                    "debtor_ref": d.ref,
                    "name": d.name,
                    "segment": d.segment,
                    "siren": d.siren,
                    "postcode": d.postcode,
                    "country": "FR",
                    "phone": d.phone,
                    "phone2": d.phone2,
                    "email": d.email,
                    "sales_rep": d.sales_rep,
                    "agent": d.agent,
                }
            )
            for inv in sorted(d.invoices, key=lambda i: (i.issue, i.ref)):
                out.invoices.append(
                    {
                        "debtor_ref": d.ref,
                        "invoice_ref": inv.ref,
                        "issue_date": inv.issue.isoformat(),
                        "due_date": inv.due.isoformat(),
                        "amount": _cents(inv.cents),
                    }
                )
            for p in sorted(d.payments, key=lambda p: (p.on, p.ref)):
                out.payments.append(
                    {
                        "debtor_ref": d.ref,
                        "payment_ref": p.ref,
                        "date": p.on.isoformat(),
                        "amount": _cents(p.cents),
                        "invoice_ref": p.inv.ref if p.inv else "",
                    }
                )
            for ev in d.events:
                out.events.append(
                    {
                        "debtor_ref": d.ref,
                        "at": ev.at.strftime("%Y-%m-%d %H:%M"),
                        "channel": ev.channel,
                        "direction": ev.direction,
                        "outcome": ev.outcome,
                        "agent": ev.agent,
                        "note": ev.note.replace("{inv}", ev.inv.ref if ev.inv else "").strip(),
                    }
                )
            for prom in sorted(d.promises, key=lambda p: p.ref):
                for due, cents in prom.instalments:
                    out.promises.append(
                        {
                            "debtor_ref": d.ref,
                            "promise_ref": prom.ref,
                            "created_at": prom.created.strftime("%Y-%m-%d %H:%M"),
                            "due_date": due.isoformat(),
                            "amount": _cents(cents),
                        }
                    )
        return out


def generate_demo(today: date, *, seed: int = DEFAULT_SEED, debtors: int = 2000) -> DemoData:
    """The demo portfolio as of `today`: same `(today, seed, debtors)`, same rows."""
    if debtors < 1:
        raise ValueError("debtors must be >= 1")
    return DemoBuilder(today, seed, debtors).build()
