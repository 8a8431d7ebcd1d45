"""Priority (docs/rules.md, docs/priority.md): classes, score components computed by hand, order, explanation."""

from __future__ import annotations

import pytest

from recouvre_tui.domain.config import ScoreWeights
from recouvre_tui.domain.priority import (
    Component,
    Score,
    ScoreInput,
    explain,
    priority_class,
    score,
    sort_key,
)

W = ScoreWeights()
CODES = (
    "balance",
    "days_past_due",
    "broken_promises",
    "never_contacted",
    "payment_behaviour",
    "wear",
)
NNBSP = "\u202f"  # thousands separator, as in money.format_eur


def make(
    balance_cents: int = 0,
    days_past_due: int = 0,
    broken_promises: int = 0,
    never_contacted: bool = False,
    avg_payment_delay_days: float | None = None,
    wear_streak: int = 0,
) -> ScoreInput:
    return ScoreInput(
        balance_cents=balance_cents,
        days_past_due=days_past_due,
        broken_promises=broken_promises,
        never_contacted=never_contacted,
        avg_payment_delay_days=avg_payment_delay_days,
        wear_streak=wear_streak,
    )


def points(s: Score) -> dict[str, float]:
    return {c.code: c.points for c in s.components}


def details(s: Score) -> dict[str, str]:
    return {c.code: c.detail for c in s.components}


# --------------------------------------------------------------------------- score


def test_worked_example_of_docs() -> None:
    # 4 230 € → 10 × log10(4 230) = 10 × 3.6263 = 36.263 → 36.3
    # 83 days → 83 × 0.3 = 24.9 ; 2 broken → 2 × 10 = 20 ; already reached → 0
    # average delay 12.5 days → 12.5 × 0.2 = 2.5 ; streak 4 → 4 × −2 = −8
    # total 36.3 + 24.9 + 20 + 0 + 2.5 − 8 = 75.7
    s = score(make(423_000, 83, 2, False, 12.5, 4), W)
    assert tuple(c.code for c in s.components) == CODES
    assert points(s) == {
        "balance": 36.3,
        "days_past_due": 24.9,
        "broken_promises": 20.0,
        "never_contacted": 0.0,
        "payment_behaviour": 2.5,
        "wear": -8.0,
    }
    assert s.total == 75.7
    assert details(s) == {
        "balance": f"solde 4{NNBSP}230 €",
        "days_past_due": "retard 83 j",
        "broken_promises": "2 promesses rompues",
        "never_contacted": "déjà joint",
        "payment_behaviour": "retard moyen de paiement 12,5 j",
        "wear": "4 relances sans réponse",
    }
    assert [c.label for c in s.components] == [
        "Solde",
        "Retard",
        "Promesses rompues",
        "Jamais joint",
        "Comportement de paiement",
        "Usure des relances",
    ]
    assert explain(s) == (
        f"solde 4{NNBSP}230 € +36,3 · retard 83 j +24,9 · 2 promesses rompues +20 · "
        "déjà joint +0 · retard moyen de paiement 12,5 j +2,5 · 4 relances sans réponse −8"
    )


@pytest.mark.parametrize(
    ("balance_cents", "expected", "detail"),
    [
        (-150_000, 0.0, "solde -1\u202f500 €"),  # credit: log10(max(-1 500, 1)) = 0
        (0, 0.0, "solde 0 €"),
        (50, 0.0, "solde 1 €"),  # 0,50 € → max(0.5, 1) = 1 → log10 1 = 0 (shown rounded)
        (100, 0.0, "solde 1 €"),  # 1 € → 0
        (1_000, 10.0, "solde 10 €"),  # 10 × log10 10 = 10
        (10_000, 20.0, "solde 100 €"),  # 10 × 2 = 20
        (100_000, 30.0, "solde 1\u202f000 €"),  # 10 × 3 = 30
        (123_456, 30.9, "solde 1\u202f235 €"),  # 10 × log10 1 234.56 = 30.915 → 30.9
        (423_049, 36.3, "solde 4\u202f230 €"),  # 10 × 3.62639 = 36.264 → 36.3
        (423_050, 36.3, "solde 4\u202f231 €"),  # half a euro rounds up in the detail
        (1_000_000, 40.0, "solde 10\u202f000 €"),  # 10 × 4 = 40
        (100_000_000, 60.0, "solde 1\u202f000\u202f000 €"),  # 10 × 6 = 60, no cap
    ],
)
def test_balance_on_a_log_scale(balance_cents: int, expected: float, detail: str) -> None:
    s = score(make(balance_cents=balance_cents), W)
    assert points(s)["balance"] == expected
    assert details(s)["balance"] == detail


