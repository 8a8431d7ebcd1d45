"""`recouvre copy-to postgresql://…`: move a team's SQLite database to PostgreSQL (docs/postgresql.md).

All in ONE PostgreSQL transaction: the schema (the same migrations as `init`); every table's
rows with their ids, the secondary indexes and foreign keys dropped during the copy and then
built and checked again in bulk (row by row they would cost more than the copy itself); the
search table rebuilt; the id sequences set past the copied ids; then a check — row counts of
every table and the balances per debtor, read on both sides — and the audit row. Any failure
or mismatch rolls everything back: the target stays empty. The source is read in one
snapshot and never written.

Where `ssh authorized-keys --install` wrote on the SQLite side is not copied
(`store/transfer.py:NOT_COPIED`): its lines force `--db` the SQLite file. The front ends
install their keys again from the new database (`recouvre --db URL ssh authorized-keys
--install`), which the command says after a copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.money import cents_to_euros
from ..store import audit
from ..store import transfer as sql
from ..store.db import Store, StoreError
from ..store.target import TargetError, absolute, canonical, is_postgres, masked
from .ssh_access import installed_target

# progress(table, rows copied so far, rows of the table)
Progress = Callable[[str, int, int], None]


class CopyMismatch(StoreError):
    """The check after the copy found a difference: rolled back."""


@dataclass
class CopySummary:
    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)
    debtors: int = 0
    balance_cents: int = 0
    seconds: float = 0.0
    # The authorized_keys file `ssh authorized-keys --install` wrote from the SQLite side, if
    # any: it still sends the agents to the SQLite file until reinstalled from the target.
    authorized_keys: str | None = None

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "target": self.target,
            "tables": self.tables,
            "rows": self.rows,
            "debtors": self.debtors,
            "balance": cents_to_euros(self.balance_cents),  # euros, as every JSON of the CLI
            "seconds": round(self.seconds, 2),
            "authorized_keys_on_sqlite": self.authorized_keys,
        }


COPY_AGAIN = "vide, sans « recouvre init », puis relancez copy-to (il crée le schéma)"


def copy_to(source: Store, url: str, *, now: datetime, actor: str, progress: Progress | None = None) -> CopySummary:
    """Copy `source` (a SQLite store at the current schema) into the empty PostgreSQL database `url`."""
    from ..store.pg import PgStore, apply_migrations, connect, describe_pg_error

    _require_sqlite(source)
    try:
        target_is_pg = is_postgres(url)
    except TargetError as exc:
        raise StoreError(str(exc)) from None
    if not target_is_pg:
        raise StoreError(
            f"copy-to : {url} n'est pas une URL postgresql://… ; pour copier le fichier, « recouvre backup »"
        )
    url = canonical(url)
    label = masked(url)
    # A missing database: created empty, then copy-to again (copy-to creates the schema;
    # « recouvre init » first would make the database non-empty, which copy-to refuses).
    target = PgStore(connect(url, then=COPY_AGAIN), url)
    started = time.monotonic()
    summary = CopySummary(source=source.label, target=label)
    source_path = absolute(source.path)  # the audit names the file wherever the copy was run from
    try:
        with source.read() as src, target.write() as dst:
            existing = sql.target_tables(dst)
            if existing:
                shown = ", ".join(existing[:6]) + ("…" if len(existing) > 6 else "")
                raise StoreError(
                    f"{label} n'est pas vide ({len(existing)} table(s) : {shown}) ; copy-to ne remplit qu'une base "
                    "PostgreSQL vide (createdb NOUVELLE_BASE) ; rien n'a été modifié"
                )
            apply_migrations(dst, url)
            tables = sql.source_tables(src)
            in_target = set(sql.target_tables(dst))
            missing = [t for t in tables if t not in in_target]
            if missing:
                raise StoreError(
                    f"tables absentes du schéma PostgreSQL : {', '.join(missing)} ; copie annulée, rien n'a été modifié"
                )
            with_triggers = sql.tables_with_triggers(dst)
            sql.set_triggers(dst, with_triggers, enabled=False)
            order = sql.parents_first(tables, sql.foreign_keys(dst))
            indexes, constraints = sql.secondary_indexes(dst), sql.foreign_key_constraints(dst)
            sql.drop_indexes(dst, indexes)
            sql.drop_foreign_keys(dst, constraints)
            # Rows the migrations seeded (e.g. m013's meta counter) come from the source instead.
            sql.empty_tables(dst, order)
            for table in order:
                total = sql.count(src, table)
                try:
                    copied = sql.copy_table(
                        src,
                        dst,
                        table,
                        sql.source_columns(src, table),
                        progress=_for_table(progress, table, total),
                    )
                except StoreError:
                    raise
                except Exception as exc:
                    raise StoreError(
                        f"copie de la table {table} impossible : {_first_line(exc)} ; copie annulée, "
                        f"{label} n'a pas été modifiée"
                    ) from exc
                summary.tables[table] = copied
                if progress is not None and (copied == 0 or copied % sql.PROGRESS_EVERY):
                    progress(table, copied, total)  # (a multiple of PROGRESS_EVERY was just told)
            if sql.PG_SEARCH_TABLE in in_target:
                sql.rebuild_search(dst)
            sql.create_indexes(dst, indexes)
            for table, name, definition in constraints:
                try:
                    sql.add_foreign_key(dst, table, name, definition)
                except Exception as exc:
                    raise StoreError(
                        f"références incohérentes dans la base SQLite, table {table} ({definition}) : "
                        f"{_first_line(exc)} ; copie annulée, {label} n'a pas été modifiée"
                    ) from exc
            sql.set_triggers(dst, with_triggers, enabled=True)
            for table, column in sql.identity_columns(dst):
                sql.set_sequence_past_max(dst, table, column)
            check(src, dst, tables)
            installed = installed_target(src)
            summary.authorized_keys = str(installed[0]) if installed is not None else None
            balances = sql.per_debtor(dst, next(iter(sql.BALANCE_FIGURES.values())))
            summary.debtors = len(balances)
            summary.balance_cents = sum(balances.values())
            summary.seconds = time.monotonic() - started
            audit.record(
                dst,
                now=now,
                actor=actor,
                action="copy_to",
                entity="database",
                entity_ref=source_path,
                details={
                    "source": source_path,
                    "tables": len(summary.tables),
                    "rows": summary.rows,
                    "debtors": summary.debtors,
                    "balance_cents": summary.balance_cents,
                },
            )
    except StoreError:
        raise
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        # Told against the target: the CLI's handler would name the SQLite file (--db).
        raise StoreError(describe_pg_error(exc, url)) from exc
    finally:
        target.close()
    return summary


def _require_sqlite(source: Store) -> None:
    if source.kind != "sqlite":
        raise StoreError("copy-to copie une base SQLite (--db FICHIER) vers PostgreSQL ; --db désigne déjà PostgreSQL")


def source_rows(source: Store) -> int:
    """Rows the copy will move (to decide whether to show progress)."""
    _require_sqlite(source)
    with source.read() as src:
        return sum(sql.count(src, t) for t in sql.source_tables(src))


def check(src: object, dst: object, tables: list[str]) -> None:
    """Row counts of every table and the balances per debtor, equal on both sides."""
    for table in tables:
        a, b = sql.count(src, table), sql.count(dst, table)
        if a != b:
            raise CopyMismatch(
                f"contrôle après copie : table {table} : {a} ligne(s) dans SQLite, {b} dans PostgreSQL ; "
                "copie annulée, rien n'a été modifié"
            )
    for figure, query in sql.BALANCE_FIGURES.items():
        problem = compare_per_debtor(sql.per_debtor(src, query), sql.per_debtor(dst, query))
        if problem:
            raise CopyMismatch(f"contrôle après copie : {figure} : {problem} ; copie annulée, rien n'a été modifié")


def compare_per_debtor(before: dict[int, int], after: dict[int, int]) -> str | None:
    """None when equal; else what differs, in French (total first, then the first debtor)."""
    if before == after:
        return None
    total_a, total_b = sum(before.values()), sum(after.values())
    if total_a != total_b:
        return f"total {total_a} centimes dans SQLite, {total_b} dans PostgreSQL"
    for debtor_id in sorted(set(before) | set(after)):
        a, b = before.get(debtor_id, 0), after.get(debtor_id, 0)
        if a != b:
            return f"débiteur n° {debtor_id} : {a} centimes dans SQLite, {b} dans PostgreSQL"
    return None  # only zero sums listed on one side: the same figures


def _for_table(progress: Progress | None, table: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(table, done, total)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
