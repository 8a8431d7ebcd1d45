"""Penalties, indemnity, B2C interest and prescription (domain/legal.py), hand-computed.

Rates used (shipped tables): ECB main refinancing rate on 01/01/2024 4.50 %, on 01/07/2024
4.25 %, on 01/01/2025 3.15 %, on 01/07/2025 2.15 %; legal rate for individuals from
01/07/2025 6.65 %, for professionals 2.76 %.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre_tui.domain.config import LegalRules
from recouvre_tui.domain.legal import (
    DebtorFacts,
    Invoice,
    Payment,
    RateTable,
    claim_statement,
    is_prescribed,
    last_day_to_act,
    prescribing_within,
    prescription_summary,
    unpaid_history,
)
from recouvre_tui.legal_data import legal_problems, rates_for
from recouvre_tui.settings import ConfigError, load_settings

RATES = rates_for(LegalRules())


def b2b(*invoices: Invoice, payments: tuple[Payment, ...] = (), **kw: object) -> DebtorFacts:
    return DebtorFacts("B2B", tuple(invoices), payments, **kw)  # type: ignore[arg-type]


def only(facts: DebtorFacts, today: date, rates=RATES):
    st_ = claim_statement(facts, today, rates)
    assert len(st_.rows) == 1
    return st_.rows[0]


def test_shipped_tables_semester_rates() -> None:
    assert RATES.penalty_rate_on(date(2024, 3, 1)) == pytest.approx(14.50)
    assert RATES.penalty_rate_on(date(2024, 12, 31)) == pytest.approx(14.25)
    assert RATES.penalty_rate_on(date(2025, 6, 30)) == pytest.approx(13.15)
    assert RATES.penalty_rate_on(date(2025, 7, 1)) == pytest.approx(12.15)
    assert RATES.ecb.rate_on(date(2025, 6, 11)) == 2.15
    assert RATES.ecb.rate_on(date(2025, 6, 10)) == 2.40
    assert RATES.legal_individuals.rate_on(date(2025, 9, 1)) == 6.65


def test_penalties_across_a_semester_change() -> None:
    # 10 000 € due 20/06/2025, unpaid on 10/07/2025: 10 days at 13.15 %, 10 days at 12.15 %.
    # 1 000 000 c × (13.15 × 10 + 12.15 × 10) / 36 500 = 6 931.507 c → 69.32 €.
    row = only(b2b(Invoice("F1", date(2025, 6, 20), 1_000_000)), date(2025, 7, 10))
    assert (row.days_late, row.principal_cents, row.penalty_cents, row.indemnity_cents) == (20, 1_000_000, 6_932, 4_000)


def test_partial_payment_in_the_middle_lowers_the_base_after_its_date() -> None:
    # 1 000 € due 31/03/2024, 400 € paid 30/04/2024, on 31/05/2024 at 14.50 %:
    # (100 000 × 30 + 60 000 × 31) × 14.5 / 36 500 = 1 930.68 c → 19.31 €.
    facts = b2b(Invoice("F1", date(2024, 3, 31), 100_000), payments=(Payment(date(2024, 4, 30), 40_000, "F1"),))
    row = only(facts, date(2024, 5, 31))
    assert (row.days_late, row.principal_cents, row.penalty_cents) == (61, 60_000, 1_931)


def test_invoice_paid_late_keeps_the_penalties_accrued_until_payment() -> None:
    # 2 000 € due 30/06/2024 paid 15/07/2024: 15 days at 14.25 % = 1 171.23 c → 11.71 €.
    facts = b2b(Invoice("F1", date(2024, 6, 30), 200_000), payments=(Payment(date(2024, 7, 15), 200_000),))
    row = only(facts, date(2024, 12, 1))
    assert (row.days_late, row.principal_cents, row.penalty_cents, row.indemnity_cents) == (15, 0, 1_171, 4_000)
    assert row.paid_on == date(2024, 7, 15)
    # A payment dated after "today" is not known yet: still unpaid on 10/07 (10 days).
    early = only(facts, date(2024, 7, 10))
    assert (early.principal_cents, early.days_late, early.penalty_cents) == (200_000, 10, 781)


def test_paid_on_time_or_not_due_is_not_late() -> None:
    paid = b2b(Invoice("F1", date(2024, 6, 30), 200_000), payments=(Payment(date(2024, 6, 30), 200_000),))
    assert claim_statement(paid, date(2024, 12, 1), RATES).rows == ()
    due_today = b2b(Invoice("F1", date(2024, 6, 30), 200_000))
    assert claim_statement(due_today, date(2024, 6, 30), RATES).rows == ()
    assert only(due_today, date(2024, 7, 1)).days_late == 1


def test_b2c_no_penalty_no_indemnity_and_legal_interest_only_after_a_formal_notice() -> None:
    inv = Invoice("F1", date(2025, 6, 20), 1_000_000)
    facts = DebtorFacts("B2C", (inv,), formal_notices=(date(2025, 7, 5),))
    row = only(facts, date(2025, 7, 10))
    assert (row.days_late, row.penalty_cents, row.indemnity_cents) == (20, 0, 0)
    # Optional interest: 06/07 … 10/07 at 6.65 %: 1 000 000 × 6.65 × 5 / 36 500 = 910.96 c.
    with_interest = replace(RATES, b2c_legal_interest=True)
    assert only(facts, date(2025, 7, 10), with_interest).penalty_cents == 911
    no_notice = DebtorFacts("B2C", (inv,))
    assert only(no_notice, date(2025, 7, 10), with_interest).penalty_cents == 0


def test_contractual_rate_replaces_ecb_plus_ten() -> None:
    # 12 % flat over the same 20 days: 1 000 000 × 12 × 20 / 36 500 = 6 575.34 c.
    rates = replace(RATES, contract_rate=12.0)
    assert only(b2b(Invoice("F1", date(2025, 6, 20), 1_000_000)), date(2025, 7, 10), rates).penalty_cents == 6_575


def test_contractual_rate_below_the_floor_is_refused(tmp_path: Path) -> None:
    # Floor: 3 × 2.76 % (professionals, from 01/07/2025) = 8.28 %.
    assert legal_problems(LegalRules(contract_penalty_rate=8.28)) == []
    (problem,) = legal_problems(LegalRules(contract_penalty_rate=8.27))
    assert problem[0] == "legal.contract_penalty_rate"
    assert "8,28 %" in problem[1]
    cfg = tmp_path / "c.toml"
    cfg.write_text("[legal]\ncontract_penalty_rate = 8.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"contract_penalty_rate: 8 % est inférieur au plancher légal de 8,28 %"):
        load_settings(cfg)
    # A later legal rate added in the configuration moves the floor: 3 × 1.5 = 4.5 %.
    cfg.write_text('[legal]\ncontract_penalty_rate = 5.0\nlegal_rates = [["2026-01-01", 6.0, 1.5]]\n', encoding="utf-8")
    assert load_settings(cfg).legal.contract_penalty_rate == 5.0


def test_configured_ecb_rates_extend_the_shipped_table(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[legal]\necb_rates = [["2025-12-17", 1.90]]\n', encoding="utf-8")
    rates = rates_for(load_settings(cfg).legal)
    assert rates.penalty_rate_on(date(2026, 2, 1)) == pytest.approx(11.90)
    assert rates.penalty_rate_on(date(2025, 12, 31)) == pytest.approx(12.15)
    for bad, msg in (
        ('[["2025-13-01", 1.0]]', r"ecb_rates\[0\]\[0\]: date AAAA-MM-JJ attendue"),
        ('[["2025-12-01", 1.0], ["2025-11-01", 1.0]]', r"ecb_rates\[1\]: les dates doivent croître"),
        ('[["2025-12-01"]]', r"ecb_rates\[0\]: \[\"AAAA-MM-JJ\", taux\] attendu"),
        ('[["2025-12-01", 500]]', r"ecb_rates\[0\]\[1\]"),
    ):
        cfg.write_text(f"[legal]\necb_rates = {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=msg):
            load_settings(cfg)


def test_credit_note_and_unnamed_payment_settle_the_oldest_first() -> None:
    facts = b2b(
        Invoice("A", date(2024, 1, 31), 50_000),
        Invoice("B", date(2024, 2, 29), 50_000),
        Invoice("AV", date(2024, 3, 10), -20_000, issue=date(2024, 3, 10)),
        payments=(Payment(date(2024, 3, 1), 40_000),),
    )
    hist = unpaid_history(facts, date(2024, 4, 1))
    assert hist["A"] == [(date(2024, 3, 1), 10_000), (date(2024, 3, 10), 0)]
    assert hist["B"] == [(date(2024, 3, 10), 40_000)]


# --- prescription --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "due"),
    [("B2C", date(2024, 3, 15)), ("B2B", date(2021, 3, 15))],
)
def test_prescription_boundary_day_before_on_after(segment: str, due: date) -> None:
    assert last_day_to_act(due, segment) == date(2026, 3, 15)
    assert not is_prescribed(due, segment, [], date(2026, 3, 14))
    assert not is_prescribed(due, segment, [], date(2026, 3, 15))  # the last day to act
    assert is_prescribed(due, segment, [], date(2026, 3, 16))


def test_prescription_restarted_by_payment_or_acknowledgment_not_by_formal_notice() -> None:
    inv = Invoice("F1", date(2024, 3, 15), 100_000)
    today = date(2026, 3, 16)
    plain = DebtorFacts("B2C", (inv,))
    noticed = DebtorFacts("B2C", (inv,), formal_notices=(date(2025, 1, 10),))
    paid = DebtorFacts("B2C", (inv,), (Payment(date(2025, 1, 10), 10_000),))
    acknowledged = DebtorFacts("B2C", (inv,), acknowledgments=(date(2025, 1, 10),))
    for facts, prescribed in ((plain, True), (noticed, True), (paid, False), (acknowledged, False)):
        st_ = claim_statement(facts, today, RATES)
        assert bool(st_.prescribed) is prescribed
        assert st_.all_overdue_prescribed is prescribed
    row = claim_statement(paid, today, RATES).rows[0]
    assert row.last_day_to_act == date(2027, 1, 10)
    assert row.principal_cents == 90_000
    # A prescribed invoice leaves the amounts claimed.
    gone = claim_statement(plain, today, RATES)
    assert (gone.total_principal_cents, gone.prescribed_cents) == (0, 100_000)


def test_a_payment_after_prescription_does_not_revive_the_claim() -> None:
    due = date(2024, 3, 15)
    assert last_day_to_act(due, "B2C", [date(2026, 3, 15)]) == date(2028, 3, 15)  # on the last day
    assert last_day_to_act(due, "B2C", [date(2026, 3, 16)]) == date(2026, 3, 15)  # a day too late
    # Restarts chain: each one made before the period then running ended.
    assert last_day_to_act(due, "B2C", [date(2025, 1, 10), date(2026, 12, 1)]) == date(2028, 12, 1)


def test_leap_day_due_date_prescribes_on_28_february() -> None:
    assert last_day_to_act(date(2024, 2, 29), "B2C") == date(2026, 2, 28)


def test_prescribing_within_lists_the_invoices_to_act_on() -> None:
    facts = DebtorFacts(
        "B2C",
        (Invoice("OLD", date(2024, 3, 15), 100_000), Invoice("NEW", date(2025, 3, 15), 50_000)),
    )
    assert prescribing_within(facts, date(2026, 1, 1), 90) == [("OLD", 100_000, date(2026, 3, 15))]
    assert prescribing_within(facts, date(2026, 3, 16), 90) == []  # prescribed: too late


# --- properties ----------------------------------------------------------------------------------

_days = st.integers(min_value=0, max_value=2_000)
_amounts = st.integers(min_value=1, max_value=10_000_000)
_BASE = date(2019, 1, 1)


@st.composite
def _invoice_and_payments(draw: st.DrawFn, ref: str = "F") -> tuple[Invoice, tuple[Payment, ...]]:
    due = _BASE + timedelta(days=draw(_days))
    amount = draw(_amounts)
    pays = draw(st.lists(st.tuples(_days, _amounts), max_size=4))
    return Invoice(ref, due, amount), tuple(Payment(_BASE + timedelta(days=d), a, ref) for d, a in pays)


@given(_invoice_and_payments(), st.integers(0, 2_500), st.integers(0, 400), st.sampled_from(["B2B", "B2C"]))
def test_penalties_never_decrease_with_time(case, offset: int, more: int, segment: str) -> None:
    inv, pays = case
    t1 = _BASE + timedelta(days=offset)
    pays = tuple(p for p in pays if p.paid_on <= t1)  # the facts known at t1 do not change
    facts = DebtorFacts(segment, (inv,), pays)
    rates = replace(RATES, b2c_legal_interest=True)
    a = claim_statement(facts, t1, rates)
    b = claim_statement(facts, t1 + timedelta(days=more), rates)
    total = lambda s: sum(r.penalty_cents for r in (*s.rows, *s.prescribed))  # noqa: E731
    assert total(b) >= total(a)


@given(_invoice_and_payments(), st.integers(-400, 0))
def test_nothing_is_owed_up_to_the_due_date(case, before: int) -> None:
    inv, pays = case
    today = inv.due + timedelta(days=before)
    st_ = claim_statement(b2b(inv, payments=pays), today, RATES)
    assert st_.rows == () and st_.prescribed == ()


@given(_invoice_and_payments("A"), _invoice_and_payments("B"), st.integers(0, 2_500))
def test_penalties_add_up_over_invoices(a, b, offset: int) -> None:
    today = _BASE + timedelta(days=offset)
    # Payments naming each invoice and never above it: nothing spills over to the other.
    (ia, pa), (ib, pb) = a, b

    def capped(inv: Invoice, pays: tuple[Payment, ...]) -> tuple[Payment, ...]:
        left, out = inv.amount_cents, []
        for p in sorted(pays, key=lambda p: p.paid_on):
            if left > 0:
                out.append(replace(p, amount_cents=min(p.amount_cents, left)))
                left -= out[-1].amount_cents
        return tuple(out)

    pa, pb = capped(ia, pa), capped(ib, pb)
    pays = (*pa, *pb)
    both = claim_statement(b2b(ia, ib, payments=pays), today, RATES)
    # Prescription restarts with any payment of the debtor: compare the amounts alone.
    one_a = claim_statement(b2b(ia, payments=pa), today, RATES)
    one_b = claim_statement(b2b(ib, payments=pb), today, RATES)

    def amounts(s):
        return sorted((r.invoice_ref, r.penalty_cents, r.indemnity_cents) for r in (*s.rows, *s.prescribed))

    assert amounts(both) == sorted(amounts(one_a) + amounts(one_b))


@given(_invoice_and_payments("A"), _invoice_and_payments("B"), st.integers(0, 3_000), st.sampled_from(["B2B", "B2C"]))
def test_queue_summary_agrees_with_the_statement(a, b, offset: int, segment: str) -> None:
    (ia, pa), (ib, pb) = a, b
    facts = DebtorFacts(segment, (ia, ib), (*pa, *pb))
    today = _BASE + timedelta(days=offset)
    statement = claim_statement(facts, today, RATES)
    assert prescription_summary(facts, today) == (statement.prescribed_cents, statement.all_overdue_prescribed)


def test_rate_table_before_its_first_date_is_an_error() -> None:
    table = RateTable.merged([(date(2020, 1, 1), 1.0)])
    with pytest.raises(ValueError, match="aucun taux connu"):
        table.rate_on(date(2019, 12, 31))
