"""Score inputs, set-based: one aggregate query per batch of debtors, then written back.

The score formula itself lives in `domain.priority`; this module only gathers its inputs
(GROUP BY over events, payments and promises) and stores the result.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from .dialect import fetch_batch, is_postgres
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


def score_inputs(conn: sqlite3.Connection, ids: Iterable[int] | range | None) -> Iterator[ScoreInputs]:
    """Inputs for the given debtors (a list of at most a few thousand, a range, or all)."""
    if ids is not None and not isinstance(ids, range):
        wanted = sorted(set(ids))
        if len(wanted) <= SMALL:
            yield from _score_inputs_one_by_one(conn, wanted)
            return
        for chunk in _chunks(wanted):
            yield from _score_inputs(conn, chunk)
        return
    yield from _score_inputs(conn, ids)


# Below this many debtors (an outcome, a small import), a few indexed lookups per debtor beat
# the set-based query, whose temporary indexes cost more than the work itself.
SMALL = 16


def _score_inputs_one_by_one(conn: sqlite3.Connection, ids: list[int]) -> Iterator[ScoreInputs]:
    """Same result as `_score_inputs`, with a few indexed lookups per debtor: two batches in
    all (`dialect.fetch_batch`, one round trip each on PostgreSQL), the second needing the
    first's last response."""
    firsts = fetch_batch(conn, [st for did in ids for st in _facts_statements(did)])
    found: list[tuple[int, list[list[Any]], str | None]] = []
    for n, did in enumerate(ids):
        debtor, resp, pay, prom = firsts[4 * n : 4 * n + 4]
        if not debtor:
            continue
        resp_at, pay_on, prom_at = resp[0][0], pay[0][0], prom[0][0]
        # The last response: a response event, a payment (its day) or a recorded promise.
        candidates = [x for x in (resp_at, f"{pay_on} 00:00:00" if pay_on else None, prom_at) if x]
        found.append((did, [debtor, resp, pay, prom], max(candidates) if candidates else None))
    streaks = fetch_batch(conn, [_streak_statement(did, last) for did, _, last in found])
    for (did, (debtor, resp, pay, prom), _), streak in zip(found, streaks, strict=True):
        balance, oldest, delay = debtor[0]
        responses = resp[0][1] + pay[0][1] + prom[0][1]
        yield ScoreInputs(did, balance, oldest, delay, prom[0][2] or 0, responses, streak[0][0])


def _facts_statements(did: int) -> list[tuple[str, list[Any]]]:
    return [
        ("SELECT balance_cents, oldest_due, avg_payment_delay_days FROM debtors WHERE id = ?", [did]),
        ("SELECT MAX(at), COUNT(*) FROM events WHERE debtor_id = ? AND kind = 'response'", [did]),
        ("SELECT MAX(paid_on), COUNT(*) FROM payments WHERE debtor_id = ?", [did]),
        (
            "SELECT MAX(created_at), COUNT(*), SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END) "
            "FROM promises WHERE debtor_id = ?",
            [did],
        ),
    ]


def _streak_statement(did: int, last: str | None) -> tuple[str, list[Any]]:
    """Reminders since the last response (all of them without one)."""
    if last is None:
        return "SELECT COUNT(*) FROM events WHERE debtor_id = ? AND kind = 'reminder'", [did]
    return "SELECT COUNT(*) FROM events WHERE debtor_id = ? AND kind = 'reminder' AND at > ?", [did, last]


def _score_inputs(conn: sqlite3.Connection, ids: Iterable[int] | range | None) -> Iterator[ScoreInputs]:
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


class ScoreRow(NamedTuple):
    debtor_id: int
    score: float
    days_past_due: int
    broken_promises: int
    never_contacted: int
    wear_streak: int
    components: str  # JSON
    refreshed_at: str


def save_scores(conn: sqlite3.Connection, rows: list[ScoreRow]) -> None:
    update_scores(conn, [(r.score, r.debtor_id) for r in rows])
    upsert_score_rows(conn, rows)


# On PostgreSQL the score writes of a chunk are ONE statement over the chunk's rows, sent as
# one JSON array of row arrays (`jsonb_array_elements`, which SQLite lacks): executemany sends
# one statement per debtor, ~50 µs each even pipelined, which made them most of the nightly
# refresh's time at 1 000 000 debtors. JSON rather than SQL arrays: psycopg escapes text arrays
# in Python, slowly (unnest of arrays: 127 ms a chunk); json.dumps of tuples is C. `jsonb`, not
# `json`: each `->>` on a `json` value parses the element's text again (7 fields, ~800 bytes
# each), `jsonb` is parsed once (45 → 20 ms a chunk). Same rows, same result.
_SCORE_ROWS_JSON = (
    "(SELECT (e->>0)::bigint AS debtor_id, (e->>2)::bigint AS days_past_due, (e->>3)::bigint AS broken_promises, "
    "(e->>4)::bigint AS never_contacted, (e->>5)::bigint AS wear_streak, e->>6 AS components, "
    "e->>7 AS refreshed_at FROM jsonb_array_elements(?::jsonb) AS e) AS v"
)


