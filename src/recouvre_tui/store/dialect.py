"""The few places where the store's SQL must differ between SQLite and PostgreSQL ask here
which engine a connection belongs to (docs/postgresql.md lists them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def is_postgres(conn: Any) -> bool:
    """True for the PostgreSQL store's connection (store/pg.py), False for sqlite3's."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def fetch_batch(conn: Any, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Any]]:
    """The rows of several statements, run in order (a statement without rows gives []). On
    PostgreSQL they travel together in one round trip (psycopg's pipeline mode): a claim checks
    its candidate with eight of them, and each round trip costs more than the query. SQLite runs
    them one by one (no network)."""
    if is_postgres(conn):
        return conn.fetch_pipelined(statements)  # type: ignore[no-any-return]
    return [conn.execute(sql, list(params)).fetchall() for sql, params in statements]
