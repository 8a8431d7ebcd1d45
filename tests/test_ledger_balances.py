"""Open amounts and balances after imports (docs/rules.md, "Data in": payments without
`invoice_ref` settle the oldest open invoices first; credit notes too).

Per invoice, the payments naming it settle it first (any excess joins the pool); the pool
(payments without invoice_ref, excesses, credit notes) then settles the open invoices in
due-date order (then reference). Balance = invoices (credit notes negative) − payments.
"""

from __future__ import annotations

from pathlib import Path

from import_helpers import (
    INVOICES_HEADER,
    PAYMENTS_HEADER,
    data_dump,
    debtor,
    invoices_open,
    make_store,
    run,
    seed_debtors,
    write,
)
from recouvre_tui.store.db import Store
from recouvre_tui.store.ledger import recompute_balances


def _load(store: Store, tmp_path: Path, invoices: list[str], payments: list[str]) -> None:
    if invoices:
        run(store, "invoices", write(tmp_path, "f.csv", [INVOICES_HEADER, *invoices]))
    if payments:
        run(store, "payments", write(tmp_path, "p.csv", [PAYMENTS_HEADER, *payments]))


def _balance(store: Store, ref: str) -> tuple[int, str | None]:
    d = debtor(store, ref)
    return d["balance_cents"], d["oldest_due"]


