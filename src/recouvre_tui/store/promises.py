"""SQL for promises: load them with their instalments and the debtors' payments, save status."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..domain.refs import normalise_ref
from .imports import _chunks, _in


@dataclass
class PromiseRow:
    id: int
    debtor_id: int
    ref: str
    recorded_on: str
    status: str
    paid_cents: int
    broken_on: str | None
    # (id, due_date, amount, status, allocated), filled after the promise rows are read
    instalments: list[tuple[int, str, int, str, int]] = field(default_factory=list)


def load_promises(
    conn: sqlite3.Connection,
    debtor_ids: Iterable[int] | range | None,
    *,
    statuses: tuple[str, ...] = ("pending", "broken", "kept"),
) -> list[PromiseRow]:
    """Promises (not cancelled by default) of those debtors, or of everyone when None."""
    status_in = _in(len(statuses))
    base = (
        "SELECT id, debtor_id, ref, recorded_on, status, paid_cents, broken_on FROM promises "
        f"WHERE status IN ({status_in})"
    )
    rows: list[tuple[Any, ...]] = []
    if debtor_ids is None:
        rows = list(conn.execute(base, statuses))
    elif isinstance(debtor_ids, range):
        rows = list(
            conn.execute(
                f"{base} AND debtor_id BETWEEN ? AND ?",
                (*statuses, debtor_ids.start, debtor_ids.stop - 1),
            )
        )
    else:
        for chunk in _chunks(sorted(set(debtor_ids))):
            rows.extend(conn.execute(f"{base} AND debtor_id IN ({_in(len(chunk))})", (*statuses, *chunk)))
    promises = {r[0]: PromiseRow(*r) for r in rows}
    for chunk in _chunks(sorted(promises)):
        for pid, iid, due, amount, status, allocated in conn.execute(
            "SELECT promise_id, id, due_date, amount_cents, status, allocated_cents FROM instalments "
            f"WHERE promise_id IN ({_in(len(chunk))}) ORDER BY promise_id, due_date, seq",
            chunk,
        ):
            promises[pid].instalments.append((iid, due, amount, status, allocated))
    return list(promises.values())


def payments_by_debtor(conn: sqlite3.Connection, debtor_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """All payments (lettered or not: a payment is a payment) as (date, cents)."""
    out: dict[int, list[tuple[str, int]]] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        for did, on, amount in conn.execute(
            f"SELECT debtor_id, paid_on, amount_cents FROM payments WHERE debtor_id IN ({_in(len(chunk))})",
            chunk,
        ):
            out.setdefault(did, []).append((on, amount))
    return out


def save_promise_status(
    conn: sqlite3.Connection,
    promise_id: int,
    *,
    status: str,
    paid_cents: int,
    broken_on: str | None,
    evaluated_on: str,
    instalments: list[tuple[str, int, int]],  # (status, allocated, instalment id)
) -> None:
    conn.execute(
        "UPDATE promises SET status = ?, paid_cents = ?, broken_on = ?, evaluated_on = ? WHERE id = ?",
        (status, paid_cents, broken_on, evaluated_on, promise_id),
    )
    conn.executemany("UPDATE instalments SET status = ?, allocated_cents = ? WHERE id = ?", instalments)


def refresh_priority_class(conn: sqlite3.Connection, debtor_ids: Iterable[int] | range | None) -> None:
    """Class 1 = a broken promise not yet followed up; else 2 (callbacks are live, class 0)."""
    # Followed up = an outcome recorded in the app, or any call made since it broke
    # (so imported history counts too).
    sub = (
        "SELECT 1 FROM promises p WHERE p.debtor_id = debtors.id "
        "AND p.status = 'broken' AND p.followed_up_at IS NULL AND NOT EXISTS ("
        "SELECT 1 FROM events e WHERE e.debtor_id = p.debtor_id AND e.channel = 'call' "
        "AND e.direction = 'out' AND e.at >= p.broken_on)"
    )
    sql = (
        f"UPDATE debtors SET priority_class = CASE WHEN EXISTS ({sub}) THEN 1 ELSE 2 END "
        f"WHERE priority_class <> CASE WHEN EXISTS ({sub}) THEN 1 ELSE 2 END"
    )
    if debtor_ids is None:
        conn.execute(sql)
        return
    if isinstance(debtor_ids, range):
        conn.execute(f"{sql} AND id BETWEEN ? AND ?", (debtor_ids.start, debtor_ids.stop - 1))
        return
    for chunk in _chunks(sorted(set(debtor_ids))):
        conn.execute(f"{sql} AND id IN ({_in(len(chunk))})", chunk)


def insert_promise(
    conn: sqlite3.Connection,
    *,
    debtor_id: int,
    ref: str | None,
    created_at: str,
    recorded_on: str,
    agent: str | None,
    instalments: list[tuple[str, int]],
    event_id: int | None,
    source: str,
) -> int:
    total = sum(a for _, a in instalments)
    cur = conn.execute(
        "INSERT INTO promises (debtor_id, ref, created_at, recorded_on, agent, total_cents, last_due, "
        "event_id, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            debtor_id,
            ref or "",
            created_at,
            recorded_on,
            agent,
            total,
            max(d for d, _ in instalments),
            event_id,
            source,
        ),
    )
    pid = int(cur.fetchone()[0])
    if not ref:
        conn.execute("UPDATE promises SET ref = ? WHERE id = ?", (f"P{pid:07d}", pid))
    conn.executemany(
        "INSERT INTO instalments (promise_id, seq, due_date, amount_cents) VALUES (?, ?, ?, ?)",
        [(pid, i, due, amount) for i, (due, amount) in enumerate(sorted(instalments), start=1)],
    )
    return pid


def promise_ref(conn: sqlite3.Connection, promise_id: int) -> str:
    return str(conn.execute("SELECT ref FROM promises WHERE id = ?", (promise_id,)).fetchone()[0])


def mark_followed_up(conn: sqlite3.Connection, debtor_id: int, at: str) -> None:
    conn.execute(
        "UPDATE promises SET followed_up_at = ? WHERE debtor_id = ? AND status = 'broken' AND followed_up_at IS NULL",
        (at, debtor_id),
    )


def list_with_payments(
    conn: sqlite3.Connection, *, agent: str | None = None, visible_to: Sequence[str] | None = None
) -> tuple[list[dict[str, Any]], dict[int, list[tuple[str, int]]]]:
    """Every promise with its debtor and instalments, plus the payments of those debtors.

    `agent` filters on who recorded it; `visible_to` restricts to debtors assigned to those
    agents or to nobody (an agent's view, a lead's team); None: every debtor.
    """
    sql = (
        "SELECT p.id, p.ref, p.debtor_id, d.ref, d.name, p.agent, p.created_at, p.recorded_on, p.total_cents, "
        "p.status, p.cancelled_at, p.cancel_reason FROM promises p JOIN debtors d ON d.id = p.debtor_id WHERE 1 = 1"
    )
    params: list[Any] = []
    if agent:
        sql += " AND p.agent = ?"
        params.append(agent)
    if visible_to is not None:
        if visible_to:
            sql += f" AND (d.agent IS NULL OR d.agent IN ({_in(len(visible_to))}))"
            params.extend(visible_to)
        else:
            sql += " AND d.agent IS NULL"
    sql += " ORDER BY p.created_at, p.id"
    cols = (
        "id",
        "ref",
        "debtor_id",
        "debtor_ref",
        "name",
        "agent",
        "created_at",
        "recorded_on",
        "total_cents",
        "stored_status",
        "cancelled_at",
        "cancel_reason",
    )
    rows = [dict(zip(cols, r, strict=True)) for r in conn.execute(sql, params)]
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        r["instalments"] = []
    for chunk in _chunks(sorted(by_id)):
        for pid, due, amount in conn.execute(
            f"SELECT promise_id, due_date, amount_cents FROM instalments WHERE promise_id IN ({_in(len(chunk))}) "
            "ORDER BY promise_id, due_date, seq",
            chunk,
        ):
            by_id[pid]["instalments"].append((due, amount))
    return rows, payments_by_debtor(conn, {r["debtor_id"] for r in rows})


def cancel(conn: sqlite3.Connection, promise_id: int, *, at: str, by: str, reason: str) -> None:
    conn.execute(
        "UPDATE promises SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?, cancel_reason = ? WHERE id = ?",
        (at, by, reason, promise_id),
    )


def find(conn: sqlite3.Connection, ref: str) -> tuple[int, int, str, str | None, str | None] | None:
    """(promise id, debtor id, status, debtor's agent, agent who recorded it) by promise reference."""
    row = conn.execute(
        "SELECT p.id, p.debtor_id, p.status, d.agent, p.agent FROM promises p JOIN debtors d ON d.id = p.debtor_id "
        "WHERE p.ref = ?",
        (normalise_ref(ref),),
    ).fetchone()
    return (row[0], row[1], row[2], row[3], row[4]) if row else None


def debtor_ref_of(conn: sqlite3.Connection, debtor_id: int) -> str:
    return str(conn.execute("SELECT ref FROM debtors WHERE id = ?", (debtor_id,)).fetchone()[0])
