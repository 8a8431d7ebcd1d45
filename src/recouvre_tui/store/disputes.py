"""SQL for disputes on invoices (m006): open one, close invoices, keep `debtors.dispute_open` true.

`debtors.dispute_open` = 1 only while the debtor has an open contested invoice and no overdue
open invoice outside a dispute (everything claimable is contested): the queue's block.
Invoices whose dispute was accepted wait for their credit note and are not claimed either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# An invoice is out of the claim while its latest dispute line is open or accepted.
_EXCLUDED = (
    "EXISTS (SELECT 1 FROM dispute_invoices di WHERE di.debtor_id = i.debtor_id AND di.invoice_ref = i.ref "
    "AND di.status IN ('open', 'accepted') AND NOT EXISTS (SELECT 1 FROM dispute_invoices later "
    "WHERE later.debtor_id = di.debtor_id AND later.invoice_ref = di.invoice_ref AND later.id > di.id))"
)


def open_invoices(conn: sqlite3.Connection, debtor_id: int) -> list[tuple[str, int, str]]:
    """(ref, open cents, due date) of the debtor's open invoices, oldest due first."""
    return [
        (str(r[0]), int(r[1]), str(r[2]))
        for r in conn.execute(
            "SELECT ref, open_cents, due_date FROM invoices WHERE debtor_id = ? AND open_cents > 0 "
            "ORDER BY due_date, ref",
            (debtor_id,),
        )
    ]


def insert_dispute(
    conn: sqlite3.Connection,
    *,
    debtor_id: int,
    opened_at: str,
    agent: str | None,
    event_id: int | None,
    invoices: list[tuple[str, int]],
    amount_cents: int,
    handed_to: str | None,
    note: str | None,
) -> int:
    cur = conn.execute(
        "INSERT INTO disputes (debtor_id, opened_at, agent, event_id, amount_cents, handed_to, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (debtor_id, opened_at, agent, event_id, amount_cents, handed_to, note),
    )
    dispute_id = int(cur.fetchone()[0])
    conn.executemany(
        "INSERT INTO dispute_invoices (dispute_id, debtor_id, invoice_ref, amount_cents) VALUES (?, ?, ?, ?)",
        [(dispute_id, debtor_id, ref, cents) for ref, cents in invoices],
    )
    return dispute_id


def open_amounts(conn: sqlite3.Connection, debtor_id: int) -> list[tuple[str, int]]:
    """(invoice_ref, contested cents) of the debtor's invoices under an open dispute."""
    return conn.execute(
        "SELECT invoice_ref, SUM(amount_cents) FROM dispute_invoices WHERE debtor_id = ? AND status = 'open' "
        "GROUP BY invoice_ref ORDER BY invoice_ref",
        (debtor_id,),
    ).fetchall()


def open_refs(conn: sqlite3.Connection, debtor_id: int) -> list[str]:
    """Invoices with an open dispute line, in reference order."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT invoice_ref FROM dispute_invoices WHERE debtor_id = ? AND status = 'open' "
            "ORDER BY invoice_ref",
            (debtor_id,),
        )
    ]


def close_invoices(
    conn: sqlite3.Connection, debtor_id: int, refs: Iterable[str], *, status: str, now: str, by: str, note: str | None
) -> int:
    count = 0
    for ref in refs:
        cur = conn.execute(
            "UPDATE dispute_invoices SET status = ?, closed_at = ?, closed_by = ?, note = ? "
            "WHERE debtor_id = ? AND invoice_ref = ? AND status = 'open'",
            (status, now, by, note, debtor_id, ref),
        )
        count += cur.rowcount
    return count


def sync_dispute_flag(conn: sqlite3.Connection, debtor_ids: Iterable[int] | None, *, today: str, now: str) -> None:
    """Set `dispute_open` from the invoices: blocked only when everything overdue is contested."""
    sql = (
        "UPDATE debtors SET dispute_open = CASE WHEN EXISTS (SELECT 1 FROM dispute_invoices d "
        "WHERE d.debtor_id = debtors.id AND d.status = 'open') AND NOT EXISTS (SELECT 1 FROM invoices i "
        f"WHERE i.debtor_id = debtors.id AND i.open_cents > 0 AND i.due_date < ? AND NOT {_EXCLUDED}) "
        "THEN 1 ELSE 0 END, updated_at = ?"
    )
    if debtor_ids is None:
        touched = "EXISTS (SELECT 1 FROM dispute_invoices d WHERE d.debtor_id = debtors.id)"
        conn.execute(sql + f" WHERE {touched}", (today, now))
        return
    for debtor_id in debtor_ids:
        conn.execute(sql + " WHERE id = ?", (today, now, debtor_id))
