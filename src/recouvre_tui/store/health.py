"""SQL for `recouvre doctor`: integrity, schema, claims, data-quality counts."""

from __future__ import annotations

import sqlite3

from .dialect import is_postgres


def integrity(conn: sqlite3.Connection) -> list[str]:
    if is_postgres(conn):
        # The server checks its pages itself (data checksums, amcheck for the DBA): reading
        # every table back is the check within our reach.
        for table in ("debtors", "invoices", "payments", "events", "promises", "audit"):
            conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        return ["ok"]
    return [r[0] for r in conn.execute("PRAGMA integrity_check")]


def foreign_key_problems(conn: sqlite3.Connection) -> int:
    if is_postgres(conn):
        return 0  # PostgreSQL enforces every foreign key on every write; none can be switched off
    return len(conn.execute("PRAGMA foreign_key_check").fetchall())


def stale_claims(conn: sqlite3.Connection, now: str) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM claims WHERE expires_at <= ?", (now,)).fetchone()[0])


def without_valid_phone(conn: sqlite3.Connection) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM debtors d WHERE d.balance_cents > 0 AND NOT EXISTS "
            "(SELECT 1 FROM phones p WHERE p.debtor_id = d.id AND p.valid = 1 AND p.to_verify = 0)"
        ).fetchone()[0]
    )


def numbers_to_verify(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM phones WHERE to_verify = 1").fetchone()[0])


def unreminded(conn: sqlite3.Connection, since: str) -> int:
    """Open balance and no reminder since `since` (nobody is chasing them)."""
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM debtors d WHERE d.balance_cents > 0 AND NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.debtor_id = d.id AND e.kind = 'reminder' AND e.at >= ?)",
            (since,),
        ).fetchone()[0]
    )


def last_refresh(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT MAX(finished_at) FROM job_runs WHERE job = 'refresh'").fetchone()
    return row[0] if row else None


def job_lock(conn: sqlite3.Connection, name: str) -> tuple[str, str, str] | None:
    row = conn.execute("SELECT holder, acquired_at, expires_at FROM job_locks WHERE name = ?", (name,)).fetchone()
    return (row[0], row[1], row[2]) if row else None


def credit_balances(conn: sqlite3.Connection, limit: int = 5) -> tuple[int, int, list[tuple[str, str, int]]]:
    """Debtors the ledger owes money to (overpaid, advance not yet applied): count, total
    (negative cents), and the largest ones as (ref, name, balance)."""
    count, total = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(balance_cents), 0) FROM debtors WHERE balance_cents < 0"
    ).fetchone()
    top = conn.execute(
        "SELECT ref, name, balance_cents FROM debtors WHERE balance_cents < 0 ORDER BY balance_cents, ref LIMIT ?",
        (limit,),
    ).fetchall()
    return int(count), int(total), [(r[0], r[1], int(r[2])) for r in top]


def doubtful(conn: sqlite3.Connection) -> tuple[int, int]:
    """Debtors with a balance on doubtful-customer accounts (416): count and total cents."""
    count, total = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(doubtful_cents), 0) FROM debtors WHERE doubtful_cents > 0"
    ).fetchone()
    return int(count), int(total)
