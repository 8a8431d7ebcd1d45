"""Backups with SQLite's online backup API (consistent while agents keep working)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..store.db import Store, StoreError


def backup(store: Store, dest: Path) -> int:
    """Copy the database to `dest` (a new file); returns the number of pages copied."""
    if dest.exists():
        raise StoreError(f"{dest} existe déjà : choisissez un nouveau fichier")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".partial")
    target = sqlite3.connect(str(tmp))
    try:
        with store.lock:
            store.conn.backup(target, pages=1024)
        pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise StoreError(f"la copie ne passe pas le contrôle d'intégrité : {ok}")
    finally:
        target.close()
    tmp.replace(dest)  # only a complete, checked copy gets the final name
    return pages
