"""Score inputs, set-based: one aggregate query per batch of debtors, then written back.

The score formula itself lives in `domain.priority`; this module only gathers its inputs
(GROUP BY over events, payments and promises) and stores the result.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .imports import _chunks, _in


@dataclass(frozen=True)
class ScoreInputs:
    debtor_id: int
    balance_cents: int
    oldest_due: str | None
    avg_payment_delay_days: float | None
    broken_promises: int
    responses: int
    wear_streak: int


def _where(ids: Iterable[int] | range | None, col: str) -> tuple[str, list[int]]:
    if ids is None:
        return "", []
    if isinstance(ids, range):
        return f" AND {col} BETWEEN ? AND ?", [ids.start, ids.stop - 1]
    lst = list(ids)
    return f" AND {col} IN ({_in(len(lst))})", lst


def score_inputs(
    conn: sqlite3.Connection, ids: Iterable[int] | range | None
) -> Iterator[ScoreInputs]:
    """Inputs for the given debtors (a list of at most a few thousand, a range, or all)."""
    if ids is not None and not isinstance(ids, range):
        for chunk in _chunks(sorted(set(ids))):
            yield from _score_inputs(conn, chunk)
        return
    yield from _score_inputs(conn, ids)


def _score_inputs(
    conn: sqlite3.Connection, ids: Iterable[int] | range | None
) -> Iterator[ScoreInputs]:
    w_d, p_d = _where(ids, "d.id")
    w_e, p_e = _where(ids, "e.debtor_id")
    w_p, p_p = _where(ids, "p.debtor_id")
    w_q, p_q = _where(ids, "q.debtor_id")
    w_e2, p_e2 = _where(ids, "e2.debtor_id")
    # The last response: a response event, a payment (its day) or a recorded promise.
    sql = f"""
    WITH resp AS (
        SELECT e.debtor_id, MAX(e.at) AS last_at, COUNT(*) AS n
        FROM events e WHERE e.kind = 'response'{w_e} GROUP BY e.debtor_id
    ),
    pay AS (
        SELECT p.debtor_id, MAX(p.paid_on) AS last_on, COUNT(*) AS n
        FROM payments p WHERE 1 = 1{w_p} GROUP BY p.debtor_id
    ),
    prom AS (
        SELECT q.debtor_id, MAX(q.created_at) AS last_at, COUNT(*) AS n,
               SUM(CASE WHEN q.status = 'broken' THEN 1 ELSE 0 END) AS broken
        FROM promises q WHERE 1 = 1{w_q} GROUP BY q.debtor_id
    ),
    last AS (
        SELECT d.id AS debtor_id,
               CASE
                   WHEN COALESCE(resp.last_at, '') >= COALESCE(pay.last_on || ' 00:00:00', '')
                    AND COALESCE(resp.last_at, '') >= COALESCE(prom.last_at, '')
                   THEN resp.last_at
                   WHEN COALESCE(pay.last_on || ' 00:00:00', '') >= COALESCE(prom.last_at, '')
                   THEN pay.last_on || ' 00:00:00'
                   ELSE prom.last_at
               END AS last_at,
               COALESCE(resp.n, 0) + COALESCE(pay.n, 0) + COALESCE(prom.n, 0) AS responses,
               COALESCE(prom.broken, 0) AS broken
        FROM debtors d
        LEFT JOIN resp ON resp.debtor_id = d.id
        LEFT JOIN pay ON pay.debtor_id = d.id
        LEFT JOIN prom ON prom.debtor_id = d.id
        WHERE 1 = 1{w_d}
    ),
    streak AS (
        SELECT e2.debtor_id, COUNT(*) AS n
        FROM events e2 JOIN last ON last.debtor_id = e2.debtor_id
        WHERE e2.kind = 'reminder' AND (last.last_at IS NULL OR e2.at > last.last_at){w_e2}
        GROUP BY e2.debtor_id
    )
    SELECT d.id, d.balance_cents, d.oldest_due, d.avg_payment_delay_days,
           last.broken, last.responses, COALESCE(streak.n, 0)
    FROM debtors d
    JOIN last ON last.debtor_id = d.id
    LEFT JOIN streak ON streak.debtor_id = d.id
    WHERE 1 = 1{w_d}
    """
    params = [*p_e, *p_p, *p_q, *p_d, *p_e2, *p_d]
    for row in conn.execute(sql, params):
        yield ScoreInputs(*row)


def save_scores(
    conn: sqlite3.Connection,
    rows: list[tuple[int, float, int, int, int, int, list[dict[str, object]], str]],
) -> None:
    """rows: (debtor_id, score, days_past_due, broken, never_contacted, streak, components, now)."""
    conn.executemany(
        "UPDATE debtors SET score = ? WHERE id = ? AND score <> ?",
        [(r[1], r[0], r[1]) for r in rows],
    )
    conn.executemany(
        "INSERT INTO debtor_scores (debtor_id, days_past_due, broken_promises, never_contacted, "
        "wear_streak, components, refreshed_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (debtor_id) DO UPDATE SET days_past_due = excluded.days_past_due, "
        "broken_promises = excluded.broken_promises, never_contacted = excluded.never_contacted, "
        "wear_streak = excluded.wear_streak, components = excluded.components, "
        "refreshed_at = excluded.refreshed_at",
        [(r[0], r[2], r[3], r[4], r[5], json.dumps(r[6], ensure_ascii=False), r[7]) for r in rows],
    )
