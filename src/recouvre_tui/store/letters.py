"""SQL for generated letters and court packs: numbering, what a letter covered, tracking."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any


def count_refs_like(conn: sqlite3.Connection, prefix: str) -> int:
    """How many events carry a letter reference starting with `prefix` (numbering), case
    included: a range of the `events_letter_ref` index, compared byte by byte on both stores
    (SQLite's LIKE ignores case, PostgreSQL's does not: a reference typed « med-2026-0001 »
    made the two number the next letter differently)."""
    if not prefix:
        raise ValueError("empty letter reference prefix")
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    row = conn.execute(
        "SELECT COUNT(*) FROM events WHERE letter_ref >= ? AND letter_ref < ?", (prefix, after)
    ).fetchone()
    return int(row[0])


def add_letter_invoices(conn: sqlite3.Connection, event_id: int, covered: Iterable[tuple[str, int]]) -> None:
    conn.executemany(
        "INSERT INTO letter_invoices (event_id, invoice_ref, amount_cents) VALUES (?, ?, ?)",
        [(event_id, ref, cents) for ref, cents in covered],
    )


def letter_by_ref(conn: sqlite3.Connection, debtor_id: int, letter_ref: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id, at, outcome, amount_cents, tracking_number FROM events "
        "WHERE debtor_id = ? AND letter_ref = ? AND channel = 'letter' AND direction = 'out'",
        (debtor_id, letter_ref),
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("id", "at", "outcome", "amount_cents", "tracking_number"), row, strict=True))


def set_tracking(conn: sqlite3.Connection, event_id: int, number: str) -> None:
    conn.execute("UPDATE events SET tracking_number = ? WHERE id = ?", (number, event_id))


def formal_notices(conn: sqlite3.Connection, debtor_id: int) -> list[dict[str, Any]]:
    """The debtor's mises en demeure, newest first."""
    cols = ("id", "at", "letter_ref", "amount_cents", "tracking_number")
    rows = conn.execute(
        f"SELECT {', '.join(cols)} FROM events WHERE debtor_id = ? AND channel = 'letter' AND direction = 'out' "
        "AND outcome = 'formal_notice' ORDER BY at DESC, id DESC",
        (debtor_id,),
    ).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]
