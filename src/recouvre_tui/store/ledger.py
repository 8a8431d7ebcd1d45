"""Open amounts and balances, set-based.

Open balance = unlettered invoices (credit notes negative) − unlettered payments, each for
its part not settled by a partial lettering (`amount_cents - lettered_cents`).
Per invoice, payments naming it settle it first; the rest of the payments and the
credit notes settle the oldest open invoices first (due date, then reference). The
FIFO is computed with one window function, so it scales to millions of invoices.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

_TEMP = "temp_dirty_debtors"


def _prepare_filter(conn: sqlite3.Connection, debtor_ids: Iterable[int] | range | None) -> tuple[str, str]:
    """SQL fragments restricting to `debtor_ids` (None = everyone; a range = an id range)."""
    if debtor_ids is None:
        return "", ""
    if isinstance(debtor_ids, range):
        lo, hi = int(debtor_ids.start), int(debtor_ids.stop) - 1
        return (
            f" AND {{a}}.debtor_id BETWEEN {lo} AND {hi}",
            f" WHERE debtors.id BETWEEN {lo} AND {hi}",
        )
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP} (debtor_id INTEGER PRIMARY KEY)")
    conn.execute(f"DELETE FROM {_TEMP}")
    conn.executemany(f"INSERT OR IGNORE INTO {_TEMP} (debtor_id) VALUES (?)", ((i,) for i in debtor_ids))
    return (
        f" AND {{a}}.debtor_id IN (SELECT debtor_id FROM {_TEMP})",
        f" WHERE debtors.id IN (SELECT debtor_id FROM {_TEMP})",
    )


def recompute_balances(conn: sqlite3.Connection, debtor_ids: Iterable[int] | range | None = None) -> int:
    """Recompute invoices.open_cents and debtors.balance_cents/oldest_due; returns debtors touched."""
    flt, dflt = _prepare_filter(conn, debtor_ids)
    f_p, f_i, f_c = (flt.format(a=a) for a in ("p", "i", "c"))
    conn.execute(
        f"""
        WITH pay AS (
            SELECT p.debtor_id, p.invoice_ref, SUM(p.amount_cents - p.lettered_cents) AS amt
            FROM payments p WHERE p.lettered = 0{f_p}
            GROUP BY p.debtor_id, p.invoice_ref
        ),
        inv AS (
            SELECT i.id, i.debtor_id, i.due_date, i.ref, i.amount_cents - i.lettered_cents AS amount_cents,
                   COALESCE(pay.amt, 0) AS direct
            FROM invoices i
            LEFT JOIN pay ON pay.debtor_id = i.debtor_id AND pay.invoice_ref = i.ref
            WHERE i.lettered = 0 AND i.amount_cents > 0{f_i}
        ),
        inv2 AS (
            SELECT id, debtor_id, due_date, ref,
                   CASE WHEN direct >= amount_cents THEN 0 ELSE amount_cents - direct END
                       AS remaining,
                   CASE WHEN direct > amount_cents THEN direct - amount_cents ELSE 0 END AS excess
            FROM inv
        ),
        pool AS (
            SELECT debtor_id, SUM(x) AS pool FROM (
                SELECT pay.debtor_id, pay.amt AS x FROM pay
                WHERE pay.invoice_ref IS NULL OR NOT EXISTS (
                    SELECT 1 FROM inv WHERE inv.debtor_id = pay.debtor_id AND inv.ref = pay.invoice_ref
                )
                UNION ALL SELECT debtor_id, excess FROM inv2 WHERE excess > 0
                UNION ALL SELECT c.debtor_id, c.lettered_cents - c.amount_cents FROM invoices c
                    WHERE c.lettered = 0 AND c.amount_cents < 0{f_c}
            ) x GROUP BY debtor_id
        ),
        ranked AS (
            SELECT inv2.id, inv2.remaining, COALESCE(pool.pool, 0) AS pool,
                   COALESCE(SUM(inv2.remaining) OVER (
                       PARTITION BY inv2.debtor_id ORDER BY inv2.due_date, inv2.ref
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
            FROM inv2 LEFT JOIN pool ON pool.debtor_id = inv2.debtor_id
        ),
        computed AS (
            SELECT id,
                   CASE WHEN pool - before <= 0 THEN remaining
                        WHEN pool - before >= remaining THEN 0
                        ELSE remaining - (pool - before) END AS open_cents
            FROM ranked
        )
        UPDATE invoices SET open_cents = computed.open_cents
        FROM computed
        WHERE invoices.id = computed.id AND invoices.open_cents <> computed.open_cents
        """
    )
    # Lettered invoices and credit notes are never open.
    conn.execute(
        f"UPDATE invoices SET open_cents = 0 WHERE open_cents <> 0 "
        f"AND (lettered = 1 OR amount_cents < 0){flt.format(a='invoices')}"
    )
    cur = conn.execute(
        f"""
        UPDATE debtors SET balance_cents = agg.balance, oldest_due = agg.oldest
        FROM (
            SELECT d.id,
                   COALESCE(i.total, 0) - COALESCE(p.total, 0) AS balance,
                   i.oldest
            FROM debtors d
            LEFT JOIN (
                SELECT debtor_id,
                       SUM(CASE WHEN lettered = 0 THEN amount_cents - lettered_cents ELSE 0 END) AS total,
                       MIN(CASE WHEN open_cents > 0 THEN due_date END) AS oldest
                FROM invoices WHERE 1 = 1{flt.format(a="invoices")} GROUP BY debtor_id
            ) i ON i.debtor_id = d.id
            LEFT JOIN (
                SELECT debtor_id, SUM(amount_cents - lettered_cents) AS total
                FROM payments WHERE lettered = 0{flt.format(a="payments")} GROUP BY debtor_id
            ) p ON p.debtor_id = d.id
            {dflt.replace("debtors.id", "d.id")}
        ) agg
        WHERE debtors.id = agg.id
          AND (debtors.balance_cents <> agg.balance
               OR COALESCE(debtors.oldest_due, '') <> COALESCE(agg.oldest, ''))
        """
    )
    return cur.rowcount


def balance_mismatches(conn: sqlite3.Connection, lo: int, hi: int) -> list[int]:
    """Debtors of the id range whose stored balance, oldest due date or open amounts disagree
    with their invoices and payments (the invariants `recompute_balances` establishes):

    - balance = unlettered invoices and credit notes − unlettered payments (each less its
      partially lettered part);
    - the open amounts of the unlettered invoices add up to the balance (0 when in credit),
      each between 0 and the invoice's amount; lettered invoices and credit notes are not open;
    - the oldest due date is the earliest due date of an open invoice.
    """
    rows = conn.execute(
        """
        SELECT d.id FROM debtors d
        LEFT JOIN (
            SELECT debtor_id,
                   SUM(CASE WHEN lettered = 0 THEN amount_cents - lettered_cents ELSE 0 END) AS total,
                   SUM(CASE WHEN lettered = 0 AND amount_cents > 0 THEN open_cents ELSE 0 END)
                       AS open_sum,
                   SUM(CASE WHEN open_cents < 0
                             OR (open_cents > 0 AND (lettered = 1 OR open_cents > amount_cents - lettered_cents))
                            THEN 1 ELSE 0 END) AS bad,
                   MIN(CASE WHEN open_cents > 0 THEN due_date END) AS oldest
            FROM invoices WHERE debtor_id BETWEEN ?1 AND ?2 GROUP BY debtor_id
        ) i ON i.debtor_id = d.id
        LEFT JOIN (
            SELECT debtor_id, SUM(amount_cents - lettered_cents) AS total
            FROM payments WHERE lettered = 0 AND debtor_id BETWEEN ?1 AND ?2 GROUP BY debtor_id
        ) p ON p.debtor_id = d.id
        WHERE d.id BETWEEN ?1 AND ?2
          AND (d.balance_cents <> COALESCE(i.total, 0) - COALESCE(p.total, 0)
               OR COALESCE(d.oldest_due, '') <> COALESCE(i.oldest, '')
               OR COALESCE(i.bad, 0) > 0
               OR COALESCE(i.open_sum, 0) <> CASE
                   WHEN COALESCE(i.total, 0) - COALESCE(p.total, 0) > 0
                   THEN COALESCE(i.total, 0) - COALESCE(p.total, 0) ELSE 0 END)
        """,
        (lo, hi),
    )
    return [r[0] for r in rows]


def credit_balance_rows(conn: sqlite3.Connection, limit: int) -> list[tuple[str, str, int, str | None, str | None]]:
    """Debtors in credit (the ledger owes them: overpaid, advance not applied), largest first:
    (ref, name, balance_cents, agent, last payment date)."""
    return conn.execute(
        "SELECT d.ref, d.name, d.balance_cents, d.agent, "
        "(SELECT MAX(p.paid_on) FROM payments p WHERE p.debtor_id = d.id) "
        "FROM debtors d WHERE d.balance_cents < 0 ORDER BY d.balance_cents, d.ref LIMIT ?",
        (limit,),
    ).fetchall()
