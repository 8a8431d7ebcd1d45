"""SQL for the team lead's console: assignment, flags, overrides, mise en demeure, team board,
queue review across agents, KPIs, audit trail pages, and the agents' live sessions.

Portable SQL only (CASE, COALESCE, ROW_NUMBER() OVER, INSERT … ON CONFLICT): the PostgreSQL
store can copy these queries. Days past due are turned into dates by the caller's `today`, so
no date arithmetic happens in SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.filters import BLOCKED_CHOICES as BLOCKED_CHOICES  # re-exported
from ..domain.filters import DebtorFilter as DebtorFilter  # re-exported
from ..domain.refs import normalise_ref
from .filters import filter_where
from .imports import _chunks, _in
from .queue import Candidate, ordered_page

# --- debtors: lookups and lead writes ------------------------------------------------------------


@dataclass
class DebtorState:
    id: int
    ref: str
    agent: str | None
    on_hold: bool
    hold_reason: str | None
    do_not_call: bool
    dispute_open: bool
    stage_override: str | None
    tone_override: str | None
    balance_cents: int


_STATE_COLS = (
    "id, ref, agent, on_hold, hold_reason, do_not_call, dispute_open, stage_override, tone_override, balance_cents"
)


def _state(r: Sequence[Any]) -> DebtorState:
    return DebtorState(r[0], r[1], r[2], bool(r[3]), r[4], bool(r[5]), bool(r[6]), r[7], r[8], r[9])


def debtor_state(conn: sqlite3.Connection, ref: str) -> DebtorState | None:
    row = conn.execute(f"SELECT {_STATE_COLS} FROM debtors WHERE ref = ?", (normalise_ref(ref),)).fetchone()
    return _state(row) if row else None


def debtor_states(conn: sqlite3.Connection, refs: Sequence[str]) -> dict[str, DebtorState]:
    out: dict[str, DebtorState] = {}
    for chunk in _chunks(sorted(set(refs))):
        for r in conn.execute(f"SELECT {_STATE_COLS} FROM debtors WHERE ref IN ({_in(len(chunk))})", list(chunk)):
            out[r[1]] = _state(r)
    return out


def assign_ids(conn: sqlite3.Connection, ids: Sequence[int], agent: str | None, now: str) -> int:
    """Assign those debtors to `agent` (None = the pool); their open callbacks follow."""
    n = 0
    for chunk in _chunks(sorted(set(ids))):
        conn.execute(
            f"UPDATE callbacks SET agent = ? WHERE done_at IS NULL AND debtor_id IN ({_in(len(chunk))})",
            [agent, *chunk],
        )
        n += conn.execute(
            f"UPDATE debtors SET agent = ?, updated_at = ? WHERE id IN ({_in(len(chunk))})",
            [agent, now, *chunk],
        ).rowcount
    return n


def _movable(agent: str | None, now: str) -> tuple[str, list[Any]]:
    """Not already with `agent`, and not in a call with another agent (a live claim)."""
    sql = " AND d.agent IS NOT NULL" if agent is None else " AND (d.agent IS NULL OR d.agent <> ?)"
    params: list[Any] = [] if agent is None else [agent]
    sql += " AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.debtor_id = d.id AND c.expires_at > ?"
    params.append(now)
    if agent is not None:
        sql += " AND c.agent <> ?"
        params.append(agent)
    return sql + ")", params


def count_matching(conn: sqlite3.Connection, flt: DebtorFilter, today: date) -> int:
    where, params = filter_where(flt, today)
    return int(conn.execute(f"SELECT COUNT(*) FROM debtors d WHERE {where}", params).fetchone()[0])


def count_movable(conn: sqlite3.Connection, flt: DebtorFilter, today: date, agent: str | None, now: str) -> int:
    """Matching debtors a reassignment to `agent` would move."""
    where, params = filter_where(flt, today)
    extra, more = _movable(agent, now)
    return int(conn.execute(f"SELECT COUNT(*) FROM debtors d WHERE {where}{extra}", [*params, *more]).fetchone()[0])


def reassign_matching(conn: sqlite3.Connection, flt: DebtorFilter, today: date, agent: str | None, now: str) -> int:
    """Move every movable matching debtor to `agent` (None = the pool), with its open callbacks.

    Two statements on the same id set (callbacks first: the filter may select on the agent).
    """
    where, params = filter_where(flt, today)
    extra, more = _movable(agent, now)
    ids = f"SELECT d.id FROM debtors d WHERE {where}{extra}"
    conn.execute(
        f"UPDATE callbacks SET agent = ? WHERE done_at IS NULL AND debtor_id IN ({ids})", [agent, *params, *more]
    )
    return conn.execute(
        f"UPDATE debtors SET agent = ?, updated_at = ? WHERE id IN ({ids})", [agent, now, *params, *more]
    ).rowcount


def claimed_by_other(
    conn: sqlite3.Connection, debtor_ids: Sequence[int], agent: str | None, now: str
) -> dict[int, str]:
    """debtor id → login of a live claim held by someone other than `agent`."""
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        for did, holder in conn.execute(
            f"SELECT debtor_id, agent FROM claims WHERE expires_at > ? AND debtor_id IN ({_in(len(chunk))})",
            [now, *chunk],
        ):
            if holder != agent:
                out[did] = holder
    return out


def set_hold(conn: sqlite3.Connection, debtor_id: int, on: bool, reason: str | None, now: str) -> None:
    conn.execute(
        "UPDATE debtors SET on_hold = ?, hold_reason = ?, updated_at = ? WHERE id = ?",
        (int(on), reason if on else None, now, debtor_id),
    )


def set_do_not_call(conn: sqlite3.Connection, debtor_id: int, on: bool, now: str) -> None:
    conn.execute("UPDATE debtors SET do_not_call = ?, updated_at = ? WHERE id = ?", (int(on), now, debtor_id))


def set_letter_details(
    conn: sqlite3.Connection, event_id: int, *, letter_ref: str | None, amount_cents: int | None
) -> None:
    """A letter's own reference and claimed amount (m006 columns), cited by the call scripts."""
    conn.execute(
        "UPDATE events SET letter_ref = ?, amount_cents = ? WHERE id = ?", (letter_ref, amount_cents, event_id)
    )


