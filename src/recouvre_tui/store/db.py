"""Opening the database and running write transactions.

Every connection: WAL, busy_timeout, foreign keys on, synchronous=NORMAL, and
autocommit mode (`isolation_level=None`) so that *we* decide where a transaction
starts. Writes that read first run in `BEGIN IMMEDIATE`: the write lock is taken at
the start, so two sessions can never both read "free" and both write "mine".
sqlite-utils' `atomic()` is a deferred BEGIN and would fail under concurrency.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 5_000
# Waiting for the write lock: SQLite's own busy handler sleeps longer and longer (up to
# 100 ms a try) and is not fair, so under many writers some wait seconds while others pass
# again and again. `BEGIN IMMEDIATE` therefore polls with short, jittered sleeps instead,
# for at most this long, then reports a clear error.
WRITE_WAIT_S = 15.0
_POLL_MIN_S = 0.0002
_POLL_MAX_S = 0.002


class StoreError(Exception):
    """A database problem worth telling the user about (message in French)."""


class Store:
    """One connection plus a lock, so thread workers can share it safely."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path
        self.lock = threading.RLock()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        with self.lock:
            self.db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A `BEGIN IMMEDIATE` transaction: commit on success, roll back on any error."""
        with self.lock:
            conn = self.conn
            if conn.in_transaction:
                raise StoreError("transaction déjà ouverte sur cette connexion")
            _begin_immediate(conn)
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs (deferred BEGIN, read only)."""
        with self.lock:
            conn = self.conn
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes when *another* connection commits (cheap change detection for the TUI)."""
        with self.lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _begin_immediate(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + WRITE_WAIT_S
        delay = _POLL_MIN_S
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError("la base est occupée par une autre opération ; réessayez dans un instant") from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, _POLL_MAX_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def connect(path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal" and str(path) != ":memory:":
        raise StoreError(f"impossible de passer la base {path} en mode WAL (mode {mode})")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_db(path: str | Path, *, migrate: bool = True, create: bool = True) -> Store:
    """Open (and by default create and migrate) the database at `path`."""
    p = Path(path)
    if str(path) != ":memory:":
        if not p.exists() and not create:
            raise StoreError(
                f"base introuvable : {p} (créez-la avec « recouvre init » ou indiquez-la avec --db / RECOUVRE_DB)"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = connect(p)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{p} n'est pas une base recouvre lisible : {exc}") from exc
    store = Store(sqlite_utils.Database(conn), str(p))
    if migrate:
        from .schema import migrate as run_migrations

        run_migrations(store)
    return store
