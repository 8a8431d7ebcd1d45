"""SQL for the payments announced on the phone (`payment_checks`, migration m009).

A check is *covered* once positive payments imported after it (`payments.created_at`) add up
to the announced amount (any payment when no amount was given); covered checks never hold
nor come back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .imports import _in

_COVERED = (
    "(SELECT COALESCE(SUM(p.amount_cents), 0) FROM payments p WHERE p.debtor_id = k.debtor_id"
    " AND p.amount_cents > 0 AND p.created_at >= k.created_at)"
    " >= CASE WHEN k.amount_cents > 0 THEN k.amount_cents ELSE 1 END"
)
_OPEN = f"k.done_at IS NULL AND NOT ({_COVERED})"
# For the queue's page filter: the debtor `d` is not held by a check at `?` (now).
NOT_HELD_SQL = f" AND NOT EXISTS (SELECT 1 FROM payment_checks k WHERE k.debtor_id = d.id AND k.until > ? AND {_OPEN})"


def insert(
    conn: sqlite3.Connection,
    *,
    debtor_id: int,
    event_id: int,
    agent: str,
    paid_on: str | None,
    amount_cents: int,
    reference: str | None,
    now: str,
    until: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO payment_checks (debtor_id, event_id, agent, paid_on, amount_cents, reference, created_at, until)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (debtor_id, event_id, agent, paid_on, amount_cents, reference, now, until),
    )
    return int(cur.fetchone()[0])


def held_until_sql(ids: Sequence[int], now: str) -> tuple[str, list[object]]:
    """(debtor_id, latest `until`) of each debtor's uncovered checks still running at `now`."""
    return (
        f"SELECT k.debtor_id, MAX(k.until) FROM payment_checks k WHERE k.debtor_id IN ({_in(len(ids))})"
        f" AND k.until > ? AND {_OPEN} GROUP BY k.debtor_id",
        [*ids, now],
    )


def not_received_statement(now: str) -> tuple[str, list[object]]:
    """`not_received` as (SQL, parameters), for a batch (`dialect.fetch_batch`). Checks over at
    the same instant (announced the same day) in debtor order, on both stores."""
    return (
        f"SELECT k.debtor_id, MIN(k.until) FROM payment_checks k WHERE k.until <= ? AND {_OPEN}"
        " AND NOT EXISTS (SELECT 1 FROM payment_checks k2 WHERE k2.debtor_id = k.debtor_id"
        " AND k2.done_at IS NULL AND k2.until > ?)"
        " GROUP BY k.debtor_id ORDER BY MIN(k.until), k.debtor_id",
        [now, now],
    )


def not_received(conn: sqlite3.Connection, now: str) -> list[tuple[int, str]]:
    """(debtor_id, until) of checks over without the payment, not followed up yet, oldest first."""
    return [(r[0], r[1]) for r in conn.execute(*not_received_statement(now))]


def close_over(conn: sqlite3.Connection, debtor_id: int, now: str) -> int:
    """An outcome recorded after a check ran out follows it up: it stops coming back."""
    return conn.execute(
        "UPDATE payment_checks SET done_at = ? WHERE debtor_id = ? AND done_at IS NULL AND until <= ?",
        (now, debtor_id, now),
    ).rowcount
