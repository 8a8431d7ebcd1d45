"""SQL reads for one debtor's case file (case screen, `scripts show`)."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..domain.refs import normalise_ref


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def debtor(conn: sqlite3.Connection, ref: str) -> dict[str, Any] | None:
    rows = _rows(
        conn,
        "SELECT id, ref, name, segment, siren, postcode, country, email, sales_rep, agent, area, tz, "
        "on_hold, hold_reason, do_not_call, dispute_open, stage_override, tone_override, "
        "avg_payment_delay_days, balance_cents, doubtful_cents, oldest_due, priority_class, score, "
        "overindebted_since, address, city FROM debtors WHERE ref = ?",
        (normalise_ref(ref),),
    )
    return rows[0] if rows else None


def invoices(conn: sqlite3.Connection, debtor_id: int, *, open_only: bool = True) -> list[dict[str, Any]]:
    where = " AND open_cents > 0" if open_only else ""
    return _rows(
        conn,
        "SELECT ref, issue_date, due_date, amount_cents, open_cents, lettered FROM invoices "
        f"WHERE debtor_id = ?{where} ORDER BY due_date, ref",
        (debtor_id,),
    )


def phones(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Callable numbers first (after « faux numéro » the other valid number is offered), then
    the rest, each in file order."""
    return _rows(
        conn,
        "SELECT position, raw, e164, national, kind, valid, region, tz, to_verify FROM phones "
        "WHERE debtor_id = ? ORDER BY CASE WHEN valid = 1 AND to_verify = 0 THEN 0 ELSE 1 END, position",
        (debtor_id,),
    )


def events(conn: sqlite3.Connection, debtor_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    return _rows(
        conn,
        "SELECT id, at, has_time, channel, direction, outcome, kind, reason, agent, note, tone, script_id "
        "FROM events WHERE debtor_id = ? ORDER BY at DESC, id DESC LIMIT ?",
        (debtor_id, limit),
    )


# Every list below ends its ORDER BY on a unique key: rows that tie came in the plan's order,
# which PostgreSQL does not share with SQLite (its sort keeps no order from 7 rows up; a
# bitmap scan reads rows where updates left them). Where SQLite's own order was meaningful
# it is the one kept.


def payments(conn: sqlite3.Connection, debtor_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """Newest first; payments of the same day, the last imported first (as SQLite read them)."""
    return _rows(
        conn,
        "SELECT ref, paid_on, amount_cents, invoice_ref FROM payments WHERE debtor_id = ? "
        "ORDER BY paid_on DESC, id DESC LIMIT ?",
        (debtor_id, limit),
    )


def promises(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Newest first (the call guide reads the first as the latest); of promises stamped with
    the same instant (one import), the last recorded counts as the latest."""
    out = _rows(
        conn,
        "SELECT id, ref, created_at, recorded_on, agent, total_cents, status, paid_cents, last_due, broken_on, "
        "cancelled_at, cancel_reason FROM promises WHERE debtor_id = ? ORDER BY created_at DESC, id DESC",
        (debtor_id,),
    )
    for p in out:
        p["instalments"] = _rows(
            conn,
            "SELECT seq, due_date, amount_cents, status, allocated_cents FROM instalments "
            "WHERE promise_id = ? ORDER BY seq",
            (p["id"],),
        )
    return out


def open_callbacks(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Soonest first; callbacks set for the same time in the order they were set."""
    return _rows(
        conn,
        "SELECT id, agent, due_at, note FROM callbacks WHERE debtor_id = ? AND done_at IS NULL ORDER BY due_at, id",
        (debtor_id,),
    )


def score_components(conn: sqlite3.Connection, debtor_id: int) -> str:
    row = conn.execute("SELECT components FROM debtor_scores WHERE debtor_id = ?", (debtor_id,)).fetchone()
    return row[0] if row else "[]"


def agent_day_figures(conn: sqlite3.Connection, agent: str, start: str, end: str) -> dict[str, int]:
    """Calls, right-party contacts, promises (count, cents) recorded by `agent` in [start, end)."""
    calls, rpc = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN kind = 'response' THEN 1 ELSE 0 END), 0) FROM events "
        "WHERE agent = ? AND channel = 'call' AND direction = 'out' AND at >= ? AND at < ?",
        (agent, start, end),
    ).fetchone()
    n, cents = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM promises WHERE agent = ? "
        "AND created_at >= ? AND created_at < ? AND status <> 'cancelled'",
        (agent, start, end),
    ).fetchone()
    return {"calls": calls, "rpc": rpc, "promises": n, "promised_cents": cents}


def portfolio_totals(conn: sqlite3.Connection, agent: str) -> dict[str, int]:
    n, cents = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(balance_cents), 0) FROM debtors WHERE agent = ? AND balance_cents > 0",
        (agent,),
    ).fetchone()
    pool_n, pool_cents = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(balance_cents), 0) FROM debtors WHERE agent IS NULL AND balance_cents > 0"
    ).fetchone()
    return {
        "debtors": n,
        "balance_cents": cents,
        "pool_debtors": pool_n,
        "pool_balance_cents": pool_cents,
    }


def all_payments(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Every payment of the debtor, oldest first (the fact sheet replays the ledger)."""
    return _rows(
        conn,
        "SELECT ref, paid_on, amount_cents, invoice_ref FROM payments WHERE debtor_id = ? ORDER BY paid_on, ref",
        (debtor_id,),
    )


def letter_events(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Letters sent, with their own reference, amount and invoices (m012) when they carry them."""
    letters = _rows(
        conn,
        "SELECT id, at, outcome, letter_ref, amount_cents, tracking_number FROM events "
        "WHERE debtor_id = ? AND channel = 'letter' AND direction = 'out' AND kind <> 'neutral' "
        "ORDER BY at DESC, id DESC",
        (debtor_id,),
    )
    covered: dict[int, list[str]] = {}
    for event_id, ref in conn.execute(
        "SELECT li.event_id, li.invoice_ref FROM letter_invoices li JOIN events e ON e.id = li.event_id "
        "WHERE e.debtor_id = ? ORDER BY li.id",
        (debtor_id,),
    ):
        covered.setdefault(int(event_id), []).append(str(ref))
    for letter in letters:
        letter["invoice_refs"] = covered.get(int(letter["id"]), [])
    return letters


def dispute_invoices(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """Every contested invoice of the debtor, open or closed, oldest dispute first: the call
    guide takes an invoice's last line as its state. Disputes opened at the same instant (one
    opened, closed and opened again within the minute) in the order they were opened: by
    `opened_at` alone, SQLite listed the lines by status (its index) and PostgreSQL as its plan
    read them, so the reopened dispute could come before the closed one, and the guide claimed
    a contested invoice."""
    return _rows(
        conn,
        "SELECT di.id, di.dispute_id, di.invoice_ref, di.amount_cents, di.status, di.closed_at, di.closed_by, "
        "d.opened_at, d.handed_to, d.agent FROM dispute_invoices di JOIN disputes d ON d.id = di.dispute_id "
        "WHERE di.debtor_id = ? ORDER BY d.opened_at, d.id, di.invoice_ref",
        (debtor_id,),
    )