def test_fifo_with_named_payment_and_credit_note(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    _load(
        store,
        tmp_path,
        [
            "D1;F3;01/03/2026;31/03/2026;300",
            "D1;F1;01/01/2026;31/01/2026;100",
            "D1;A1;05/03/2026;05/03/2026;-50",
            "D1;F2;01/02/2026;28/02/2026;200",
        ],
        ["D1;P1;01/04/2026;120;", "D1;P2;02/04/2026;250;F3"],
    )
    # F3: 300 − 250 (named) = 50. Pool = 120 + 50 (credit note) = 170:
    # F1 (oldest) 100 → 0, then F2 200 − 70 = 130.
    assert invoices_open(store, "D1") == {
        "A1": (-5000, 0),
        "F1": (10000, 0),
        "F2": (20000, 13000),
        "F3": (30000, 5000),
    }
    # 600 − 50 − 370 = 180 = 130 + 50; the oldest open invoice is now F2.
    assert _balance(store, "D1") == (18000, "2026-02-28")


def test_excess_of_a_named_payment_settles_the_next_oldest(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    _load(
        store,
        tmp_path,
        ["D1;F1;01/01/2026;31/01/2026;100", "D1;F2;01/02/2026;28/02/2026;100"],
        ["D1;P1;01/04/2026;150;F1"],
    )
    assert invoices_open(store, "D1") == {"F1": (10000, 0), "F2": (10000, 5000)}
    assert _balance(store, "D1") == (5000, "2026-02-28")


def test_fifo_order_is_due_date_then_reference_not_file_order(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    _load(
        store,
        tmp_path,
        [
            "D1;A9;01/03/2026;31/03/2026;100",  # latest due date, first in the file
            "D1;G2;01/01/2026;31/01/2026;100",
            "D1;G1;01/01/2026;31/01/2026;100",  # same due date as G2: G1 before G2
        ],
        ["D1;P1;01/04/2026;150;"],
    )
    assert invoices_open(store, "D1") == {
        "A9": (10000, 10000),
        "G1": (10000, 0),
        "G2": (10000, 5000),
    }
    assert _balance(store, "D1") == (15000, "2026-01-31")


def test_paid_in_full_and_overpaid(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2"])
    _load(
        store,
        tmp_path,
        ["D1;F1;01/01/2026;31/01/2026;100", "D2;F1;01/01/2026;31/01/2026;100"],
        ["D1;P1;01/02/2026;100;F1", "D2;P1;01/02/2026;70;", "D2;P2;02/02/2026;50;"],
    )
    assert invoices_open(store, "D1") == {"F1": (10000, 0)}
    assert _balance(store, "D1") == (0, None)
    # D2 paid 120 on 100: a credit balance, nothing open, no oldest due date.
    assert invoices_open(store, "D2") == {"F1": (10000, 0)}
    assert _balance(store, "D2") == (-2000, None)


def test_credit_note_larger_than_the_invoices(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    _load(
        store,
        tmp_path,
        ["D1;F1;01/01/2026;31/01/2026;100", "D1;A1;01/02/2026;01/02/2026;-150"],
        [],
    )
    assert invoices_open(store, "D1") == {"A1": (-15000, 0), "F1": (10000, 0)}
    assert _balance(store, "D1") == (-5000, None)


def test_payment_before_its_invoice_and_debtors_kept_apart(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2"])
    _load(store, tmp_path, ["D2;F1;01/01/2026;31/01/2026;100"], ["D1;P1;01/02/2026;30;"])
    assert _balance(store, "D1") == (-3000, None)
    assert _balance(store, "D2") == (10000, "2026-01-31")
    # The invoice arrives later: the earlier payment settles it (FIFO pool).
    run(
        store,
        "invoices",
        write(tmp_path, "f2.csv", [INVOICES_HEADER, "D1;F1;01/01/2026;31/01/2026;100"]),
    )
    assert invoices_open(store, "D1") == {"F1": (10000, 7000)}
    assert _balance(store, "D1") == (7000, "2026-01-31")
    assert _balance(store, "D2") == (10000, "2026-01-31")


def test_changed_payment_and_invoice_recompute_open_amounts(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1"])
    _load(
        store,
        tmp_path,
        ["D1;F1;01/01/2026;31/01/2026;100", "D1;F2;01/02/2026;28/02/2026;100"],
        ["D1;P1;01/03/2026;100;"],
    )
    assert invoices_open(store, "D1") == {"F1": (10000, 0), "F2": (10000, 10000)}
    assert _balance(store, "D1") == (10000, "2026-02-28")
    # The payment was 60, not 100: F1 reopens.
    run(store, "payments", write(tmp_path, "p2.csv", [PAYMENTS_HEADER, "D1;P1;01/03/2026;60;"]))
    assert invoices_open(store, "D1") == {"F1": (10000, 4000), "F2": (10000, 10000)}
    assert _balance(store, "D1") == (14000, "2026-01-31")
    # F1's due date moves after F2's: the pool now settles F2 first.
    run(
        store,
        "invoices",
        write(tmp_path, "f2.csv", [INVOICES_HEADER, "D1;F1;01/01/2026;31/03/2026;100"]),
    )
    assert invoices_open(store, "D1") == {"F1": (10000, 10000), "F2": (10000, 4000)}
    assert _balance(store, "D1") == (14000, "2026-02-28")


def test_full_recompute_agrees_with_incremental_updates(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    seed_debtors(store, tmp_path, ["D1", "D2", "D3"])
    _load(
        store,
        tmp_path,
        [
            "D1;F1;01/01/2026;31/01/2026;100",
            "D1;F2;01/02/2026;28/02/2026;200",
            "D2;F1;01/01/2026;31/01/2026;50",
            "D2;A1;01/01/2026;31/01/2026;-20",
            "D3;F1;01/01/2026;31/01/2026;75",
        ],
        ["D1;P1;01/03/2026;150;", "D2;P1;01/03/2026;10;F1", "D3;P1;01/03/2026;75;F1"],
    )
    before = data_dump(store)
    for ids in (None, range(1, 4), {1, 2, 3}):
        with store.write() as conn:
            recompute_balances(conn, ids)
        assert data_dump(store) == before, ids
    # Wipe the computed fields, then recompute everyone from scratch.
    with store.write() as conn:
        conn.execute("UPDATE invoices SET open_cents = 0")
        conn.execute("UPDATE debtors SET balance_cents = 0, oldest_due = NULL")
        recompute_balances(conn, None)
    assert data_dump(store) == before
