"""Stored figures of closed weeks for the wear trend (table `wear_weeks`, migration m013).

The rule (which weeks, when they go stale) is `domain.wear_weeks`; the computation is
`store.wear`. Here: read, save, and invalidate on write. Invalidating deletes the weeks a
write may have changed and, when the write reaches a closed week, changes the
`wear_weeks_generation` counter in `meta` (created by m013): a report that computed weeks from a snapshot
taken before that write saves nothing (`save_weeks` compares the marker).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date

GENERATION_KEY = "wear_weeks_generation"


def read_weeks(conn: sqlite3.Connection, week_starts: Sequence[str], fingerprint: str) -> dict[str, tuple[int, int]]:
    """{week_start: (active, worn)} of the stored weeks among `week_starts` computed under
    `fingerprint`."""
    if not week_starts:
        return {}
    marks = ", ".join("?" * len(week_starts))
    rows = conn.execute(
        f"SELECT week_start, active, worn FROM wear_weeks WHERE fingerprint = ? AND week_start IN ({marks})",
        (fingerprint, *week_starts),
    )
    return {start: (int(active), int(worn)) for start, active, worn in rows}


def generation(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (GENERATION_KEY,)).fetchone()
    return str(row[0]) if row else ""


def save_weeks(
    conn: sqlite3.Connection,
    weeks: Iterable[tuple[str, str, str, int, int]],
    *,
    fingerprint: str,
    computed_at: str,
    seen_generation: str,
) -> int:
    """Store (week_start, week, week_end, active, worn) rows unless a write that reaches
    closed weeks committed since `seen_generation` was read (then the figures may be
    stale: nothing is stored). Returns the rows stored."""
    if generation(conn) != seen_generation:
        return 0
    rows = [(*w, fingerprint, computed_at) for w in weeks]
    conn.executemany(
        "INSERT INTO wear_weeks (week_start, week, week_end, active, worn, fingerprint, computed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (week_start) DO UPDATE SET week = excluded.week, "
        "week_end = excluded.week_end, active = excluded.active, worn = excluded.worn, "
        "fingerprint = excluded.fingerprint, computed_at = excluded.computed_at",
        rows,
    )
    return len(rows)


def invalidate_from(conn: sqlite3.Connection, day: date, *, reaches_closed: bool) -> int:
    """Forget the weeks ending on or after `day` (in the caller's write transaction);
    `reaches_closed`: also change the generation marker. Returns the weeks forgotten."""
    forgotten = conn.execute("DELETE FROM wear_weeks WHERE week_end >= ?", (day.isoformat(),)).rowcount
    if reaches_closed:
        conn.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = ?", (GENERATION_KEY,)
        )
    return int(forgotten)


def stored_weeks(conn: sqlite3.Connection) -> list[tuple[str, str, int, int, str]]:
    """Every stored week (week_start, week, active, worn, fingerprint), oldest first: for
    tests and `doctor`-style checks."""
    return [
        (str(s), str(w), int(a), int(n), str(f))
        for s, w, a, n, f in conn.execute(
            "SELECT week_start, week, active, worn, fingerprint FROM wear_weeks ORDER BY week_start"
        )
    ]
