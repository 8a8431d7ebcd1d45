"""SQL for the scripts report: calls, right-party contacts and promises per script and tone."""

from __future__ import annotations

import sqlite3
from typing import Any


def script_outcomes(conn: sqlite3.Connection, start: str, end: str) -> list[dict[str, Any]]:
    """Per (script_id, tone) over calls in [start, end): calls, RPC, promises and promise ids.
    No tone first on both stores (SQLite sorts NULL first, PostgreSQL last)."""
    rows = conn.execute(
        """
        SELECT e.script_id, e.tone, COUNT(*) AS calls,
               SUM(CASE WHEN e.kind = 'response' THEN 1 ELSE 0 END) AS rpc,
               SUM(CASE WHEN e.outcome IN ('promise', 'plan') THEN 1 ELSE 0 END) AS promises
        FROM events e
        WHERE e.channel = 'call' AND e.direction = 'out' AND e.script_id IS NOT NULL
          AND e.at >= ? AND e.at < ?
        GROUP BY e.script_id, e.tone
        ORDER BY e.script_id, CASE WHEN e.tone IS NULL THEN 0 ELSE 1 END, e.tone
        """,
        (start, end),
    )
    out = [dict(zip(("script_id", "tone", "calls", "rpc", "promises"), r, strict=True)) for r in rows]
    linked = conn.execute(
        """
        SELECT e.script_id, e.tone, p.id, p.debtor_id, p.recorded_on, p.status
        FROM promises p JOIN events e ON e.id = p.event_id
        WHERE e.script_id IS NOT NULL AND e.at >= ? AND e.at < ?
        """,
        (start, end),
    ).fetchall()
    by_key = {(r["script_id"], r["tone"]): r for r in out}
    for script_id, tone, pid, debtor_id, recorded_on, status in linked:
        row = by_key.get((script_id, tone))
        if row is not None:
            row.setdefault("promise_rows", []).append((pid, debtor_id, recorded_on, status))
    return out