def close_dispute(conn: sqlite3.Connection, debtor_id: int, now: str) -> None:
    conn.execute("UPDATE debtors SET dispute_open = 0, updated_at = ? WHERE id = ?", (now, debtor_id))


def set_overrides(conn: sqlite3.Connection, debtor_id: int, stage: str | None, tone: str | None, now: str) -> None:
    conn.execute(
        "UPDATE debtors SET stage_override = ?, tone_override = ?, updated_at = ? WHERE id = ?",
        (stage, tone, now, debtor_id),
    )


def insert_lead_event(
    conn: sqlite3.Connection,
    *,
    debtor_id: int,
    at: str,
    has_time: bool,
    channel: str,
    direction: str,
    outcome: str | None,
    kind: str,
    agent: str,
    note: str | None,
    source: str,
    created_at: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO events (debtor_id, at, has_time, channel, direction, outcome, kind, agent, note, source, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (debtor_id, at, int(has_time), channel, direction, outcome, kind, agent, note, source, agent, created_at),
    )
    return int(cur.fetchone()[0])


def overdue_invoices(conn: sqlite3.Connection, debtor_id: int, today: str) -> list[tuple[str, str, int]]:
    """(ref, due_date, open_cents) of the debtor's invoices still open and due before `today`."""
    rows = conn.execute(
        "SELECT ref, due_date, open_cents FROM invoices WHERE debtor_id = ? AND open_cents > 0 AND due_date < ? "
        "ORDER BY due_date, ref",
        (debtor_id, today),
    ).fetchall()
    return [(r[0], r[1], int(r[2])) for r in rows]


def debtor_identity(conn: sqlite3.Connection, debtor_id: int) -> tuple[str, str, str | None, str | None]:
    """(name, segment, postcode, country)."""
    r = conn.execute("SELECT name, segment, postcode, country FROM debtors WHERE id = ?", (debtor_id,)).fetchone()
    return (r[0], r[1], r[2], r[3])


def last_formal_notice(conn: sqlite3.Connection, debtor_id: int, outcome: str) -> str | None:
    """Instant (`at`) of the debtor's latest mise en demeure, or None."""
    r = conn.execute(
        "SELECT MAX(at) FROM events WHERE debtor_id = ? AND channel = 'letter' AND direction = 'out' AND outcome = ?",
        (debtor_id, outcome),
    ).fetchone()
    return r[0] if r else None


def agent_exists(conn: sqlite3.Connection, login: str) -> tuple[bool, bool]:
    """(exists, active)."""
    row = conn.execute("SELECT active FROM agents WHERE login = ?", (login,)).fetchone()
    return (row is not None, bool(row[0]) if row else False)


# --- queue review across agents --------------------------------------------------------------


def review_page(
    conn: sqlite3.Connection,
    flt: DebtorFilter,
    today: date,
    *,
    after: tuple[int, float, str] | None,
    limit: int,
) -> list[Candidate]:
    """One page of every matching debtor in queue order (class, score desc, ref), after `after`."""
    where, params = filter_where(flt, today)
    return ordered_page(conn, where, params, after=after, limit=limit)


# --- team board ------------------------------------------------------------------------------


def sessions(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str | None, str | None]]:
    """login → (state, last_seen, ref, name of the debtor open in the session)."""
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in conn.execute(
            "SELECT s.agent, s.state, s.last_seen, d.ref, d.name FROM agent_sessions s "
            "LEFT JOIN debtors d ON d.id = s.debtor_id"
        )
    }


