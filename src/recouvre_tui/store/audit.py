"""Append-only audit trail: who did what, when (triggers forbid UPDATE and DELETE)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from ..domain.dates import to_db


def record(
    conn: sqlite3.Connection,
    *,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_ref: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(*statement(now=now, actor=actor, action=action, entity=entity, entity_ref=entity_ref, details=details))


def statement(
    *,
    now: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_ref: str | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[str, list[Any]]:
    """`record` as (SQL, parameters), for a batch (`dialect.fetch_batch`)."""
    return (
        "INSERT INTO audit (at, actor, action, entity, entity_ref, details) VALUES (?, ?, ?, ?, ?, ?)",
        [
            to_db(now),
            actor,
            action,
            entity,
            entity_ref,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        ],
    )


def page(
    conn: sqlite3.Connection,
    *,
    before_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
) -> list[tuple[int, str, str, str, str, str | None, str]]:
    """Newest first, keyset on id: (id, at, actor, action, entity, entity_ref, details JSON)."""
    sql = "SELECT id, at, actor, action, entity, entity_ref, details FROM audit WHERE 1 = 1"
    params: list[Any] = []
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    if actor:
        sql += " AND actor = ?"
        params.append(actor)
    if action:
        sql += " AND action = ?"
        params.append(action)
    sql += " ORDER BY id DESC LIMIT ?"
    return list(conn.execute(sql, [*params, limit]))
