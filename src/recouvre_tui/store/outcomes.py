"""SQL for recording a call outcome: the call event, callbacks, flags, phones to verify."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..domain.refs import normalise_ref
from .agents import Agent, agent_from_rows, agent_statement
from .dialect import fetch_batch, is_postgres


@dataclass(frozen=True)
class OutcomeTarget:
    id: int
    agent: str | None
    balance_cents: int
    area: str
    segment: str
    ref: str  # as stored (what was typed, normalised)


def outcome_start(
    conn: sqlite3.Connection, login: str, ref: str
) -> tuple[Agent | None, OutcomeTarget | None, tuple[str, str] | None]:
    """What an outcome's write transaction starts with, in one batch and in this order: the
    agent's row read and locked (`agents.get_agent(lock=True)`), the debtor's row read and
    locked, then the debtor's claim (agent, end of lease), read once the debtor is locked.

    On PostgreSQL outcomes run beside claims and beside each other (`Store.write(shared=True)`);
    the debtor's row lock keeps them apart where they meet: a claim skips a debtor whose
    outcome is being recorded (`SKIP LOCKED`), and an outcome waits for a claim being made on
    its debtor, then sees it. On SQLite the transaction is the only writer anyway."""
    ref = normalise_ref(ref)
    lock = _LOCK_DEBTOR if is_postgres(conn) else ""
    account, debtor, claim = fetch_batch(
        conn,
        [
            agent_statement(conn, login, lock=True),
            (f"SELECT id, agent, balance_cents, area, segment, ref FROM debtors WHERE ref = ?{lock}", [ref]),
            ("SELECT c.agent, c.expires_at FROM claims c JOIN debtors d ON d.id = c.debtor_id WHERE d.ref = ?", [ref]),
        ],
    )
    target = OutcomeTarget(*debtor[0]) if debtor else None
    return agent_from_rows(account), target, ((claim[0][0], claim[0][1]) if claim else None)


# `NO KEY UPDATE`: rows that name the debtor (the event, the claim) still pass their
# foreign-key checks without waiting; a second outcome or a claim of this debtor does wait.
_LOCK_DEBTOR = " FOR NO KEY UPDATE"


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