def live_claims(conn: sqlite3.Connection, now: str) -> dict[str, tuple[str, str, str]]:
    """login → (debtor ref, debtor name, claimed_at) of unexpired claims."""
    return {
        r[0]: (r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT c.agent, d.ref, d.name, c.claimed_at FROM claims c JOIN debtors d ON d.id = c.debtor_id "
            "WHERE c.expires_at > ?",
            (now,),
        )
    }


def call_counts(conn: sqlite3.Connection, start: str, end: str, rpc_codes: Sequence[str]) -> dict[str, tuple[int, int]]:
    """login → (outbound calls, right-party contacts) with `at` in [start, end)."""
    marks = _in(len(rpc_codes))
    return {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            f"SELECT agent, COUNT(*), COALESCE(SUM(CASE WHEN outcome IN ({marks}) THEN 1 ELSE 0 END), 0) "
            "FROM events WHERE channel = 'call' AND direction = 'out' AND agent IS NOT NULL "
            "AND at >= ? AND at < ? GROUP BY agent",
            [*rpc_codes, start, end],
        )
    }


def contact_counts(
    conn: sqlite3.Connection, start: str, end: str, rpc_codes: Sequence[str], promise_codes: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """login → (right-party contacts by call, outbound and inbound; of those, ending in a promise
    or a plan) with `at` in [start, end). The second is a subset of the first, so their ratio
    never exceeds 1."""
    rpc, prom = _in(len(rpc_codes)), _in(len(promise_codes))
    return {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            f"SELECT agent, COUNT(*), COALESCE(SUM(CASE WHEN outcome IN ({prom}) THEN 1 ELSE 0 END), 0) "
            f"FROM events WHERE channel = 'call' AND agent IS NOT NULL AND outcome IN ({rpc}) "
            "AND at >= ? AND at < ? GROUP BY agent",
            [*promise_codes, *rpc_codes, start, end],
        )
    }


