"""The SQL of `recouvre copy-to` (services/transfer.py): a SQLite database copied whole into an
empty PostgreSQL database, in one PostgreSQL transaction.

The source's tables are read from `sqlite_master` (not from a list here, so a table added by a
later migration is copied without touching this file); the target's schema is made by the same
migrations (`pg.apply_migrations`), and its foreign keys give the copy order. Rows go through
`COPY … FROM STDIN` with their ids; the derived search table is rebuilt at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from .agents import AUTHORIZED_KEYS_META
from .db import StoreError
from .pg import MIGRATIONS_TABLE, PgConnection, tables

# Not copied: SQLite's own tables, sqlite-utils' migration list (the target has its own,
# filled by the migrations that made its schema) and the FTS5 index with its shadow tables
# (PostgreSQL's search table is rebuilt from the debtors instead).
SQLITE_ONLY_PREFIXES = ("sqlite_", "debtor_search")
SQLITE_ONLY_TABLES = ("_sqlite_migrations",)

# PostgreSQL's search table (store/pg_schema.py, m002): one row of words per debtor, rebuilt in
# one statement rather than by its triggers row by row.
PG_SEARCH_TABLE = "debtor_search"
PG_SEARCH_REBUILD = "INSERT INTO debtor_search (debtor_id, words) SELECT id, _search_words(id) FROM debtors"

PROGRESS_EVERY = 100_000

# Rows that describe the SQLite side's machine rather than the team's data, left out of the copy
# (and of both sides' counts): where `ssh authorized-keys --install` wrote and with which
# `--db` (the SQLite file). Copied, every later access change on PostgreSQL (`agents
# deactivate`, `remove-key`…) would rewrite that authorized_keys with `--db` naming the old
# file, sending the agents back to it; each front end installs its keys from the new database
# instead (`copy-to` says so).
NOT_COPIED: dict[str, str] = {"meta": f"key <> '{AUTHORIZED_KEYS_META}'"}


def source_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [r[0] for r in rows if not r[0].startswith(SQLITE_ONLY_PREFIXES) and r[0] not in SQLITE_ONLY_TABLES]


def source_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    cur = conn.execute(f'SELECT * FROM "{table}" LIMIT 0')
    return [d[0] for d in cur.description]


def _where(table: str) -> str:
    kept = NOT_COPIED.get(table)
    return f" WHERE {kept}" if kept else ""


def count(conn: Any, table: str) -> int:
    """Rows of `table` the copy moves (the same on both sides once copied)."""
    return int(conn.execute(f'SELECT count(*) FROM "{table}"{_where(table)}').fetchone()[0])


def target_tables(conn: PgConnection) -> list[str]:
    """Every relation of the target's schema, including those the role may not read (a
    database is empty only when it has none: `pg.tables`)."""
    return tables(conn)


def target_column_types(conn: PgConnection, table: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def foreign_keys(conn: PgConnection) -> list[tuple[str, str]]:
    """(child table, parent table) for every foreign key of the target's schema."""
    rows = conn.execute(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND n.nspname = current_schema()"
    ).fetchall()
    return [(r[0].strip('"'), r[1].strip('"')) for r in rows]


def parents_first(tables: list[str], fks: list[tuple[str, str]]) -> list[str]:
    """`tables` ordered so that every table comes after the tables it references (a table's
    references to itself do not count); alphabetical among equals, so the order is stable."""
    wanted = set(tables)
    needs = {t: {p for c, p in fks if c == t and p != t and p in wanted} for t in tables}
    order: list[str] = []
    while needs:
        ready = sorted(t for t, parents in needs.items() if not parents)
        if not ready:
            raise StoreError(f"références circulaires entre les tables {', '.join(sorted(needs))} : copie impossible")
        for t in ready:
            order.append(t)
            del needs[t]
        for parents in needs.values():
            parents.difference_update(ready)
    return order


def tables_with_triggers(conn: PgConnection) -> list[str]:
    """Tables carrying our own triggers (not the internal ones enforcing foreign keys)."""
    rows = conn.execute(
        "SELECT DISTINCT t.tgrelid::regclass::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema() "
        "ORDER BY 1"
    ).fetchall()
    return [r[0].strip('"') for r in rows]


def set_triggers(conn: PgConnection, tables: list[str], *, enabled: bool) -> None:
    """Our triggers off while rows are copied as they are (they would recompute the search words
    row by row, or refuse nothing a copy does): only user triggers, foreign keys stay checked."""
    verb = "ENABLE" if enabled else "DISABLE"
    for t in tables:
        conn.execute(f'ALTER TABLE "{t}" {verb} TRIGGER USER')


