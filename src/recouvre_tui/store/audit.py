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
    conn.execute(
        "INSERT INTO audit (at, actor, action, entity, entity_ref, details) VALUES (?, ?, ?, ?, ?, ?)",
        (
            to_db(now),
            actor,
            action,
            entity,
            entity_ref,
            json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
        ),
    )


def recent(
    conn: sqlite3.Connection,
    *,
    limit: int = 100,
    before_id: int | None = None,
    actor: str | None = None,
) -> list[dict[str, Any]]:
    """A page of the trail, newest first (keyset pagination on id)."""
    sql = "SELECT id, at, actor, action, entity, entity_ref, details FROM audit WHERE 1 = 1"
    params: list[Any] = []
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    if actor:
        sql += " AND actor = ?"
        params.append(actor)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    cols = ("id", "at", "actor", "action", "entity", "entity_ref", "details")
    return [dict(zip(cols, r, strict=True)) for r in conn.execute(sql, params)]