@pytest.mark.parametrize(
    ("days", "expected", "detail"),
    [
        (-5, 0.0, "retard 0 j"),  # not yet due
        (0, 0.0, "retard 0 j"),
        (1, 0.3, "retard 1 j"),  # 1 × 0.3
        (83, 24.9, "retard 83 j"),  # 83 × 0.3
        (99, 29.7, "retard 99 j"),  # 99 × 0.3
        (100, 30.0, "retard 100 j"),  # 100 × 0.3 = 30 = cap
        (365, 30.0, "retard 365 j"),  # 109.5 capped at 30
    ],
)
def test_days_past_due(days: int, expected: float, detail: str) -> None:
    s = score(make(days_past_due=days), W)
    assert points(s)["days_past_due"] == expected
    assert details(s)["days_past_due"] == detail


@pytest.mark.parametrize(
    ("n", "expected", "detail"),
    [
        (0, 0.0, "aucune promesse rompue"),
        (1, 10.0, "1 promesse rompue"),  # 1 × 10
        (2, 20.0, "2 promesses rompues"),  # 2 × 10
        (3, 30.0, "3 promesses rompues"),  # 3 × 10 = cap
        (5, 30.0, "5 promesses rompues"),  # 50 capped at 30
    ],
)
def test_broken_promises(n: int, expected: float, detail: str) -> None:
    s = score(make(broken_promises=n), W)
    assert points(s)["broken_promises"] == expected
    assert details(s)["broken_promises"] == detail


@pytest.mark.parametrize(
    ("never", "expected", "detail"),
    [(True, 15.0, "jamais joint"), (False, 0.0, "déjà joint")],
)
def test_never_contacted(never: bool, expected: float, detail: str) -> None:
    s = score(make(never_contacted=never), W)
    assert points(s)["never_contacted"] == expected
    assert details(s)["never_contacted"] == detail


@pytest.mark.parametrize(
    ("avg", "expected", "detail"),
    [
        (None, 0.0, "pas d'historique de paiement"),
        (-4.0, 0.0, "paie en moyenne 4 j en avance"),  # max(−4, 0) = 0
        (0.0, 0.0, "retard moyen de paiement 0 j"),
        (7.3, 1.5, "retard moyen de paiement 7,3 j"),  # 7.3 × 0.2 = 1.46 → 1.5
        (12.5, 2.5, "retard moyen de paiement 12,5 j"),  # 12.5 × 0.2
        (50.0, 10.0, "retard moyen de paiement 50 j"),  # 10 = cap
        (80.0, 10.0, "retard moyen de paiement 80 j"),  # 16 capped at 10
    ],
)
def test_payment_behaviour(avg: float | None, expected: float, detail: str) -> None:
    s = score(make(avg_payment_delay_days=avg), W)
    assert points(s)["payment_behaviour"] == expected
    assert details(s)["payment_behaviour"] == detail


@pytest.mark.parametrize(
    ("streak", "expected", "detail"),
    [
        (0, 0.0, "aucune relance sans réponse"),
        (1, 0.0, "1 relance sans réponse"),  # below 3: no wear
        (2, 0.0, "2 relances sans réponse"),
        (3, -6.0, "3 relances sans réponse"),  # 3 × −2
        (4, -8.0, "4 relances sans réponse"),  # 4 × −2
        (5, -10.0, "5 relances sans réponse"),  # 5 × −2 = cap
        (6, -10.0, "6 relances sans réponse"),  # max(−12, −10)
        (20, -10.0, "20 relances sans réponse"),  # max(−40, −10)
    ],
)
def test_wear(streak: int, expected: float, detail: str) -> None:
    s = score(make(wear_streak=streak), W)
    assert points(s)["wear"] == expected
    assert details(s)["wear"] == detail


def test_caps_everywhere() -> None:
    # 100 € → 20 ; 150 days → 45 capped 30 ; 5 broken → 50 capped 30 ; never reached 15 ;
    # no history 0 ; streak 2 → 0. Total 95.
    s = score(make(10_000, 150, 5, True, None, 2), W)
    assert [c.points for c in s.components] == [20.0, 30.0, 30.0, 15.0, 0.0, 0.0]
    assert s.total == 95.0