def empty_tables(conn: PgConnection, tables: list[str]) -> None:
    """Remove what the schema's migrations wrote, in a schema created by this same transaction
    (its triggers are off, so the audit's append-only trigger does not apply)."""
    for table in tables:
        conn.execute(f'DELETE FROM "{table}"')


def secondary_indexes(conn: PgConnection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes not backing a constraint (primary keys and
    UNIQUE stay: they are the copy's own check). Dropped before the copy and built again after,
    in bulk: maintaining them row by row is most of a big copy's time."""
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "JOIN pg_namespace n ON n.nspname = i.schemaname "
        "JOIN pg_class c ON c.relname = i.indexname AND c.relnamespace = n.oid "
        "WHERE i.schemaname = current_schema() AND i.tablename <> ? "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) ORDER BY 1",
        (MIGRATIONS_TABLE,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def foreign_key_constraints(conn: PgConnection) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key. Checked row by row, they cost a big copy
    as much as the copy itself; dropped before it and added back after, each is checked in one
    pass over its table (`ALTER TABLE … ADD CONSTRAINT` validates every row)."""
    rows = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2"
    ).fetchall()
    return [(r[0].strip('"'), r[1], r[2]) for r in rows]


def drop_foreign_keys(conn: PgConnection, constraints: list[tuple[str, str, str]]) -> None:
    for table, name, _ in constraints:
        conn.raw.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')


def add_foreign_key(conn: PgConnection, table: str, name: str, definition: str) -> None:
    conn.raw.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def drop_indexes(conn: PgConnection, indexes: list[tuple[str, str]]) -> None:
    for name, _ in indexes:
        conn.raw.execute(f'DROP INDEX "{name}"')


def create_indexes(conn: PgConnection, indexes: list[tuple[str, str]]) -> None:
    for _, definition in indexes:
        conn.raw.execute(definition)  # as PostgreSQL printed it: not rewritten by pg_sql


def _converters(columns: list[str], types: dict[str, str]) -> list[Callable[[Any], Any] | None]:
    """SQLite stores 3.0 in an INTEGER column if it is given one; PostgreSQL's bigint wants 3."""

    def whole(v: Any) -> Any:
        return int(v) if isinstance(v, float) and v.is_integer() else v

    return [whole if types.get(c) in ("bigint", "integer", "smallint") else None for c in columns]


def copy_table(
    src: sqlite3.Connection,
    dst: PgConnection,
    table: str,
    columns: list[str],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Every row of `table` from SQLite into PostgreSQL with `COPY … FROM STDIN`; rows copied."""
    convert = _converters(columns, target_column_types(dst, table))
    needs_conversion = any(f is not None for f in convert)
    names = ", ".join(f'"{c}"' for c in columns)
    rows = 0
    cur = dst.raw.cursor()
    with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in _rows(src, table, names):
            if needs_conversion:
                row = tuple(v if f is None else f(v) for f, v in zip(convert, row, strict=True))
            copy.write_row(row)
            rows += 1
            if progress is not None and rows % PROGRESS_EVERY == 0:
                progress(rows)
    return rows


def _rows(src: sqlite3.Connection, table: str, names: str) -> Iterator[tuple[Any, ...]]:
    cur = src.execute(f'SELECT {names} FROM "{table}"{_where(table)}')
    while batch := cur.fetchmany(5_000):
        yield from batch


def rebuild_search(dst: PgConnection) -> None:
    dst.execute(PG_SEARCH_REBUILD)


def identity_columns(dst: PgConnection) -> list[tuple[str, str]]:
    rows = dst.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name <> ? ORDER BY 1",
        (MIGRATIONS_TABLE,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def set_sequence_past_max(dst: PgConnection, table: str, column: str) -> None:
    """The next id PostgreSQL hands out is above every id copied (1 on an empty table)."""
    dst.execute(
        f'SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max("{column}") FROM "{table}"), 0) + 1, false)',
        (table, column),
    )


# --- the figures compared on both sides before COMMIT (same SQL on both engines) ---------------

BALANCE_FIGURES: dict[str, str] = {
    "soldes des débiteurs (debtors.balance_cents)": "SELECT id, balance_cents FROM debtors",
    "restant dû des factures (invoices.open_cents)": (
        "SELECT debtor_id, SUM(open_cents) FROM invoices GROUP BY debtor_id"
    ),
    "paiements (payments.amount_cents)": "SELECT debtor_id, SUM(amount_cents) FROM payments GROUP BY debtor_id",
}


def per_debtor(conn: Any, sql: str) -> dict[int, int]:
    return {int(r[0]): int(r[1] or 0) for r in conn.execute(sql).fetchall()}