def _score_rows_json(rows: list[ScoreRow]) -> str:
    """The rows as a JSON array of ScoreRow arrays: the last row of each debtor, as a per-row
    executemany would leave it."""
    return json.dumps(list({r.debtor_id: r for r in rows}.values()))


def update_scores(conn: sqlite3.Connection, rows: list[tuple[float, int]]) -> None:
    """rows: (score, debtor_id); only rows whose score changed are written."""
    if is_postgres(conn):
        if rows:
            last = {debtor_id: score for score, debtor_id in rows}
            conn.execute(
                "UPDATE debtors SET score = v.score FROM (SELECT (e->>0)::bigint AS id, "
                "(e->>1)::double precision AS score FROM jsonb_array_elements(?::jsonb) AS e) AS v "
                "WHERE debtors.id = v.id AND debtors.score <> v.score",
                (json.dumps(list(last.items())),),
            )
        return
    conn.executemany(
        "UPDATE debtors SET score = ?1 WHERE id = ?2 AND score <> ?1",
        rows,
    )


_UPSERT_SCORE_ROWS = (
    "INSERT INTO debtor_scores (debtor_id, days_past_due, broken_promises, never_contacted, "
    "wear_streak, components, refreshed_at) {values} "
    "ON CONFLICT (debtor_id) DO UPDATE SET days_past_due = excluded.days_past_due, "
    "broken_promises = excluded.broken_promises, never_contacted = excluded.never_contacted, "
    "wear_streak = excluded.wear_streak, components = excluded.components, "
    "refreshed_at = excluded.refreshed_at"
)


def upsert_score_rows(conn: sqlite3.Connection, rows: list[ScoreRow]) -> None:
    if is_postgres(conn):
        if rows:
            conn.execute(
                _UPSERT_SCORE_ROWS.format(
                    values="SELECT v.debtor_id, v.days_past_due, v.broken_promises, v.never_contacted, "
                    f"v.wear_streak, v.components, v.refreshed_at FROM {_SCORE_ROWS_JSON}"
                ),
                (_score_rows_json(rows),),
            )
        return
    conn.executemany(
        _UPSERT_SCORE_ROWS.format(values="VALUES (?, ?, ?, ?, ?, ?, ?)"),
        [
            (
                r.debtor_id,
                r.days_past_due,
                r.broken_promises,
                r.never_contacted,
                r.wear_streak,
                r.components,
                r.refreshed_at,
            )
            for r in rows
        ],
    )


def update_score_rows(conn: sqlite3.Connection, rows: list[ScoreRow]) -> None:
    """Like `upsert_score_rows`, for debtors known to have a row already (a plain UPDATE)."""
    if is_postgres(conn):
        if rows:
            conn.execute(
                "UPDATE debtor_scores SET days_past_due = v.days_past_due, broken_promises = v.broken_promises, "
                "never_contacted = v.never_contacted, wear_streak = v.wear_streak, components = v.components, "
                f"refreshed_at = v.refreshed_at FROM {_SCORE_ROWS_JSON} WHERE debtor_scores.debtor_id = v.debtor_id",
                (_score_rows_json(rows),),
            )
        return
    conn.executemany(
        "UPDATE debtor_scores SET days_past_due = ?, broken_promises = ?, never_contacted = ?, "
        "wear_streak = ?, components = ?, refreshed_at = ? WHERE debtor_id = ?",
        [
            (
                r.days_past_due,
                r.broken_promises,
                r.never_contacted,
                r.wear_streak,
                r.components,
                r.refreshed_at,
                r.debtor_id,
            )
            for r in rows
        ],
    )


class StoredScore(NamedTuple):
    """What the nightly needs to rescore a debtor without reading its history again."""

    debtor_id: int
    balance_cents: int
    oldest_due: str | None
    avg_payment_delay_days: float | None
    score: float
    has_inputs: bool  # a debtor_scores row exists (its history was summed before)
    days_past_due: int | None
    broken_promises: int | None
    never_contacted: int | None
    wear_streak: int | None


def stored_scores(conn: sqlite3.Connection, lo: int, hi: int) -> list[StoredScore]:
    return [
        StoredScore(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], r[8], r[9])
        for r in conn.execute(
            "SELECT d.id, d.balance_cents, d.oldest_due, d.avg_payment_delay_days, d.score, "
            "s.debtor_id IS NOT NULL, s.days_past_due, s.broken_promises, s.never_contacted, "
            "s.wear_streak FROM debtors d LEFT JOIN debtor_scores s ON s.debtor_id = d.id "
            "WHERE d.id BETWEEN ? AND ? ORDER BY d.id",
            (lo, hi),
        )
    ]