def test_total_is_the_sum_of_the_rounded_components() -> None:
    # 1,11 € → 10 × log10 1.11 = 0.453 → 0.5 ; delay 2.3 j → 0.46 → 0.5
    # rounded components add up to 1.0 (the raw sum 0.913 would round to 0.9)
    s = score(make(balance_cents=111, avg_payment_delay_days=2.3), W)
    assert points(s)["balance"] == 0.5
    assert points(s)["payment_behaviour"] == 0.5
    assert s.total == 1.0


def test_total_has_no_float_noise() -> None:
    # 36.3 + 24.9 = 61.2 exactly as shown (61.199999… in binary floats)
    s = score(make(423_000, 83), W)
    assert s.total == 61.2
    assert str(s.total) == "61.2"


def test_configured_weights() -> None:
    w = ScoreWeights(
        balance_per_log10_eur=5.0,
        days_past_due_per_day=1.0,
        days_past_due_cap=10.0,
        broken_promise_each=7.0,
        broken_promise_cap=100.0,
        never_contacted=3.0,
        late_payer_per_day=1.0,
        late_payer_cap=2.0,
        wear_per_reminder=-1.0,
        wear_cap=-4.0,
    )
    # 1 000 € → 5 × 3 = 15 ; 8 days → 8 ; 2 broken → 14 ; never → 3 ; delay 5 → 5 capped 2 ;
    # streak 3 → −3. Total 15 + 8 + 14 + 3 + 2 − 3 = 39.
    s = score(make(100_000, 8, 2, True, 5.0, 3), w)
    assert [c.points for c in s.components] == [15.0, 8.0, 14.0, 3.0, 2.0, -3.0]
    assert s.total == 39.0
    # streak 7 → −7 capped at −4
    assert points(score(make(wear_streak=7), w))["wear"] == -4.0
    # the wear threshold is a parameter: streak 4 with a threshold of 5 → no wear
    assert points(score(make(wear_streak=4), w, wear_min_streak=5))["wear"] == 0.0


def test_zero_score_explanation_lists_all_six() -> None:
    s = score(make(), W)
    assert s.total == 0.0
    assert explain(s) == (
        "solde 0 € +0 · retard 0 j +0 · aucune promesse rompue +0 · déjà joint +0 · "
        "pas d'historique de paiement +0 · aucune relance sans réponse +0"
    )


def test_explain_formats_french_decimals_and_signs() -> None:
    s = Score(
        total=1.0,
        components=(
            Component("balance", "Solde", 30.9, "solde 1 235 €"),
            Component("wear", "Usure des relances", -6.0, "3 relances sans réponse"),
            Component("payment_behaviour", "Comportement de paiement", 0.5, "x"),
        ),
    )
    assert explain(s) == "solde 1 235 € +30,9 · 3 relances sans réponse −6 · x +0,5"


# --------------------------------------------------------------------------- order


@pytest.mark.parametrize(
    ("callback_due", "unfollowed_break", "expected"),
    [
        (True, True, 0),  # a due callback comes first, even with a broken promise
        (True, False, 0),
        (False, True, 1),
        (False, False, 2),
    ],
)
def test_priority_class(callback_due: bool, unfollowed_break: bool, expected: int) -> None:
    assert priority_class(callback_due, unfollowed_break) == expected


def test_sort_key_orders_class_then_score_then_reference() -> None:
    rows = [
        ("D4", 2, 80.0),
        ("B", 2, -3.0),
        ("D1", 0, 10.0),
        ("D3", 1, 50.0),
        ("Z", 2, 95.0),
        ("D5", 2, 80.0),
        ("D2", 1, 90.0),
        ("A9", 2, 80.0),
        ("C0", 2, 0.0),
    ]
    ordered = sorted(rows, key=lambda r: sort_key(r[1], r[2], r[0]))
    assert [r[0] for r in ordered] == ["D1", "D2", "D3", "Z", "A9", "D4", "D5", "C0", "B"]
    # deterministic whatever the input order
    assert sorted(reversed(rows), key=lambda r: sort_key(r[1], r[2], r[0])) == ordered


def test_sort_key_values() -> None:
    assert sort_key(1, 75.7, "D-001") == (1, -75.7, "D-001")
    assert sort_key(2, 0.0, "X") == (2, 0.0, "X")
