"""« Déjà payé — à vérifier » and « paiement immédiat »: the debtor is held while the payment
is awaited, then comes back first (« paiement annoncé non reçu »).

NOW = Tue 17 Nov 2026 10:00 UTC (11:00 Paris). 5 working days after Tue 17 (Paris, no
holiday): Wed 18, Thu 19, Fri 20, Mon 23, Tue 24 → held until Tue 24/11 00:00 Paris
= Mon 23/11 23:00 UTC.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from queue_helpers import Debtor, Env, days_before, make_env, utc
from recouvre_tui.cli import main
from recouvre_tui.domain.areas import area_by_code
from recouvre_tui.domain.events import EventKind, classify
from recouvre_tui.domain.payment_check import check_end_day
from recouvre_tui.services.outcome import AnnouncedPayment, OutcomeError
from recouvre_tui.tui.queue.why import rank_label

MON_23 = utc(2026, 11, 23, 10, 0)
TUE_24 = utc(2026, 11, 24, 10, 0)
HOLD_ENDS = "2026-11-23 23:00:00"


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = make_env(tmp_path)
    e.add_debtors(
        [
            Debtor("D1", agent="alice", invoices=[("F-D1", days_before(40), "300")]),
            Debtor("D2", agent="alice", invoices=[("F-D2", days_before(40), "1000")]),
        ]
    )
    return e


def _already_paid(env: Env, ref: str = "D1", amount: int = 30_000, **kw: object) -> None:
    env.outcome(
        "alice",
        ref,
        "already_paid",
        payment=AnnouncedPayment(date(2026, 11, 16), amount, "virement VIR-881"),
        **kw,  # type: ignore[arg-type]
    )


def test_five_working_days_skip_weekends_and_the_areas_holidays() -> None:
    metro = area_by_code("FR")
    assert check_end_day(metro, date(2026, 11, 17), 5) == date(2026, 11, 24)
    # Fri 6 Nov → Mon 9, Tue 10, Thu 12, Fri 13, Mon 16 (Wed 11 Nov is a holiday)
    assert check_end_day(metro, date(2026, 11, 6), 5) == date(2026, 11, 16)
    # La Réunion: Sun 20 Dec is its abolition day, Fri 25 Christmas.
    # Fri 18 Dec → Mon 21, Tue 22, Wed 23, Thu 24, Mon 28
    assert check_end_day(area_by_code("974"), date(2026, 12, 18), 5) == date(2026, 12, 28)


def test_already_paid_holds_then_comes_back_first(env: Env) -> None:
    _already_paid(env)
    row = env.rows("SELECT paid_on, amount_cents, reference, until, done_at FROM payment_checks")
    assert row == [("2026-11-16", 30_000, "virement VIR-881", HOLD_ENDS, None)]
    assert env.refs("alice") == ["D2"]
    assert env.blocked("alice", "D1", now=MON_23) == ["payment_check"]
    (d1,) = [e for e in env.queue("alice", now=MON_23, include_blocked=True) if e.debtor_ref == "D1"]
    assert d1.explanations == ["paiement annoncé, en vérification jusqu'au 24/11"]
    # Tue 24: not received → first, whatever the scores (D2's balance is bigger).
    first = env.queue("alice", now=TUE_24)[0]
    assert (first.debtor_ref, first.priority_class) == ("D1", 0)
    assert first.reasons.startswith("paiement annoncé non reçu · ")
    assert first.status == "paiement non reçu"  # the queue's status column, not « rappel prévu »
    assert rank_label(first) == "paiement annoncé non reçu, à rappeler en premier"  # « Pourquoi ? »
    taken = env.take("alice", now=TUE_24)
    assert taken is not None and taken.debtor_ref == "D1"
    # Once called about it, it goes back to its place.
    env.outcome("alice", "D1", "no_answer", now=TUE_24)
    assert env.rows("SELECT done_at FROM payment_checks") == [("2026-11-24 10:00:00",)]
    assert [e.debtor_ref for e in env.queue("alice", now=TUE_24 + timedelta(hours=5))] == ["D2", "D1"]


def test_a_payment_imported_after_the_call_covers_it(env: Env) -> None:
    _already_paid(env)
    # Wed: 100 € arrive (less than the 300 € announced): still held.
    env.add_payments([("D1", "P-1", "2026-11-16", "100")], now=utc(2026, 11, 18, 3))
    assert env.blocked("alice", "D1", now=utc(2026, 11, 18, 10)) == ["payment_check"]
    env.add_payments([("D1", "P-2", "2026-11-16", "150")], now=utc(2026, 11, 19, 3))
    # 250 € of 300 €: still held
    assert env.blocked("alice", "D1", now=utc(2026, 11, 19, 10)) == ["payment_check"]
    env.add_payments([("D1", "P-3", "2026-11-16", "50")], now=utc(2026, 11, 19, 4))
    # 300 € received: the balance is 0 → out of the queue, and it never comes back.
    assert env.rows("SELECT balance_cents FROM debtors WHERE ref = 'D1'") == [(0,)]
    assert "D1" not in env.refs("alice", now=TUE_24)
    assert [e.debtor_ref for e in env.queue("alice", now=TUE_24, include_blocked=True)] == ["D2"]


def test_a_covering_payment_lifts_the_hold_even_with_a_balance_left(env: Env) -> None:
    # D2 owes 1 000 € and says it paid 400 €: once 400 € are imported it is callable again.
    _already_paid(env, "D2", 40_000)
    assert env.refs("alice") == ["D1"]
    env.add_payments([("D2", "P-9", "2026-11-17", "400")], now=utc(2026, 11, 17, 12))
    assert env.blocked("alice", "D2", now=utc(2026, 11, 18, 10)) == []
    # and it does not come back first on the 24th
    assert all(e.priority_class != 0 for e in env.queue("alice", now=TUE_24))


def test_a_payment_imported_before_the_call_does_not_count(env: Env) -> None:
    env.add_payments([("D2", "P-OLD", "2026-11-10", "400")], now=utc(2026, 11, 17, 3))
    _already_paid(env, "D2", 40_000)
    assert env.blocked("alice", "D2", now=MON_23) == ["payment_check"]


def test_paid_holds_the_same_way_without_a_payment_detail(env: Env) -> None:
    env.outcome("alice", "D2", "paid")
    assert env.rows("SELECT amount_cents, until FROM payment_checks") == [(0, HOLD_ENDS)]
    assert env.blocked("alice", "D2", now=MON_23) == ["payment_check"]
    # any payment imported afterwards covers an amount not given
    env.add_payments([("D2", "P-1", "2026-11-17", "10")], now=utc(2026, 11, 18, 3))
    assert env.blocked("alice", "D2", now=utc(2026, 11, 18, 10)) == []


@pytest.mark.parametrize(
    ("payment", "field_message"),
    [
        (None, ("payment", "« déjà payé » demande la date et le montant du paiement annoncé")),
        (
            AnnouncedPayment(date(2026, 11, 18), 100),
            ("paid_on", "la date du paiement ne peut pas être dans le futur"),
        ),
        (AnnouncedPayment(date(2026, 11, 16), 0), ("payment_amount", "le montant payé doit être positif")),
        (AnnouncedPayment(None, 100), ("paid_on", "date du paiement obligatoire")),
        (
            AnnouncedPayment(date(2026, 11, 16), 100, "x" * 201),
            ("reference", "référence trop longue (201 caractères, 200 au plus)"),
        ),
    ],
)
def test_bad_announced_payments_are_refused_and_change_nothing(
    env: Env, payment: AnnouncedPayment | None, field_message: tuple[str, str]
) -> None:
    before = env.snapshot()
    with pytest.raises(OutcomeError) as exc:
        env.outcome("alice", "D1", "already_paid", payment=payment)
    assert exc.value.errors == [field_message]
    assert env.snapshot() == before
    assert env.rows("SELECT COUNT(*) FROM payment_checks") == [(0,)]


def test_a_payment_with_another_disposition_is_refused(env: Env) -> None:
    with pytest.raises(OutcomeError) as exc:
        env.outcome("alice", "D1", "no_answer", payment=AnnouncedPayment(date(2026, 11, 16), 100))
    assert exc.value.errors == [("payment", "pas de paiement annoncé avec l'issue « pas de réponse »")]


def test_already_paid_is_a_right_party_response_for_the_wear() -> None:
    assert classify("call", "out", "already_paid") is EventKind.RESPONSE


def _cli(env: Env, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["--db", str(env.db), *args, "--now", "2026-11-17T11:00"])
    return r.exit_code, r.output


def test_cli_already_paid(env: Env) -> None:
    code, out = _cli(
        env, "outcome", "--agent", "alice", "D1", "--disposition", "already_paid",
        "--paid-on", "16/11/2026", "--amount", "300,00", "--reference", "chèque 1234",
    )  # fmt: skip
    assert code == 0, out
    assert out == "issue « déjà payé — à vérifier » enregistrée pour D1, paiement à vérifier\n"
    assert env.rows("SELECT paid_on, amount_cents, reference, until FROM payment_checks") == [
        ("2026-11-16", 30_000, "chèque 1234", HOLD_ENDS)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--paid-on", "16/11/2026"], "--amount: montant payé obligatoire avec --paid-on ou --reference"),
        (["--paid-on", "31/02/2026", "--amount", "10"], "--paid-on: date impossible « 31/02/2026 »"),
        ([], "payment: « déjà payé » demande la date et le montant du paiement annoncé"),
    ],
)
def test_cli_already_paid_refusals(env: Env, args: list[str], message: str) -> None:
    code, out = _cli(env, "outcome", "--agent", "alice", "D1", "--disposition", "already_paid", *args)
    assert code == 1
    assert out == f"{message}\nerreur : issue non enregistrée ; rien n'a été modifié\n"
    assert env.rows("SELECT COUNT(*) FROM events") == [(0,)]


def test_payments_not_received_at_the_same_instant_come_in_debtor_order(tmp_path: Path) -> None:
    """Nine announced payments, held until two instants, ties at each: the first hold over
    first, then the debtors in their order, on both stores (PostgreSQL sorted the ties
    another way without the tie-break)."""
    env = make_env(tmp_path)
    refs = [f"K{i}" for i in range(1, 10)]
    env.add_debtors([Debtor(r, agent="alice", invoices=[(f"F-{r}", days_before(40), "300")]) for r in refs])
    for i, ref in enumerate(refs):  # odd ones announced a day later: held a day longer
        _already_paid(env, ref, amount=1_000, now=utc(2026, 11, 17 + (i % 2 == 0), 10))
    at = utc(2026, 11, 26, 10)
    first = env.queue("alice", now=at)[:9]
    assert [e.debtor_ref for e in first] == ["K2", "K4", "K6", "K8", "K1", "K3", "K5", "K7", "K9"]
    assert {e.front_reason for e in first} == {"paiement annoncé non reçu"}
    taken = env.take("alice", now=at)
    assert taken is not None and taken.debtor_ref == "K2"
