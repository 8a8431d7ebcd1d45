"""Promise rules (docs/rules.md, "Promise status"): hand-computed, table-driven cases.

Grace G = 3 days unless said otherwise, so an instalment due on the 10th may be paid up to
the 13th (its deadline) and is missed from the 14th (its `broken_on`).
Amounts are cents: 10_000 = 100,00 €.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from recouvre_tui.domain.areas import AREAS, METROPOLE, Area
from recouvre_tui.domain.codes import InstalmentStatus, PromiseStatus
from recouvre_tui.domain.config import PromiseRules
from recouvre_tui.domain.promises import (
    InstalmentIn,
    PaymentIn,
    PlanError,
    build_schedule,
    evaluate_promise,
    kept_rate,
    max_instalments,
    validate_plan,
)

PAID, MISSED, PENDING = InstalmentStatus.PAID, InstalmentStatus.MISSED, InstalmentStatus.PENDING
KEPT, BROKEN = PromiseStatus.KEPT, PromiseStatus.BROKEN
P_PENDING, CANCELLED = PromiseStatus.PENDING, PromiseStatus.CANCELLED


def d(text: str) -> date:
    """`dd/mm/yyyy` → date, so the tables read like the UI."""
    day, month, year = map(int, text.split("/"))
    return date(year, month, day)


def insts(*rows: tuple[str, int]) -> list[InstalmentIn]:
    return [InstalmentIn(d(due), cents) for due, cents in rows]


def pays(*rows: tuple[str, int]) -> list[PaymentIn]:
    return [PaymentIn(d(on), cents) for on, cents in rows]


# --------------------------------------------------------------------------- evaluate


@dataclass(frozen=True)
class Case:
    recorded: str
    instalments: list[InstalmentIn]
    payments: list[PaymentIn]
    today: str
    status: PromiseStatus
    paid: int
    broken_on: str | None
    # One (status, allocated, allocated in time) per instalment, in due-date order.
    expect: list[tuple[InstalmentStatus, int, int]] = field(default_factory=list)
    cancelled: bool = False


ONE = insts(("10/03/2027", 10_000))  # 100,00 € due 10/03, deadline 10 + 3 = 13/03
TWO = insts(("10/03/2027", 10_000), ("10/04/2027", 10_000))  # deadlines 13/03 and 13/04
THREE = insts(("10/03/2027", 10_000), ("10/04/2027", 10_000), ("10/05/2027", 10_000))
# 4 230,00 € in three monthly instalments of 1 410,00 €; deadlines 18/03, 18/04, 18/05.
PLAN_4230 = insts(("15/03/2027", 141_000), ("15/04/2027", 141_000), ("15/05/2027", 141_000))

# Compact rows read as a table; the formatter would put one field per line.
# fmt: off
EVALUATE_CASES = [
    pytest.param(
        # Paid on 13/03 = 10/03 + 3, the last day of grace: in time.
        Case("01/03/2027", ONE, pays(("13/03/2027", 10_000)), "20/03/2027",
             KEPT, 10_000, None, [(PAID, 10_000, 10_000)]),
        id="paid-on-last-grace-day",
    ),
    pytest.param(
        # Paid on 14/03 > 13/03: too late, missed on 14/03; the late 100,00 € still counts.
        Case("01/03/2027", ONE, pays(("14/03/2027", 10_000)), "20/03/2027",
             BROKEN, 10_000, "14/03/2027", [(MISSED, 10_000, 0)]),
        id="paid-one-day-after-grace",
    ),
    pytest.param(
        # Nothing paid, T = 13/03 = deadline: not yet T > due + G, so still pending.
        Case("01/03/2027", ONE, [], "13/03/2027",
             P_PENDING, 0, None, [(PENDING, 0, 0)]),
        id="unpaid-on-last-grace-day-pending",
    ),
    pytest.param(
        # Nothing paid, T = 14/03 > 13/03: missed, broken from 14/03.
        Case("01/03/2027", ONE, [], "14/03/2027",
             BROKEN, 0, "14/03/2027", [(MISSED, 0, 0)]),
        id="unpaid-day-after-grace-broken",
    ),
    pytest.param(
        # 60,00 € of 100,00 € by the deadline: 6 000 < 10 000, missed; paid_cents shows 6 000.
        Case("01/03/2027", ONE, pays(("05/03/2027", 6_000)), "20/03/2027",
             BROKEN, 6_000, "14/03/2027", [(MISSED, 6_000, 6_000)]),
        id="partial-payment-missed",
    ),
    pytest.param(
        # Same 60,00 € seen on 12/03, before the deadline: still pending.
        Case("01/03/2027", ONE, pays(("05/03/2027", 6_000)), "12/03/2027",
             P_PENDING, 6_000, None, [(PENDING, 6_000, 6_000)]),
        id="partial-payment-pending",
    ),
    pytest.param(
        # 60,00 € on 12/03 (in time) + 40,00 € on 14/03 (late): allocated 10 000 but only
        # 6 000 in time < 10 000, so missed.
        Case("01/03/2027", ONE, pays(("12/03/2027", 6_000), ("14/03/2027", 4_000)),
             "20/03/2027", BROKEN, 10_000, "14/03/2027", [(MISSED, 10_000, 6_000)]),
        id="completed-after-grace-missed",
    ),
    pytest.param(
        # Paid 28/02 < recorded 01/03: it settled something else, ignored → 0 paid, missed.
        Case("01/03/2027", ONE, pays(("28/02/2027", 10_000)), "20/03/2027",
             BROKEN, 0, "14/03/2027", [(MISSED, 0, 0)]),
        id="payment-before-promise-ignored",
    ),
    pytest.param(
        # Paid 01/03 = recorded day: "on or after" → counts; all paid → kept.
        Case("01/03/2027", ONE, pays(("01/03/2027", 10_000)), "02/03/2027",
             KEPT, 10_000, None, [(PAID, 10_000, 10_000)]),
        id="payment-on-recorded-day-counts",
    ),
    pytest.param(
        # Payment dated 12/03 evaluated on 11/03: not known yet on T, so 0 paid, pending.
        Case("01/03/2027", ONE, pays(("12/03/2027", 10_000)), "11/03/2027",
             P_PENDING, 0, None, [(PENDING, 0, 0)]),
        id="payment-after-today-not-known-yet",
    ),
    pytest.param(
        # 250,00 € on 05/03 fills 100 + 100 + 50; all dated before every deadline.
        # Third: 5 000 < 10 000 but T 15/03 ≤ 13/05 → pending, so the promise is pending.
        Case("01/03/2027", THREE, pays(("05/03/2027", 25_000)), "15/03/2027",
             P_PENDING, 25_000, None,
             [(PAID, 10_000, 10_000), (PAID, 10_000, 10_000), (PENDING, 5_000, 5_000)]),
        id="overpayment-covers-several-instalments",
    ),
    pytest.param(
        # 500,00 € for a 300,00 € promise: every instalment full, 200,00 € extra ignored,
        # paid_cents = min(50 000, 30 000) = 30 000; kept before any due date.
        Case("01/03/2027", THREE, pays(("05/03/2027", 50_000)), "05/03/2027",
             KEPT, 30_000, None,
             [(PAID, 10_000, 10_000), (PAID, 10_000, 10_000), (PAID, 10_000, 10_000)]),
        id="overpayment-capped-at-total",
    ),
    pytest.param(
        # 1 410,00 € paid 14/03 (≤ 18/03). T = 17/04: second due 15/04, deadline 18/04, not
        # passed → pending; third due 15/05 → pending. Paid 141 000 of 423 000.
        Case("01/03/2027", PLAN_4230, pays(("14/03/2027", 141_000)), "17/04/2027",
             P_PENDING, 141_000, None,
             [(PAID, 141_000, 141_000), (PENDING, 0, 0), (PENDING, 0, 0)]),
        id="three-instalments-half-way",
    ),
    pytest.param(
        # Same plan at T = 19/04 > 18/04: second missed → broken from 19/04 = 15/04 + 3 + 1.
        Case("01/03/2027", PLAN_4230, pays(("14/03/2027", 141_000)), "19/04/2027",
             BROKEN, 141_000, "19/04/2027",
             [(PAID, 141_000, 141_000), (MISSED, 0, 0), (PENDING, 0, 0)]),
        id="three-instalments-second-missed",
    ),
    pytest.param(
        # 200,00 € on 20/03: first 100,00 € goes to instalment 1 (late: 20/03 > 13/03),
        # then 100,00 € to instalment 2 (in time: 20/03 ≤ 13/04). Broken stays broken even
        # though everything is paid: paid_cents = 20 000.
        Case("01/03/2027", TWO, pays(("20/03/2027", 20_000)), "30/04/2027",
             BROKEN, 20_000, "14/03/2027", [(MISSED, 10_000, 0), (PAID, 10_000, 10_000)]),
        id="stays-broken-after-full-late-payment",
    ),
    pytest.param(
        # 100,00 € on 20/03 fills the missed first instalment, not the second (fill order):
        # at 14/04 > 13/04 both are missed; broken_on is the first: 10/03 + 3 + 1 = 14/03.
        Case("01/03/2027", TWO, pays(("20/03/2027", 10_000)), "14/04/2027",
             BROKEN, 10_000, "14/03/2027", [(MISSED, 10_000, 0), (MISSED, 0, 0)]),
        id="late-payment-fills-missed-instalment-first",
    ),
    pytest.param(
        # 150,00 € on 05/03 = 100 (1st) + 50 (2nd); 50,00 € on 12/04 ≤ 13/04 completes the
        # 2nd: 5 000 + 5 000 = 10 000 in time → both paid → kept.
        Case("01/03/2027", TWO, pays(("05/03/2027", 15_000), ("12/04/2027", 5_000)),
             "30/04/2027", KEPT, 20_000, None,
             [(PAID, 10_000, 10_000), (PAID, 10_000, 10_000)]),
        id="one-payment-split-across-instalments",
    ),
    pytest.param(
        # Same payments listed newest first: still processed in date order, so same result
        # (in list order the 12/04 payment would land late on the 1st instalment).
        Case("01/03/2027", TWO, pays(("12/04/2027", 5_000), ("05/03/2027", 15_000)),
             "30/04/2027", KEPT, 20_000, None,
             [(PAID, 10_000, 10_000), (PAID, 10_000, 10_000)]),
        id="payments-processed-in-date-order",
    ),
    pytest.param(
        # Refunds / reversals (≤ 0) are not allocated: only the 40,00 € counts, 4 000 < 10 000.
        Case("01/03/2027", ONE, pays(("05/03/2027", -3_000), ("06/03/2027", 0),
                                     ("07/03/2027", 4_000)),
             "20/03/2027", BROKEN, 4_000, "14/03/2027", [(MISSED, 4_000, 4_000)]),
        id="non-positive-payments-ignored",
    ),
    pytest.param(
        # Would be broken (unpaid, T 14/03 > 13/03) but a user cancelled it: cancelled wins,
        # no broken_on; the instalment detail is still computed.
        Case("01/03/2027", ONE, [], "14/03/2027",
             CANCELLED, 0, None, [(MISSED, 0, 0)], cancelled=True),
        id="cancelled-overrides-broken",
    ),
    pytest.param(
        # Would be kept; cancelled still wins.
        Case("01/03/2027", ONE, pays(("05/03/2027", 10_000)), "20/03/2027",
             CANCELLED, 10_000, None, [(PAID, 10_000, 10_000)], cancelled=True),
        id="cancelled-overrides-kept",
    ),
]
# fmt: on


@pytest.mark.parametrize("case", EVALUATE_CASES)
def test_evaluate_promise(case: Case) -> None:
    result = evaluate_promise(
        d(case.recorded),
        case.instalments,
        case.payments,
        d(case.today),
        cancelled=case.cancelled,
    )
    assert result.status == case.status
    assert result.paid_cents == case.paid
    assert result.broken_on == (d(case.broken_on) if case.broken_on else None)
    got = [(i.status, i.allocated_cents, i.allocated_in_time_cents) for i in result.instalments]
    assert got == case.expect
    assert result.total_cents == sum(i.amount_cents for i in case.instalments)


def test_evaluate_sorts_instalments_and_reports_seq_and_last_due() -> None:
    # Given out of order: seq follows due dates; last_due = 10/05; total = 3 × 100,00 €.
    unordered = [THREE[2], THREE[0], THREE[1]]
    result = evaluate_promise(d("01/03/2027"), unordered, [], d("01/03/2027"))
    assert [(i.seq, i.due) for i in result.instalments] == [
        (1, d("10/03/2027")),
        (2, d("10/04/2027")),
        (3, d("10/05/2027")),
    ]
    assert result.last_due == d("10/05/2027")
    assert result.total_cents == 30_000
    assert result.status == P_PENDING


@pytest.mark.parametrize(
    ("grace", "paid_on", "status"),
    [
        # G = 0: due 10/03 is the deadline itself; 11/03 is late.
        (0, "10/03/2027", KEPT),
        (0, "11/03/2027", BROKEN),
        # G = 5: deadline 15/03.
        (5, "15/03/2027", KEPT),
        (5, "16/03/2027", BROKEN),
    ],
)
def test_grace_days_is_configurable(grace: int, paid_on: str, status: PromiseStatus) -> None:
    result = evaluate_promise(d("01/03/2027"), ONE, pays((paid_on, 10_000)), d("31/03/2027"), grace_days=grace)
    assert result.status == status


def test_stays_broken_while_days_pass_and_money_arrives() -> None:
    # Missed on 14/03 (10/03 + 3 + 1); the full 100,00 € arrives on 20/03 and again on 25/03:
    # every later evaluation is still broken, with paid_cents capped at 10 000.
    later = [("20/03/2027", 10_000), ("25/03/2027", 10_000)]
    for today in ["14/03/2027", "20/03/2027", "25/03/2027", "31/12/2027"]:
        result = evaluate_promise(d("01/03/2027"), ONE, pays(*later), d(today))
        assert result.status == BROKEN, today
        assert result.broken_on == d("14/03/2027")
    assert result.paid_cents == 10_000


@pytest.mark.parametrize(
    ("instalments", "grace"),
    [([], 3), (ONE, -1), (insts(("10/03/2027", -1)), 3)],
    ids=["no-instalment", "negative-grace", "negative-amount"],
)
def test_evaluate_rejects_impossible_input(instalments: list[InstalmentIn], grace: int) -> None:
    with pytest.raises(ValueError):
        evaluate_promise(d("01/03/2027"), instalments, [], d("01/03/2027"), grace_days=grace)


# --------------------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    ("total", "count", "first", "rhythm", "expected"),
    [
        # 4 230,00 € / 3 = 1 410,00 € exactly, monthly on the 15th.
        (423_000, 3, "15/03/2027", "monthly",
         [("15/03/2027", 141_000), ("15/04/2027", 141_000), ("15/05/2027", 141_000)]),
        # 100,00 € / 3: 10 000 = 3 × 3 333 + 1 → the extra cent goes on the last one.
        (10_000, 3, "10/03/2027", "monthly",
         [("10/03/2027", 3_333), ("10/04/2027", 3_333), ("10/05/2027", 3_334)]),
        # 1,00 € / 3: 100 = 3 × 33 + 1 → 0,33 + 0,33 + 0,34.
        (100, 3, "10/03/2027", "monthly",
         [("10/03/2027", 33), ("10/04/2027", 33), ("10/05/2027", 34)]),
        # Month end, 2027 not leap: 31/01 + 1 month = 28/02, + 2 months = 31/03 (not 28/03).
        (30_000, 3, "31/01/2027", "monthly",
         [("31/01/2027", 10_000), ("28/02/2027", 10_000), ("31/03/2027", 10_000)]),
        # Month end, 2028 leap: 29/02, then back to 31/03 and 30/04.
        (40_000, 4, "31/01/2028", "monthly",
         [("31/01/2028", 10_000), ("29/02/2028", 10_000), ("31/03/2028", 10_000),
          ("30/04/2028", 10_000)]),
        # Weekly: + 7 days each.
        (30_000, 3, "05/03/2027", "weekly",
         [("05/03/2027", 10_000), ("12/03/2027", 10_000), ("19/03/2027", 10_000)]),
        # Every two weeks: + 14 days each (19/03 + 14 = 02/04).
        (30_000, 3, "05/03/2027", "biweekly",
         [("05/03/2027", 10_000), ("19/03/2027", 10_000), ("02/04/2027", 10_000)]),
        # A single instalment is the whole amount.
        (12_345, 1, "05/03/2027", "monthly", [("05/03/2027", 12_345)]),
    ],
)  # fmt: skip
def test_build_schedule(total: int, count: int, first: str, rhythm: str, expected: list[tuple[str, int]]) -> None:
    assert build_schedule(total, count, d(first), rhythm=rhythm) == insts(*expected)


@pytest.mark.parametrize(
    ("first", "area", "move", "expected_dates"),
    [
        # 25/10/2028 Wed stays; 25/11/2028 Sat → Mon 27/11; 25/12/2028 Mon (Noël) → Tue 26/12.
        ("25/10/2028", None, True, ["25/10/2028", "27/11/2028", "26/12/2028"]),
        ("25/10/2028", METROPOLE, True, ["25/10/2028", "27/11/2028", "26/12/2028"]),
        # Bas-Rhin (67): 26/12 is also a holiday in Alsace-Moselle → Wed 27/12.
        ("25/10/2028", AREAS["67"], True, ["25/10/2028", "27/11/2028", "27/12/2028"]),
        # No move asked: dates stay on the Saturday and on Christmas Day.
        ("25/10/2028", AREAS["67"], False, ["25/10/2028", "25/11/2028", "25/12/2028"]),
        # Sundays: 31/01/2027 → Mon 01/02; 28/02/2027 → Mon 01/03; 31/03/2027 Wed stays.
        ("31/01/2027", None, True, ["01/02/2027", "01/03/2027", "31/03/2027"]),
    ],
)
def test_build_schedule_moves_to_working_day(
    first: str, area: Area | None, move: bool, expected_dates: list[str]
) -> None:
    # 300,00 € / 3 = 100,00 € each.
    schedule = build_schedule(30_000, 3, d(first), area=area, move_to_working_day=move)
    assert schedule == [InstalmentIn(d(x), 10_000) for x in expected_dates]


@pytest.mark.parametrize(
    ("total", "count", "rhythm"),
    [(10_000, 0, "monthly"), (10_000, -1, "monthly"), (0, 3, "monthly"),
     (-10_000, 3, "monthly"), (2, 3, "monthly"), (10_000, 3, "daily")],
    ids=["count-0", "count-negative", "total-0", "total-negative", "less-than-a-cent-each",
         "unknown-rhythm"],
)  # fmt: skip
def test_build_schedule_rejects(total: int, count: int, rhythm: str) -> None:
    with pytest.raises(ValueError):
        build_schedule(total, count, d("10/03/2027"), rhythm=rhythm)


# --------------------------------------------------------------------------- validation

TODAY = d("01/03/2027")  # the day the agent records the plan
RULES = PromiseRules()  # first due ≤ 30 days; ≤ 500 € → 3, ≤ 5 000 € → 6, above → 12


def monthly(first: str, count: int, cents: int) -> list[InstalmentIn]:
    return [InstalmentIn(d(first) + relativedelta(months=i), cents) for i in range(count)]


VALID_3 = insts(("15/03/2027", 10_000), ("15/04/2027", 10_000), ("15/05/2027", 10_000))


@pytest.mark.parametrize(
    ("total", "instalments", "balance"),
    [
        (30_000, VALID_3, None),  # 3 × 100,00 € = 300,00 €, first due 14 days ahead
        (30_000, VALID_3, 30_000),  # promise = balance: allowed
        (10_000, insts(("01/03/2027", 10_000)), None),  # first due today: allowed
        (10_000, insts(("31/03/2027", 10_000)), None),  # 01/03 + 30 days = 31/03: allowed
        (50_000, monthly("15/03/2027", 3, 16_667)[:2] + insts(("15/05/2027", 16_666)),
         None),  # 500,00 € (band bound itself) in 3: 16 667 + 16 667 + 16 666 = 50 000
        (50_100, monthly("15/03/2027", 4, 12_525), None),  # 501,00 € > 500 € → up to 6
        (600_000, monthly("15/03/2027", 12, 50_000), None),  # 6 000 € > 5 000 € → up to 12
    ],
)  # fmt: skip
def test_validate_plan_accepts(total: int, instalments: list[InstalmentIn], balance: int | None) -> None:
    assert validate_plan(total, instalments, TODAY, RULES, balance_cents=balance) == []


@pytest.mark.parametrize(
    ("total", "instalments", "balance", "fields", "fragments"),
    [
        pytest.param(
            0, insts(("15/03/2027", 0)), None, ["instalment:1", "total"],
            ["le montant promis doit être positif (saisi : 0,00 €)",
             "l'échéance 1 doit avoir un montant positif (saisi : 0,00 €)"],
            id="total-zero",
        ),
        pytest.param(
            -5_000, insts(("15/03/2027", -5_000)), None, ["instalment:1", "total"],
            ["(saisi : -50,00 €)"],
            id="total-negative",
        ),
        pytest.param(
            # 100 + 0 + 100 = 200,00 € = total: only the zero instalment is wrong.
            20_000, insts(("15/03/2027", 10_000), ("15/04/2027", 0), ("15/05/2027", 10_000)),
            None, ["instalment:2"],
            ["l'échéance 2 doit avoir un montant positif (saisi : 0,00 €)"],
            id="instalment-amount-zero",
        ),
        pytest.param(
            # 3 × 100,00 = 300,00 € for 310,00 € promised: 10,00 € missing.
            31_000, VALID_3, None, ["amount"],
            ["la somme des échéances (300,00 €) diffère du montant promis (310,00 €)",
             "il manque 10,00 €"],
            id="sum-short",
        ),
        pytest.param(
            # 300,00 € of instalments for 290,00 € promised: 10,00 € too much.
            29_000, VALID_3, None, ["amount"], ["10,00 € de trop"],
            id="sum-over",
        ),
        pytest.param(
            # Two instalments on 15/03: dates must strictly increase.
            30_000, insts(("15/03/2027", 10_000), ("15/03/2027", 10_000), ("15/05/2027", 10_000)),
            None, ["instalment:2"],
            ["l'échéance 2 (15/03/2027) doit tomber après l'échéance 1 (15/03/2027)"],
            id="same-due-date",
        ),
        pytest.param(
            30_000, insts(("15/04/2027", 10_000), ("15/03/2027", 10_000), ("15/05/2027", 10_000)),
            None, ["instalment:2"],
            ["l'échéance 2 (15/03/2027) doit tomber après l'échéance 1 (15/04/2027)"],
            id="due-dates-decreasing",
        ),
        pytest.param(
            # 28/02 < today 01/03.
            10_000, insts(("28/02/2027", 10_000)), None, ["first_due"],
            ["la première échéance (28/02/2027) est déjà passée"],
            id="first-due-in-the-past",
        ),
        pytest.param(
            # 01/04 = 01/03 + 31 days > 30; the latest allowed is 31/03.
            10_000, insts(("01/04/2027", 10_000)), None, ["first_due"],
            ["la première échéance (01/04/2027) dépasse 30 jours (au plus tard le 31/03/2027)"],
            id="first-due-over-30-days",
        ),
        pytest.param(
            # 400,00 € ≤ 500,00 € → at most 3; 4 × 100,00 € is one too many.
            40_000, monthly("15/03/2027", 4, 10_000), None, ["count"],
            ["4 échéances, c'est trop pour 400,00 € : 3 au plus"],
            id="count-over-first-band",
        ),
        pytest.param(
            # Exactly 500,00 €: the first band's bound is ≥ total, so still at most 3.
            50_000, monthly("15/03/2027", 4, 12_500), None, ["count"], ["3 au plus"],
            id="count-over-band-bound",
        ),
        pytest.param(
            # 700,00 € in the ≤ 5 000 € band → at most 6; 7 × 100,00 €.
            70_000, monthly("15/03/2027", 7, 10_000), None, ["count"],
            ["7 échéances, c'est trop pour 700,00 € : 6 au plus"],
            id="count-over-second-band",
        ),
        pytest.param(
            # 6 500,00 € unbounded band → at most 12; 13 × 500,00 €.
            650_000, monthly("15/03/2027", 13, 50_000), None, ["count"],
            ["13 échéances, c'est trop pour 6\u202f500,00 € : 12 au plus"],
            id="count-over-last-band",
        ),
        pytest.param(
            30_000, [], None, ["count"], ["il faut au moins une échéance"],
            id="no-instalment",
        ),
        pytest.param(
            # 300,00 € promised on a 299,99 € balance.
            30_000, VALID_3, 29_999, ["total"],
            ["le montant promis dépasse le solde (300,00 € pour un solde de 299,99 €)"],
            id="over-balance",
        ),
        pytest.param(
            # Everything at once, each reported: 400,00 € > 300,00 € balance; 4 > 3
            # instalments; 3rd is 0,00 €; 2nd not after 1st; 100 + 100 + 0 + 100 = 300,00 €
            # ≠ 400,00 € (100,00 € missing); first due 28/02 < 01/03.
            40_000,
            insts(("28/02/2027", 10_000), ("28/02/2027", 10_000), ("15/04/2027", 0),
                  ("15/05/2027", 10_000)),
            30_000,
            ["amount", "count", "first_due", "instalment:2", "instalment:3", "total"],
            ["il manque 100,00 €", "dépasse le solde", "3 au plus", "déjà passée"],
            id="every-error-reported",
        ),
    ],
)  # fmt: skip
def test_validate_plan_errors(
    total: int,
    instalments: list[InstalmentIn],
    balance: int | None,
    fields: list[str],
    fragments: list[str],
) -> None:
    errors = validate_plan(total, instalments, TODAY, RULES, balance_cents=balance)
    assert all(isinstance(e, PlanError) for e in errors)
    assert sorted(e.field for e in errors) == fields
    text = "\n".join(e.message for e in errors)
    for fragment in fragments:
        assert fragment in text


def test_validate_plan_uses_configured_rules() -> None:
    # 10 days max for the first due and at most 2 instalments whatever the amount:
    # 15/03 = 01/03 + 14 days > 10, and 3 > 2.
    rules = PromiseRules(max_first_due_days=10, max_instalments_by_amount=((None, 2),))
    errors = validate_plan(30_000, VALID_3, TODAY, rules)
    assert sorted(e.field for e in errors) == ["count", "first_due"]
    assert "dépasse 10 jours (au plus tard le 11/03/2027)" in "\n".join(e.message for e in errors)


@pytest.mark.parametrize(
    ("total", "expected"),
    [(1, 3), (50_000, 3), (50_001, 6), (500_000, 6), (500_001, 12), (10**12, 12)],
)
def test_max_instalments_bands(total: int, expected: int) -> None:
    # First band whose upper bound ≥ total: 500 € → 3, 5 000 € → 6, above → 12.
    assert max_instalments(total, RULES) == expected


# --------------------------------------------------------------------------- kept rate


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([KEPT, KEPT, BROKEN], 2 / 3),  # 2 / (2 + 1)
        ([KEPT, P_PENDING, CANCELLED], 1.0),  # 1 / (1 + 0): pending and cancelled don't count
        ([BROKEN, CANCELLED], 0.0),  # 0 / (0 + 1)
        (["kept", "broken", "broken", "broken"], 0.25),  # plain DB strings: 1 / (1 + 3)
        ([P_PENDING, CANCELLED], None),  # nothing kept or broken yet
        ([], None),
    ],
)
def test_kept_rate(statuses: list[PromiseStatus], expected: float | None) -> None:
    assert kept_rate(statuses) == expected
    assert kept_rate(iter(statuses)) == expected  # any iterable, consumed once


# --------------------------------------------------------------------------- properties

BASE = date(2027, 1, 1)
instalments_st = st.lists(
    st.builds(
        InstalmentIn,
        due=st.dates(BASE, BASE + timedelta(days=400)),
        amount_cents=st.integers(1, 1_000_000),
    ),
    min_size=1,
    max_size=8,
)
payments_st = st.lists(
    st.builds(
        PaymentIn,
        on=st.dates(BASE - timedelta(days=30), BASE + timedelta(days=500)),
        amount_cents=st.integers(-100_000, 3_000_000),
    ),
    max_size=10,
)


@given(
    instalments=instalments_st,
    payments=payments_st,
    today=st.dates(BASE, BASE + timedelta(days=500)),
    grace=st.integers(0, 10),
    recorded_offset=st.integers(-10, 10),
)
def test_property_paid_never_exceeds_total(
    instalments: list[InstalmentIn],
    payments: list[PaymentIn],
    today: date,
    grace: int,
    recorded_offset: int,
) -> None:
    recorded = BASE + timedelta(days=recorded_offset)
    result = evaluate_promise(recorded, instalments, payments, today, grace_days=grace)
    total = sum(i.amount_cents for i in instalments)
    eligible = sum(p.amount_cents for p in payments if recorded <= p.on <= today and p.amount_cents > 0)
    assert result.total_cents == total
    assert 0 <= result.paid_cents <= total
    assert result.paid_cents == min(eligible, total)  # capped, nothing else lost
    for inst in result.instalments:
        assert 0 <= inst.allocated_in_time_cents <= inst.allocated_cents <= inst.amount_cents
    statuses = {i.status for i in result.instalments}
    assert (result.status == BROKEN) == (MISSED in statuses)
    assert (result.status == KEPT) == (statuses == {PAID})


@given(
    instalments=instalments_st,
    payments=payments_st,
    extra=payments_st,
    today=st.dates(BASE, BASE + timedelta(days=500)),
    days_later=st.integers(1, 400),
)
def test_property_broken_stays_broken(
    instalments: list[InstalmentIn],
    payments: list[PaymentIn],
    extra: list[PaymentIn],
    today: date,
    days_later: int,
) -> None:
    before = evaluate_promise(BASE, instalments, payments, today)
    # Later days bring more payments, all dated after the first evaluation day.
    later_day = today + timedelta(days=days_later)
    arrived = [PaymentIn(today + timedelta(days=1 + i % days_later), p.amount_cents) for i, p in enumerate(extra)]
    after = evaluate_promise(BASE, instalments, payments + arrived, later_day)
    if before.status == BROKEN:
        assert after.status == BROKEN
        assert after.broken_on == before.broken_on
    assert after.paid_cents >= before.paid_cents


@given(
    total=st.integers(1, 10**9),
    count=st.integers(1, 36),
    first=st.dates(date(2026, 1, 1), date(2035, 12, 31)),
    rhythm=st.sampled_from(["monthly", "weekly", "biweekly"]),
    area=st.sampled_from([None, *AREAS.values()]),
    move=st.booleans(),
)
def test_property_schedule_sums_to_total(
    total: int, count: int, first: date, rhythm: str, area: Area | None, move: bool
) -> None:
    if total < count:
        with pytest.raises(ValueError):
            build_schedule(total, count, first, rhythm=rhythm)
        return
    schedule = build_schedule(total, count, first, rhythm=rhythm, area=area, move_to_working_day=move)
    amounts = [i.amount_cents for i in schedule]
    assert sum(amounts) == total
    assert len(schedule) == count
    base = total // count
    assert amounts[:-1] == [base] * (count - 1)  # equal split …
    assert base <= amounts[-1] < base + count  # … remainder cents on the last one
    dues = [i.due for i in schedule]
    assert all(a < b for a, b in pairwise(dues))  # moves keep the order
    assert dues[0] >= first
