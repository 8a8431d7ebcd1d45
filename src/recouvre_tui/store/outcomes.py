"""SQL for recording a call outcome: the call event, callbacks, flags, phones to verify."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..domain.refs import normalise_ref


@dataclass(frozen=True)
class OutcomeTarget:
    id: int
    agent: str | None
    balance_cents: int
    area: str
    segment: str


def debtor_for_outcome(conn: sqlite3.Connection, ref: str) -> OutcomeTarget | None:
    row = conn.execute(
        "SELECT id, agent, balance_cents, area, segment FROM debtors WHERE ref = ?", (normalise_ref(ref),)
    ).fetchone()
    return OutcomeTarget(*row) if row else None


def insert_event(
    conn: sqlite3.Connection,
    *,
    debtor_id: int,
    at: str,
    channel: str,
    direction: str,
    outcome: str | None,
    kind: str,
    agent: str,
    source: str,
    reason: str | None = None,
    note: str | None = None,
    tone: str | None = None,
    script_id: str | None = None,
    phone: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO events (debtor_id, at, has_time, channel, direction, outcome, kind, reason, "
        "agent, note, tone, script_id, phone, source, created_by, created_at) "
        "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            debtor_id,
            at,
            channel,
            direction,
            outcome,
            kind,
            reason,
            agent,
            note,
            tone,
            script_id,
            phone,
            source,
            agent,
            at,
        ),
    )
    return int(cur.fetchone()[0])


def close_due_callbacks(conn: sqlite3.Connection, debtor_id: int, now: str) -> int:
    """Any outcome closes the debtor's callbacks that were due."""
    return conn.execute(
        "UPDATE callbacks SET done_at = ? WHERE debtor_id = ? AND done_at IS NULL AND due_at <= ?",
        (now, debtor_id, now),
    ).rowcount


def insert_callback(
    conn: sqlite3.Connection,
    *,
    debtor_id: int,
    agent: str | None,
    due_at: str,
    note: str | None,
    event_id: int,
    now: str,
    created_by: str,
) -> int:
    """A callback for `agent`, or for the team when `agent` is None."""
    cur = conn.execute(
        "INSERT INTO callbacks (debtor_id, agent, due_at, note, event_id, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (debtor_id, agent, due_at, note, event_id, created_by, now),
    )
    return int(cur.fetchone()[0])


def open_dispute(conn: sqlite3.Connection, debtor_id: int, now: str) -> None:
    conn.execute("UPDATE debtors SET dispute_open = 1, updated_at = ? WHERE id = ?", (now, debtor_id))


def first_valid_phone(conn: sqlite3.Connection, debtor_id: int) -> str | None:
    row = conn.execute(
        "SELECT e164 FROM phones WHERE debtor_id = ? AND valid = 1 AND to_verify = 0 ORDER BY position LIMIT 1",
        (debtor_id,),
    ).fetchone()
    return row[0] if row else None


def flag_phone_to_verify(conn: sqlite3.Connection, debtor_id: int, e164: str) -> int:
    """Put the number on the « numéro à vérifier » list; the debtor's other numbers stay."""
    return conn.execute("UPDATE phones SET to_verify = 1 WHERE debtor_id = ? AND e164 = ?", (debtor_id, e164)).rowcount
