"""Backups (SQLite's online backup API, or pg_dump on PostgreSQL: both consistent while agents
keep working) and `migrate`."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..store.db import Store, StoreError
from ..store.pg_backup import Dump, dump
from ..store.schema import migrate as apply_migrations
from ..store.schema import pending_migrations


def backup(store: Store, dest: Path) -> int:
    """Copy the database to `dest` (a new file); returns the number of pages copied."""
    if dest.exists():
        raise StoreError(f"{dest} existe déjà : choisissez un nouveau fichier")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # a copy of debtors' data: owner only
    target = sqlite3.connect(str(tmp))
    try:
        with store.lock:
            store.conn.backup(target, pages=1024)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise StoreError(f"la copie ne passe pas le contrôle d'intégrité : {ok}")
    except BaseException:
        target.close()
        tmp.unlink(missing_ok=True)
        raise
    target.close()
    tmp.replace(dest)  # only a complete, checked copy gets the final name
    return pages


def backup_postgres(store: Store, dest: Path) -> Dump:
    """`pg_dump` in custom format to `dest` (store/pg_backup.py); restored with `pg_restore`."""
    return dump(store.path, dest)


@dataclass(frozen=True)
class Migration:
    backup: Path | None  # None when nothing was pending
    applied: list[str]


def migrate(store: Store, *, now: datetime) -> Migration:
    """`recouvre migrate`: back the database up next to itself, then apply the pending
    migrations (sqlite-utils knows which are applied). On PostgreSQL no file copy: the
    migrations run in one transaction (store/pg.py:migrate_pg), so a failure leaves the schema
    and the data as they were — all or nothing is what the SQLite backup is there to give."""
    if not pending_migrations(store):
        return Migration(None, [])
    if store.kind == "postgresql":
        return Migration(None, apply_migrations(store))
    p = Path(store.path)
    stamp = now.astimezone(UTC) if now.tzinfo else now
    dest = p.with_name(f"{p.stem}.avant-migration-{stamp:%Y%m%d-%H%M%S}Z{p.suffix or '.db'}")
    backup(store, dest)
    return Migration(dest, apply_migrations(store))
