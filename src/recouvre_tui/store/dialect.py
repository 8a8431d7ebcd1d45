"""The few places where the store's SQL must differ between SQLite and PostgreSQL ask here
which engine a connection belongs to (docs/postgresql.md lists them)."""

from __future__ import annotations

from typing import Any


def is_postgres(conn: Any) -> bool:
    """True for the PostgreSQL store's connection (store/pg.py), False for sqlite3's."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"
