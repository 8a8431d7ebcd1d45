"""Property: every euro amount, date and invoice reference in every rendered script line is
one the fact sheet holds, and the sheet is true for the generated history (checked against
a plain recomputation here)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recouvre_tui.domain.call_scripts import PHASES, CallScript, render
from recouvre_tui.domain.dates import format_date_fr
from recouvre_tui.domain.fact_sheet import (
    DisputeIn,
    EventIn,
    FactInputs,
    FactSheet,
    InstalmentIn,
    InvoiceIn,
    PaymentIn,
    PromiseIn,
    build_fact_sheet,
    open_at,
)
from recouvre_tui.domain.fact_wording import short_date, wording
from recouvre_tui.domain.money import format_eur
from recouvre_tui.services.script_library import load_scripts

TODAY = date(2026, 12, 2)
LIBRARY: list[CallScript] = load_scripts(None)[0]
EUR_RE = re.compile(r"\d{1,3}(?:\u202f\d{3})*,\d{2} €")
DATE_RE = re.compile(r"\b\d{2}/\d{2}(?:/\d{4})?\b")
REF_RE = re.compile(r"\bFX-\d+\b")
CHANNEL_WORDS = {"call": "appels", "sms": "SMS", "email": "e-mails", "letter": "courriers"}


@st.composite
def histories(draw: st.DrawFn) -> FactInputs:
    n = draw(st.integers(1, 6))
    invoices = []
    for k in range(n):
        due = TODAY + timedelta(days=draw(st.integers(-400, 60)))
        issue = due - timedelta(days=draw(st.integers(0, 45)))
        amount = draw(st.integers(1, 5_000_000))
        paid = draw(st.sampled_from([0, 0, amount, draw(st.integers(0, amount))]))
        invoices.append(InvoiceIn(f"FX-{100 + k}", issue, due, amount, amount - paid))
    payments = []
    for inv in invoices:
        if inv.open_cents < inv.amount_cents:
            when = TODAY - timedelta(days=draw(st.integers(0, 300)))
            payments.append(PaymentIn(when, inv.amount_cents - inv.open_cents, draw(st.sampled_from([inv.ref, None]))))
    events = []
    for _ in range(draw(st.integers(0, 8))):
        channel = draw(st.sampled_from(["call", "sms", "email", "letter"]))
        direction = draw(st.sampled_from(["out", "out", "in"]))
        kind = draw(st.sampled_from(["reminder", "response", "neutral"])) if direction == "out" else "response"
        outcome = draw(st.sampled_from([None, "formal_notice"])) if channel == "letter" else None
        events.append(
            EventIn(
                on=TODAY - timedelta(days=draw(st.integers(0, 300))),
                channel=channel,
                direction=direction,
                kind=kind,
                outcome=outcome,
                letter_ref=draw(st.sampled_from([None, "MED-7"])) if channel == "letter" else None,
                amount_cents=draw(st.sampled_from([None, None, 123_456])) if channel == "letter" else None,
            )
        )
    promises = []
    for p in range(draw(st.integers(0, 2))):
        first = TODAY + timedelta(days=draw(st.integers(-60, 20)))
        count = draw(st.integers(1, 3))
        inst = []
        for i in range(count):
            amount = draw(st.integers(100, 200_000))
            inst.append(
                InstalmentIn(first + timedelta(days=30 * i), amount, draw(st.sampled_from([0, amount, amount // 3])))
            )
        status = draw(st.sampled_from(["pending", "kept", "broken"]))
        promises.append(PromiseIn(f"P-{p}", first - timedelta(days=5), status, tuple(inst)))
    disputes = []
    for inv in invoices:
        if draw(st.integers(0, 3)) == 0:
            status = draw(st.sampled_from(["open", "open", "accepted", "rejected"]))
            disputes.append(DisputeIn(inv.ref, TODAY - timedelta(days=30), status, inv.open_cents, None, "Paul Durand"))
    prescribed = frozenset(i.ref for i in invoices if i.due_date < TODAY and draw(st.integers(0, 4)) == 0)
    claim = draw(st.sampled_from([None, (draw(st.integers(1, 900_000)), 4000 * n, n), (0, 4000, 1)]))
    return FactInputs(
        prescribed_refs=prescribed,
        claim=claim,
        debtor_name="SARL Test",
        segment=draw(st.sampled_from(["B2B", "B2C"])),
        agent_name="Alice Martin",
        creditor="Recouvre Démo SAS",
        sales_rep=draw(st.sampled_from([None, "Paul Durand"])),
        invoices=tuple(invoices),
        payments=tuple(payments),
        events=tuple(events),
        promises=tuple(promises),
        disputes=tuple(disputes),
    )


def check_sheet_is_true(h: FactInputs, sheet: FactSheet) -> None:
    """The sheet recomputed plainly from the history."""
    open_dispute = {d.invoice_ref for d in h.disputes if d.status == "open"}
    # An accepted dispute waits for its credit note: not claimed either; a rejected one is.
    out = open_dispute | {d.invoice_ref for d in h.disputes if d.status == "accepted"}
    out |= h.prescribed_refs  # a prescribed invoice is never stated
    overdue = [i for i in h.invoices if i.open_cents > 0 and i.due_date < TODAY and i.ref not in out]
    later = [i for i in h.invoices if i.open_cents > 0 and i.due_date >= TODAY and i.ref not in out]
    shown = {i.ref for i in (*sheet.overdue, *sheet.not_yet_due, *sheet.contested, *sheet.awaiting_credit)}
    assert not shown & h.prescribed_refs
    # Penalties: B2B only, exactly the claim given (services.legal), never for B2C.
    if h.segment == "B2B" and h.claim:
        assert (sheet.penalty_cents, sheet.indemnity_cents, sheet.indemnity_count) == h.claim
    else:
        assert (sheet.penalty_cents, sheet.indemnity_cents, sheet.indemnity_count) == (0, 0, 0)
    assert sorted(i.ref for i in sheet.overdue) == sorted(i.ref for i in overdue)
    assert sheet.overdue_cents == sum(i.open_cents for i in overdue)
    assert sheet.not_yet_due_cents == sum(i.open_cents for i in later)
    assert sheet.next_due_date == min((i.due_date for i in later), default=None)
    assert sorted(i.ref for i in sheet.contested) == sorted(
        i.ref for i in h.invoices if i.ref in open_dispute and i.open_cents > 0 and i.ref not in h.prescribed_refs
    )
    for f in sheet.overdue:
        inv = next(i for i in h.invoices if i.ref == f.ref)
        assert f.days_late == (TODAY - inv.due_date).days > 0
    if overdue:
        assert sheet.oldest_overdue is not None
        assert sheet.oldest_overdue.days_late == max((TODAY - i.due_date).days for i in overdue)
    last = max((e.on for e in h.events), default=None)
    assert sheet.last_contact_on == last
    expected_paid = sum(p.amount_cents for p in h.payments if last and p.paid_on >= last) if last else 0
    assert sheet.paid_since_contact_cents == expected_paid
    for p in sheet.promises:
        src = next(x for x in h.promises if x.ref == p.ref)
        assert p.total_cents == sum(i.amount_cents for i in src.instalments)
        assert p.paid_cents == sum(i.allocated_cents for i in src.instalments)
        assert p.missing_cents == sum(i.amount_cents - i.allocated_cents for i in src.instalments if i.due_date < TODAY)
    for letter in sheet.letters:
        covered = open_at(h, letter.sent_on)
        for ref in letter.invoice_refs:
            inv = next(i for i in h.invoices if i.ref == ref)
            # A letter covers only invoices already issued and overdue on its date.
            assert inv.due_date < letter.sent_on
            assert (inv.issue_date or inv.due_date) < letter.sent_on
            assert covered[ref] > 0
        if not letter.amount_from_letter:
            assert letter.amount_cents == sum(covered[r] for r in letter.invoice_refs)


def allowed(sheet: FactSheet) -> tuple[set[str], set[str], set[str]]:
    cents = {sheet.overdue_cents, sheet.not_yet_due_cents, sheet.contested_cents, sheet.paid_since_contact_cents}
    cents |= {i.open_cents for i in (*sheet.overdue, *sheet.not_yet_due, *sheet.contested)}
    for p in sheet.promises:
        cents |= {p.total_cents, p.paid_cents, p.total_cents - p.paid_cents}
    cents |= {x.amount_cents for x in sheet.letters}
    cents |= {sheet.penalty_cents, sheet.indemnity_cents} - {0}
    dates = {format_date_fr(i.due_date) for i in sheet.overdue}
    dates |= {short_date(i.due_date) for i in sheet.not_yet_due}
    dates |= {format_date_fr(p.first_due) for p in sheet.promises}
    dates |= {format_date_fr(x.sent_on) for x in sheet.letters}
    refs = {i.ref for i in (*sheet.overdue, *sheet.contested, *sheet.awaiting_credit)}
    refs |= {r for x in sheet.letters for r in x.invoice_refs}
    return {format_eur(c) for c in cents}, dates, refs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_every_rendered_fact_is_on_the_sheet_and_true(h: FactInputs) -> None:
    sheet = build_fact_sheet(h, TODAY)
    check_sheet_is_true(h, sheet)
    amounts, dates, refs = allowed(sheet)
    variables = wording(sheet)
    for script in LIBRARY:
        rendered = render(script, variables, collection_agency=True)
        lines = [line for key in PHASES for line in rendered.phases[key].splitlines()]
        lines += [f"{o} → {a}" for o, a in rendered.objections]
        for line in lines:
            assert "{" not in line and " — " not in line.replace("« — »", ""), (script.id, line)
            for amount in EUR_RE.findall(line):
                if amount in ("40,00 €",):  # the legal 40 € recovery indemnity, not a ledger figure
                    continue
                assert amount in amounts, (script.id, line)
            for day in DATE_RE.findall(line):
                assert day in dates, (script.id, line)
            for ref in REF_RE.findall(line):
                assert ref in refs, (script.id, line)
                assert ref not in h.prescribed_refs, (script.id, line)
            if "pénalités de retard" in line and EUR_RE.search(line):
                assert sheet.segment == "B2B" and script.tone == "ferme", (script.id, line)
            if "Vous n'avez pas répondu à nos " in line or "Malgré nos " in line:
                said = {c for c, word in CHANNEL_WORDS.items() if re.search(rf"\b{word}\b", line)}
                assert said == set(sheet.streak_channels), (script.id, line)
            if "aucun règlement ne nous est parvenu" in line:
                assert sheet.promises[0].paid_cents == 0
            if "la plus ancienne depuis" in line and sheet.oldest_overdue:
                assert f"depuis {sheet.oldest_overdue.days_late} jour" in line