def last_calls(conn: sqlite3.Connection, start: str, end: str) -> dict[str, tuple[str | None, str, str]]:
    """login → (outcome, at, debtor ref) of each agent's latest outbound call in [start, end)."""
    sql = (
        "SELECT agent, outcome, at, ref FROM ("
        " SELECT e.agent, e.outcome, e.at, d.ref,"
        " ROW_NUMBER() OVER (PARTITION BY e.agent ORDER BY e.at DESC, e.id DESC) AS n"
        " FROM events e JOIN debtors d ON d.id = e.debtor_id"
        " WHERE e.channel = 'call' AND e.direction = 'out' AND e.agent IS NOT NULL AND e.at >= ? AND e.at < ?"
        ") last WHERE n = 1"
    )
    return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(sql, (start, end))}


def promises_recorded(conn: sqlite3.Connection, start: str, end: str) -> dict[str, tuple[int, int]]:
    """login → (count, cents) of promises created in [start, end), cancelled ones left out."""
    return {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            "SELECT agent, COUNT(*), COALESCE(SUM(total_cents), 0) FROM promises WHERE agent IS NOT NULL "
            "AND created_at >= ? AND created_at < ? AND status <> 'cancelled' GROUP BY agent",
            (start, end),
        )
    }


def portfolio_loads(conn: sqlite3.Connection) -> list[tuple[str | None, int, int, int]]:
    """(agent or None for the pool, debtors, balance cents, blocked) over debtors with open balance."""
    return [
        (r[0], int(r[1]), int(r[2]), int(r[3]))
        for r in conn.execute(
            "SELECT agent, COUNT(*), COALESCE(SUM(balance_cents), 0), "
            "COALESCE(SUM(CASE WHEN on_hold = 1 OR do_not_call = 1 OR dispute_open = 1 THEN 1 ELSE 0 END), 0) "
            "FROM debtors WHERE balance_cents > 0 GROUP BY agent"
        )
    ]


# --- KPIs ------------------------------------------------------------------------------------


def collected_by_assigned_agent(conn: sqlite3.Connection, first: str, last: str) -> dict[str | None, int]:
    """Payments dated in [first, last] (dates) by the debtor's *current* agent (None = pool)."""
    return {
        r[0]: int(r[1])
        for r in conn.execute(
            "SELECT d.agent, COALESCE(SUM(p.amount_cents), 0) FROM payments p JOIN debtors d ON d.id = p.debtor_id "
            "WHERE p.paid_on >= ? AND p.paid_on <= ? GROUP BY d.agent",
            (first, last),
        )
    }


# --- audit trail -----------------------------------------------------------------------------


# --- sessions (heartbeats from the TUI) ----------------------------------------------------------


def session_of(conn: sqlite3.Connection, agent: str) -> tuple[str, str] | None:
    """(state, last_seen) of the agent's session row."""
    row = conn.execute("SELECT state, last_seen FROM agent_sessions WHERE agent = ?", (agent,)).fetchone()
    return (row[0], row[1]) if row else None


def upsert_session(
    conn: sqlite3.Connection,
    *,
    agent: str,
    pid: int | None,
    state: str,
    debtor_id: int | None,
    now: str,
    new_session: bool,
) -> None:
    if new_session:
        conn.execute(
            "INSERT INTO agent_sessions (agent, pid, state, debtor_id, started_at, last_seen) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent) DO UPDATE SET pid = excluded.pid, "
            "state = excluded.state, debtor_id = excluded.debtor_id, started_at = excluded.started_at, "
            "last_seen = excluded.last_seen",
            (agent, pid, state, debtor_id, now, now),
        )
    else:
        conn.execute(
            "UPDATE agent_sessions SET pid = ?, state = ?, debtor_id = ?, last_seen = ? WHERE agent = ?",
            (pid, state, debtor_id, now, agent),
        )


def end_session(conn: sqlite3.Connection, agent: str, now: str) -> bool:
    return (
        conn.execute(
            "UPDATE agent_sessions SET state = 'ended', debtor_id = NULL, last_seen = ? "
            "WHERE agent = ? AND state <> 'ended'",
            (now, agent),
        ).rowcount
        > 0
    )
